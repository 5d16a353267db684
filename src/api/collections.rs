//! Collections: read a member's (public ones for anyone, private ones for their owner's
//! token), make, delete, and put papers in or take them out.

use super::error::{ApiError, ApiResult, BadToken, Busy, ErrorBody, NoToken};
use super::extract::{ApiJson, ApiPath, Caller, PaperId};
use super::papers::{created, load_in_order, time, with_activity, ApiPaper};
use super::params;
use crate::app::AppState;
use crate::community::collections::{self, Fields};
use crate::community::{self, Reason};
use crate::store::collections::Collection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CollectionSummary {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub public: bool,
    pub owner: String,
    pub papers: i64,
    pub created_at: String,
    pub updated_at: String,
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiCollection {
    #[serde(flatten)]
    pub summary: CollectionSummary,
    /// Most recently added first.
    pub items: Vec<ApiPaper>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCollection {
    /// 1 to 100 characters.
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub public: bool,
}

pub fn summary(state: &AppState, c: &Collection) -> CollectionSummary {
    CollectionSummary {
        id: c.id,
        name: c.name.clone(),
        description: c.description.clone(),
        public: c.public,
        owner: c.owner.clone(),
        papers: c.papers,
        created_at: time(c.created_at),
        updated_at: time(c.updated_at),
        url: format!("{}/collections/{}", state.settings.public_url.trim_end_matches('/'), c.id),
    }
}

/// The API says one thing of a collection it cannot show: it is not there (or private).
fn hidden(e: community::Error) -> ApiError {
    match e {
        community::Error::Refused(r) if r.reason == Reason::NoSuchCollection => {
            ApiError::not_found("there is no such collection (or it is private)")
        }
        e => e.into(),
    }
}

/// A collection with its papers: public ones for anyone, private ones for their owner's token.
#[utoipa::path(operation_id = "collection", get, path = "/api/v1/collections/{id}", tag = "Collections",
    params(("id" = i64, Path, description = "The collection's number")),
    responses((status = 200, description = "The collection", body = ApiCollection),
        (status = 400, description = "Not a collection number", body = ErrorBody),
        (status = 404, description = "No such collection, or a private one", body = ErrorBody), BadToken, Busy))]
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ApiCollection>> {
    let id = params::collection_id(&id)?;
    let (c, ids) = collections::visible(&state.store, caller.user.as_ref(), id).await.map_err(hidden)?;
    let papers = load_in_order(&state, ids).await?;
    let items = with_activity(&state, &papers).await?;
    Ok(Json(ApiCollection { summary: summary(&state, &c), items }))
}

/// Makes a collection.
#[utoipa::path(operation_id = "create_collection", post, path = "/api/v1/collections", tag = "Collections", request_body = NewCollection,
    security(("token" = [])),
    responses((status = 201, description = "The new collection", body = CollectionSummary),
        (status = 400, description = "A bad body", body = ErrorBody), NoToken, Busy))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<ApiJson<NewCollection>, ApiError>,
) -> ApiResult<Response> {
    let user = caller.member()?;
    let ApiJson(new) = body?;
    let fields = Fields::parse(&new.name, &new.description, new.public)?;
    let c = collections::create(&state.store, &user, fields, None).await.map_err(hidden)?;
    Ok(created(summary(&state, &c)))
}

/// Deletes one of the caller's collections.
#[utoipa::path(operation_id = "delete_collection", delete, path = "/api/v1/collections/{id}", tag = "Collections",
    params(("id" = i64, Path, description = "The collection's number")),
    security(("token" = [])),
    responses((status = 204, description = "Deleted"),
        (status = 400, description = "Not a collection number", body = ErrorBody),
        (status = 404, description = "No such collection of yours", body = ErrorBody), NoToken, Busy))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let user = caller.member()?;
    let id = params::collection_id(&id)?;
    collections::delete(&state.store, &user, id).await.map_err(hidden)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A collection and a paper in it, as a path names them.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct CollectionPaper {
    /// The collection's number.
    id: i64,
    /// An arXiv id.
    #[param(example = "2508.04705")]
    paper: String,
}

/// The collection number of a path with a paper in it.
#[derive(Deserialize)]
pub struct CollectionOf {
    id: String,
}

async fn set_paper(
    state: &AppState,
    caller: &Caller,
    id: &str,
    paper: &str,
    present: bool,
) -> ApiResult<Json<CollectionSummary>> {
    let user = caller.member()?;
    let id = params::collection_id(id)?;
    let paper = params::arxiv_id(paper)?;
    if !present {
        // The API names only papers paperboy holds, even to take one out; the domain checks a
        // paper that goes in.
        crate::community::known_paper(&state.store, &paper).await?;
    }
    let c = collections::set_paper(&state.store, &user, id, &paper, present).await.map_err(hidden)?;
    Ok(Json(summary(state, &c)))
}

/// Adds a paper to one of the caller's collections (idempotent).
#[utoipa::path(put, path = "/api/v1/collections/{id}/papers/{paper}", tag = "Collections",
    params(CollectionPaper),
    security(("token" = [])),
    responses((status = 200, description = "The collection", body = CollectionSummary),
        (status = 400, description = "Not a collection number or not an arXiv id", body = ErrorBody),
        (status = 404, description = "No such collection of yours, or unknown paper", body = ErrorBody), NoToken, Busy))]
pub async fn collect(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(CollectionOf { id }): ApiPath<CollectionOf>,
    PaperId(paper): PaperId,
) -> ApiResult<Json<CollectionSummary>> {
    set_paper(&state, &caller, &id, &paper, true).await
}

/// Takes a paper out of one of the caller's collections (idempotent).
#[utoipa::path(delete, path = "/api/v1/collections/{id}/papers/{paper}", tag = "Collections",
    params(CollectionPaper),
    security(("token" = [])),
    responses((status = 200, description = "The collection", body = CollectionSummary),
        (status = 400, description = "Not a collection number or not an arXiv id", body = ErrorBody),
        (status = 404, description = "No such collection of yours, or unknown paper", body = ErrorBody), NoToken, Busy))]
pub async fn uncollect(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(CollectionOf { id }): ApiPath<CollectionOf>,
    PaperId(paper): PaperId,
) -> ApiResult<Json<CollectionSummary>> {
    set_paper(&state, &caller, &id, &paper, false).await
}
