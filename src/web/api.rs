//! The JSON API that speaks Hugging Face's paper API, so that existing clients work unchanged:
//! `GET /api/daily_papers` and `GET /api/papers/{id}`. Field names and types follow Hugging
//! Face's (see `../shared/fixtures/hf-daily-papers`); fields paperboy has no data for are
//! present with the types clients expect (null, empty list, 0, false). Errors are JSON with a
//! stable `code`, a `message` that says what to fix, and the HTTP `status`.

use super::RequestId;
use crate::app::AppState;
use crate::papers::{ArxivId, Paper, Period};
use crate::ranking::hot_score;
use crate::store::{community, Listing, StoreError};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// Every API error: a stable machine `code`, a `message` that says what to fix, and the HTTP
/// `status` again.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    #[schema(example = "invalid_limit")]
    pub code: String,
    #[schema(example = "limit=\"500\": use 1 to 100")]
    pub message: String,
    #[schema(example = 400)]
    pub status: u16,
}

/// An API error: `{"code": …, "message": …, "status": …}`.
pub fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = ApiError { code: code.into(), message: message.into(), status: status.as_u16() };
    (status, Json(body)).into_response()
}

pub(crate) fn store_error(rid: &RequestId, e: StoreError) -> Response {
    if e.is_unavailable() {
        tracing::warn!(request_id = %rid.0, error = %e, "store unavailable");
        let mut r =
            error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the database cannot be reached; try again shortly");
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return r;
    }
    tracing::error!(request_id = %rid.0, error = %e, "API request failed");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        format!("something went wrong on our side (request id {})", rid.0),
    )
}

/// `Query`, with a JSON 400 when the query string cannot be read (a repeated parameter, say).
pub struct ApiQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Response> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(error(StatusCode::BAD_REQUEST, "invalid_query", e.body_text())),
        }
    }
}

/// `Path`, with a JSON 400 when the path cannot be read (bad percent-encoding, say).
pub struct ApiPath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiPath<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Response> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(error(StatusCode::BAD_REQUEST, "invalid_path", e.body_text())),
        }
    }
}

/// A stable 24-hex-digit id in the style of Hugging Face's object ids.
fn object_id(seed: &str) -> String {
    let h = xxhash_rust::xxh3::xxh3_128(seed.as_bytes());
    format!("{:024x}", h & ((1u128 << 96) - 1))
}

fn day_time(d: Option<chrono::NaiveDate>) -> Option<String> {
    d.map(|d| format!("{d}T00:00:00.000Z"))
}

/// An author in Hugging Face's paper objects.
#[derive(Debug, Serialize, ToSchema)]
pub struct HfAuthor {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
    pub hidden: bool,
}

/// A user in Hugging Face's paper objects (here: the member who submitted the paper).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HfUser {
    #[serde(rename = "_id")]
    pub id: String,
    pub avatar_url: String,
    pub is_pro: bool,
    pub fullname: String,
    pub user: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

fn user_object(username: &str) -> HfUser {
    HfUser {
        id: object_id(&format!("user:{username}")),
        avatar_url: String::new(),
        is_pro: false,
        fullname: username.into(),
        user: username.into(),
        name: username.into(),
        kind: "user".into(),
    }
}

/// The `paper` object of Hugging Face's API. Fields paperboy has no data for are present with
/// the types clients expect.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HfPaper {
    #[schema(example = "2508.04705")]
    pub id: String,
    pub authors: Vec<HfAuthor>,
    pub media_urls: Vec<String>,
    pub published_at: Option<String>,
    pub submitted_on_daily_at: Option<String>,
    pub title: String,
    pub submitted_on_daily_by: Option<HfUser>,
    pub summary: String,
    pub upvotes: i64,
    pub discussion_id: String,
    pub project_page: Option<String>,
    pub github_repo: Option<String>,
    pub github_stars: i64,
    #[serde(rename = "ai_summary")]
    pub ai_summary: Option<String>,
    #[serde(rename = "ai_keywords")]
    pub ai_keywords: Vec<String>,
}

/// One item of `/api/daily_papers` (and of `/api/papers/search`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HfDailyItem {
    pub title: String,
    pub summary: String,
    pub published_at: Option<String>,
    pub media_urls: Vec<String>,
    pub thumbnail: Option<String>,
    pub num_comments: i64,
    pub submitted_by: Option<HfUser>,
    pub is_author_participating: bool,
    pub paper: HfPaper,
}

fn paper_json(p: &Paper, a: &community::PaperActivity, submitted_at: Option<i64>) -> HfPaper {
    let id = p.id.as_str();
    let submitted_on_daily = submitted_at
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .or_else(|| day_time(p.announced_on));
    HfPaper {
        id: id.into(),
        authors: p
            .authors
            .iter()
            .enumerate()
            .map(|(i, name)| HfAuthor { id: object_id(&format!("author:{id}:{i}")), name: name.clone(), hidden: false })
            .collect(),
        media_urls: vec![],
        published_at: day_time(p.submitted_on.or(p.announced_on)),
        submitted_on_daily_at: submitted_on_daily,
        title: p.title.clone(),
        submitted_on_daily_by: a.submitted_by.as_deref().map(user_object),
        summary: p.abstract_text.clone(),
        upvotes: a.upvotes,
        discussion_id: object_id(&format!("discussion:{id}")),
        project_page: None,
        github_repo: None,
        github_stars: 0,
        ai_summary: None,
        ai_keywords: vec![],
    }
}

/// One item of `/api/daily_papers`.
pub(crate) fn item_json(p: &Paper, a: &community::PaperActivity, submitted_at: Option<i64>) -> HfDailyItem {
    let paper = paper_json(p, a, submitted_at);
    HfDailyItem {
        title: p.title.clone(),
        summary: p.abstract_text.clone(),
        published_at: paper.published_at.clone(),
        media_urls: vec![],
        thumbnail: None,
        num_comments: a.comments,
        submitted_by: paper.submitted_on_daily_by.clone(),
        is_author_participating: false,
        paper,
    }
}

/// The query of `/api/daily_papers`, as Hugging Face's. Values are read as text and checked by
/// [`parse_daily`], so that a bad one gets a JSON 400 that says what to fix.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DailyQuery {
    /// An announcement day, `YYYY-MM-DD` (at most one of date, week and month; none: the latest day).
    #[param(example = "2025-08-07")]
    date: Option<String>,
    /// An ISO week, `YYYY-Www`.
    #[param(example = "2025-W32")]
    week: Option<String>,
    /// A month, `YYYY-MM`.
    #[param(example = "2025-08")]
    month: Option<String>,
    /// `publishedAt` (the day's order, the default) or `trending`.
    #[param(value_type = Option<String>, pattern = "^(publishedAt|trending)$")]
    sort: Option<String>,
    /// The page, from 0.
    #[param(value_type = Option<u32>, minimum = 0, maximum = 100000)]
    p: Option<String>,
    /// Items a page, 1 to 100 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// Only papers submitted by this member.
    #[param(max_length = 64)]
    submitter: Option<String>,
}

/// The checked parameters of a `/api/daily_papers` request.
#[derive(Debug, PartialEq)]
struct DailyRequest {
    period: Option<Period>,
    trending: bool,
    page: u32,
    limit: u32,
    submitter: Option<String>,
}

/// At most one of `date`, `week` and `month`, each in its own format; none: `None`.
pub(crate) fn parse_period(
    date: Option<&str>,
    week: Option<&str>,
    month: Option<&str>,
) -> Result<Option<Period>, (&'static str, String)> {
    let given: Vec<(&str, &str)> = [("date", date), ("week", week), ("month", month)]
        .into_iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect();
    match given.as_slice() {
        [] => Ok(None),
        [(kind, value)] => Period::parse(value)
            .filter(|p| {
                matches!(
                    (kind, p),
                    (&"date", Period::Day(_)) | (&"week", Period::Week { .. }) | (&"month", Period::Month { .. })
                )
            })
            .map(Some)
            .ok_or_else(|| {
                let want = match *kind {
                    "date" => "YYYY-MM-DD",
                    "week" => "YYYY-Www, e.g. 2025-W32",
                    _ => "YYYY-MM",
                };
                ("invalid_period", format!("{kind}={value:?} is not valid: use {want}"))
            }),
        _ => Err(("invalid_period", "give at most one of date, week and month".into())),
    }
}

fn parse_daily(q: &DailyQuery) -> Result<DailyRequest, (&'static str, String)> {
    let period = parse_period(q.date.as_deref(), q.week.as_deref(), q.month.as_deref())?;
    let trending = match q.sort.as_deref() {
        None | Some("publishedAt") => false,
        Some("trending") => true,
        Some(other) => {
            return Err(("invalid_sort", format!("sort={other:?} is not supported: use publishedAt or trending")))
        }
    };
    let page = match q.p.as_deref() {
        None => 0,
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|p| *p <= 100_000)
            .ok_or(("invalid_page", format!("p={p:?}: use a page number from 0")))?,
    };
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or(("invalid_limit", format!("limit={l:?}: use 1 to 100")))?,
    };
    let submitter = q.submitter.clone().filter(|s| !s.is_empty());
    if submitter.as_ref().is_some_and(|s| s.len() > 64) {
        return Err(("invalid_submitter", "submitter: at most 64 characters".into()));
    }
    Ok(DailyRequest { period, trending, page, limit, submitter })
}

/// The papers of an announcement day, week or month, as Hugging Face's `/api/daily_papers`. A
/// `Link: <…>; rel="next"` header points to the next page when there is one.
#[utoipa::path(get, path = "/api/daily_papers", tag = "Hugging Face compatible", params(DailyQuery),
    responses(
        (status = 200, description = "One page of the listing", body = [HfDailyItem]),
        (status = 400, description = "A parameter is out of range or malformed", body = ApiError),
        (status = 401, description = "The bearer token is unknown or revoked", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub async fn daily_papers(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    ApiQuery(q): ApiQuery<DailyQuery>,
) -> Response {
    let req = match parse_daily(&q) {
        Ok(r) => r,
        Err((code, message)) => return error(StatusCode::BAD_REQUEST, code, message),
    };
    // The answer depends on the store only: cached per node until its freshness pair moves.
    let key = format!("api|{}", uri.query().unwrap_or(""));
    let on_error = |e| store_error(&rid, e);
    match super::cache::cached(&state, key, None, on_error, || daily_papers_fresh(&state, &rid, &uri, req)).await {
        Ok(page) => page.respond(&headers),
        Err(r) => r,
    }
}

async fn daily_papers_fresh(
    state: &AppState,
    rid: &RequestId,
    uri: &axum::http::Uri,
    req: DailyRequest,
) -> Result<super::cache::CachedPage, Response> {
    let empty =
        || super::cache::CachedPage::with_type(axum::body::Bytes::from_static(b"[]"), "application/json", Vec::new());
    let period = match req.period {
        Some(p) => p,
        None => match state.store.latest_day(None).await {
            Ok(Some(d)) => Period::Day(d),
            Ok(None) => return Ok(empty()),
            Err(e) => return Err(store_error(rid, e)),
        },
    };
    // The whole period is read when it must be re-ordered or filtered; otherwise one page.
    let whole = req.trending || req.submitter.is_some();
    let (limit, offset) = if whole { (100_000, 0) } else { (req.limit, req.page * req.limit) };
    let listing = Listing { period, categories: vec![], limit, offset };
    let (papers, total) =
        match tokio::try_join!(state.store.list_papers(listing), state.store.count_papers(period, vec![])) {
            Ok(x) => x,
            Err(e) => return Err(store_error(rid, e)),
        };
    let ids: Vec<String> = papers.iter().map(|p| p.id.as_str().to_string()).collect();
    let i2 = ids.clone();
    let found = state
        .store
        .read(move |db| {
            let activity = community::activity(db, &i2)?;
            let mut submitted_at = HashMap::new();
            for chunk in i2.chunks(500) {
                let marks = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                let sql = format!(
                    "SELECT paper_id, submitted_at FROM submissions WHERE removed = 0 AND paper_id IN ({marks})"
                );
                let params: Vec<crate::store::db::Val> = chunk.iter().map(Into::into).collect();
                for r in db.query(&sql, &params)? {
                    submitted_at.insert(r.text(0), r.int(1));
                }
            }
            Ok((activity, submitted_at))
        })
        .await;
    let (activity, submitted_at) = match found {
        Ok(x) => x,
        Err(e) => return Err(store_error(rid, e)),
    };
    let none = community::PaperActivity::default();
    let mut rows: Vec<(&Paper, &community::PaperActivity)> =
        papers.iter().map(|p| (p, activity.get(p.id.as_str()).unwrap_or(&none))).collect();
    if let Some(who) = &req.submitter {
        rows.retain(|(_, a)| a.submitted_by.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(who)));
    }
    if req.trending {
        let now = chrono::Utc::now().timestamp();
        let score = |p: &Paper, a: &community::PaperActivity| {
            let listed = submitted_at
                .get(p.id.as_str())
                .copied()
                .or_else(|| p.announced_on.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc().timestamp()))
                .unwrap_or(now);
            hot_score(a.upvotes.max(0) as u64, a.comments.max(0) as u64, (now - listed) as f64 / 3600.0)
        };
        rows.sort_by(|x, y| score(y.0, y.1).total_cmp(&score(x.0, x.1)));
    }
    let (items, more): (Vec<HfDailyItem>, bool) = if whole {
        let start = (req.page * req.limit) as usize;
        let page: Vec<HfDailyItem> = rows
            .iter()
            .skip(start)
            .take(req.limit as usize)
            .map(|(p, a)| item_json(p, a, submitted_at.get(p.id.as_str()).copied()))
            .collect();
        (page, rows.len() > start + req.limit as usize)
    } else {
        let page = rows.iter().map(|(p, a)| item_json(p, a, submitted_at.get(p.id.as_str()).copied())).collect();
        (page, u64::from(offset + req.limit) < total)
    };
    let body = axum::body::Bytes::from(serde_json::to_vec(&items).unwrap_or_default());
    let mut extra = Vec::new();
    if more {
        // The same query, next page.
        let mut pairs: Vec<(String, String)> = uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().filter(|(k, _)| k != "p").collect())
            .unwrap_or_default();
        pairs.push(("p".into(), (req.page + 1).to_string()));
        let query: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        let next = format!("{}/api/daily_papers?{query}", state.settings.public_url.trim_end_matches('/'));
        if let Ok(v) = HeaderValue::from_str(&format!("<{next}>; rel=\"next\"")) {
            extra.push((header::LINK, v));
        }
    }
    Ok(super::cache::CachedPage::with_type(body, "application/json", extra))
}

/// One paper, as Hugging Face's `/api/papers/{id}`.
#[utoipa::path(get, path = "/api/papers/{id}", tag = "Hugging Face compatible",
    params(("id" = String, Path, description = "An arXiv id, e.g. 2508.04705 or hep-th/9901001", example = "2508.04705")),
    responses(
        (status = 200, description = "The paper", body = HfPaper),
        (status = 400, description = "Not an arXiv id", body = ApiError),
        (status = 401, description = "The bearer token is unknown or revoked", body = ApiError),
        (status = 404, description = "paperboy does not know this paper", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub async fn paper(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    ApiPath(id): ApiPath<String>,
) -> Response {
    let id = match ArxivId::parse(&id) {
        Ok(id) => id,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_id", format!("{id:?} is not an arXiv id: {e}")),
    };
    let p = match state.store.paper(&id).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            return error(StatusCode::NOT_FOUND, "not_found", format!("paperboy does not know arXiv:{}", id.as_str()))
        }
        Err(e) => return store_error(&rid, e),
    };
    let key = p.id.as_str().to_string();
    let found = state
        .store
        .read(move |db| {
            let a = community::activity(db, std::slice::from_ref(&key))?.remove(&key).unwrap_or_default();
            let at = db
                .query_one(
                    "SELECT submitted_at FROM submissions WHERE removed = 0 AND paper_id = $1",
                    &[key.as_str().into()],
                )?
                .map(|r| r.int(0));
            Ok((a, at))
        })
        .await;
    match found {
        Ok((a, at)) => Json(paper_json(&p, &a, at)).into_response(),
        Err(e) => store_error(&rid, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> DailyQuery {
        let mut q = DailyQuery::default();
        for (k, v) in pairs {
            let v = Some(v.to_string());
            match *k {
                "date" => q.date = v,
                "week" => q.week = v,
                "month" => q.month = v,
                "sort" => q.sort = v,
                "p" => q.p = v,
                "limit" => q.limit = v,
                "submitter" => q.submitter = v,
                _ => unreachable!(),
            }
        }
        q
    }

    #[test]
    fn parameters_are_checked_with_a_reason() {
        let ok = parse_daily(&q(&[("week", "2025-W32"), ("sort", "trending"), ("p", "2"), ("limit", "10")])).unwrap();
        assert_eq!((ok.trending, ok.page, ok.limit), (true, 2, 10));
        assert_eq!(ok.period.map(|p| p.to_string()), Some("2025-W32".into()));
        for (bad, code) in [
            (vec![("date", "2025-13-01")], "invalid_period"),
            (vec![("date", "2025-W32")], "invalid_period"),
            (vec![("date", "2025-08-07"), ("week", "2025-W32")], "invalid_period"),
            (vec![("sort", "votes")], "invalid_sort"),
            (vec![("limit", "0")], "invalid_limit"),
            (vec![("limit", "101")], "invalid_limit"),
            (vec![("p", "-1")], "invalid_page"),
        ] {
            assert_eq!(parse_daily(&q(&bad)).unwrap_err().0, code, "{bad:?}");
        }
    }

    #[test]
    fn object_ids_look_like_hugging_faces() {
        let a = object_id("x");
        assert_eq!(a.len(), 24);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, object_id("x"));
        assert_ne!(a, object_id("y"));
    }
}
