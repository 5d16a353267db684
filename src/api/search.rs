//! Search: keyword, semantic and hybrid search, and a paper's similar papers.

use super::error::{ApiError, ApiResult, BadToken, Busy, Code, ErrorBody};
use super::extract::{ApiQuery, PaperId};
use crate::app::AppState;
use crate::papers::Paper;
use crate::search::params::{parse_params, SearchParams};
use crate::search::{found, SearchRequest, SearchResults};
use axum::extract::State;
use axum::response::Json;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// An API search: a query is required, and search must be on.
pub async fn run(state: &AppState, req: &SearchRequest) -> ApiResult<(SearchResults, Vec<Paper>)> {
    if req.text.is_empty() {
        return Err(ApiError::new(Code::MissingQuery, "q is required: the words to search for"));
    }
    found::search(state.search.as_deref(), &state.store, req)
        .await?
        .ok_or_else(|| ApiError::new(Code::SearchUnavailable, "search is turned off on this instance"))
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
    /// Hybrid mode only: the papers that match the query's words (`total` counts the ranked
    /// list of word matches and papers near in meaning, which pages through).
    #[serde(rename = "wordMatches", skip_serializing_if = "Option::is_none")]
    pub word_matches: Option<usize>,
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
#[utoipa::path(operation_id = "v1_search", get, path = "/api/v1/search", tag = "Search", params(SearchParams),
    responses((status = 200, description = "One page of results", body = SearchAnswer),
        (status = 400, description = "q is missing or too long, or a filter is malformed", body = ErrorBody),
        (status = 401, description = "The bearer token is unknown or revoked", body = ErrorBody),
        (status = 429, description = "Too many requests; see Retry-After", body = ErrorBody),
        (status = 503, description = "Search is off, or the database cannot be reached", body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<Json<SearchAnswer>> {
    let req = parse_params(&params, 20, 100).map_err(|(code, message)| ApiError::invalid(code, message))?;
    let (results, papers) = run(&state, &req).await?;
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
    Ok(Json(SearchAnswer {
        query: req.text.clone(),
        mode: results.mode.as_str().to_string(),
        total: results.total,
        total_exact: results.total_exact,
        word_matches: results.word_matches.map(|t| t.count),
        page: req.offset / req.limit + 1,
        limit: req.limit,
        notices: results.notices.clone(),
        results: items,
    }))
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
#[utoipa::path(operation_id = "v1_similar", get, path = "/api/v1/papers/{id}/similar", tag = "Search",
    params(("id" = String, Path, description = "An arXiv id", example = "2508.04705"), SimilarParams),
    responses((status = 200, description = "The nearest papers", body = SimilarAnswer),
        (status = 400, description = "Not an arXiv id, or limit out of range", body = ErrorBody),
        (status = 404, description = "Unknown paper", body = ErrorBody), BadToken, Busy))]
pub async fn similar(
    State(state): State<AppState>,
    PaperId(id): PaperId,
    ApiQuery(params): ApiQuery<SimilarParams>,
) -> ApiResult<Json<SimilarAnswer>> {
    super::params::arxiv_id(&id)?;
    let limit = match params.limit.as_deref() {
        None | Some("") => 10,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => return Err(ApiError::new(Code::InvalidLimit, format!("limit={l:?} must be from 1 to 50"))),
        },
    };
    let id = super::papers::known(&state, &id).await?.id;
    let found = found::similar(state.search.as_deref(), &state.store, id.as_str(), limit).await?;
    Ok(Json(match found {
        Some(found) => SimilarAnswer {
            id: id.as_str().to_string(),
            embedded: true,
            similar: found.iter().map(|(p, s)| brief(p, *s)).collect(),
        },
        None => SimilarAnswer { id: id.as_str().to_string(), embedded: false, similar: vec![] },
    }))
}
