//! paperboy's own JSON API, `/api/v1/…`: listings, trending, papers with their comments and
//! similar papers, search (in `web::search`), collections, upvotes, recommendations, and the
//! writes (upvote, comment, submit, collection edits) with personal API tokens.
//!
//! - Reads need nothing; writes and `/me` need `Authorization: Bearer <token>`, a personal token
//!   made at `/settings/tokens` (shown once, stored as its SHA-256, revocable). Cookies are
//!   never used here, so the API needs no CSRF token.
//! - Every answer carries `RateLimit` and `RateLimit-Policy`; past the limit (per token, or per
//!   address without one) a 429 with `Retry-After`. Writes also count against the site's own
//!   limits for votes, comments and submissions.
//! - Errors are `{"code", "message", "status"}` ([`ApiError`]).
//! - Pages are numbered from 1 with a `limit`; the order is stable (ties broken by id).

use super::api::{error, store_error, ApiError, ApiPath, ApiQuery};
use super::community::{submit_paper, SubmitRefused, MAX_COMMENT_CHARS};
use super::session::{client_ip, count_hit, now, Limit};
use super::RequestId;
use crate::accounts::{self, User};
use crate::app::AppState;
use crate::papers::{ArxivId, Paper, Period};
use crate::store::{community, Listing, StoreError};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// Who calls the API: a member, when a valid token came with the request.
#[derive(Clone, Debug, Default)]
pub struct ApiCaller {
    pub user: Option<User>,
    pub token_id: Option<i64>,
}

/// Runs before every `/api/…` route: CORS preflight, the bearer token, the rate limit.
pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if req.method() == Method::OPTIONS {
        return preflight();
    }
    let rid = req.extensions().get::<RequestId>().cloned().unwrap_or(RequestId("-".into()));
    let mut caller = ApiCaller::default();
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let token = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
        let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 128) else {
            return error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "send a personal token as Authorization: Bearer <token>",
            );
        };
        match token_user(&state, token).await {
            Ok(Some((id, user))) => caller = ApiCaller { user: Some(user), token_id: Some(id) },
            Ok(None) => {
                return error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "this token is unknown or revoked; make a new one at /settings/tokens",
                )
            }
            Err(e) => return store_error(&rid, e),
        }
    }
    let limits = state.settings.community.limits;
    let (key, rule) = match caller.token_id {
        Some(id) => (format!("token:{id}"), limits.api_token),
        None => {
            let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
            (format!("ip:{}", client_ip(&state, req.headers(), peer)), limits.api_anonymous)
        }
    };
    let decision = state.api_limits.hit(&key, rule[0], rule[1], now());
    if !decision.allowed {
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("at most {} requests per {} s; try again in {} s", rule[0], rule[1], decision.reset),
        );
        decision.write_headers(r.headers_mut());
        return r;
    }
    req.extensions_mut().insert(caller);
    let mut response = next.run(req).await;
    decision.write_headers(response.headers_mut());
    response
}

/// The token's id and its member, for a live token; its last use is recorded at most once a
/// minute, so that most requests only read.
pub(crate) async fn token_user(state: &AppState, token: &str) -> Result<Option<(i64, User)>, StoreError> {
    let hash = accounts::token_hash(token);
    let Some((id, last_used, user)) = state.store.read(move |db| community::api_token_user(db, &hash)).await? else {
        return Ok(None);
    };
    let now = now();
    if last_used.is_none_or(|t| now - t >= 60) {
        state.store.transaction(move |db| community::touch_api_token(db, id, now)).await?;
    }
    Ok(Some((id, user)))
}

/// Browsers may read the API from any page, with GET only.
fn preflight() -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert("access-control-allow-methods", HeaderValue::from_static("GET, HEAD, OPTIONS"));
    h.insert("access-control-allow-headers", HeaderValue::from_static("Authorization, Content-Type"));
    h.insert("access-control-max-age", HeaderValue::from_static("86400"));
    r
}

/// Any `/api/…` path that names nothing.
pub async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "no such endpoint; see /api/openapi.json")
}

fn require_user(caller: &ApiCaller) -> Result<User, Response> {
    caller.user.clone().ok_or_else(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "token_required",
            "this needs a personal API token: make one at /settings/tokens and send Authorization: Bearer <token>",
        )
    })
}

// --- what the API returns ---------------------------------------------------------------------

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
    /// Primary category first.
    pub categories: Vec<String>,
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

/// A comment; threads are rebuilt from `parentId`. A comment a moderator hid keeps its place
/// in the thread with no body.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiComment {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub author: String,
    /// Markdown, as written.
    pub body: Option<String>,
    pub hidden: bool,
    /// RFC 3339.
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentList {
    pub paper_id: String,
    /// Oldest first.
    pub comments: Vec<ApiComment>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VoteState {
    pub paper_id: String,
    pub voted: bool,
    pub upvotes: i64,
}

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

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Submission {
    pub paper: ApiPaper,
}

// --- what the API takes ---------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewComment {
    /// Markdown, 1 to 10,000 characters.
    pub body: String,
    /// The comment this replies to, on the same paper.
    #[serde(default)]
    pub parent_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSubmission {
    /// An arXiv id or URL.
    #[schema(example = "2508.04705")]
    pub paper: String,
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

fn body<T>(parsed: Result<Json<T>, JsonRejection>) -> Result<T, Response> {
    parsed.map(|j| j.0).map_err(|e| error(StatusCode::BAD_REQUEST, "invalid_body", e.body_text()))
}

fn time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|t| t.to_rfc3339()).unwrap_or_default()
}

fn api_paper(state: &AppState, p: &Paper, a: Option<&community::PaperActivity>) -> ApiPaper {
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    ApiPaper {
        id: p.id.as_str().to_string(),
        version: p.version,
        title: p.title.clone(),
        abstract_text: p.abstract_text.clone(),
        authors: p.authors.clone(),
        categories: p.categories.iter().map(|c| c.code().to_string()).collect(),
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
async fn with_activity(state: &AppState, papers: &[Paper]) -> Result<Vec<ApiPaper>, StoreError> {
    let ids: Vec<String> = papers.iter().map(|p| p.id.as_str().to_string()).collect();
    let activity = state.store.read(move |db| community::activity(db, &ids)).await?;
    Ok(papers.iter().map(|p| api_paper(state, p, activity.get(p.id.as_str()))).collect())
}

/// Loads papers by id, keeping the order of `ids` (ids paperboy does not hold are left out).
async fn load_in_order(state: &AppState, ids: Vec<String>) -> Result<Vec<Paper>, StoreError> {
    let mut by_id: HashMap<String, Paper> =
        state.store.papers_by_ids(ids.clone()).await?.into_iter().map(|p| (p.id.as_str().to_string(), p)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

fn json_created<T: Serialize>(value: T) -> Response {
    (StatusCode::CREATED, Json(value)).into_response()
}

// --- parameters ------------------------------------------------------------------------------

fn parse_page(page: Option<&str>, limit: Option<&str>, default_limit: u32) -> Result<(u32, u32), Response> {
    let page = match page.filter(|s| !s.is_empty()) {
        None => 1,
        Some(s) => s.parse::<u32>().ok().filter(|n| (1..=10_000).contains(n)).ok_or_else(|| {
            error(StatusCode::BAD_REQUEST, "invalid_page", format!("page={s:?} must be a whole number from 1 to 10000"))
        })?,
    };
    let limit = match limit.filter(|s| !s.is_empty()) {
        None => default_limit,
        Some(s) => s.parse::<u32>().ok().filter(|n| (1..=100).contains(n)).ok_or_else(|| {
            error(StatusCode::BAD_REQUEST, "invalid_limit", format!("limit={s:?} must be a whole number from 1 to 100"))
        })?,
    };
    Ok((page, limit))
}

fn parse_categories(cat: Option<&str>) -> Result<Vec<String>, Response> {
    let mut out = Vec::new();
    for c in cat.unwrap_or("").split([',', ' ']).map(str::trim).filter(|c| !c.is_empty()) {
        match crate::papers::Category::parse(c) {
            Ok(c) => out.push(c.code().to_string()),
            Err(_) => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "invalid_category",
                    format!("cat={c:?} is not an arXiv category such as cs.LG"),
                ))
            }
        }
    }
    Ok(out)
}

fn parse_id(id: &str) -> Result<ArxivId, Response> {
    ArxivId::parse(id)
        .map_err(|e| error(StatusCode::BAD_REQUEST, "invalid_id", format!("{id:?} is not an arXiv id: {e}")))
}

pub(super) async fn known_paper(state: &AppState, rid: &RequestId, id: &str) -> Result<Paper, Response> {
    let id = parse_id(id)?;
    match state.store.paper(&id).await {
        Ok(Some(p)) => Ok(p),
        Ok(None) => {
            Err(error(StatusCode::NOT_FOUND, "not_found", format!("paperboy does not know arXiv:{}", id.as_str())))
        }
        Err(e) => Err(store_error(rid, e)),
    }
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

fn parse_period(q: &ListQuery) -> Result<Option<Period>, Response> {
    super::api::parse_period(q.date.as_deref(), q.week.as_deref(), q.month.as_deref())
        .map_err(|(code, message)| error(StatusCode::BAD_REQUEST, code, message))
}

// --- listings --------------------------------------------------------------------------------

/// The papers of an announcement day, week or month, optionally in some categories, in the
/// listing's order.
#[utoipa::path(get, path = "/api/v1/papers", tag = "Papers", params(ListQuery),
    responses(
        (status = 200, description = "One page of the listing", body = PaperPage),
        (status = 400, description = "A parameter is out of range or malformed", body = ApiError),
        (status = 401, description = "The bearer token is unknown or revoked", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub async fn list_papers(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Response {
    let checked = parse_period(&q)
        .and_then(|p| Ok((p, parse_categories(q.cat.as_deref())?)))
        .and_then(|(p, c)| Ok((p, c, parse_page(q.page.as_deref(), q.limit.as_deref(), 50)?)));
    let (period, categories, (page, limit)) = match checked {
        Ok(x) => x,
        Err(r) => return r,
    };
    // Depends on the store only: cached per node until its freshness pair moves.
    let key = format!("v1papers|{}", uri.query().unwrap_or(""));
    let on_error = |e| store_error(&rid, e);
    let build = || async {
        let period = match period {
            Some(p) => p,
            None => match state.store.latest_day(None).await {
                Ok(Some(d)) => Period::Day(d),
                Ok(None) => Period::Day(chrono::Utc::now().date_naive()),
                Err(e) => return Err(store_error(&rid, e)),
            },
        };
        let listing = Listing { period, categories: categories.clone(), limit, offset: (page - 1) * limit };
        let found = tokio::try_join!(state.store.list_papers(listing), state.store.count_papers(period, categories));
        let (papers, total) = found.map_err(|e| store_error(&rid, e))?;
        let items = with_activity(&state, &papers).await.map_err(|e| store_error(&rid, e))?;
        let next_page = (u64::from(page) * u64::from(limit) < total).then_some(page + 1);
        let body =
            serde_json::to_vec(&PaperPage { items, page, limit, total: Some(total), next_page }).unwrap_or_default();
        Ok(super::cache::CachedPage::with_type(body.into(), "application/json", Vec::new()))
    };
    match super::cache::cached(&state, key, None, on_error, build).await {
        Ok(page) => page.respond(&headers),
        Err(r) => r,
    }
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
    responses(
        (status = 200, description = "One page of the ranking", body = PaperPage),
        (status = 400, description = "A parameter is out of range or malformed", body = ApiError),
        (status = 401, description = "The bearer token is unknown or revoked", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub async fn trending(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    ApiQuery(q): ApiQuery<TrendingQuery>,
) -> Response {
    let checked = parse_categories(q.cat.as_deref())
        .and_then(|c| Ok((c, parse_page(q.page.as_deref(), q.limit.as_deref(), 50)?)));
    let (categories, (page, limit)) = match checked {
        Ok(x) => x,
        Err(r) => return r,
    };
    let found = super::trending::ranked_page(&state, &categories, page as usize, limit as usize).await;
    let (_, papers, more) = match found {
        Ok(x) => x,
        Err(e) => return store_error(&rid, e),
    };
    match with_activity(&state, &papers).await {
        Ok(items) => {
            Json(PaperPage { items, page, limit, total: None, next_page: more.then_some(page + 1) }).into_response()
        }
        Err(e) => store_error(&rid, e),
    }
}

// --- one paper -------------------------------------------------------------------------------

/// `GET /api/v1/papers/{id}[/comments|/similar]`.
pub async fn paper_get(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    ApiPath(rest): ApiPath<String>,
    ApiQuery(params): ApiQuery<super::search::SimilarParams>,
) -> Response {
    if let Some(id) = rest.strip_suffix("/comments") {
        return comments(&state, &rid, id).await;
    }
    if let Some(id) = rest.strip_suffix("/similar") {
        return super::search::v1_similar(&state, &rid, id, &params).await;
    }
    paper(&state, &rid, &rest).await
}

/// `POST /api/v1/papers/{id}/upvote|comments`.
pub async fn paper_post(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(caller): Extension<ApiCaller>,
    ApiPath(rest): ApiPath<String>,
    parsed: Result<Json<NewComment>, JsonRejection>,
) -> Response {
    if let Some(id) = rest.strip_suffix("/upvote") {
        return vote(&state, &rid, &caller, id, true).await;
    }
    if let Some(id) = rest.strip_suffix("/comments") {
        return add_comment(&state, &rid, &caller, id, parsed).await;
    }
    error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "POST goes to /api/v1/papers/{id}/upvote or /comments")
}

/// `DELETE /api/v1/papers/{id}/upvote`.
pub async fn paper_delete(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(caller): Extension<ApiCaller>,
    ApiPath(rest): ApiPath<String>,
) -> Response {
    match rest.strip_suffix("/upvote") {
        Some(id) => vote(&state, &rid, &caller, id, false).await,
        None => {
            error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "DELETE goes to /api/v1/papers/{id}/upvote")
        }
    }
}

/// One paper with its counters.
#[utoipa::path(get, path = "/api/v1/papers/{id}", tag = "Papers",
    params(("id" = String, Path, description = "An arXiv id", example = "2508.04705")),
    responses(
        (status = 200, description = "The paper", body = ApiPaper),
        (status = 400, description = "Not an arXiv id", body = ApiError),
        (status = 401, description = "The bearer token is unknown or revoked", body = ApiError),
        (status = 404, description = "Unknown paper", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub async fn paper(state: &AppState, rid: &RequestId, id: &str) -> Response {
    let p = match known_paper(state, rid, id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match with_activity(state, std::slice::from_ref(&p)).await {
        Ok(mut items) => Json(items.remove(0)).into_response(),
        Err(e) => store_error(rid, e),
    }
}

/// A paper's comments, oldest first (Hugging Face's API cannot return them).
#[utoipa::path(get, path = "/api/v1/papers/{id}/comments", tag = "Community",
    params(("id" = String, Path, description = "An arXiv id", example = "2508.04705")),
    responses(
        (status = 200, description = "The comments", body = CommentList),
        (status = 400, description = "Not an arXiv id", body = ApiError),
        (status = 401, description = "The bearer token is unknown or revoked", body = ApiError),
        (status = 404, description = "Unknown paper", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub async fn comments(state: &AppState, rid: &RequestId, id: &str) -> Response {
    let p = match known_paper(state, rid, id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let key = p.id.as_str().to_string();
    match state.store.read(move |db| community::comments_on(db, &key)).await {
        Ok(list) => Json(CommentList {
            paper_id: p.id.as_str().to_string(),
            comments: list.into_iter().map(api_comment).collect(),
        })
        .into_response(),
        Err(e) => store_error(rid, e),
    }
}

fn api_comment(c: community::Comment) -> ApiComment {
    ApiComment {
        id: c.id,
        parent_id: c.parent_id,
        author: c.username,
        body: (!c.hidden).then_some(c.body),
        hidden: c.hidden,
        created_at: time(c.created_at),
    }
}

/// Upvotes a paper (idempotent: voting twice keeps one vote).
#[utoipa::path(post, path = "/api/v1/papers/{id}/upvote", tag = "Community",
    params(("id" = String, Path, description = "An arXiv id", example = "2508.04705")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The vote and the paper's count", body = VoteState),
        (status = 400, description = "Not an arXiv id", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "Unknown paper", body = ApiError),
        (status = 429, description = "Too many requests or votes; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
#[allow(dead_code)]
async fn upvote_doc() {}

/// Takes back an upvote (idempotent).
#[utoipa::path(delete, path = "/api/v1/papers/{id}/upvote", tag = "Community",
    params(("id" = String, Path, description = "An arXiv id", example = "2508.04705")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The vote and the paper's count", body = VoteState),
        (status = 400, description = "Not an arXiv id", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "Unknown paper", body = ApiError),
        (status = 429, description = "Too many requests or votes; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
#[allow(dead_code)]
async fn unvote_doc() {}

/// A 429 for one of the site's own (store-counted) limits.
fn limited(retry: i64, what: &str) -> Response {
    let mut r =
        error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("too many {what}; try again in {retry} s"));
    if let Ok(v) = HeaderValue::from_str(&retry.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

async fn site_limit(state: &AppState, rid: &RequestId, limit: Limit, user: &User, what: &str) -> Result<(), Response> {
    match count_hit(state, limit, &format!("user:{}", user.id)).await {
        Ok(None) => Ok(()),
        Ok(Some(retry)) => Err(limited(retry, what)),
        Err(e) => Err(store_error(rid, e)),
    }
}

async fn vote(state: &AppState, rid: &RequestId, caller: &ApiCaller, id: &str, want: bool) -> Response {
    let user = match require_user(caller) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let p = match known_paper(state, rid, id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) =
        site_limit(state, rid, Limit::new("vote", state.settings.community.limits.vote), &user, "votes").await
    {
        return r;
    }
    let pid = p.id.as_str().to_string();
    let day = p.announced_on.map(|d| d.to_string()).unwrap_or_default();
    let uid = user.id;
    let done = state
        .store
        .transaction(move |db| {
            let has = community::voted_by(db, uid, std::slice::from_ref(&pid))?.contains(&pid);
            if has != want {
                let (voted, upvotes) = community::toggle_vote(db, uid, &pid, &day, now())?;
                return Ok((voted, upvotes));
            }
            let upvotes = community::activity(db, std::slice::from_ref(&pid))?.get(&pid).map_or(0, |a| a.upvotes);
            Ok((has, upvotes))
        })
        .await;
    match done {
        Ok((voted, upvotes)) => Json(VoteState { paper_id: p.id.as_str().to_string(), voted, upvotes }).into_response(),
        Err(e) => store_error(rid, e),
    }
}

/// Comments on a paper, or replies to one of its comments.
#[utoipa::path(post, path = "/api/v1/papers/{id}/comments", tag = "Community",
    params(("id" = String, Path, description = "An arXiv id", example = "2508.04705")),
    request_body = NewComment,
    security(("token" = [])),
    responses(
        (status = 201, description = "The comment", body = ApiComment),
        (status = 400, description = "Not an arXiv id, a bad body, or a reply to a comment not on this paper", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "Unknown paper", body = ApiError),
        (status = 429, description = "Too many requests or comments; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
async fn add_comment(
    state: &AppState,
    rid: &RequestId,
    caller: &ApiCaller,
    id: &str,
    parsed: Result<Json<NewComment>, JsonRejection>,
) -> Response {
    let user = match require_user(caller) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let p = match known_paper(state, rid, id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let new = match body(parsed) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let text = new.body.trim().to_string();
    if text.is_empty() || text.chars().count() > MAX_COMMENT_CHARS {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("a comment has 1 to {MAX_COMMENT_CHARS} characters"),
        );
    }
    if let Err(r) =
        site_limit(state, rid, Limit::new("comment", state.settings.community.limits.comment), &user, "comments").await
    {
        return r;
    }
    let pid = p.id.as_str().to_string();
    let day = p.announced_on.map(|d| d.to_string()).unwrap_or_default();
    let (uid, parent, at) = (user.id, new.parent_id, now());
    let t2 = text.clone();
    match state.store.transaction(move |db| community::add_comment(db, &pid, &day, uid, parent, &t2, at)).await {
        Ok(community::CommentOutcome::Added(cid)) => json_created(ApiComment {
            id: cid,
            parent_id: parent,
            author: user.username,
            body: Some(text),
            hidden: false,
            created_at: time(at),
        }),
        Ok(community::CommentOutcome::NoSuchParent) => {
            error(StatusCode::BAD_REQUEST, "invalid_parent", "parentId is not a comment on this paper")
        }
        Err(e) => store_error(rid, e),
    }
}

/// Submits a paper, by arXiv id or URL, to the latest day's list (fetched from arXiv when
/// paperboy does not hold it yet).
#[utoipa::path(post, path = "/api/v1/submissions", tag = "Community", request_body = NewSubmission,
    security(("token" = [])),
    responses(
        (status = 201, description = "Submitted", body = Submission),
        (status = 400, description = "Not an arXiv id or URL, or a bad body", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "arXiv does not know the paper", body = ApiError),
        (status = 409, description = "Already submitted", body = ApiError),
        (status = 422, description = "Too old to submit", body = ApiError),
        (status = 429, description = "Too many requests or submissions; see Retry-After", body = ApiError),
        (status = 502, description = "arXiv cannot be reached", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub async fn submit(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(caller): Extension<ApiCaller>,
    parsed: Result<Json<NewSubmission>, JsonRejection>,
) -> Response {
    let user = match require_user(&caller) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let new = match body(parsed) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let id = match super::community::id_from_input(&new.paper) {
        Ok(id) => id,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_id", format!("not an arXiv id or URL: {e}")),
    };
    let limit = Limit::new("submit", state.settings.community.limits.submit);
    if let Err(r) = site_limit(&state, &rid, limit, &user, "submissions").await {
        return r;
    }
    match submit_paper(&state, &rid, user.id, &id).await {
        Ok(p) => {
            let a = state.store.read({
                let key = p.id.as_str().to_string();
                move |db| community::activity(db, &[key])
            });
            match a.await {
                Ok(a) => json_created(Submission { paper: api_paper(&state, &p, a.get(p.id.as_str())) }),
                Err(e) => store_error(&rid, e),
            }
        }
        Err(SubmitRefused::Rejected { status, code, message }) => error(status, code, message),
        Err(SubmitRefused::Store(e)) => store_error(&rid, e),
    }
}

// --- collections -----------------------------------------------------------------------------

fn summary(state: &AppState, c: &community::Collection) -> CollectionSummary {
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

fn no_collection() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "there is no such collection (or it is private)")
}

/// A collection the caller may see (a public one, or their own), found by id.
async fn visible_collection(
    state: &AppState,
    rid: &RequestId,
    caller: &ApiCaller,
    id: i64,
) -> Result<(community::Collection, Vec<String>), Response> {
    let found = state
        .store
        .read(move |db| {
            let Some(c) = community::collection(db, id)? else { return Ok(None) };
            Ok(Some((c, community::collection_papers(db, id)?)))
        })
        .await;
    match found {
        Ok(Some((c, ids))) if c.public || caller.user.as_ref().is_some_and(|u| u.id == c.owner_id) => Ok((c, ids)),
        Ok(_) => Err(no_collection()),
        Err(e) => Err(store_error(rid, e)),
    }
}

/// A collection with its papers: public ones for anyone, private ones for their owner's token.
#[utoipa::path(get, path = "/api/v1/collections/{id}", tag = "Collections",
    params(("id" = i64, Path, description = "The collection's number")),
    responses(
        (status = 200, description = "The collection", body = ApiCollection),
        (status = 400, description = "Not a collection number", body = ApiError),
        (status = 401, description = "The bearer token is unknown or revoked", body = ApiError),
        (status = 404, description = "No such collection, or a private one", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub async fn collection(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(caller): Extension<ApiCaller>,
    ApiPath(id): ApiPath<String>,
) -> Response {
    let id = match collection_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let (c, ids) = match visible_collection(&state, &rid, &caller, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let items = match load_in_order(&state, ids).await {
        Ok(papers) => with_activity(&state, &papers).await,
        Err(e) => Err(e),
    };
    match items {
        Ok(items) => Json(ApiCollection { summary: summary(&state, &c), items }).into_response(),
        Err(e) => store_error(&rid, e),
    }
}

fn collection_id(s: &str) -> Result<i64, Response> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "invalid_id", format!("{s:?} is not a collection number")))
}

/// Makes a collection.
#[utoipa::path(post, path = "/api/v1/collections", tag = "Collections", request_body = NewCollection,
    security(("token" = [])),
    responses(
        (status = 201, description = "The new collection", body = CollectionSummary),
        (status = 400, description = "A bad body", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub async fn create_collection(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(caller): Extension<ApiCaller>,
    parsed: Result<Json<NewCollection>, JsonRejection>,
) -> Response {
    let user = match require_user(&caller) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let new = match body(parsed) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let (name, description) = match super::collections::fields(&new.name, &new.description) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_body", e),
    };
    let (uid, public) = (user.id, new.public);
    let made = state
        .store
        .transaction(move |db| {
            let id = community::create_collection(db, uid, &name, &description, public, now())?;
            community::collection(db, id)
        })
        .await;
    match made {
        Ok(Some(c)) => json_created(summary(&state, &c)),
        Ok(None) => no_collection(),
        Err(e) => store_error(&rid, e),
    }
}

/// Deletes one of the caller's collections.
#[utoipa::path(delete, path = "/api/v1/collections/{id}", tag = "Collections",
    params(("id" = i64, Path, description = "The collection's number")),
    security(("token" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Not a collection number", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No such collection of yours", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub async fn delete_collection(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(caller): Extension<ApiCaller>,
    ApiPath(id): ApiPath<String>,
) -> Response {
    let user = match require_user(&caller) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let id = match collection_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match state.store.transaction(move |db| community::delete_collection(db, id, user.id)).await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => no_collection(),
        Err(e) => store_error(&rid, e),
    }
}

/// `PUT|DELETE /api/v1/collections/{id}/papers/{paper}`.
pub async fn collection_paper(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(caller): Extension<ApiCaller>,
    method: Method,
    ApiPath((id, paper)): ApiPath<(String, String)>,
) -> Response {
    let user = match require_user(&caller) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let id = match collection_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let p = match known_paper(&state, &rid, &paper).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let present = method == Method::PUT;
    let pid = p.id.as_str().to_string();
    let done = state
        .store
        .transaction(move |db| {
            if !community::set_in_collection(db, id, user.id, &pid, present, now())? {
                return Ok(None);
            }
            community::collection(db, id)
        })
        .await;
    match done {
        Ok(Some(c)) => Json(summary(&state, &c)).into_response(),
        Ok(None) => no_collection(),
        Err(e) => store_error(&rid, e),
    }
}

/// Adds a paper to one of the caller's collections (idempotent).
#[utoipa::path(put, path = "/api/v1/collections/{id}/papers/{paper}", tag = "Collections",
    params(("id" = i64, Path, description = "The collection's number"),
           ("paper" = String, Path, description = "An arXiv id", example = "2508.04705")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The collection", body = CollectionSummary),
        (status = 400, description = "Not a collection number or not an arXiv id", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No such collection of yours, or unknown paper", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
#[allow(dead_code)]
async fn collect_doc() {}

/// Takes a paper out of one of the caller's collections (idempotent).
#[utoipa::path(delete, path = "/api/v1/collections/{id}/papers/{paper}", tag = "Collections",
    params(("id" = i64, Path, description = "The collection's number"),
           ("paper" = String, Path, description = "An arXiv id", example = "2508.04705")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The collection", body = CollectionSummary),
        (status = 400, description = "Not a collection number or not an arXiv id", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No such collection of yours, or unknown paper", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
#[allow(dead_code)]
async fn uncollect_doc() {}

// --- members ---------------------------------------------------------------------------------

async fn member(state: &AppState, rid: &RequestId, name: &str) -> Result<User, Response> {
    let n = name.to_string();
    match state.store.read(move |db| community::user_by_name(db, &n)).await {
        Ok(Some(u)) if !u.suspended => Ok(u),
        Ok(_) => Err(error(StatusCode::NOT_FOUND, "not_found", format!("there is no member {name:?}"))),
        Err(e) => Err(store_error(rid, e)),
    }
}

/// A member's collections: the public ones, and the private ones too for their own token.
#[utoipa::path(get, path = "/api/v1/users/{username}/collections", tag = "Collections",
    params(("username" = String, Path, description = "A member's name")),
    responses(
        (status = 200, description = "The collections, most recently changed first", body = [CollectionSummary]),
        (status = 401, description = "The bearer token is unknown or revoked", body = ApiError),
        (status = 404, description = "No such member", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub async fn user_collections(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(caller): Extension<ApiCaller>,
    ApiPath(username): ApiPath<String>,
) -> Response {
    let u = match member(&state, &rid, &username).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let own = caller.user.as_ref().is_some_and(|me| me.id == u.id);
    match state.store.read(move |db| community::collections_of(db, u.id, own)).await {
        Ok(list) => Json(list.iter().map(|c| summary(&state, c)).collect::<Vec<_>>()).into_response(),
        Err(e) => store_error(&rid, e),
    }
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
#[utoipa::path(get, path = "/api/v1/users/{username}/upvotes", tag = "Community",
    params(("username" = String, Path, description = "A member's name"), PageQuery),
    responses(
        (status = 200, description = "One page of upvoted papers", body = PaperPage),
        (status = 400, description = "A parameter is out of range or malformed", body = ApiError),
        (status = 401, description = "The bearer token is unknown or revoked", body = ApiError),
        (status = 404, description = "No such member", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub async fn user_upvotes(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    ApiPath(username): ApiPath<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Response {
    let (page, limit) = match parse_page(q.page.as_deref(), q.limit.as_deref(), 50) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let u = match member(&state, &rid, &username).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    // One more than a page, to know whether another follows.
    let upto = i64::from(page * limit + 1);
    let ids = match state.store.read(move |db| community::upvoted_by(db, u.id, upto)).await {
        Ok(ids) => ids,
        Err(e) => return store_error(&rid, e),
    };
    let more = ids.len() as i64 == upto;
    let ids: Vec<String> = ids.into_iter().skip(((page - 1) * limit) as usize).take(limit as usize).collect();
    let items = match load_in_order(&state, ids).await {
        Ok(papers) => with_activity(&state, &papers).await,
        Err(e) => Err(e),
    };
    match items {
        Ok(items) => {
            Json(PaperPage { items, page, limit, total: None, next_page: more.then_some(page + 1) }).into_response()
        }
        Err(e) => store_error(&rid, e),
    }
}

/// The member the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "Members", security(("token" = [])),
    responses(
        (status = 200, description = "The token's member", body = Me),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
    ))]
pub async fn me(Extension(caller): Extension<ApiCaller>) -> Response {
    match require_user(&caller) {
        Ok(u) => Json(Me { username: u.username, created_at: time(u.created_at) }).into_response(),
        Err(r) => r,
    }
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
    responses(
        (status = 200, description = "Recommended papers, best first", body = Recommendations),
        (status = 400, description = "A parameter is out of range or malformed", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub async fn recommendations(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(caller): Extension<ApiCaller>,
    ApiQuery(q): ApiQuery<RecommendQuery>,
) -> Response {
    let user = match require_user(&caller) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (_, limit) = match parse_page(None, q.limit.as_deref(), 20) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let found = crate::recommend::for_user(&state.store, state.search.as_deref(), user.id, limit as usize).await;
    let (method, scored) = match found {
        Ok(x) => x,
        Err(e) => return store_error(&rid, e),
    };
    let papers: Vec<Paper> = scored.iter().map(|(p, _)| p.clone()).collect();
    match with_activity(&state, &papers).await {
        Ok(items) => Json(Recommendations {
            method: method.as_str().into(),
            items: items
                .into_iter()
                .zip(&scored)
                .map(|(paper, (_, score))| ScoredPaper { paper, score: *score })
                .collect(),
        })
        .into_response(),
        Err(e) => store_error(&rid, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_limits_are_checked() {
        assert_eq!(parse_page(None, None, 50).ok(), Some((1, 50)));
        assert_eq!(parse_page(Some("3"), Some("10"), 50).ok(), Some((3, 10)));
        for (page, limit) in [(Some("0"), None), (Some("x"), None), (None, Some("0")), (None, Some("101"))] {
            assert_eq!(parse_page(page, limit, 50).unwrap_err().status(), StatusCode::BAD_REQUEST);
        }
        assert_eq!(parse_categories(Some("cs.LG, cs.CL")).ok(), Some(vec!["cs.LG".to_string(), "cs.CL".to_string()]));
        assert!(parse_categories(Some("cs.NOPE")).is_err());
    }
}
