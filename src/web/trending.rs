//! `/papers/trending`: papers ranked by the formula in `crate::ranking`, explained on the page.

use super::error::PageError;
use super::html::escape;
use super::listings::{internal, render_rows, Filter, RowContext};
use super::session::Viewer;
use crate::app::AppState;
use crate::community::ranking;
use crate::server::cache::{cached, CachedPage};
use crate::server::request::RequestId;
use crate::server::site::Site;
use axum::extract::{Extension, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use std::fmt::Write;

const PAGE_SIZE: usize = 50;

pub async fn show(
    State(site): State<Site>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> Response {
    let state = &site.app;
    let categories = filter.categories();
    let page_no = filter.page.unwrap_or(1).clamp(1, 1_000) as usize;
    if viewer.user.is_some() {
        return match render_html(state, &rid, &viewer, &categories, page_no).await {
            Ok(html) => Html(html).into_response(),
            Err(r) => r,
        };
    }
    // Guests share one rendering until the ranks, votes or papers move.
    let key = format!("trending|{}|{page_no}", categories.join(","));
    let build = || async {
        let html = render_html(state, &rid, &viewer, &categories, page_no).await.map_err(PageError::Page)?;
        Ok::<_, PageError>(CachedPage::new(axum::body::Bytes::from(html)))
    };
    match cached(&site.pages, &site.app, key, None, build).await {
        Ok(page) => page.respond(&headers),
        Err(e) => e.into_response(),
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
    let (refreshed, papers, more) = match ranking::ranked_page(
        &state.store,
        state.settings.community.trending_days,
        categories,
        page_no,
        PAGE_SIZE,
    )
    .await
    {
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
        g = ranking::GRAVITY,
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
