//! The OpenAPI 3.1 document of both JSON APIs, generated from the handlers' and types'
//! annotations (utoipa), served at `/api/openapi.json`.

use super::{api, api_v1, search};
use axum::response::{IntoResponse, Json, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "paperboy",
        description = "Research papers: arXiv announcement days, trending, search, community. \
            `/api/daily_papers`, `/api/papers/{id}` and `/api/papers/search` answer as Hugging Face's paper API; \
            `/api/v1/…` is paperboy's own. Writes need a personal token (made at /settings/tokens) sent as \
            `Authorization: Bearer <token>`. Every answer carries `RateLimit` and `RateLimit-Policy` headers.",
    ),
    paths(
        api::daily_papers,
        api::paper,
        search::hf_search,
        api_v1::list_papers,
        api_v1::trending,
        api_v1::paper,
        api_v1::comments,
        search::v1_similar,
        api_v1::upvote_doc,
        api_v1::unvote_doc,
        api_v1::add_comment,
        api_v1::submit,
        search::v1_search,
        api_v1::collection,
        api_v1::create_collection,
        api_v1::delete_collection,
        api_v1::collect_doc,
        api_v1::uncollect_doc,
        api_v1::user_collections,
        api_v1::user_upvotes,
        api_v1::me,
        api_v1::recommendations,
    ),
    modifiers(&TokenScheme),
    tags(
        (name = "Hugging Face compatible", description = "The same paths, parameters and fields as Hugging Face's paper API"),
        (name = "Papers", description = "Listings and papers"),
        (name = "Search", description = "Keyword, semantic and hybrid search; similar papers"),
        (name = "Community", description = "Upvotes, comments, submissions"),
        (name = "Collections", description = "Members' collections of papers"),
        (name = "Members", description = "The token's member"),
    )
)]
pub struct ApiDoc;

struct TokenScheme;

impl utoipa::Modify for TokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A personal API token, made at /settings/tokens"))
                    .build(),
            ),
        );
    }
}

/// `GET /api/openapi.json`.
pub async fn document() -> Response {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    Json(DOC.get_or_init(|| serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()).clone()).into_response()
}
