//! The `/search` page and the paper page's similar papers (the search APIs are in `api`).

use super::html::{escape, page_for};
use super::listings::{internal, render_rows, RowContext};
use super::session::Viewer;
use crate::app::AppState;
use crate::search::params::{parse_params, SearchParams, MAX_QUERY};
use crate::search::{found, Mode, SearchRequest};
use crate::server::request::RequestId;
use axum::extract::{Extension, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use std::fmt::Write;

const PAGE_SIZE: usize = 20;

fn link(req: &SearchRequest, page: usize) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", &req.text).append_pair("mode", req.mode.as_str());
    if !req.window.categories.is_empty() {
        s.append_pair("cat", &req.window.categories.join(","));
    }
    if let Some(f) = req.window.from {
        s.append_pair("from", &f.to_string());
    }
    if let Some(t) = req.window.to {
        s.append_pair("to", &t.to_string());
    }
    s.append_pair("page", &page.to_string());
    format!("/search?{}", s.finish())
}

fn form(req: &SearchRequest, semantic: bool) -> String {
    let option = |m: Mode, label: &str| {
        format!(
            r#"<option value="{v}"{sel}>{label}</option>"#,
            v = m.as_str(),
            sel = if req.mode == m { " selected" } else { "" }
        )
    };
    let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    format!(
        r#"<form class="search" method="get" action="/search" role="search">
<input type="search" name="q" value="{q}" maxlength="{MAX_QUERY}" placeholder="Search papers: words, &quot;a phrase&quot;, ti:, au:, abs:, cat:, id:" aria-label="Search" autofocus>
<select name="mode" aria-label="Mode">{k}{h}{s}</select>
<input name="cat" value="{cat}" placeholder="categories, e.g. cs.LG,cs.CL" aria-label="Categories" size="18">
<label>from <input type="date" name="from" value="{from}"></label> <label>to <input type="date" name="to" value="{to}"></label>
<button type="submit">Search</button></form>{off}"#,
        q = escape(&req.text),
        k = option(Mode::Keyword, "Keyword"),
        h = option(Mode::Hybrid, "Hybrid"),
        s = option(Mode::Semantic, "Semantic"),
        cat = escape(&req.window.categories.join(",")),
        from = d(req.window.from),
        to = d(req.window.to),
        off = if semantic {
            ""
        } else {
            r#"<p class="meta notice">Semantic search is off on this instance (no embedding model is loaded yet): keyword search only.</p>"#
        },
    )
}

const HELP: &str = r#"<p class="meta">Words are matched in titles (which count double), abstracts and authors. Use <code>"a phrase"</code>, <code>ti:</code>, <code>au:</code>, <code>abs:</code>, <code>cat:cs.LG</code>, <code>id:2508.04010</code>, <code>-word</code> to exclude, <code>AND</code>/<code>OR</code>. <b>Hybrid</b> (the default) blends keyword and meaning; <b>semantic</b> finds papers that say the same thing in other words.</p>"#;

/// `GET /search`.
pub async fn page(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    Query(params): Query<SearchParams>,
) -> Response {
    let semantic = state.search.as_ref().is_some_and(|s| s.vectors().is_some());
    let req = match parse_params(&params, PAGE_SIZE, PAGE_SIZE) {
        Ok(r) => r,
        Err((_, message)) => {
            let body = format!("<h1>Search</h1><p class=\"notice\">{}</p>", escape(&message));
            return (StatusCode::BAD_REQUEST, Html(page_for(&viewer, "Search", &body))).into_response();
        }
    };
    let mut body = format!("<h1>Search</h1>{}", form(&req, semantic));
    if req.text.is_empty() {
        body.push_str(HELP);
        return Html(page_for(&viewer, "Search", &body)).into_response();
    }
    let (results, papers) = match found::search(state.search.as_deref(), &state.store, &req).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            body.push_str("<p class=\"notice\">Search is turned off on this instance.</p>");
            return Html(page_for(&viewer, "Search", &body)).into_response();
        }
        Err(e) => return failed(&rid, e),
    };
    for n in &results.notices {
        let _ = write!(body, r#"<p class="meta notice">{}</p>"#, escape(n));
    }
    let _ = write!(
        body,
        r#"<p class="meta">{total}{more} {noun} · {mode}</p>"#,
        total = results.total,
        more = if results.total_exact { "" } else { "+" },
        noun = if results.total == 1 { "result" } else { "results" },
        mode = results.mode.as_str()
    );
    let mut ctx = match RowContext::load(&state, &viewer, &papers).await {
        Ok(c) => c,
        Err(e) => return internal(&rid, e),
    };
    ctx.snippets =
        results.hits.iter().map(|h| (h.id.clone(), (h.title_html.clone(), h.abstract_html.clone()))).collect();
    body.push_str(r#"<section class="papers">"#);
    if papers.is_empty() {
        body.push_str("<p>Nothing matched. Try other words, another mode, or fewer filters.</p>");
    }
    render_rows(&mut body, &papers, &ctx);
    body.push_str("</section>");
    let page = req.offset / req.limit + 1;
    let mut nav = String::new();
    if page > 1 {
        let _ = write!(nav, r#"<a rel="prev" href="{}">← Previous</a> "#, escape(&link(&req, page - 1)));
    }
    if req.offset + req.limit < results.total {
        let _ = write!(nav, r#"<a rel="next" href="{}">Next →</a>"#, escape(&link(&req, page + 1)));
    }
    if !nav.is_empty() {
        let _ = write!(body, r#"<nav class="pager">{nav}</nav>"#);
    }
    let title = format!("{} – Search", req.text);
    // Feed readers can follow this query (keyword mode unless another was chosen).
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("q", &req.text).append_pair("mode", req.mode.as_str());
    if !req.window.categories.is_empty() {
        q.append_pair("cat", &req.window.categories.join(","));
    }
    let head =
        super::feeds::alternates_with_query("search", &format!("Search: {}", req.text), &format!("?{}", q.finish()));
    Html(super::html::page_with_head(&viewer, &title, &head, &body)).into_response()
}

/// A failed search on the page: the store's errors as the site shows them, the rest opaque.
fn failed(rid: &RequestId, e: anyhow::Error) -> Response {
    match e.downcast::<crate::store::StoreError>() {
        Ok(store) => internal(rid, store),
        Err(e) => {
            tracing::error!(request_id = %rid.0, error = %e, "search failed");
            let body = format!("<p>Something went wrong on our side. Request id: <code>{}</code></p>", escape(&rid.0));
            (StatusCode::INTERNAL_SERVER_ERROR, Html(super::html::page("Error", &body))).into_response()
        }
    }
}

/// An API search: a query is required; errors become JSON answers.
/// The paper page's "Similar papers" section.
pub async fn similar_section(state: &AppState, id: &str) -> String {
    let mut out = String::from(r#"<section id="similar"><h2>Similar papers</h2>"#);
    match found::similar(state.search.as_deref(), &state.store, id, 8).await {
        Ok(Some(found)) if !found.is_empty() => {
            out.push_str("<ol class=\"similar\">");
            for (p, score) in found {
                let _ = write!(
                    out,
                    r#"<li><a class="math" href="/papers/{key}">{title}</a> <span class="meta">{authors} · {score:.2}</span></li>"#,
                    key = escape(p.id.as_str()),
                    title = escape(&p.title),
                    authors = escape(&super::listings::short_authors(&p.authors)),
                );
            }
            out.push_str("</ol>");
        }
        Ok(Some(_)) => out.push_str(r#"<p class="meta">No other papers to compare with yet.</p>"#),
        Ok(None) => out.push_str(
            r#"<p class="meta">Similar papers appear once this paper is embedded (semantic search is off, or still catching up).</p>"#,
        ),
        Err(e) => {
            tracing::warn!(error = %e, "similar papers failed");
            out.push_str(r#"<p class="meta">Similar papers cannot be shown right now.</p>"#);
        }
    }
    out.push_str("</section>");
    out
}
