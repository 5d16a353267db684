//! `/papers/trending`: papers ranked by the formula in `crate::ranking`, explained on the page.

use super::listings::{in_categories, internal, rows, Filter, RowContext};
use super::pages::{self, Layout};
use super::session::Viewer;
use super::RequestId;
use crate::app::AppState;
use crate::store::community;
use axum::extract::{Extension, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

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
    let page = TrendingPage {
        categories: categories.to_vec(),
        page_no,
        papers,
        more,
        refreshed,
        days: state.settings.community.trending_days,
        rows: ctx,
    };
    Ok(render_trending(viewer, &page))
}

/// What the trending page shows, loaded.
pub struct TrendingPage {
    pub categories: Vec<String>,
    /// From 1.
    pub page_no: usize,
    pub papers: Vec<crate::papers::Paper>,
    /// Whether another page follows.
    pub more: bool,
    /// When the ranks were last computed (Unix time).
    pub refreshed: Option<i64>,
    /// How many announcement days the candidates come from.
    pub days: u32,
    pub rows: RowContext,
}

pub fn render_trending(viewer: &Viewer, page: &TrendingPage) -> String {
    let q = if page.categories.is_empty() { String::new() } else { format!("cat={}&", page.categories.join(",")) };
    let layout = Layout::for_viewer(viewer, "Trending papers · paperboy").with_feed(pages::Feed::new(
        "trending",
        "Trending papers",
        &page.categories,
    ));
    pages::render_page(
        "trending.html",
        &layout,
        context! {
            gravity => crate::ranking::GRAVITY.to_string(),
            days => page.days,
            refreshed => page.refreshed
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
            categories => page.categories,
            rows => rows(&page.papers, &page.rows),
            prev_page => (page.page_no > 1).then(|| format!("/papers/trending?{q}page={}", page.page_no - 1)),
            next_page => page.more.then(|| format!("/papers/trending?{q}page={}", page.page_no + 1)),
        },
    )
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
