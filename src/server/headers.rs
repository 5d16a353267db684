//! Headers every answer carries: no content sniffing, no framing, a Content-Security-Policy that
//! allows only this site's own scripts, styles, fonts and images (the pages have no inline script
//! or style; KaTeX styles through the DOM, which CSP allows), and a referrer kept to this site.
//! Violations are reported to `/csp-reports` and counted in `/metrics`.

use crate::app::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use std::sync::atomic::Ordering;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'; report-uri /csp-reports";

/// Sets the security headers an answer does not set itself.
pub async fn secure(mut response: Response) -> Response {
    let h = response.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    response
}

/// A browser's report of a blocked load (`application/csp-report`): counted; logged at the
/// 1st, 2nd, 4th, 8th… report, so that a flood of reports cannot flood the log.
pub async fn csp_report(State(state): State<AppState>, body: Bytes) -> StatusCode {
    let n = state.metrics.csp_violations.fetch_add(1, Ordering::Relaxed) + 1;
    if n.is_power_of_two() {
        let report: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let field = |k: &str| {
            let v = report["csp-report"][k].as_str().unwrap_or("?");
            v.chars().take(200).collect::<String>()
        };
        tracing::warn!(
            violations = n,
            directive = %field("violated-directive"),
            blocked = %field("blocked-uri"),
            page = %field("document-uri"),
            "the Content-Security-Policy blocked something on a page"
        );
    }
    StatusCode::NO_CONTENT
}
