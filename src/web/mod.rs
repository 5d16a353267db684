//! The HTTP side: routes listed in one place, and the request context every route runs in.

mod account;
mod admin;
mod api;
mod api_tokens;
mod api_v1;
mod assets;
mod cache;
mod collections;
mod community;
mod digest;
mod export;
mod feeds;
mod html;
mod listings;
mod markdown;
mod metrics;
mod openapi;
mod pages;
mod paper;
mod ratelimit;
mod search;
pub mod session;
mod trending;

pub use cache::PageCache;
pub use metrics::Metrics;
pub use ratelimit::Windows as RateWindows;

use crate::app::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, put};
use axum::Router;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tracing::Instrument;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(listings::latest))
        .route("/papers/date/{day}", get(listings::by_day))
        .route("/papers/week/{week}", get(listings::by_week))
        .route("/papers/month/{month}", get(listings::by_month))
        .route("/papers/go", get(listings::go_to_day))
        .route("/search", get(search::page))
        .route("/papers/trending", get(trending::show))
        .route("/papers/{*id}", get(paper::show).post(community::paper_action))
        .route("/submit", get(community::submit_get).post(community::submit_post))
        .route("/signup", get(account::signup_page).post(account::signup))
        .route("/login", get(account::login_page).post(account::login))
        .route("/logout", post(account::logout))
        .route("/settings", get(account::settings_page).post(account::save_settings))
        .route("/settings/tokens", get(api_tokens::page).post(api_tokens::create))
        .route("/settings/tokens/{id}/revoke", post(api_tokens::revoke))
        .route("/u/{username}", get(account::user_page))
        .route("/collections", get(collections::index).post(collections::create))
        .route("/collections/{id}", get(collections::show).post(collections::update))
        .route("/collections/{id}/delete", post(collections::delete))
        .route("/collections/{id}/{file}", get(collections::cite))
        .route("/collections/{id}/papers", post(collections::set_paper))
        .route("/subscribe", get(digest::subscribe_page).post(digest::subscribe))
        .route("/digest/confirm", get(digest::confirm))
        .route("/digest/preferences/{id}/{sig}", get(digest::preferences_page).post(digest::save_preferences))
        .route("/digest/unsubscribe/{id}/{sig}", get(digest::unsubscribe_page).post(digest::unsubscribe))
        .route("/admin", get(admin::show))
        .route("/admin/{kind}/{target}/{action}", post(admin::act))
        .merge(
            Router::new()
                .route("/api/daily_papers", get(api::daily_papers))
                .route("/api/papers/search", get(search::hf_search))
                .route("/api/papers/{*id}", get(api::paper))
                .route("/api/openapi.json", get(openapi::document))
                .route("/api/v1/papers", get(api_v1::list_papers))
                .route("/api/v1/trending", get(api_v1::trending))
                .route("/api/v1/search", get(search::v1_search))
                .route(
                    "/api/v1/papers/{*id}",
                    get(api_v1::paper_get).post(api_v1::paper_post).delete(api_v1::paper_delete),
                )
                .route("/api/v1/submissions", post(api_v1::submit))
                .route("/api/v1/collections", post(api_v1::create_collection))
                .route("/api/v1/collections/{id}", get(api_v1::collection).delete(api_v1::delete_collection))
                .route(
                    "/api/v1/collections/{id}/papers/{*paper}",
                    put(api_v1::collection_paper).delete(api_v1::collection_paper),
                )
                .route("/api/v1/users/{username}/collections", get(api_v1::user_collections))
                .route("/api/v1/users/{username}/upvotes", get(api_v1::user_upvotes))
                .route("/api/v1/me", get(api_v1::me))
                .route("/api/v1/me/recommendations", get(api_v1::recommendations))
                .route("/api/{*rest}", any(api_v1::not_found))
                .layer(middleware::from_fn_with_state(state.clone(), api_v1::guard))
                .layer(middleware::map_response(allow_any_origin)),
        )
        .route("/feeds/{*spec}", get(feeds::serve))
        .route("/static/{*path}", get(assets::serve))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::render))
        .layer(middleware::from_fn_with_state(state.clone(), session::guard))
        .layer(middleware::from_fn_with_state(state.clone(), request_context))
        .with_state(state)
}

/// Identifies a request in logs and in the opaque message of a 500 (also sent as
/// `x-request-id`), so that an operator can find the cause a user reports.
#[derive(Clone, Debug)]
pub struct RequestId(pub Arc<str>);

fn next_request_id() -> Arc<str> {
    static PREFIX: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        use std::hash::{BuildHasher, RandomState};
        RandomState::new().hash_one(std::process::id()) as u32
    });
    format!("{prefix:08x}-{:x}", COUNTER.fetch_add(1, Ordering::Relaxed)).into()
}

async fn request_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = next_request_id();
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    let started = std::time::Instant::now();
    let mut response = next.run(req).instrument(span.clone()).await;
    let micros = started.elapsed().as_micros() as u64;
    state.metrics.record_response(response.status().as_u16(), micros);
    span.in_scope(|| tracing::debug!(status = response.status().as_u16(), micros, "served"));
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// The JSON API may be read from any web page (writes need a token, never a cookie).
async fn allow_any_origin(mut response: Response) -> Response {
    response.headers_mut().insert("access-control-allow-origin", HeaderValue::from_static("*"));
    response.headers_mut().insert(
        "access-control-expose-headers",
        HeaderValue::from_static("Link, RateLimit, RateLimit-Policy, Retry-After"),
    );
    response
}

/// Ready when the store answers and this node's keyword index has caught up with the
/// store's change cursor (vectors follow behind; their lag is reported, not waited for).
async fn readyz(State(state): State<AppState>) -> Response {
    let head = match state.store.change_cursor().await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: store unavailable");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"ready": false, "reason": "store unavailable"})),
            )
                .into_response();
        }
    };
    let Some(index) = &state.search else {
        return axum::Json(serde_json::json!({"ready": true, "store_cursor": head, "search": "off"})).into_response();
    };
    match index.status() {
        Ok(s) => {
            let ready = s.keyword_cursor >= head;
            let body = serde_json::json!({
                "ready": ready,
                "store_cursor": head,
                "keyword_cursor": s.keyword_cursor,
                "keyword_docs": s.keyword_docs,
                "vector_cursor": s.vector_cursor,
                "vectors": s.vectors,
                "semantic": s.semantic,
            });
            let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
            (status, axum::Json(body)).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: index unreadable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"ready": false, "reason": "index unreadable"})),
            )
                .into_response()
        }
    }
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
        }
    }
}
