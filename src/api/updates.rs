//! New versions of the papers the token's member keeps (upvoted or collected), and marking them seen.

use super::error::{ApiResult, Busy, NoToken};
use super::extract::Caller;
use super::papers::{with_activity, ApiPaper};
use crate::app::AppState;
use axum::extract::State;
use axum::response::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// Most updates answered at once.
const MAX_UPDATES: i64 = 200;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Update {
    /// The paper as it is now (its version, `updatedOn` and `comments` say what changed).
    pub paper: ApiPaper,
    /// The version the member last saw.
    pub seen_version: i64,
    /// The version now.
    pub version: u16,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Updates {
    /// Most recently updated first.
    pub items: Vec<Update>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Seen {
    /// How many papers were marked seen.
    pub seen: u64,
}

/// Papers the member keeps that have a new arXiv version they have not seen.
#[utoipa::path(operation_id = "updates", get, path = "/api/v1/me/updates", tag = "Members", security(("token" = [])),
    responses((status = 200, description = "Updated papers, most recent first", body = Updates), NoToken, Busy))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Updates>> {
    let user = caller.member()?;
    let found = crate::community::updates::of(&state.store, user.id, MAX_UPDATES).await?;
    let papers: Vec<crate::papers::Paper> = found.iter().map(|(p, _)| p.clone()).collect();
    let items = with_activity(&state, &papers)
        .await?
        .into_iter()
        .zip(&found)
        .map(|(paper, (p, seen))| Update { paper, seen_version: *seen, version: p.version })
        .collect();
    Ok(Json(Updates { items }))
}

/// Marks every kept paper's current version as seen.
#[utoipa::path(operation_id = "updates_seen", post, path = "/api/v1/me/updates/seen", tag = "Members",
    security(("token" = [])),
    responses((status = 200, description = "How many were marked seen", body = Seen), NoToken, Busy))]
pub async fn seen(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Seen>> {
    let user = caller.member()?;
    Ok(Json(Seen { seen: crate::community::updates::mark_seen(&state.store, user.id).await? }))
}
