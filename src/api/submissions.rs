//! Submissions: a member puts a recent paper on the latest day's list.

use super::error::{ApiResult, Busy, ErrorBody, NoToken};
use super::extract::{ApiJson, Caller};
use super::papers::{created, with_activity, ApiPaper};
use crate::app::AppState;
use crate::community::submissions::{self, Submitted};
use crate::ingest::arxiv_api::ArxivApi;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Submission {
    pub paper: ApiPaper,
}

/// A submission waiting for arXiv, which did not send the paper in time: paperboy keeps asking
/// in the background, and the paper joins the list of `day` once it does (or the member sees
/// on `/submit` why it was not listed).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingSubmission {
    /// The arXiv id.
    #[schema(example = "2508.04705")]
    pub paper: String,
    /// The day whose list it joins, `YYYY-MM-DD`.
    pub day: String,
    /// Always `pending`.
    #[schema(example = "pending")]
    pub status: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSubmission {
    /// An arXiv id or URL.
    #[schema(example = "2508.04705")]
    pub paper: String,
}

/// Submits a paper, by arXiv id or URL, to the latest day's list (fetched from arXiv when
/// paperboy does not hold it yet).
#[utoipa::path(post, path = "/api/v1/submissions", tag = "Community", request_body = NewSubmission,
    security(("token" = [])),
    responses((status = 201, description = "Submitted", body = Submission),
        (status = 202, description = "arXiv is slow: the submission waits and is finished in the background", body = PendingSubmission),
        (status = 400, description = "Not an arXiv id or URL, or a bad body", body = ErrorBody),
        (status = 404, description = "arXiv does not know the paper", body = ErrorBody),
        (status = 409, description = "Already submitted", body = ErrorBody),
        (status = 422, description = "Too old to submit", body = ErrorBody),
        (status = 502, description = "arXiv cannot be reached", body = ErrorBody), NoToken, Busy))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<ApiJson<NewSubmission>, super::error::ApiError>,
) -> ApiResult<Response> {
    let user = caller.member()?;
    let ApiJson(new) = body?;
    let arxiv = ArxivApi { http: &state.http, base_url: state.settings.arxiv.api_url.clone() };
    let p = match submissions::submit(&state.store, &state.settings.community, &arxiv, &user, &new.paper).await? {
        Submitted::Listed { paper, .. } => *paper,
        Submitted::Pending { id, day } => {
            let pending =
                PendingSubmission { paper: id.as_str().into(), day: day.to_string(), status: "pending".into() };
            return Ok((StatusCode::ACCEPTED, Json(pending)).into_response());
        }
    };
    let mut items = with_activity(&state, std::slice::from_ref(&p)).await?;
    Ok(created(Submission { paper: items.remove(0) }))
}
