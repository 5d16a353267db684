//! The JSON API that speaks Hugging Face's paper API, so that existing clients work unchanged:
//! `GET /api/daily_papers`, `GET /api/papers/{id}` and `GET /api/papers/search`. Field names
//! and types follow Hugging Face's (see `../shared/fixtures/hf-daily-papers`); fields paperboy
//! has no data for are present with the types clients expect (null, empty list, 0, false).

use super::error::{ApiError, ApiResult, BadToken, Busy, Code, ErrorBody};
use super::extract::{ApiQuery, PaperId};
use super::params;
use crate::app::AppState;
use crate::community::ranking::hot_score;
use crate::papers::{Paper, Period};
use crate::search::params::{parse_params, HfSearchParams, SearchParams};
use crate::search::Mode;
use crate::server::cache::{cached, CachedPage};
use crate::server::site::Site;
use crate::store::votes::{self, PaperActivity};
use crate::store::{submissions, Listing};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{Json, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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

fn paper_json(p: &Paper, a: &PaperActivity, submitted_at: Option<i64>) -> HfPaper {
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
pub(crate) fn item_json(p: &Paper, a: &PaperActivity, submitted_at: Option<i64>) -> HfDailyItem {
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

fn parse_daily(q: &DailyQuery) -> Result<DailyRequest, ApiError> {
    let period = params::period(q.date.as_deref(), q.week.as_deref(), q.month.as_deref())?;
    let trending = match q.sort.as_deref() {
        None | Some("publishedAt") => false,
        Some("trending") => true,
        Some(other) => {
            return Err(ApiError::new(
                Code::InvalidSort,
                format!("sort={other:?} is not supported: use publishedAt or trending"),
            ))
        }
    };
    let page = match q.p.as_deref() {
        None => 0,
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|p| *p <= 100_000)
            .ok_or_else(|| ApiError::new(Code::InvalidPage, format!("p={p:?}: use a page number from 0")))?,
    };
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| ApiError::new(Code::InvalidLimit, format!("limit={l:?}: use 1 to 100")))?,
    };
    let submitter = q.submitter.clone().filter(|s| !s.is_empty());
    if submitter.as_ref().is_some_and(|s| s.len() > 64) {
        return Err(ApiError::new(Code::InvalidSubmitter, "submitter: at most 64 characters"));
    }
    Ok(DailyRequest { period, trending, page, limit, submitter })
}

/// The papers of an announcement day, week or month, as Hugging Face's `/api/daily_papers`. A
/// `Link: <…>; rel="next"` header points to the next page when there is one.
#[utoipa::path(get, path = "/api/daily_papers", tag = "Hugging Face compatible", params(DailyQuery),
    responses((status = 200, description = "One page of the listing", body = [HfDailyItem]),
        (status = 400, description = "A parameter is out of range or malformed", body = ErrorBody), BadToken, Busy))]
pub async fn daily_papers(
    State(site): State<Site>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    ApiQuery(q): ApiQuery<DailyQuery>,
) -> ApiResult<Response> {
    let req = parse_daily(&q)?;
    // The answer depends on the store only: cached per node until its freshness pair moves.
    let key = format!("api|{}", uri.query().unwrap_or(""));
    Ok(cached(&site.pages, &site.app, key, None, || daily_papers_fresh(&site.app, &uri, req)).await?.respond(&headers))
}

async fn daily_papers_fresh(state: &AppState, uri: &axum::http::Uri, req: DailyRequest) -> ApiResult<CachedPage> {
    let empty = || CachedPage::with_type(axum::body::Bytes::from_static(b"[]"), "application/json", Vec::new());
    let period = match req.period {
        Some(p) => p,
        None => match state.store.latest_day(None).await? {
            Some(d) => Period::Day(d),
            None => return Ok(empty()),
        },
    };
    // The whole period is read when it must be re-ordered or filtered; otherwise one page.
    let whole = req.trending || req.submitter.is_some();
    let (limit, offset) = if whole { (100_000, 0) } else { (req.limit, req.page * req.limit) };
    let listing = Listing { period, categories: vec![], limit, offset };
    let (papers, total) = tokio::try_join!(state.store.list_papers(listing), state.store.count_papers(period, vec![]))?;
    let ids: Vec<String> = papers.iter().map(|p| p.id.as_str().to_string()).collect();
    let (activity, submitted_at) =
        state.store.read(move |db| Ok((votes::activity(db, &ids)?, submissions::submitted_at(db, &ids)?))).await?;
    let none = PaperActivity::default();
    let mut rows: Vec<(&Paper, &PaperActivity)> =
        papers.iter().map(|p| (p, activity.get(p.id.as_str()).unwrap_or(&none))).collect();
    if let Some(who) = &req.submitter {
        rows.retain(|(_, a)| a.submitted_by.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(who)));
    }
    if req.trending {
        let now = chrono::Utc::now().timestamp();
        let score = |p: &Paper, a: &PaperActivity| {
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
    Ok(CachedPage::with_type(body, "application/json", extra))
}

/// One paper, as Hugging Face's `/api/papers/{id}`.
#[utoipa::path(get, path = "/api/papers/{id}", tag = "Hugging Face compatible",
    params(("id" = String, Path, description = "An arXiv id, e.g. 2508.04705 or hep-th/9901001", example = "2508.04705")),
    responses((status = 200, description = "The paper", body = HfPaper),
        (status = 400, description = "Not an arXiv id", body = ErrorBody),
        (status = 404, description = "paperboy does not know this paper", body = ErrorBody), BadToken, Busy))]
pub async fn paper(State(state): State<AppState>, PaperId(id): PaperId) -> ApiResult<Json<HfPaper>> {
    let p = super::papers::known(&state, &id).await?;
    let key = p.id.as_str().to_string();
    let (a, at) = state
        .store
        .read(move |db| {
            let keys = std::slice::from_ref(&key);
            let a = votes::activity(db, keys)?.remove(&key).unwrap_or_default();
            Ok((a, submissions::submitted_at(db, keys)?.remove(&key)))
        })
        .await?;
    Ok(Json(paper_json(&p, &a, at)))
}

/// Searches papers (hybrid: keywords and meaning), as Hugging Face's `/api/papers/search`.
#[utoipa::path(operation_id = "hf_search", get, path = "/api/papers/search", tag = "Hugging Face compatible", params(HfSearchParams),
    responses((status = 200, description = "The papers found, best first", body = [HfDailyItem]),
        (status = 400, description = "q is missing or too long, or limit is out of range", body = ErrorBody),
        (status = 401, description = "The bearer token is unknown or revoked", body = ErrorBody),
        (status = 429, description = "Too many requests; see Retry-After", body = ErrorBody),
        (status = 503, description = "Search is off, or the database cannot be reached", body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<HfSearchParams>,
) -> ApiResult<Json<Vec<HfDailyItem>>> {
    let params = SearchParams { q: params.q, limit: params.limit, ..Default::default() };
    let mut req = parse_params(&params, 50, 120).map_err(|(code, message)| ApiError::invalid(code, message))?;
    req.mode = Mode::Hybrid;
    let (_, papers) = super::search::run(&state, &req).await?;
    let ids: Vec<String> = papers.iter().map(|p| p.id.as_str().to_string()).collect();
    let a = state.store.read(move |db| votes::activity(db, &ids)).await?;
    Ok(Json(papers.iter().map(|p| item_json(p, a.get(p.id.as_str()).unwrap_or(&Default::default()), None)).collect()))
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
            match parse_daily(&q(&bad)).unwrap_err() {
                ApiError::Refused { code: got, .. } => assert_eq!(got.as_str(), code, "{bad:?}"),
                other => panic!("{other:?}"),
            }
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
