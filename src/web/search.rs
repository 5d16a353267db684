//! The `/search` page and the paper page's similar papers (the search APIs are in `api`).

use super::error::PageResult;
use super::listings::{rows as rows_of, RowContext};
use super::pages::{self, Layout};
use super::viewer::Viewer;
use crate::app::AppState;
use crate::papers::Paper;
use crate::search::params::{parse_params, SearchParams, MAX_QUERY};
use crate::search::{found, Mode, SearchRequest, SearchResults};
use axum::extract::{Extension, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use minijinja::context;

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

/// What the search page shows, loaded.
#[allow(clippy::large_enum_variant)] // one per request, never stored
pub enum SearchPage {
    /// A parameter cannot be used: what to fix.
    Invalid(String),
    /// No query yet: the form, and how to write one.
    Help {
        req: SearchRequest,
        semantic: bool,
    },
    /// Search is turned off on this instance.
    Off {
        req: SearchRequest,
        semantic: bool,
    },
    Results {
        req: SearchRequest,
        semantic: bool,
        results: SearchResults,
        papers: Vec<Paper>,
        rows: RowContext,
    },
}

/// `GET /search`.
pub async fn page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(mut params): Query<SearchParams>,
) -> PageResult {
    let semantic = state.search.as_ref().is_some_and(|s| s.vectors().is_some());
    // A pasted query longer than a search takes is cut at a word, and the page says so.
    let cut = params.q.as_deref().and_then(shorten);
    if let Some((short, was)) = &cut {
        params.q = Some(short.clone());
        tracing::debug!(chars = was, "a long query was cut");
    }
    let req = match parse_params(&params, PAGE_SIZE, PAGE_SIZE) {
        Ok(r) => r,
        Err((_, message)) => {
            return Ok(
                (StatusCode::BAD_REQUEST, Html(render_search(&viewer, &SearchPage::Invalid(message)))).into_response()
            );
        }
    };
    if req.text.is_empty() {
        return Ok(Html(render_search(&viewer, &SearchPage::Help { req, semantic })).into_response());
    }
    let Some((results, papers)) = found::search(state.search.as_deref(), &state.store, &req).await? else {
        return Ok(Html(render_search(&viewer, &SearchPage::Off { req, semantic })).into_response());
    };
    let mut results = results;
    if let Some((short, was)) = cut {
        let kept = short.chars().count();
        results.notices.insert(
            0,
            format!(
                "Your query had {was} characters; its first {kept} were searched (a search takes at most {MAX_QUERY})."
            ),
        );
    }
    let mut rows = RowContext::load(&state, &viewer, &papers).await?;
    rows.snippets =
        results.hits.iter().map(|h| (h.id.clone(), (h.title_html.clone(), h.abstract_html.clone()))).collect();
    Ok(Html(render_search(&viewer, &SearchPage::Results { req, semantic, results, papers, rows })).into_response())
}

/// `q` cut to at most [`MAX_QUERY`] characters at the last space before the cut (or at the cut, when
/// there is none), with its length; `None` when it is short enough.
fn shorten(q: &str) -> Option<(String, usize)> {
    let was = q.chars().count();
    if was <= MAX_QUERY {
        return None;
    }
    let head: String = q.chars().take(MAX_QUERY).collect();
    let at_word =
        head.rsplit_once(char::is_whitespace).map(|(a, _)| a.trim_end().to_string()).filter(|a| !a.is_empty());
    Some((at_word.unwrap_or(head), was))
}

pub fn render_search(viewer: &Viewer, page: &SearchPage) -> String {
    let (req, semantic) = match page {
        SearchPage::Invalid(message) => {
            return pages::render_page(
                "search.html",
                &Layout::for_viewer(viewer, "Search"),
                context! { invalid => message },
            )
        }
        SearchPage::Help { req, semantic } | SearchPage::Off { req, semantic } => (req, *semantic),
        SearchPage::Results { req, semantic, .. } => (req, *semantic),
    };
    let modes: Vec<_> = [(Mode::Keyword, "Keyword"), (Mode::Hybrid, "Hybrid"), (Mode::Semantic, "Semantic")]
        .into_iter()
        .map(|(m, label)| context! { value => m.as_str(), label, selected => req.mode == m })
        .collect();
    let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let form = context! {
        q => req.text,
        modes,
        cat => req.window.categories.join(","),
        from => d(req.window.from),
        to => d(req.window.to),
        semantic,
    };
    let SearchPage::Results { results, papers, rows, .. } = page else {
        let help = matches!(page, SearchPage::Help { .. });
        let ctx = context! { help, off => !help, ..form };
        return pages::render_page("search.html", &Layout::for_viewer(viewer, "Search"), ctx);
    };
    let page_no = req.offset / req.limit + 1;
    // Feed readers can follow this query (keyword mode unless another was chosen).
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("q", &req.text).append_pair("mode", req.mode.as_str());
    if !req.window.categories.is_empty() {
        q.append_pair("cat", &req.window.categories.join(","));
    }
    let feed = pages::Feed::with_query("search", &format!("Search: {}", req.text), &format!("?{}", q.finish()));
    let layout = Layout::for_viewer(viewer, format!("{} – Search", req.text)).with_feed(feed);
    let ctx = context! {
        help => false,
        off => false,
        notices => results.notices,
        total => results.total,
        total_exact => results.total_exact,
        word_matches => results.word_matches.map(|t| t.count),
        word_matches_exact => results.word_matches.is_none_or(|t| t.exact),
        mode => results.mode.as_str(),
        rows => rows_of(papers, rows),
        prev_page => (page_no > 1).then(|| link(req, page_no - 1)),
        next_page => (req.offset + req.limit < results.total).then(|| link(req, page_no + 1)),
        ..form
    };
    pages::render_page("search.html", &layout, ctx)
}

/// An API search: a query is required; errors become JSON answers.
/// The paper page's "Similar papers" section, loaded.
pub enum Similar {
    /// Nearest first (none: no other papers to compare with yet).
    Found(Vec<(Paper, f32)>),
    /// The paper has no vector yet (semantic search is off, or still catching up).
    NotEmbedded,
    /// The search failed (logged).
    Failed,
}

/// The papers for the paper page's "Similar papers" section.
pub async fn similar_section(state: &AppState, id: &str) -> Similar {
    match found::similar(state.search.as_deref(), &state.store, id, 8).await {
        Ok(Some(found)) => Similar::Found(found),
        Ok(None) => Similar::NotEmbedded,
        Err(e) => {
            tracing::warn!(error = %e, "similar papers failed");
            Similar::Failed
        }
    }
}
