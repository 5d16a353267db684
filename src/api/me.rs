//! The token's member: who they are, and their recommendations.

use super::error::{ApiResult, Busy, ErrorBody, NoToken};
use super::extract::{ApiQuery, Caller};
use super::papers::{time, with_activity, ApiPaper};
use super::params;
use crate::app::AppState;
use crate::papers::Paper;
use axum::extract::State;
use axum::response::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub username: String,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Recommendations {
    /// `embeddings` (nearest to what you liked), `categories` (shared categories and title
    /// words, when semantic search is off) or `none` (nothing liked yet).
    pub method: String,
    pub items: Vec<ScoredPaper>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoredPaper {
    #[serde(flatten)]
    pub paper: ApiPaper,
    pub score: f32,
}

/// The member the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "Members", security(("token" = [])),
    responses((status = 200, description = "The token's member", body = Me),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Too many requests; see Retry-After", body = ErrorBody)))]
pub async fn me(caller: Caller) -> ApiResult<Json<Me>> {
    let u = caller.member()?;
    Ok(Json(Me { username: u.username, created_at: time(u.created_at) }))
}

/// The query of `/api/v1/me/recommendations`.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecommendQuery {
    /// 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// Recent papers like those the member upvoted or collected.
#[utoipa::path(get, path = "/api/v1/me/recommendations", tag = "Members", params(RecommendQuery),
    security(("token" = [])),
    responses((status = 200, description = "Recommended papers, best first", body = Recommendations),
        (status = 400, description = "A parameter is out of range or malformed", body = ErrorBody), NoToken, Busy))]
pub async fn recommendations(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RecommendQuery>,
) -> ApiResult<Json<Recommendations>> {
    let user = caller.member()?;
    let (_, limit) = params::page(None, q.limit.as_deref(), 20)?;
    let (method, scored) =
        crate::recommend::for_user(&state.store, state.search.as_deref(), user.id, limit as usize).await?;
    let papers: Vec<Paper> = scored.iter().map(|(p, _)| p.clone()).collect();
    let items = with_activity(&state, &papers).await?;
    Ok(Json(Recommendations {
        method: method.as_str().into(),
        items: items.into_iter().zip(&scored).map(|(paper, (_, score))| ScoredPaper { paper, score: *score }).collect(),
    }))
}
