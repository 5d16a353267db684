//! Members' public pages in JSON: their collections and their upvotes.

use super::collections::{summary, CollectionSummary};
use super::error::{ApiError, ApiResult, BadToken, Busy, ErrorBody};
use super::extract::{ApiPath, ApiQuery, Caller};
use super::papers::{load_in_order, with_activity, PaperPage};
use super::params;
use crate::accounts::User;
use crate::app::AppState;
use crate::community::collections;
use crate::store::{accounts, votes};
use axum::extract::State;
use axum::response::Json;
use serde::Deserialize;
use utoipa::IntoParams;

async fn member(state: &AppState, name: &str) -> ApiResult<User> {
    let n = name.to_string();
    match state.store.read(move |db| accounts::user_by_name(db, &n)).await? {
        Some(u) if !u.suspended => Ok(u),
        _ => Err(ApiError::not_found(format!("there is no member {name:?}"))),
    }
}

/// A member's collections: the public ones, and the private ones too for their own token.
#[utoipa::path(operation_id = "user_collections", get, path = "/api/v1/users/{username}/collections", tag = "Collections",
    params(("username" = String, Path, description = "A member's name")),
    responses((status = 200, description = "The collections, most recently changed first", body = [CollectionSummary]),
        (status = 404, description = "No such member", body = ErrorBody), BadToken, Busy))]
pub async fn collections_of(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(username): ApiPath<String>,
) -> ApiResult<Json<Vec<CollectionSummary>>> {
    let u = member(&state, &username).await?;
    let own = caller.user.as_ref().is_some_and(|me| me.id == u.id);
    let list = collections::of(&state.store, u.id, own).await?;
    Ok(Json(list.iter().map(|c| summary(&state, c)).collect()))
}

/// The query of paged lists.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From 1.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 10000)]
    page: Option<String>,
    /// 1 to 100 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// The papers a member upvoted, newest vote first (votes are public, as on Hugging Face).
#[utoipa::path(operation_id = "user_upvotes", get, path = "/api/v1/users/{username}/upvotes", tag = "Community",
    params(("username" = String, Path, description = "A member's name"), PageQuery),
    responses((status = 200, description = "One page of upvoted papers", body = PaperPage),
        (status = 400, description = "A parameter is out of range or malformed", body = ErrorBody),
        (status = 404, description = "No such member", body = ErrorBody), BadToken, Busy))]
pub async fn upvotes_of(
    State(state): State<AppState>,
    ApiPath(username): ApiPath<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PaperPage>> {
    let (page, limit) = params::page(q.page.as_deref(), q.limit.as_deref(), 50)?;
    let u = member(&state, &username).await?;
    // One more than a page, to know whether another follows.
    let upto = i64::from(page * limit + 1);
    let ids = state.store.read(move |db| votes::upvoted_by(db, u.id, upto)).await?;
    let more = ids.len() as i64 == upto;
    let ids: Vec<String> = ids.into_iter().skip(((page - 1) * limit) as usize).take(limit as usize).collect();
    let papers = load_in_order(&state, ids).await?;
    let items = with_activity(&state, &papers).await?;
    Ok(Json(PaperPage { items, page, limit, total: None, next_page: more.then_some(page + 1) }))
}
