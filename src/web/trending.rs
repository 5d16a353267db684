//! `/papers/trending`: papers ranked by the formula in `crate::ranking`, explained on the page.

use super::error::{PageError, PageResult};
use super::listings::{rows, Filter, RowContext};
use super::pages::{self, Layout};
use super::viewer::Viewer;
use crate::app::AppState;
use crate::community::ranking;
use crate::server::cache::{cached, CachedPage};
use crate::server::site::Site;
use axum::extract::{Extension, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse};
use minijinja::context;

const PAGE_SIZE: usize = 50;

pub async fn show(
    State(site): State<Site>,
    Extension(viewer): Extension<Viewer>,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> PageResult {
    let state = &site.app;
    let categories = filter.categories();
    let page_no = filter.page.unwrap_or(1).clamp(1, 1_000) as usize;
    if viewer.user.is_some() {
        return Ok(Html(render_html(state, &viewer, &categories, page_no).await?).into_response());
    }
    // Guests share one rendering until the ranks, votes or papers move.
    let key = format!("trending|{}|{page_no}", categories.join(","));
    let build = || async {
        let html = render_html(state, &viewer, &categories, page_no).await?;
        Ok::<_, PageError>(CachedPage::new(axum::body::Bytes::from(html)))
    };
    Ok(cached(&site.pages, &site.app, key, None, build).await?.respond(&headers))
}

/// The page, loaded and rendered.
async fn render_html(state: &AppState, viewer: &Viewer, categories: &[String], page_no: usize) -> PageResult<String> {
    let days = state.settings.community.trending_days;
    let (refreshed, papers, more) = ranking::ranked_page(&state.store, days, categories, page_no, PAGE_SIZE).await?;
    let ctx = RowContext::load(state, viewer, &papers).await?;
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
            gravity => ranking::GRAVITY.to_string(),
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
