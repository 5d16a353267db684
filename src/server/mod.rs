//! The HTTP server: the site's pages (`web`), the JSON APIs (`api`) and the operator's
//! endpoints, under one request context.
//!
//! What both surfaces share lives here: [`Site`] (the application plus this node's caches),
//! the request id, the cache of rendered answers and the in-memory request counters.

pub mod cache;
mod ops;
pub mod ratelimit;
pub mod request;
mod site;

pub use request::RequestId;
pub use site::Site;

use crate::app::AppState;
use axum::middleware;
use axum::routing::get;
use axum::Router;

/// Every route of this node.
pub fn router(app: AppState) -> Router {
    let site = Site::new(app.clone());
    Router::new()
        .merge(crate::web::router(site.clone()))
        .merge(crate::api::router(&site))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .layer(middleware::from_fn_with_state(app, request::context))
        .with_state(site)
}
