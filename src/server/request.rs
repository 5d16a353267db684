//! The context every request runs in: an id (in logs, in the `x-request-id` header and in the
//! opaque message of a 500, so that an operator can find the cause a user reports), a tracing
//! span, and this node's response counters.

use crate::app::AppState;
use axum::extract::FromRef;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tracing::Instrument;

#[derive(Clone, Debug)]
pub struct RequestId(pub Arc<str>);

tokio::task_local! {
    static CURRENT: RequestId;
}

impl RequestId {
    /// The id of the request being answered (`-` outside one): error types turn into
    /// responses without the request at hand.
    pub fn current() -> RequestId {
        CURRENT.try_with(Clone::clone).unwrap_or_else(|_| RequestId("-".into()))
    }
}

fn next_request_id() -> Arc<str> {
    static PREFIX: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        use std::hash::{BuildHasher, RandomState};
        RandomState::new().hash_one(std::process::id()) as u32
    });
    format!("{prefix:08x}-{:x}", COUNTER.fetch_add(1, Ordering::Relaxed)).into()
}

pub async fn context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = RequestId(next_request_id());
    req.extensions_mut().insert(id.clone());
    let span = tracing::info_span!("request", id = %id.0, method = %req.method(), path = %req.uri().path());
    let started = std::time::Instant::now();
    let mut response = CURRENT.scope(id.clone(), next.run(req)).instrument(span.clone()).await;
    let micros = started.elapsed().as_micros() as u64;
    state.metrics.record_response(response.status().as_u16(), micros);
    span.in_scope(|| tracing::debug!(status = response.status().as_u16(), micros, "served"));
    if let Ok(v) = HeaderValue::from_str(&id.0) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// The client's address, for rate limits (see [`client_ip`]).
pub struct ClientIp(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp
where
    AppState: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
        Ok(ClientIp(client_ip(&app, &parts.headers, peer)))
    }
}

/// The client's address, for rate limits: the peer, or `X-Forwarded-For`'s first hop when
/// the operator says a proxy sets it.
pub fn client_ip(state: &AppState, req_headers: &HeaderMap, peer: Option<std::net::SocketAddr>) -> String {
    if state.settings.trust_proxy_headers {
        if let Some(first) = req_headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            return first.to_string();
        }
    }
    peer.map(|p| p.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// Logs, once and under the request's id, that the store could not be reached; the id, for
/// the answer.
pub fn log_unavailable(e: &crate::store::StoreError) -> RequestId {
    let rid = RequestId::current();
    tracing::warn!(request_id = %rid.0, error = %e, "store unavailable");
    rid
}

/// Logs, once and under the request's id, why a request failed (the whole cause chain); the
/// id, for the opaque answer.
pub fn log_failure(e: &anyhow::Error) -> RequestId {
    let rid = RequestId::current();
    tracing::error!(request_id = %rid.0, error = format!("{e:#}"), "request failed");
    rid
}

/// `Retry-After: secs` on `response`.
pub fn retry_after(mut response: Response, secs: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    response
}
