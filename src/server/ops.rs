//! What operators and orchestrators ask a node: is it alive, is it ready, what are its figures.

use crate::app::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Json, Response};

/// Alive when the store answers.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
        }
    }
}

/// Ready when the store answers and this node's keyword index has caught up with the
/// store's change cursor (vectors follow behind; their lag is reported, not waited for).
pub async fn readyz(State(state): State<AppState>) -> Response {
    let head = match state.store.change_cursor().await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: store unavailable");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"ready": false, "reason": "store unavailable"})),
            )
                .into_response();
        }
    };
    let Some(index) = &state.search else {
        return Json(serde_json::json!({"ready": true, "store_cursor": head, "search": "off"})).into_response();
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
                // Vectors are not waited for, but their progress is told: what semantic answers cover.
                "embedding": {
                    "embedded": s.vectors,
                    "papers": s.keyword_docs,
                    "complete": s.semantic && s.vectors as u64 >= s.keyword_docs,
                    "papers_per_second": index.embed_rate(),
                    "computed_here": index.computed(),
                },
            });
            let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
            (status, Json(body)).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: index unreadable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"ready": false, "reason": "index unreadable"})))
                .into_response()
        }
    }
}

/// `/metrics`, in Prometheus' text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let stats = state.store.stats().await.ok();
    let mut body = crate::metrics::render(&state.metrics, stats.as_ref());
    if let Some(index) = &state.search {
        if let Ok(s) = index.status() {
            body.push_str(&crate::metrics::render_embedding(
                s.vectors as u64,
                s.keyword_docs,
                index.embed_rate(),
                index.computed(),
            ));
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body)
}
