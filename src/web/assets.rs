//! Static files (KaTeX) embedded at build time and served under `/static/`.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("woff2") => "font/woff2",
        _ => "text/plain; charset=utf-8",
    }
}

pub async fn serve(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|(p, _)| *p == path) {
        Some((p, bytes)) => {
            ([(header::CONTENT_TYPE, content_type(p)), (header::CACHE_CONTROL, "public, max-age=86400")], *bytes)
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
