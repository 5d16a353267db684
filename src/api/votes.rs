//! Upvotes through the API: idempotent, as the API's verbs say (`POST` sets, `DELETE` takes
//! back; twice is the same as once).

use super::error::{ApiResult, Busy, NoToken, PaperErrors};
use super::extract::{Caller, PaperId};
use super::papers::known;
use crate::app::AppState;
use crate::community::votes::{self, Vote};
use axum::extract::State;
use axum::response::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VoteState {
    pub paper_id: String,
    pub voted: bool,
    pub upvotes: i64,
}

async fn set(state: &AppState, caller: &Caller, id: &str, vote: Vote) -> ApiResult<Json<VoteState>> {
    let user = caller.member()?;
    let p = known(state, id).await?;
    let tally = votes::vote(&state.store, &state.settings.community, &user, &p, vote).await?;
    state.recommending().refresh_in_background(state.store.clone(), user.id);
    Ok(Json(VoteState { paper_id: p.id.as_str().to_string(), voted: tally.voted, upvotes: tally.upvotes }))
}

/// Upvotes a paper (idempotent: voting twice keeps one vote).
#[utoipa::path(post, path = "/api/v1/papers/{id}/upvote", tag = "Community",
    params(("id" = String, Path, description = "An arXiv id", example = "2508.04705")),
    security(("token" = [])),
    responses((status = 200, description = "The vote and the paper's count", body = VoteState),
        PaperErrors, NoToken, Busy))]
pub async fn upvote(State(state): State<AppState>, caller: Caller, PaperId(id): PaperId) -> ApiResult<Json<VoteState>> {
    set(&state, &caller, &id, Vote::Up).await
}

/// Takes back an upvote (idempotent).
#[utoipa::path(delete, path = "/api/v1/papers/{id}/upvote", tag = "Community",
    params(("id" = String, Path, description = "An arXiv id", example = "2508.04705")),
    security(("token" = [])),
    responses((status = 200, description = "The vote and the paper's count", body = VoteState),
        PaperErrors, NoToken, Busy))]
pub async fn unvote(State(state): State<AppState>, caller: Caller, PaperId(id): PaperId) -> ApiResult<Json<VoteState>> {
    set(&state, &caller, &id, Vote::Down).await
}
