//! The OpenAPI 3.1 document's frame: title, description, tags and the token scheme. The
//! paths come from the handlers' annotations, gathered by `api::router`'s one list.

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
