//! Authors: an author's papers, and the authors the token's member follows (whose new papers come
//! first in their recommendations). Names are matched by their key (accents, case and punctuation
//! folded; see `papers::authors`).

use super::error::{ApiError, ApiResult, Busy, Code, ErrorBody, NoToken};
use super::extract::{ApiQuery, Caller};
use super::papers::{with_activity, PaperPage};
use super::params;
use crate::app::AppState;
use crate::community::follows;
use crate::papers::authors;
use axum::extract::{Path, State};
use axum::response::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Most papers of one author looked at (the newest).
const MAX_PAPERS: usize = 2_000;

/// An author the member follows.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FollowedAuthor {
    /// As the member followed it.
    pub name: String,
    /// What names are matched by: lower case, accents and punctuation folded.
    pub key: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Following {
    pub name: String,
    pub following: bool,
}

fn name_of(raw: &str) -> ApiResult<String> {
    let name = raw.trim().to_string();
    if authors::key(&name).is_empty() || name.chars().count() > follows::MAX_NAME {
        return Err(ApiError::new(
            Code::InvalidPath,
            format!("an author's name has a letter or digit and at most {} characters", follows::MAX_NAME),
        ));
    }
    Ok(name)
}

/// The query of `/api/v1/authors/{name}/papers`.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorQuery {
    /// From 1 (default 1).
    #[param(value_type = Option<u32>, minimum = 1)]
    page: Option<String>,
    /// 1 to 100 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// An author's papers here, newest first (the newest 2,000 at most).
#[utoipa::path(operation_id = "author_papers", get, path = "/api/v1/authors/{name}/papers", tag = "Papers",
    params(("name" = String, Path, description = "An author's name as arXiv writes it", example = "Ada Lovelace"), AuthorQuery),
    responses((status = 200, description = "Their papers, newest first", body = PaperPage),
        (status = 400, description = "Not a name, or a parameter out of range", body = ErrorBody),
        (status = 503, description = "Search is off on this instance", body = ErrorBody), Busy))]
pub async fn papers(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiQuery(q): ApiQuery<AuthorQuery>,
) -> ApiResult<Json<PaperPage>> {
    let name = name_of(&name)?;
    let (page, limit) = params::page(q.page.as_deref(), q.limit.as_deref(), 50)?;
    let found = crate::search::found::by_author(state.search.as_deref(), &state.store, &name, MAX_PAPERS)
        .await
        .map_err(ApiError::Internal)?
        .ok_or_else(|| ApiError::new(Code::SearchUnavailable, "author look-ups need the search index, which is off"))?;
    let offset = (page as usize - 1) * limit as usize;
    let shown: Vec<_> = found.iter().skip(offset).take(limit as usize).cloned().collect();
    Ok(Json(PaperPage {
        items: with_activity(&state, &shown).await?,
        page,
        limit,
        total: Some(found.len() as u64),
        next_page: (offset + (limit as usize) < found.len()).then_some(page + 1),
    }))
}

/// The authors the member follows, in the order they were followed.
#[utoipa::path(operation_id = "followed_authors", get, path = "/api/v1/me/authors", tag = "Members", security(("token" = [])),
    responses((status = 200, description = "Followed authors", body = Vec<FollowedAuthor>), NoToken, Busy))]
pub async fn followed(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<FollowedAuthor>>> {
    let user = caller.member()?;
    let all = follows::followed(&state.store, user.id).await?;
    Ok(Json(all.into_iter().map(|(key, name)| FollowedAuthor { name, key }).collect()))
}

async fn set(state: &AppState, caller: &Caller, raw: &str, follow: bool) -> ApiResult<Json<Following>> {
    let user = caller.member()?;
    let name = name_of(raw)?;
    follows::set(&state.store, &state.settings.community, &user, &name, follow).await?;
    state.recommending().refresh_in_background(state.store.clone(), user.id);
    Ok(Json(Following { name, following: follow }))
}

/// Follows an author (idempotent): their new papers come first in the member's recommendations,
/// "for me" digests and feed.
#[utoipa::path(operation_id = "follow_author", put, path = "/api/v1/me/authors/{name}", tag = "Members",
    params(("name" = String, Path, description = "An author's name as arXiv writes it", example = "Ada Lovelace")),
    security(("token" = [])),
    responses((status = 200, description = "Followed", body = Following),
        (status = 400, description = "Not a name", body = ErrorBody), NoToken, Busy))]
pub async fn follow(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<Following>> {
    set(&state, &caller, &name, true).await
}

/// Unfollows an author (idempotent).
#[utoipa::path(operation_id = "unfollow_author", delete, path = "/api/v1/me/authors/{name}", tag = "Members",
    params(("name" = String, Path, description = "An author's name as arXiv writes it", example = "Ada Lovelace")),
    security(("token" = [])),
    responses((status = 200, description = "Not followed", body = Following),
        (status = 400, description = "Not a name", body = ErrorBody), NoToken, Busy))]
pub async fn unfollow(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<Following>> {
    set(&state, &caller, &name, false).await
}
