//! `/papers/trending`: papers ranked by the formula in `crate::ranking`, explained on the page.

use super::html::escape;
use super::listings::{in_categories, internal, render_rows, Filter, RowContext};
use super::session::Viewer;
use super::RequestId;
use crate::app::AppState;
use crate::store::community;
use axum::extract::{Extension, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use std::fmt::Write;

const PAGE_SIZE: usize = 50;
/// How deep into the ranking a category filter looks.
const FILTER_DEPTH: i64 = 2_000;

pub async fn show(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> Response {
    let categories = filter.categories();
    let page_no = filter.page.unwrap_or(1).clamp(1, 1_000) as usize;
    if viewer.user.is_some() {
        return match render_html(&state, &rid, &viewer, &categories, page_no).await {
            Ok(html) => Html(html).into_response(),
            Err(r) => r,
        };
    }
    // Guests share one rendering until the ranks, votes or papers move.
    let key = format!("trending|{}|{page_no}", categories.join(","));
    let on_error = |e| internal(&rid, e);
    let build = || async {
        let html = render_html(&state, &rid, &viewer, &categories, page_no).await?;
        Ok(super::cache::CachedPage::new(axum::body::Bytes::from(html)))
    };
    match super::cache::cached(&state, key, None, on_error, build).await {
        Ok(page) => page.respond(&headers),
        Err(r) => r,
    }
}

/// The page, or the error response to send instead.
async fn render_html(
    state: &AppState,
    rid: &RequestId,
    viewer: &Viewer,
    categories: &[String],
    page_no: usize,
) -> Result<String, Response> {
    let (refreshed, papers, more) = match ranked_page(state, categories, page_no, PAGE_SIZE).await {
        Ok(x) => x,
        Err(e) => return Err(internal(rid, e)),
    };
    let ctx = match RowContext::load(state, viewer, &papers).await {
        Ok(c) => c,
        Err(e) => return Err(internal(rid, e)),
    };
    let mut b = String::from("<h2>Trending papers</h2>");
    let _ = write!(
        b,
        r#"<p class="formula meta">How this is ranked: each paper scores <code>ln(points + 2) / (hours + 2)^{g}</code>, where <em>points</em> are its upvotes here plus half its comments, and <em>hours</em> count from when it reached the lists (its announcement day, or its submission by a member if later). The logarithm makes the first votes count most; the gentle decay (power {g}) lets a paper trend for days, not hours: a day-old paper with 10 points ranks above a three-day-old one with 60, but not one with 70. Scores are recomputed every few minutes{when}; candidates are the papers of the last {days} announcement days and any paper with recent votes or comments.</p>"#,
        g = crate::ranking::GRAVITY,
        days = state.settings.community.trending_days,
        when = refreshed
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .map(|t| format!(" (last at {})", t.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_default(),
    );
    if !categories.is_empty() {
        let _ = write!(
            b,
            r#"<p class="meta">Categories: {} · <a href="/papers/trending">all</a></p>"#,
            escape(&categories.join(", "))
        );
    }
    if papers.is_empty() {
        b.push_str(r#"<p class="meta">Nothing is trending yet: papers appear here once there are papers of recent announcement days or votes.</p>"#);
    }
    render_rows(&mut b, &papers, &ctx);
    let q = if categories.is_empty() { String::new() } else { format!("cat={}&amp;", categories.join(",")) };
    b.push_str(r#"<nav class="days" aria-label="pages">"#);
    if page_no > 1 {
        let _ = write!(b, r#"<a rel="prev" href="/papers/trending?{q}page={}">← previous page</a>"#, page_no - 1);
    }
    if more {
        let _ = write!(b, r#"<a rel="next" href="/papers/trending?{q}page={}">next page →</a>"#, page_no + 1);
    }
    b.push_str("</nav>");
    let head = super::feeds::alternates("trending", "Trending papers", &categories);
    Ok(super::html::page_with_head(viewer, "Trending papers · paperboy", &head, &b))
}

/// One page of the trending ranking, filtered by categories: when the ranks were last
/// computed (they are computed now if they never were), the papers, and whether more follow.
pub async fn ranked_page(
    state: &AppState,
    categories: &[String],
    page_no: usize,
    page_size: usize,
) -> Result<(Option<i64>, Vec<crate::papers::Paper>, bool), crate::store::StoreError> {
    let refreshed = match state.store.read(community::ranks_refreshed_at).await? {
        // Never computed (a new instance): compute now rather than show nothing.
        None => {
            let now = chrono::Utc::now().timestamp();
            crate::ranking::refresh(&state.store, state.settings.community.trending_days, now).await?;
            Some(now)
        }
        Some(t) => Some(t),
    };
    let (limit, offset) = if categories.is_empty() {
        (page_size as i64 + 1, ((page_no - 1) * page_size) as i64)
    } else {
        (FILTER_DEPTH, 0)
    };
    let ranked = state.store.read(move |db| community::top_ranked(db, limit, offset)).await?;
    let ids: Vec<String> = ranked.iter().map(|(id, _)| id.clone()).collect();
    let mut papers = state.store.papers_by_ids(ids).await?;
    if !categories.is_empty() {
        papers.retain(|p| in_categories(p, categories));
        papers = papers.into_iter().skip((page_no - 1) * page_size).take(page_size + 1).collect();
    }
    let more = papers.len() > page_size;
    papers.truncate(page_size);
    Ok((refreshed, papers, more))
}
