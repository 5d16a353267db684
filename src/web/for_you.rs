//! `/for-you`: a member's recommendations, paged, each with its reason and a "not interested"
//! button; the recommender (`crate::recommend`) decides, this page shows.

use super::error::PageResult;
use super::listings::{rows, RowContext};
use super::pages::{self, Layout};
use super::session::Member;
use super::viewer::Viewer;
use crate::app::AppState;
use axum::extract::{Extension, Query, State};
use axum::response::{Html, IntoResponse};
use minijinja::context;
use serde::Deserialize;

const PAGE_SIZE: usize = 20;

#[derive(Deserialize, Default)]
pub struct ForYouQuery {
    page: Option<u32>,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Member(user): Member,
    Query(q): Query<ForYouQuery>,
) -> PageResult {
    let last_page = crate::recommend::MAX_RANKED.div_ceil(PAGE_SIZE) as u32;
    let page_no = q.page.unwrap_or(1).clamp(1, last_page);
    let offset = (page_no as usize - 1) * PAGE_SIZE;
    let found = state.recommending().for_user(&state.store, user.id, offset, PAGE_SIZE).await?;
    let papers: Vec<crate::papers::Paper> = found.items.iter().map(|r| r.paper.clone()).collect();
    let mut ctx = RowContext::load(&state, &viewer, &papers).await?;
    ctx.reasons =
        found.items.iter().filter_map(|r| Some((r.paper.id.as_str().to_string(), r.reason.clone()?))).collect();
    let html = pages::render_page(
        "for_you.html",
        &Layout::for_viewer(&viewer, "For you · paperboy"),
        context! {
            rows => rows(&papers, &ctx),
            method => found.method.as_str(),
            learned => found.method != crate::recommend::Method::Nothing,
            total => found.total,
            notice => found.notice,
            window_days => crate::recommend::WINDOW_DAYS,
            first => offset + 1,
            prev_page => (page_no > 1).then(|| format!("/for-you?page={}", page_no - 1)),
            next_page => (offset + PAGE_SIZE < found.total).then(|| format!("/for-you?page={}", page_no + 1)),
        },
    );
    Ok(Html(html).into_response())
}
