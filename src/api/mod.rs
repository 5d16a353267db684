//! The JSON APIs: paperboy's own (`/api/v1/…`, by resource: papers, comments, votes,
//! submissions, collections, users, me, search) and Hugging Face's paper API (`hf`), so that
//! its clients work unchanged.
//!
//! Routes and the OpenAPI document come from one list ([`router`]): a handler's
//! `#[utoipa::path]` says its method and path once, and a route cannot be served undocumented.
//! Every answer carries `RateLimit` headers ([`auth`]); errors are `{"code", "message",
//! "status"}` ([`error`]); pages are numbered from 1 with a `limit`, in a stable order.

mod auth;
mod authors;
mod collections;
mod comments;
pub mod error;
mod extract;
pub mod hf;
mod me;
mod openapi;
mod papers;
mod params;
mod search;
mod submissions;
mod updates;
mod users;
mod votes;

use crate::server::site::Site;
use axum::middleware;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{any, get, post, put};
use axum::Router;
use error::{ApiError, Code};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every documented route, with its OpenAPI operation.
fn resources() -> OpenApiRouter<Site> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(hf::daily_papers))
        .routes(routes!(hf::paper))
        .routes(routes!(hf::search))
        .routes(routes!(papers::list))
        .routes(routes!(papers::trending))
        .routes(routes!(papers::one))
        .routes(routes!(comments::list, comments::post))
        .routes(routes!(comments::edit, comments::delete))
        .routes(routes!(search::similar))
        .routes(routes!(votes::upvote, votes::unvote))
        .routes(routes!(submissions::submit))
        .routes(routes!(search::search))
        .routes(routes!(collections::create))
        .routes(routes!(collections::one, collections::delete))
        .routes(routes!(collections::collect, collections::uncollect))
        .routes(routes!(users::collections_of))
        .routes(routes!(users::upvotes_of))
        .routes(routes!(me::me))
        .routes(routes!(me::recommendations))
        .routes(routes!(authors::papers))
        .routes(routes!(authors::followed))
        .routes(routes!(authors::follow, authors::unfollow))
        .routes(routes!(updates::list))
        .routes(routes!(updates::seen))
}

/// The OpenAPI document of both APIs.
pub fn document() -> utoipa::openapi::OpenApi {
    resources().into_openapi()
}

/// The API's routes, behind its guard (token, rate limit) and CORS.
pub fn router(site: &Site) -> Router<Site> {
    let (routes, doc) = resources().split_for_parts();
    let doc = Arc::new(serde_json::to_value(&doc).unwrap_or_default());
    routes
        // arXiv's old ids hold a slash: the same handlers under the id's two parts.
        .route("/api/papers/{id}/{number}", get(hf::paper))
        .route("/api/v1/papers/{id}/{number}", get(papers::one))
        .route("/api/v1/papers/{id}/{number}/comments", get(comments::list).post(comments::post))
        .route("/api/v1/papers/{id}/{number}/similar", get(search::similar))
        .route("/api/v1/papers/{id}/{number}/upvote", post(votes::upvote).delete(votes::unvote))
        .route(
            "/api/v1/collections/{id}/papers/{paper}/{number}",
            put(collections::collect).delete(collections::uncollect),
        )
        .route("/api/openapi.json", get(move || async move { Json(doc.as_ref().clone()) }))
        .route("/api/{*rest}", any(not_found))
        .layer(middleware::from_fn_with_state(site.clone(), auth::guard))
        .layer(middleware::map_response(auth::allow_any_origin))
}

/// Any `/api/…` path that names nothing.
async fn not_found() -> Response {
    ApiError::new(Code::NotFound, "no such endpoint; see /api/openapi.json").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_operation_is_documented_once_with_its_own_id() {
        let doc = serde_json::to_value(document()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        let mut ids = HashSet::new();
        let mut operations = 0;
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                operations += 1;
                let id = op["operationId"].as_str().unwrap_or_default().to_string();
                assert!(ids.insert(id.clone()), "{method} {path}: operationId {id:?} is used twice");
                assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}");
            }
        }
        // Three Hugging Face operations and twenty-five of paperboy's own.
        assert_eq!(operations, 30, "{:?}", paths.keys().collect::<Vec<_>>());
        assert!(doc["components"]["securitySchemes"]["token"].is_object());
        assert!(doc["components"]["schemas"]["ApiError"].is_object());
    }
}
