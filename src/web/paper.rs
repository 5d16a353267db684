//! A paper's page: everything paperboy knows about it, with its math rendered and a citation.

use super::html::{escape, page};
use super::RequestId;
use crate::app::AppState;
use crate::papers::citation::bibtex;
use crate::papers::ArxivId;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use std::fmt::Write;

pub async fn show(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Path(id): Path<String>,
) -> Response {
    let id = match ArxivId::parse(&id) {
        Ok(id) => id,
        Err(e) => {
            let body = format!("<p>{}</p>", escape(&e.to_string()));
            return (StatusCode::BAD_REQUEST, Html(page("Not an arXiv id", &body))).into_response();
        }
    };
    let (paper, hf) = match tokio::try_join!(state.store.paper(&id), state.store.hf_listing(&id)) {
        Ok(x) => x,
        Err(e) => return super::listings::internal(&rid, e),
    };
    let Some(p) = paper else {
        let body = format!(
            "<p>paperboy does not know arXiv:{} yet. <a href=\"{}\">Open it on arXiv</a>.</p>",
            escape(id.as_str()),
            escape(&id.abs_url())
        );
        return (StatusCode::NOT_FOUND, Html(page("Unknown paper", &body))).into_response();
    };
    let v = p.id.with_version(p.version);
    let mut b = String::new();
    let _ = write!(
        b,
        r#"<article class="paper" data-id="{}"><h1 class="math">{}</h1>"#,
        escape(&v.to_string()),
        escape(&p.title)
    );
    let _ = write!(b, r#"<p class="authors">{}</p>"#, escape(&p.authors.join(", ")));
    b.push_str(r#"<p class="meta">"#);
    if let Some(day) = p.announced_on {
        let kind = p.announce_type.map(|t| t.as_str()).unwrap_or("listed");
        let _ = write!(b, r#"Announced <a href="/papers/date/{day}">{day}</a> ({kind}) · "#);
    }
    let _ = write!(b, "arXiv:{}", escape(&v.to_string()));
    if let Some(s) = p.submitted_on {
        let _ = write!(b, " · submitted {s}");
    }
    if let (Some(u), true) = (p.updated_on, p.version > 1) {
        let _ = write!(b, " · updated {u}");
    }
    b.push_str("</p>");
    let _ = write!(
        b,
        r#"<p class="links"><a href="{abs}">arXiv</a> · <a href="{pdf}">PDF</a>"#,
        abs = escape(&v.abs_url()),
        pdf = escape(&v.pdf_url())
    );
    if let Some(doi) = p.doi.as_deref().and_then(|d| d.split_whitespace().next()) {
        let _ = write!(b, r#" · <a href="https://doi.org/{0}">DOI {0}</a>"#, escape(doi));
    }
    if let Some(h) = &hf {
        for (label, url) in [("Code", &h.github_repo), ("Project page", &h.project_page)] {
            if let Some(u) = url.as_deref().filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
                let _ = write!(b, r#" · <a href="{}" rel="nofollow">{label}</a>"#, escape(u));
            }
        }
    }
    b.push_str("</p>");
    if let Some(h) = &hf {
        let _ = write!(
            b,
            r#"<p class="meta">▲ {} upvotes and {} comments on Hugging Face Daily Papers ({})</p>"#,
            h.upvotes, h.num_comments, h.listed_on
        );
    }
    let _ =
        write!(b, r#"<section><h2>Abstract</h2><p class="abstract math">{}</p></section>"#, escape(&p.abstract_text));
    let cats: String = p
        .categories
        .iter()
        .map(|c| {
            format!(
                r#"<li><a href="/papers/date/{}?cat={1}">{1}</a> {2}</li>"#,
                p.announced_on.map(|d| d.to_string()).unwrap_or_default(),
                escape(c.code()),
                escape(c.name())
            )
        })
        .collect();
    if !cats.is_empty() {
        let _ = write!(b, r#"<section><h2>Categories</h2><ul class="cats-list">{cats}</ul></section>"#);
    }
    let mut details = String::new();
    for (label, value) in [("Comments", &p.comments), ("Journal reference", &p.journal_ref), ("Licence", &p.license)] {
        if let Some(v) = value {
            let _ = write!(details, "<dt>{label}</dt><dd>{}</dd>", escape(v));
        }
    }
    if !details.is_empty() {
        let _ = write!(b, "<dl>{details}</dl>");
    }
    let _ = write!(b, r#"<section id="cite"><h2>Cite</h2><pre class="bibtex">{}</pre></section>"#, escape(&bibtex(&p)));
    b.push_str("</article>");
    Html(page(&format!("{} · paperboy", p.title), &b)).into_response()
}
