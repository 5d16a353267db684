//! Papers: the listings of a day, week or month, trending, and one paper with its counters.

use super::error::{ApiError, ApiResult, BadToken, Busy, ErrorBody, PaperErrors};
use super::extract::{ApiQuery, PaperId};
use super::params;
use crate::app::AppState;
use crate::community::ranking;
use crate::papers::{Paper, Period};
use crate::server::cache::{cached, CachedPage};
use crate::server::site::Site;
use crate::store::votes::{self, PaperActivity};
use crate::store::{Listing, StoreError};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// A paper with its community counters.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiPaper {
    #[schema(example = "2508.04705")]
    pub id: String,
    pub version: u16,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub authors: Vec<String>,
    /// Primary category first (unless `categoriesListed`).
    pub categories: Vec<String>,
    /// True when `categories` are only those of the arXiv feeds the paper was announced in
    /// (the source did not say which are the paper's own): no primary category is known.
    pub categories_listed: bool,
    /// The announcement day, `YYYY-MM-DD`.
    pub announced_on: Option<String>,
    pub submitted_on: Option<String>,
    pub updated_on: Option<String>,
    pub journal_ref: Option<String>,
    pub doi: Option<String>,
    /// The paper's page here.
    pub url: String,
    pub arxiv_url: String,
    pub pdf_url: String,
    pub upvotes: i64,
    pub comments: i64,
    /// The member who submitted it to a day's list, if one did.
    pub submitted_by: Option<String>,
}

/// One page of papers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaperPage {
    pub items: Vec<ApiPaper>,
    /// From 1.
    pub page: u32,
    pub limit: u32,
    /// Papers in the whole listing, when known.
    pub total: Option<u64>,
    /// The next page's number, when there is one.
    pub next_page: Option<u32>,
}

/// RFC 3339, from seconds since 1970.
pub fn time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|t| t.to_rfc3339()).unwrap_or_default()
}

fn api_paper(state: &AppState, p: &Paper, a: Option<&PaperActivity>) -> ApiPaper {
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    ApiPaper {
        id: p.id.as_str().to_string(),
        version: p.version,
        title: p.title.clone(),
        abstract_text: p.abstract_text.clone(),
        authors: p.authors.clone(),
        categories: p.categories.iter().map(|c| c.code().to_string()).collect(),
        categories_listed: p.categories_listed,
        announced_on: day(p.announced_on),
        submitted_on: day(p.submitted_on),
        updated_on: day(p.updated_on),
        journal_ref: p.journal_ref.clone(),
        doi: p.doi.clone(),
        url: format!("{}/papers/{}", state.settings.public_url.trim_end_matches('/'), p.id.as_str()),
        arxiv_url: p.id.abs_url(),
        pdf_url: p.id.pdf_url(),
        upvotes: a.map_or(0, |a| a.upvotes),
        comments: a.map_or(0, |a| a.comments),
        submitted_by: a.and_then(|a| a.submitted_by.clone()),
    }
}

/// The papers with their counters, in the order given.
pub async fn with_activity(state: &AppState, papers: &[Paper]) -> Result<Vec<ApiPaper>, StoreError> {
    let ids: Vec<String> = papers.iter().map(|p| p.id.as_str().to_string()).collect();
    let activity = state.store.read(move |db| votes::activity(db, &ids)).await?;
    Ok(papers.iter().map(|p| api_paper(state, p, activity.get(p.id.as_str()))).collect())
}

/// Loads papers by id, keeping the order of `ids` (ids paperboy does not hold are left out).
pub async fn load_in_order(state: &AppState, ids: Vec<String>) -> Result<Vec<Paper>, StoreError> {
    let mut by_id: HashMap<String, Paper> =
        state.store.papers_by_ids(ids.clone()).await?.into_iter().map(|p| (p.id.as_str().to_string(), p)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// A paper paperboy holds, from a path's id.
pub async fn known(state: &AppState, id: &str) -> ApiResult<Paper> {
    let id = params::arxiv_id(id)?;
    Ok(crate::community::known_paper(&state.store, &id).await?)
}

/// The query of `/api/v1/papers`.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// An announcement day, `YYYY-MM-DD` (at most one of date, week, month; none: the latest day).
    #[param(example = "2025-08-07")]
    date: Option<String>,
    /// An ISO week, `YYYY-Www`.
    #[param(example = "2025-W32")]
    week: Option<String>,
    /// A month, `YYYY-MM`.
    #[param(example = "2025-08")]
    month: Option<String>,
    /// Categories, comma-separated: papers in any of them.
    #[param(example = "cs.LG,cs.CL")]
    cat: Option<String>,
    /// From 1.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 10000)]
    page: Option<String>,
    /// 1 to 100 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// The papers of an announcement day, week or month, optionally in some categories, in the
/// listing's order.
#[utoipa::path(operation_id = "list_papers", get, path = "/api/v1/papers", tag = "Papers", params(ListQuery),
    responses((status = 200, description = "One page of the listing", body = PaperPage),
        (status = 400, description = "A parameter is out of range or malformed", body = ErrorBody), BadToken, Busy))]
pub async fn list(
    State(site): State<Site>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let period = params::period(q.date.as_deref(), q.week.as_deref(), q.month.as_deref())?;
    let categories = params::categories(q.cat.as_deref())?;
    let (page, limit) = params::page(q.page.as_deref(), q.limit.as_deref(), 50)?;
    let state = &site.app;
    // Depends on the store only: cached per node until its freshness pair moves.
    let key = format!("v1papers|{}", uri.query().unwrap_or(""));
    let build = || async {
        let period = match period {
            Some(p) => p,
            None => Period::Day(state.store.latest_day(None).await?.unwrap_or_else(|| chrono::Utc::now().date_naive())),
        };
        let listing = Listing { period, categories: categories.clone(), limit, offset: (page - 1) * limit };
        let (papers, total) =
            tokio::try_join!(state.store.list_papers(listing), state.store.count_papers(period, categories))?;
        let items = with_activity(state, &papers).await?;
        let next_page = (u64::from(page) * u64::from(limit) < total).then_some(page + 1);
        let body =
            serde_json::to_vec(&PaperPage { items, page, limit, total: Some(total), next_page }).unwrap_or_default();
        Ok::<_, ApiError>(CachedPage::with_type(body.into(), "application/json", Vec::new()))
    };
    Ok(cached(&site.pages, &site.app, key, None, build).await?.respond(&headers))
}

/// The query of `/api/v1/trending`.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendingQuery {
    /// Categories, comma-separated: papers in any of them.
    #[param(example = "cs.LG")]
    cat: Option<String>,
    /// From 1.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 10000)]
    page: Option<String>,
    /// 1 to 100 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// Trending papers, ranked by `ln(points + 2) / (hours + 2)^gravity` (see `/papers/trending`).
#[utoipa::path(get, path = "/api/v1/trending", tag = "Papers", params(TrendingQuery),
    responses((status = 200, description = "One page of the ranking", body = PaperPage),
        (status = 400, description = "A parameter is out of range or malformed", body = ErrorBody), BadToken, Busy))]
pub async fn trending(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<TrendingQuery>,
) -> ApiResult<Json<PaperPage>> {
    let categories = params::categories(q.cat.as_deref())?;
    let (page, limit) = params::page(q.page.as_deref(), q.limit.as_deref(), 50)?;
    let days = state.settings.community.trending_days;
    let (_, papers, more) =
        ranking::ranked_page(&state.store, days, &categories, page as usize, limit as usize).await?;
    let items = with_activity(&state, &papers).await?;
    Ok(Json(PaperPage { items, page, limit, total: None, next_page: more.then_some(page + 1) }))
}

/// One paper with its counters.
#[utoipa::path(operation_id = "v1_paper", get, path = "/api/v1/papers/{id}", tag = "Papers",
    params(("id" = String, Path, description = "An arXiv id", example = "2508.04705")),
    responses((status = 200, description = "The paper", body = ApiPaper),
        PaperErrors, BadToken, Busy))]
pub async fn one(State(state): State<AppState>, PaperId(id): PaperId) -> ApiResult<Response> {
    let p = known(&state, &id).await?;
    let mut items = with_activity(&state, std::slice::from_ref(&p)).await?;
    Ok(Json(items.remove(0)).into_response())
}

/// A 201 with `value`.
pub fn created<T: Serialize>(value: T) -> Response {
    (axum::http::StatusCode::CREATED, Json(value)).into_response()
}
