//! Search over HTTP: the `/search` page, Hugging Face's `/api/papers/search`, paperboy's own
//! `/api/v1/search` and `/api/v1/papers/{id}/similar`, and the paper page's similar papers.

use super::api::{error, item_json, store_error, ApiError, ApiQuery, HfDailyItem};
use super::html::{escape, page_for};
use super::listings::{internal, render_rows, RowContext};
use super::session::Viewer;
use super::RequestId;
use crate::app::AppState;
use crate::papers::{ArxivId, Paper};
use crate::search::{Mode, SearchRequest, SearchResults, Window};
use crate::store::community;
use axum::extract::{Extension, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt::Write;
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

fn form(req: &SearchRequest, semantic: bool) -> String {
    let option = |m: Mode, label: &str| {
        format!(
            r#"<option value="{v}"{sel}>{label}</option>"#,
            v = m.as_str(),
            sel = if req.mode == m { " selected" } else { "" }
        )
    };
    let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    format!(
        r#"<form class="search" method="get" action="/search" role="search">
<input type="search" name="q" value="{q}" maxlength="{MAX_QUERY}" placeholder="Search papers: words, &quot;a phrase&quot;, ti:, au:, abs:, cat:, id:" aria-label="Search" autofocus>
<select name="mode" aria-label="Mode">{k}{h}{s}</select>
<input name="cat" value="{cat}" placeholder="categories, e.g. cs.LG,cs.CL" aria-label="Categories" size="18">
<label>from <input type="date" name="from" value="{from}"></label> <label>to <input type="date" name="to" value="{to}"></label>
<button type="submit">Search</button></form>{off}"#,
        q = escape(&req.text),
        k = option(Mode::Keyword, "Keyword"),
        h = option(Mode::Hybrid, "Hybrid"),
        s = option(Mode::Semantic, "Semantic"),
        cat = escape(&req.window.categories.join(",")),
        from = d(req.window.from),
        to = d(req.window.to),
        off = if semantic {
            ""
        } else {
            r#"<p class="meta notice">Semantic search is off on this instance (no embedding model is loaded yet): keyword search only.</p>"#
        },
    )
}

const HELP: &str = r#"<p class="meta">Words are matched in titles (which count double), abstracts and authors. Use <code>"a phrase"</code>, <code>ti:</code>, <code>au:</code>, <code>abs:</code>, <code>cat:cs.LG</code>, <code>id:2508.04010</code>, <code>-word</code> to exclude, <code>AND</code>/<code>OR</code>. <b>Hybrid</b> (the default) blends keyword and meaning; <b>semantic</b> finds papers that say the same thing in other words.</p>"#;

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
            let body = format!("<h1>Search</h1><p class=\"notice\">{}</p>", escape(&message));
            return (StatusCode::BAD_REQUEST, Html(page_for(&viewer, "Search", &body))).into_response();
        }
    };
    let mut body = format!("<h1>Search</h1>{}", form(&req, semantic));
    if req.text.is_empty() {
        body.push_str(HELP);
        return Html(page_for(&viewer, "Search", &body)).into_response();
    }
    let (results, papers) = match run(&state, &req).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            body.push_str("<p class=\"notice\">Search is turned off on this instance.</p>");
            return Html(page_for(&viewer, "Search", &body)).into_response();
        }
        Err(e) => return failed(&rid, e),
    };
    for n in &results.notices {
        let _ = write!(body, r#"<p class="meta notice">{}</p>"#, escape(n));
    }
    let _ = write!(
        body,
        r#"<p class="meta">{total}{more} {noun} · {mode}</p>"#,
        total = results.total,
        more = if results.total_exact { "" } else { "+" },
        noun = if results.total == 1 { "result" } else { "results" },
        mode = results.mode.as_str()
    );
    let mut ctx = match RowContext::load(&state, &viewer, &papers).await {
        Ok(c) => c,
        Err(e) => return internal(&rid, e),
    };
    ctx.snippets =
        results.hits.iter().map(|h| (h.id.clone(), (h.title_html.clone(), h.abstract_html.clone()))).collect();
    body.push_str(r#"<section class="papers">"#);
    if papers.is_empty() {
        body.push_str("<p>Nothing matched. Try other words, another mode, or fewer filters.</p>");
    }
    render_rows(&mut body, &papers, &ctx);
    body.push_str("</section>");
    let page = req.offset / req.limit + 1;
    let mut nav = String::new();
    if page > 1 {
        let _ = write!(nav, r#"<a rel="prev" href="{}">← Previous</a> "#, escape(&link(&req, page - 1)));
    }
    if req.offset + req.limit < results.total {
        let _ = write!(nav, r#"<a rel="next" href="{}">Next →</a>"#, escape(&link(&req, page + 1)));
    }
    if !nav.is_empty() {
        let _ = write!(body, r#"<nav class="pager">{nav}</nav>"#);
    }
    let title = format!("{} – Search", req.text);
    // Feed readers can follow this query (keyword mode unless another was chosen).
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("q", &req.text).append_pair("mode", req.mode.as_str());
    if !req.window.categories.is_empty() {
        q.append_pair("cat", &req.window.categories.join(","));
    }
    let head =
        super::feeds::alternates_with_query("search", &format!("Search: {}", req.text), &format!("?{}", q.finish()));
    Html(super::html::page_with_head(&viewer, &title, &head, &body)).into_response()
}

/// A failed search on the page: the store's errors as the site shows them, the rest opaque.
fn failed(rid: &RequestId, e: anyhow::Error) -> Response {
    match e.downcast::<crate::store::StoreError>() {
        Ok(store) => internal(rid, store),
        Err(e) => {
            tracing::error!(request_id = %rid.0, error = %e, "search failed");
            let body = format!("<p>Something went wrong on our side. Request id: <code>{}</code></p>", escape(&rid.0));
            (StatusCode::INTERNAL_SERVER_ERROR, Html(super::html::page("Error", &body))).into_response()
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

/// The paper page's "Similar papers" section.
pub async fn similar_section(state: &AppState, id: &str) -> String {
    let mut out = String::from(r#"<section id="similar"><h2>Similar papers</h2>"#);
    match similar_papers(state, id, 8).await {
        Ok(Some(found)) if !found.is_empty() => {
            out.push_str("<ol class=\"similar\">");
            for (p, score) in found {
                let _ = write!(
                    out,
                    r#"<li><a class="math" href="/papers/{key}">{title}</a> <span class="meta">{authors} · {score:.2}</span></li>"#,
                    key = escape(p.id.as_str()),
                    title = escape(&p.title),
                    authors = escape(&super::listings::short_authors(&p.authors)),
                );
            }
            out.push_str("</ol>");
        }
        Ok(Some(_)) => out.push_str(r#"<p class="meta">No other papers to compare with yet.</p>"#),
        Ok(None) => out.push_str(
            r#"<p class="meta">Similar papers appear once this paper is embedded (semantic search is off, or still catching up).</p>"#,
        ),
        Err(e) => {
            tracing::warn!(error = %e, "similar papers failed");
            out.push_str(r#"<p class="meta">Similar papers cannot be shown right now.</p>"#);
        }
    }
    out.push_str("</section>");
    out
}
