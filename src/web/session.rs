//! Who is asking: the session cookie, CSRF tokens bound to it, and rate limits.
//!
//! - Sessions live in the store (shared by every node); the cookie `pb_session` holds a
//!   random token, HttpOnly, SameSite=Lax, Secure when the instance is served over HTTPS.
//! - Every request that changes state (any method but GET/HEAD/OPTIONS) must carry a CSRF
//!   token — form field `csrf` or header `x-csrf-token` — that is an HMAC, under the
//!   instance's secret, of the session (or, before login, of the random `pb_anon` cookie).
//!   [`guard`] enforces it for every route, so a new form cannot forget it.
//! - Rate limits are fixed windows counted in the store, so they hold across nodes.

use super::viewer::Viewer;
use crate::accounts;
use crate::app::AppState;
use crate::server::request::RequestId;
use crate::store;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

pub const SESSION_COOKIE: &str = "pb_session";
pub const ANON_COOKIE: &str = "pb_anon";

pub use crate::community::now;

/// The value of cookie `name` in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn secure(state: &AppState) -> bool {
    state.settings.public_url.starts_with("https://")
}

/// A `Set-Cookie` value with the flags every paperboy cookie carries.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if secure(state) { "; Secure" } else { "" };
    let v = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

fn forbidden(message: &str) -> Response {
    let html =
        super::pages::render_message(&super::pages::Layout::guest("Refused"), &super::pages::Message::plain(message));
    (StatusCode::FORBIDDEN, Html(html)).into_response()
}

/// Largest form body read while checking its CSRF token.
const MAX_FORM_BYTES: usize = 256 * 1024;

/// Loads the viewer, hands out the anonymous cookie, and refuses state-changing requests
/// without a valid CSRF token.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let rid = req.extensions().get::<RequestId>().cloned().unwrap_or(RequestId("-".into()));
    let headers = req.headers().clone();
    let mut viewer = Viewer::default();
    let mut new_anon = None;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let hash = accounts::token_hash(token);
        let h = hash.clone();
        let found = state.store.read(move |db| {
            let Some(user) = store::accounts::session_user(db, &h, now())? else { return Ok(None) };
            let updates = store::updates::count(db, user.id)?;
            Ok(Some((user, updates)))
        });
        match found.await {
            Ok(Some((user, updates))) => {
                viewer.csrf = accounts::sign(&state.secret, &format!("s:{hash}"));
                viewer.user = Some(user);
                viewer.session = Some(hash);
                viewer.updates = updates;
            }
            Ok(None) => {}
            Err(e) => return super::error::PageError::from(e).into_response(),
        }
    }
    if viewer.user.is_none() {
        let anon = match cookie(&headers, ANON_COOKIE).filter(|v| v.len() == 43) {
            Some(v) => v.to_string(),
            None => {
                let v = accounts::new_token();
                new_anon = Some(v.clone());
                v
            }
        };
        viewer.csrf = accounts::sign(&state.secret, &format!("a:{anon}"));
    }
    let binding = match &viewer.session {
        Some(hash) => format!("s:{hash}"),
        None => format!("a:{}", cookie(&headers, ANON_COOKIE).unwrap_or("")),
    };
    let mut req = req;
    // One-click unsubscribe links carry their own signature (and mail clients post them with
    // no cookie): the only state-changing route without a CSRF token.
    // The JSON API authenticates writes with bearer tokens only, never with cookies, so a
    // forged cross-site request carries no credential there.
    let exempt = req.uri().path().starts_with("/digest/unsubscribe/") || req.uri().path().starts_with("/api/");
    if !exempt && !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let from_header = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
        let (token, rebuilt) = match from_header {
            Some(t) => (Some(t), req),
            None => {
                let (parts, body) = req.into_parts();
                let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
                    Ok(b) => b,
                    Err(_) => {
                        let text = "This form is larger than paperboy accepts.";
                        return super::error::PageError::message(StatusCode::PAYLOAD_TOO_LARGE, "Too large", text)
                            .into_response();
                    }
                };
                let token = form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
                (token, Request::from_parts(parts, Body::from(bytes)))
            }
        };
        req = rebuilt;
        let valid = token.is_some_and(|t| accounts::verify_signature(&state.secret, &binding, &t));
        if !valid {
            tracing::info!(request_id = %rid.0, "refused a request without a valid CSRF token");
            return forbidden(
                "This form has expired or did not come from paperboy. Go back, reload the page and try again.",
            );
        }
    }
    req.extensions_mut().insert(viewer.clone());
    let mut response = next.run(req).await;
    // An error page drawn without the request at hand: drawn again with the viewer's menu.
    if let (Some(_), Some(e)) = (&viewer.user, response.extensions_mut().remove::<super::error::ErrorPage>()) {
        *response.body_mut() = Body::from(e.draw(&super::pages::Layout::for_viewer(&viewer, e.title.clone())));
    }
    // Only pages can hold forms: assets, health checks and JSON go without the cookie.
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if let (Some(v), true) = (new_anon, is_page) {
        response.headers_mut().append(header::SET_COOKIE, set_cookie(&state, ANON_COOKIE, &v, 86_400 * 365));
    }
    // A member's pages (their email in settings, their votes) are not kept by the browser: Back after logging out
    // asks again, and gets the login page.
    if viewer.user.is_some() && is_page {
        response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    }
    response
}

pub use crate::community::limits::Limit;
pub use crate::server::request::ClientIp;

/// Counts one hit against a limit kept in the store; past it, the "Slow down" page.
pub async fn check_limit(state: &AppState, limit: Limit, who: &str) -> super::error::PageResult<()> {
    Ok(crate::community::limits::check(&state.store, limit, who).await?)
}

/// A path on this site to go back to after a form; anything else is `/`: another site, `//host`, `/\\host`, and any
/// control character (browsers drop tabs and newlines from a `Location`, so `/<TAB>/host` would read as `//host`).
/// Spaces and non-ASCII letters are percent-encoded, so the answer is always a valid `Location` header.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_path).unwrap_or_else(|| "/".into())
}

fn local_path(next: &str) -> Option<String> {
    if next.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let mut path = String::with_capacity(next.len());
    for c in next.chars() {
        if c.is_ascii_graphic() {
            path.push(c);
        } else {
            let mut buf = [0; 4];
            path.extend(
                form_urlencoded::byte_serialize(c.encode_utf8(&mut buf).as_bytes()).map(|s| s.replace('+', "%20")),
            );
        }
    }
    let on_this_site = path.starts_with('/') && !path.starts_with("//");
    // A fragment (`#collect`) is kept: it is not part of what `PathAndQuery` reads.
    let before_fragment = path.split('#').next().unwrap_or_default();
    let parsed = axum::http::uri::PathAndQuery::try_from(before_fragment).ok()?;
    let valid = parsed.as_str() == before_fragment && axum::http::HeaderValue::try_from(path.as_str()).is_ok();
    (on_this_site && valid).then_some(path)
}

/// A logged-in member, or off to the login page and back: to the page asked for (a GET), or
/// to the page the form was sent from (its `Referer`, when on this site).
pub struct Member(pub crate::accounts::User);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Member {
    type Rejection = super::error::PageError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<Viewer>().and_then(|v| v.user.clone()) {
            return Ok(Member(user));
        }
        let back_to = if parts.method == Method::GET {
            parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string()
        } else {
            let referer = parts.headers.get(header::REFERER).and_then(|v| v.to_str().ok());
            let path = referer
                .and_then(|r| r.parse::<axum::http::Uri>().ok())
                .map(|u| u.path_and_query().map_or_else(|| "/".to_string(), |p| p.as_str().to_string()));
            safe_next(path.as_deref())
        };
        Err(super::error::PageError::Login { back_to })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(super::safe_next(Some("/papers/2501.00001")), "/papers/2501.00001");
        assert_eq!(super::safe_next(Some("/search?q=Zoë bits")), "/search?q=Zo%C3%AB%20bits");
        assert_eq!(super::safe_next(Some("/papers/2508.00079#collect")), "/papers/2508.00079#collect");
        let controls = (0u8..0x20).chain([0x7f]).map(|b| format!("/{}/evil.example/", b as char));
        let bad =
            ["https://evil.example", "//evil.example", "/\\evil", "javascript:x", "/a\r\nSet-Cookie: x", "", "evil"];
        for bad in bad.into_iter().map(String::from).chain(controls) {
            let bad = bad.as_str();
            assert_eq!(super::safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(super::safe_next(None), "/");
    }
}
