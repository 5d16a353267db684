//! Runs before every `/api/…` route: CORS preflight, the bearer token, the per-node request
//! limit (per token, or per address without one), and the `RateLimit` headers.
//!
//! Reads need nothing; writes and `/me` need `Authorization: Bearer <token>`, a personal token
//! made at `/settings/tokens` (shown once, stored as its SHA-256, revocable). A feed token
//! (read only) is accepted for GET and refused for writes. Cookies are
//! never used here, so the API needs no CSRF token.

use super::error::{body, ApiError, Code};
use super::extract::Caller;
use crate::accounts::TokenScope;
use crate::community::now;
use crate::server::site::Site;
use crate::store::accounts;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn guard(State(site): State<Site>, mut req: Request, next: Next) -> Response {
    if req.method() == Method::OPTIONS {
        return preflight();
    }
    let mut caller = Caller::default();
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let token = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
        let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 128) else {
            return body(Code::InvalidToken, "send a personal token as Authorization: Bearer <token>");
        };
        match accounts::token_user(&site.app.store, token).await {
            Ok(Some((_, TokenScope::Feed, _))) if !matches!(*req.method(), Method::GET | Method::HEAD) => {
                return body(Code::ReadOnlyToken, "this is a feed token: it reads, it cannot write; use an API token");
            }
            Ok(Some((id, _, user))) => caller = Caller { user: Some(user), token_id: Some(id) },
            Ok(None) => {
                return body(Code::InvalidToken, "this token is unknown or revoked; make a new one at /settings/tokens")
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    let limits = site.app.settings.community.limits;
    let (key, rule) = match caller.token_id {
        Some(id) => (format!("token:{id}"), limits.api_token),
        None => {
            let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
            (format!("ip:{}", crate::server::request::client_ip(&site.app, req.headers(), peer)), limits.api_anonymous)
        }
    };
    let decision = site.api_limits.hit(&key, rule[0], rule[1], now());
    if !decision.allowed {
        let mut r = body(
            Code::RateLimited,
            format!("at most {} requests per {} s; try again in {} s", rule[0], rule[1], decision.reset),
        );
        decision.write_headers(r.headers_mut());
        return r;
    }
    req.extensions_mut().insert(caller);
    let mut response = next.run(req).await;
    decision.write_headers(response.headers_mut());
    response
}

/// Browsers may read the API from any page, with GET only.
fn preflight() -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert("access-control-allow-methods", HeaderValue::from_static("GET, HEAD, OPTIONS"));
    h.insert("access-control-allow-headers", HeaderValue::from_static("Authorization, Content-Type"));
    h.insert("access-control-max-age", HeaderValue::from_static("86400"));
    r
}

/// The JSON API may be read from any web page (writes need a token, never a cookie).
pub async fn allow_any_origin(mut response: Response) -> Response {
    response.headers_mut().insert("access-control-allow-origin", HeaderValue::from_static("*"));
    response.headers_mut().insert(
        "access-control-expose-headers",
        HeaderValue::from_static("Link, RateLimit, RateLimit-Policy, Retry-After"),
    );
    response
}
