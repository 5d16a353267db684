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
    /// `words+embeddings` (an SVM over tf-idf and embeddings with the nearest liked papers),
    /// `words` (tf-idf alone, while semantic search is off) or `none` (nothing liked yet).
    pub method: String,
    pub items: Vec<ScoredPaper>,
    /// From 1.
    pub page: u32,
    pub limit: u32,
    /// Recommendations in all (at most 1,000).
    pub total: usize,
    /// The next page's number, when there is one.
    pub next_page: Option<u32>,
    /// What the member should know about these results, e.g. that not every paper is embedded yet.
    pub notices: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoredPaper {
    #[serde(flatten)]
    pub paper: ApiPaper,
    pub score: f32,
    /// The liked paper it is most like.
    pub reason: Option<ApiReason>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiReason {
    /// The liked paper it is like (absent for `follows`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paper_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `upvoted` or `saved` (in a collection): like a paper the member liked; `follows`: by an
    /// author the member follows.
    pub how: String,
    /// The followed author (with `follows`), as the member followed them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The reason in words: "Like “Title”, which you upvoted", "By Ada Lovelace, whom you follow".
    pub text: String,
}

impl From<&crate::recommend::Reason> for ApiReason {
    fn from(r: &crate::recommend::Reason) -> Self {
        use crate::recommend::Reason;
        match r {
            Reason::Like { id, title, how } => Self {
                paper_id: Some(id.clone()),
                title: Some(title.clone()),
                how: how.verb().into(),
                author: None,
                text: r.text(),
            },
            Reason::Follows { author } => Self {
                paper_id: None,
                title: None,
                how: "follows".into(),
                author: Some(author.clone()),
                text: r.text(),
            },
        }
    }
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
    /// From 1 (default 1).
    #[param(value_type = Option<u32>, minimum = 1)]
    page: Option<String>,
    /// 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// Recent papers like those the member upvoted or collected, and unlike those they marked
/// "not interested"; best first, paged.
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
    let (page, limit) = params::page(q.page.as_deref(), q.limit.as_deref(), 20)?;
    let offset = (page as usize - 1) * limit as usize;
    let found = state.recommending().for_user(&state.store, user.id, offset, limit as usize).await?;
    let papers: Vec<Paper> = found.items.iter().map(|r| r.paper.clone()).collect();
    let with = with_activity(&state, &papers).await?;
    let items = with
        .into_iter()
        .zip(&found.items)
        .map(|(paper, r)| ScoredPaper { paper, score: r.score, reason: r.reason.as_ref().map(ApiReason::from) })
        .collect();
    Ok(Json(Recommendations {
        method: found.method.as_str().into(),
        items,
        page,
        limit,
        total: found.total,
        next_page: (offset + (limit as usize) < found.total).then_some(page + 1),
        notices: found.notice.into_iter().collect(),
    }))
}
