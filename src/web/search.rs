//! Search over HTTP: the `/search` page, Hugging Face's `/api/papers/search`, paperboy's own
//! `/api/v1/search` and `/api/v1/papers/{id}/similar`, and the paper page's similar papers.

use super::api::{error, item_json, store_error, ApiError, ApiQuery, HfDailyItem};
use super::listings::{internal, rows as rows_of, RowContext};
use super::pages::{self, Layout};
use super::session::Viewer;
use super::RequestId;
use crate::app::AppState;
use crate::papers::{ArxivId, Paper};
use crate::search::{Mode, SearchRequest, SearchResults, Window};
use crate::store::community;
use axum::extract::{Extension, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Json, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// The longest query accepted (as Hugging Face's API).
pub const MAX_QUERY: usize = 250;
const PAGE_SIZE: usize = 20;

/// The query of `/search` and `/api/v1/search`. Values are read as text and checked by
/// [`parse_params`], so that a bad one gets an answer that says what to fix.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The words to search for (at most 250 characters): `"phrases"`, `-word`, `AND`/`OR`, and
    /// the fields `ti:`, `au:`, `abs:`, `cat:`, `id:`.
    #[param(example = "diffusion language models", max_length = 250)]
    pub q: Option<String>,
    /// `hybrid` (the default), `keyword` or `semantic`.
    #[param(value_type = Option<String>, pattern = "^(hybrid|keyword|semantic)$")]
    pub mode: Option<String>,
    /// Categories, comma-separated: papers in any of them.
    #[param(example = "cs.LG")]
    pub cat: Option<String>,
    /// Announced on or after, `YYYY-MM-DD`.
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Announced on or before, `YYYY-MM-DD`.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// From 1.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub page: Option<String>,
    /// 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

/// The query of Hugging Face's `/api/papers/search`.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HfSearchParams {
    /// The words to search for (at most 250 characters).
    #[param(example = "diffusion language models", max_length = 250)]
    pub q: Option<String>,
    /// 1 to 120 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 120)]
    pub limit: Option<String>,
}

/// A parameter that cannot be used: its machine code and what to fix.
pub type Invalid = (&'static str, String);

fn date(name: &str, v: &Option<String>) -> Result<Option<chrono::NaiveDate>, Invalid> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ("invalid_date", format!("{name}={s:?} is not a date: use YYYY-MM-DD"))),
    }
}

/// Checks the parameters; `max_limit` bounds `limit` (its default is `default_limit`).
pub fn parse_params(p: &SearchParams, default_limit: usize, max_limit: usize) -> Result<SearchRequest, Invalid> {
    let text = p.q.as_deref().unwrap_or("").trim().to_string();
    if text.chars().count() > MAX_QUERY {
        return Err(("query_too_long", format!("q is {} characters; at most {MAX_QUERY}", text.chars().count())));
    }
    let mode = match p.mode.as_deref().filter(|m| !m.is_empty()) {
        None => Mode::default(),
        Some(m) => Mode::parse(m)
            .ok_or_else(|| ("invalid_mode", format!("mode={m:?} is not one of keyword, semantic, hybrid")))?,
    };
    let mut categories = Vec::new();
    for c in p.cat.as_deref().unwrap_or("").split([',', ' ']).map(str::trim).filter(|c| !c.is_empty()) {
        if c.len() > 32 || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_')) {
            return Err(("invalid_category", format!("cat={c:?} is not an arXiv category such as cs.LG")));
        }
        categories.push(c.to_string());
    }
    let (from, to) = (date("from", &p.from)?, date("to", &p.to)?);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(("invalid_date", format!("from={f} is after to={t}")));
        }
    }
    let limit = match p.limit.as_deref() {
        None | Some("") => default_limit,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=max_limit).contains(&n) => n,
            _ => return Err(("invalid_limit", format!("limit={l:?} must be a whole number from 1 to {max_limit}"))),
        },
    };
    let page = match p.page.as_deref() {
        None | Some("") => 1,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => return Err(("invalid_page", format!("page={s:?} must be a whole number from 1 to 1000"))),
        },
    };
    Ok(SearchRequest { text, mode, window: Window { categories, from, to }, offset: (page - 1) * limit, limit })
}

/// Runs a search and loads the papers found, in rank order.
pub(crate) async fn run(state: &AppState, req: &SearchRequest) -> anyhow::Result<Option<(SearchResults, Vec<Paper>)>> {
    let Some(index) = &state.search else { return Ok(None) };
    let results = index.search(req).await?;
    let ids: Vec<String> = results.hits.iter().map(|h| h.id.clone()).collect();
    let mut by_id: HashMap<String, Paper> =
        state.store.papers_by_ids(ids.clone()).await?.into_iter().map(|p| (p.id.as_str().to_string(), p)).collect();
    let papers = ids.iter().filter_map(|id| by_id.remove(id)).collect();
    Ok(Some((results, papers)))
}

fn link(req: &SearchRequest, page: usize) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", &req.text).append_pair("mode", req.mode.as_str());
    if !req.window.categories.is_empty() {
        s.append_pair("cat", &req.window.categories.join(","));
    }
    if let Some(f) = req.window.from {
        s.append_pair("from", &f.to_string());
    }
    if let Some(t) = req.window.to {
        s.append_pair("to", &t.to_string());
    }
    s.append_pair("page", &page.to_string());
    format!("/search?{}", s.finish())
}

/// What the search page shows, loaded.
#[allow(clippy::large_enum_variant)] // one per request, never stored
pub enum SearchPage {
    /// A parameter cannot be used: what to fix.
    Invalid(String),
    /// No query yet: the form, and how to write one.
    Help {
        req: SearchRequest,
        semantic: bool,
    },
    /// Search is turned off on this instance.
    Off {
        req: SearchRequest,
        semantic: bool,
    },
    Results {
        req: SearchRequest,
        semantic: bool,
        results: SearchResults,
        papers: Vec<Paper>,
        rows: RowContext,
    },
}

/// `GET /search`.
pub async fn page(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    Query(params): Query<SearchParams>,
) -> Response {
    let semantic = state.search.as_ref().is_some_and(|s| s.vectors().is_some());
    let req = match parse_params(&params, PAGE_SIZE, PAGE_SIZE) {
        Ok(r) => r,
        Err((_, message)) => {
            return (StatusCode::BAD_REQUEST, Html(render_search(&viewer, &SearchPage::Invalid(message))))
                .into_response();
        }
    };
    if req.text.is_empty() {
        return Html(render_search(&viewer, &SearchPage::Help { req, semantic })).into_response();
    }
    let (results, papers) = match run(&state, &req).await {
        Ok(Some(found)) => found,
        Ok(None) => return Html(render_search(&viewer, &SearchPage::Off { req, semantic })).into_response(),
        Err(e) => return failed(&rid, e),
    };
    let mut rows = match RowContext::load(&state, &viewer, &papers).await {
        Ok(c) => c,
        Err(e) => return internal(&rid, e),
    };
    rows.snippets =
        results.hits.iter().map(|h| (h.id.clone(), (h.title_html.clone(), h.abstract_html.clone()))).collect();
    Html(render_search(&viewer, &SearchPage::Results { req, semantic, results, papers, rows })).into_response()
}

pub fn render_search(viewer: &Viewer, page: &SearchPage) -> String {
    let (req, semantic) = match page {
        SearchPage::Invalid(message) => {
            return pages::render_page(
                "search.html",
                &Layout::for_viewer(viewer, "Search"),
                context! { invalid => message },
            )
        }
        SearchPage::Help { req, semantic } | SearchPage::Off { req, semantic } => (req, *semantic),
        SearchPage::Results { req, semantic, .. } => (req, *semantic),
    };
    let modes: Vec<_> = [(Mode::Keyword, "Keyword"), (Mode::Hybrid, "Hybrid"), (Mode::Semantic, "Semantic")]
        .into_iter()
        .map(|(m, label)| context! { value => m.as_str(), label, selected => req.mode == m })
        .collect();
    let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let form = context! {
        q => req.text,
        max_query => MAX_QUERY,
        modes,
        cat => req.window.categories.join(","),
        from => d(req.window.from),
        to => d(req.window.to),
        semantic,
    };
    let SearchPage::Results { results, papers, rows, .. } = page else {
        let help = matches!(page, SearchPage::Help { .. });
        let ctx = context! { help, off => !help, ..form };
        return pages::render_page("search.html", &Layout::for_viewer(viewer, "Search"), ctx);
    };
    let page_no = req.offset / req.limit + 1;
    // Feed readers can follow this query (keyword mode unless another was chosen).
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("q", &req.text).append_pair("mode", req.mode.as_str());
    if !req.window.categories.is_empty() {
        q.append_pair("cat", &req.window.categories.join(","));
    }
    let feed = pages::Feed::with_query("search", &format!("Search: {}", req.text), &format!("?{}", q.finish()));
    let layout = Layout::for_viewer(viewer, format!("{} – Search", req.text)).with_feed(feed);
    let ctx = context! {
        help => false,
        off => false,
        notices => results.notices,
        total => results.total,
        total_exact => results.total_exact,
        mode => results.mode.as_str(),
        rows => rows_of(papers, rows),
        prev_page => (page_no > 1).then(|| link(req, page_no - 1)),
        next_page => (req.offset + req.limit < results.total).then(|| link(req, page_no + 1)),
        ..form
    };
    pages::render_page("search.html", &layout, ctx)
}

/// A failed search on the page: the store's errors as the site shows them, the rest opaque.
fn failed(rid: &RequestId, e: anyhow::Error) -> Response {
    match e.downcast::<crate::store::StoreError>() {
        Ok(store) => internal(rid, store),
        Err(e) => {
            tracing::error!(request_id = %rid.0, error = %e, "search failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Html(pages::render_error(&rid.0, false))).into_response()
        }
    }
}

/// An API search: a query is required; errors become JSON answers.
async fn api_run(
    state: &AppState,
    rid: &RequestId,
    req: &SearchRequest,
) -> Result<(SearchResults, Vec<Paper>), Response> {
    if req.text.is_empty() {
        return Err(error(StatusCode::BAD_REQUEST, "missing_query", "q is required: the words to search for"));
    }
    match run(state, req).await {
        Ok(Some(found)) => Ok(found),
        Ok(None) => Err(unavailable()),
        Err(e) => Err(search_error(rid, e)),
    }
}

fn unavailable() -> Response {
    error(StatusCode::SERVICE_UNAVAILABLE, "search_unavailable", "search is turned off on this instance")
}

/// Searches papers (hybrid: keywords and meaning), as Hugging Face's `/api/papers/search`.
#[utoipa::path(get, path = "/api/papers/search", tag = "Hugging Face compatible", params(HfSearchParams),
    responses(
        (status = 200, description = "The papers found, best first", body = [HfDailyItem]),
        (status = 400, description = "q is missing or too long, or limit is out of range", body = ApiError),
        (status = 401, description = "The bearer token is unknown or revoked", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "Search is off, or the database cannot be reached", body = ApiError),
    ))]
pub async fn hf_search(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    ApiQuery(params): ApiQuery<HfSearchParams>,
) -> Response {
    let params = SearchParams { q: params.q, limit: params.limit, ..Default::default() };
    let mut req = match parse_params(&params, 50, 120) {
        Ok(r) => r,
        Err((code, message)) => return error(StatusCode::BAD_REQUEST, code, message),
    };
    req.mode = Mode::Hybrid;
    let (_, papers) = match api_run(&state, &rid, &req).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match activity(&state, &papers).await {
        Ok(a) => Json(
            papers
                .iter()
                .map(|p| item_json(p, a.get(p.id.as_str()).unwrap_or(&Default::default()), None))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => store_error(&rid, e),
    }
}

async fn activity(
    state: &AppState,
    papers: &[Paper],
) -> Result<HashMap<String, community::PaperActivity>, crate::store::StoreError> {
    let ids: Vec<String> = papers.iter().map(|p| p.id.as_str().to_string()).collect();
    state.store.read(move |db| community::activity(db, &ids)).await
}

fn search_error(rid: &RequestId, e: anyhow::Error) -> Response {
    match e.downcast::<crate::store::StoreError>() {
        Ok(store) => store_error(rid, store),
        Err(e) => {
            tracing::error!(request_id = %rid.0, error = %e, "search failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                format!("something went wrong on our side (request id {})", rid.0),
            )
        }
    }
}

/// A paper found by a search or as a similar paper, with its score.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FoundPaper {
    #[schema(example = "2508.04705")]
    pub id: String,
    pub title: String,
    pub authors: Vec<String>,
    pub categories: Vec<String>,
    /// `YYYY-MM-DD`.
    pub announced_on: Option<String>,
    /// The paper's page here (a path).
    pub url: String,
    pub score: f32,
}

/// A search result: the paper, and its title and abstract with the matched words in `<b>`
/// (the rest HTML-escaped).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    #[serde(flatten)]
    pub paper: FoundPaper,
    pub title_highlight: Option<String>,
    pub abstract_highlight: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchAnswer {
    pub query: String,
    /// The mode used (semantic and hybrid fall back to keyword when no model is loaded).
    pub mode: String,
    /// Matches in all (keyword matches, or the candidates ranked).
    pub total: usize,
    /// False when `total` is a lower bound: keyword matches are counted up to 10,000.
    #[serde(rename = "totalExact")]
    pub total_exact: bool,
    pub page: usize,
    pub limit: usize,
    /// What the reader should know: a query read as plain words, semantic search off, …
    pub notices: Vec<String>,
    pub results: Vec<SearchHit>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarAnswer {
    pub id: String,
    /// False while the paper has no embedding yet (semantic search is off, or still catching
    /// up): `similar` is then empty; ask again later.
    pub embedded: bool,
    /// Nearest first; the paper itself and its other versions are left out.
    pub similar: Vec<FoundPaper>,
}

fn brief(p: &Paper, score: f32) -> FoundPaper {
    FoundPaper {
        id: p.id.as_str().to_string(),
        title: p.title.clone(),
        authors: p.authors.clone(),
        categories: p.categories.iter().map(|c| c.code().to_string()).collect(),
        announced_on: p.announced_on.map(|d| d.to_string()),
        url: format!("/papers/{}", p.id.as_str()),
        score,
    }
}

/// Searches papers by keyword, meaning, or both, with filters and highlighted snippets.
#[utoipa::path(get, path = "/api/v1/search", tag = "Search", params(SearchParams),
    responses(
        (status = 200, description = "One page of results", body = SearchAnswer),
        (status = 400, description = "q is missing or too long, or a filter is malformed", body = ApiError),
        (status = 401, description = "The bearer token is unknown or revoked", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "Search is off, or the database cannot be reached", body = ApiError),
    ))]
pub async fn v1_search(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Response {
    let req = match parse_params(&params, 20, 100) {
        Ok(r) => r,
        Err((code, message)) => return error(StatusCode::BAD_REQUEST, code, message),
    };
    let (results, papers) = match api_run(&state, &rid, &req).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let by_id: HashMap<&str, &Paper> = papers.iter().map(|p| (p.id.as_str(), p)).collect();
    let items: Vec<_> = results
        .hits
        .iter()
        .filter_map(|h| {
            Some(SearchHit {
                paper: brief(by_id.get(h.id.as_str())?, h.score),
                title_highlight: h.title_html.clone(),
                abstract_highlight: h.abstract_html.clone(),
            })
        })
        .collect();
    Json(SearchAnswer {
        query: req.text.clone(),
        mode: results.mode.as_str().to_string(),
        total: results.total,
        total_exact: results.total_exact,
        page: req.offset / req.limit + 1,
        limit: req.limit,
        notices: results.notices.clone(),
        results: items,
    })
    .into_response()
}

/// The papers most like `id`, loaded, best first; `None` when it has no vector yet.
pub async fn similar_papers(state: &AppState, id: &str, k: usize) -> anyhow::Result<Option<Vec<(Paper, f32)>>> {
    let Some(index) = &state.search else { return Ok(None) };
    let Some(found) = index.similar(id, k)? else { return Ok(None) };
    let ids: Vec<String> = found.iter().map(|(id, _)| id.clone()).collect();
    let mut by_id: HashMap<String, Paper> =
        state.store.papers_by_ids(ids).await?.into_iter().map(|p| (p.id.as_str().to_string(), p)).collect();
    Ok(Some(found.into_iter().filter_map(|(id, s)| by_id.remove(&id).map(|p| (p, s))).collect()))
}

/// The query of `/api/v1/papers/{id}/similar`.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarParams {
    /// 1 to 50 (default 10).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    limit: Option<String>,
}

/// The papers most like this one, by their embeddings.
#[utoipa::path(get, path = "/api/v1/papers/{id}/similar", tag = "Search",
    params(("id" = String, Path, description = "An arXiv id", example = "2508.04705"), SimilarParams),
    responses(
        (status = 200, description = "The nearest papers", body = SimilarAnswer),
        (status = 400, description = "Not an arXiv id, or limit out of range", body = ApiError),
        (status = 401, description = "The bearer token is unknown or revoked", body = ApiError),
        (status = 404, description = "Unknown paper", body = ApiError),
        (status = 429, description = "Too many requests; see Retry-After", body = ApiError),
        (status = 503, description = "The database cannot be reached", body = ApiError),
    ))]
pub async fn v1_similar(state: &AppState, rid: &RequestId, id: &str, params: &SimilarParams) -> Response {
    if let Err(e) = ArxivId::parse(id) {
        return error(StatusCode::BAD_REQUEST, "invalid_id", format!("{id:?} is not an arXiv id: {e}"));
    }
    let limit = match params.limit.as_deref() {
        None | Some("") => 10,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => return error(StatusCode::BAD_REQUEST, "invalid_limit", format!("limit={l:?} must be from 1 to 50")),
        },
    };
    let id = match super::api_v1::known_paper(state, rid, id).await {
        Ok(p) => p.id,
        Err(r) => return r,
    };
    match similar_papers(state, id.as_str(), limit).await {
        Ok(Some(found)) => Json(SimilarAnswer {
            id: id.as_str().to_string(),
            embedded: true,
            similar: found.iter().map(|(p, s)| brief(p, *s)).collect(),
        })
        .into_response(),
        Ok(None) => {
            Json(SimilarAnswer { id: id.as_str().to_string(), embedded: false, similar: vec![] }).into_response()
        }
        Err(e) => search_error(rid, e),
    }
}

/// The paper page's "Similar papers" section, loaded.
pub enum Similar {
    /// Nearest first (none: no other papers to compare with yet).
    Found(Vec<(Paper, f32)>),
    /// The paper has no vector yet (semantic search is off, or still catching up).
    NotEmbedded,
    /// The search failed (logged).
    Failed,
}

/// The papers for the paper page's "Similar papers" section.
pub async fn similar_section(state: &AppState, id: &str) -> Similar {
    match similar_papers(state, id, 8).await {
        Ok(Some(found)) => Similar::Found(found),
        Ok(None) => Similar::NotEmbedded,
        Err(e) => {
            tracing::warn!(error = %e, "similar papers failed");
            Similar::Failed
        }
    }
}
