//! `/updates`: new arXiv versions of the papers a member keeps (upvoted or collected), with what
//! changed; `POST /updates` marks them all seen. The header counts them (`Viewer::updates`).

use super::error::PageResult;
use super::listings::{rows, RowContext};
use super::pages::{self, Layout};
use super::session::Member;
use super::viewer::Viewer;
use crate::app::AppState;
use axum::extract::{Extension, State};
use axum::response::{Html, IntoResponse, Redirect};
use minijinja::context;
use serde::Serialize;

/// Most updates shown at once.
const MAX_SHOWN: i64 = 200;

/// What changed in one kept paper.
#[derive(Debug, Serialize)]
struct Change {
    key: String,
    seen: i64,
    now: u16,
    updated_on: Option<String>,
    comments: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Member(user): Member,
) -> PageResult {
    let updated = crate::community::updates::of(&state.store, user.id, MAX_SHOWN).await?;
    let papers: Vec<crate::papers::Paper> = updated.iter().map(|(p, _)| p.clone()).collect();
    let changes: Vec<Change> = updated
        .iter()
        .map(|(p, seen)| Change {
            key: p.id.as_str().to_string(),
            seen: *seen,
            now: p.version,
            updated_on: p.updated_on.map(|d| d.to_string()),
            comments: p.comments.clone(),
        })
        .collect();
    let ctx = RowContext::load(&state, &viewer, &papers).await?;
    let html = pages::render_page(
        "updates.html",
        &Layout::for_viewer(&viewer, "Updates · paperboy"),
        context! { rows => rows(&papers, &ctx), changes, token => viewer.csrf.clone() },
    );
    Ok(Html(html).into_response())
}

/// `POST /updates`: every kept paper's current version counts as seen.
pub async fn mark_seen(State(state): State<AppState>, Member(user): Member) -> PageResult {
    crate::community::updates::mark_seen(&state.store, user.id).await?;
    Ok(Redirect::to("/updates").into_response())
}
