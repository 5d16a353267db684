//! Comments: a paper's thread, and posting to it.

use super::error::{ApiResult, BadToken, Busy, ErrorBody, NoToken, PaperErrors};
use super::extract::{ApiJson, ApiPath, Caller, PaperId};
use super::papers::{created, known, time};
use super::params;
use crate::app::AppState;
use crate::community::comments;
use crate::store::comments::Comment;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A comment; threads are rebuilt from `parentId`. A comment a moderator hid, or its author
/// deleted, keeps its place in the thread with no body (and a deleted one with no author).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiComment {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub author: String,
    /// Markdown, as written.
    pub body: Option<String>,
    pub hidden: bool,
    /// Its author deleted it.
    pub deleted: bool,
    /// RFC 3339.
    pub created_at: String,
    /// When its author last edited it, RFC 3339.
    pub edited_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentList {
    pub paper_id: String,
    /// Oldest first.
    pub comments: Vec<ApiComment>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewComment {
    /// Markdown, 1 to 10,000 characters.
    pub body: String,
    /// The comment this replies to, on the same paper.
    #[serde(default)]
    pub parent_id: Option<i64>,
}

fn api_comment(c: Comment) -> ApiComment {
    ApiComment {
        id: c.id,
        parent_id: c.parent_id,
        author: if c.deleted { String::new() } else { c.username },
        body: (!c.hidden && !c.deleted).then_some(c.body),
        hidden: c.hidden,
        deleted: c.deleted,
        created_at: time(c.created_at),
        edited_at: c.edited_at.map(time),
    }
}

/// A paper's comments, oldest first (Hugging Face's API cannot return them).
#[utoipa::path(operation_id = "comments", get, path = "/api/v1/papers/{id}/comments", tag = "Community",
    params(("id" = String, Path, description = "An arXiv id", example = "2508.04705")),
    responses((status = 200, description = "The comments", body = CommentList),
        PaperErrors, BadToken, Busy))]
pub async fn list(State(state): State<AppState>, PaperId(id): PaperId) -> ApiResult<Json<CommentList>> {
    let p = known(&state, &id).await?;
    let list = comments::on(&state.store, &p).await?;
    Ok(Json(CommentList { paper_id: p.id.as_str().to_string(), comments: list.into_iter().map(api_comment).collect() }))
}

/// Comments on a paper, or replies to one of its comments.
#[utoipa::path(operation_id = "add_comment", post, path = "/api/v1/papers/{id}/comments", tag = "Community",
    params(("id" = String, Path, description = "An arXiv id", example = "2508.04705")),
    request_body = NewComment,
    security(("token" = [])),
    responses((status = 201, description = "The comment", body = ApiComment),
        (status = 400, description = "Not an arXiv id, a bad body, or a reply to a comment not on this paper", body = ErrorBody),
        (status = 404, description = "Unknown paper", body = ErrorBody), NoToken, Busy))]
pub async fn post(
    State(state): State<AppState>,
    caller: Caller,
    PaperId(id): PaperId,
    body: Result<ApiJson<NewComment>, super::error::ApiError>,
) -> ApiResult<Response> {
    let user = caller.member()?;
    let p = known(&state, &id).await?;
    let ApiJson(new) = body?;
    let posted =
        comments::post(&state.store, &state.settings.community, &user, &p, new.parent_id, &new.body, None).await?;
    Ok(created(ApiComment {
        id: posted.id,
        parent_id: new.parent_id,
        author: user.username,
        body: Some(posted.body),
        hidden: false,
        deleted: false,
        created_at: time(posted.created_at),
        edited_at: None,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CommentEdit {
    /// Markdown, 1 to 10,000 characters.
    pub body: String,
}

/// Replaces the text of one of the caller's comments (it shows as edited).
#[utoipa::path(operation_id = "edit_comment", patch, path = "/api/v1/comments/{id}", tag = "Community",
    params(("id" = i64, Path, description = "The comment's number")),
    request_body = CommentEdit,
    security(("token" = [])),
    responses((status = 200, description = "The comment", body = ApiComment),
        (status = 400, description = "Not a comment number, a bad body, or a comment a moderator hid", body = ErrorBody),
        (status = 404, description = "No such comment of yours", body = ErrorBody), NoToken, Busy))]
pub async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    body: Result<ApiJson<CommentEdit>, super::error::ApiError>,
) -> ApiResult<Json<ApiComment>> {
    let user = caller.member()?;
    let id = params::comment_id(&id)?;
    let ApiJson(edit) = body?;
    let c = comments::edit(&state.store, &state.settings.community, &user, id, &edit.body).await?;
    Ok(Json(api_comment(c)))
}

/// Deletes one of the caller's comments: its text goes, and its place in the thread stays so
/// that replies do.
#[utoipa::path(operation_id = "delete_comment", delete, path = "/api/v1/comments/{id}", tag = "Community",
    params(("id" = i64, Path, description = "The comment's number")),
    security(("token" = [])),
    responses((status = 204, description = "Deleted"),
        (status = 400, description = "Not a comment number", body = ErrorBody),
        (status = 404, description = "No such comment of yours", body = ErrorBody), NoToken, Busy))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let user = caller.member()?;
    let id = params::comment_id(&id)?;
    comments::delete(&state.store, &user, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
