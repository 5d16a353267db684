//! `/settings/tokens`: personal API tokens. A token is shown once, when it is made; the store
//! keeps only its SHA-256. Tokens can be revoked, and each shows when it was last used. A
//! token also opens the member's private recommendations feed.

use super::account::require_login;
use super::html::{escape, page_for};
use super::listings::internal;
use super::session::{now, Viewer};
use crate::accounts;
use crate::app::AppState;
use crate::server::request::RequestId;
use crate::store;
use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::fmt::Write;

/// Longest token name, in characters.
const MAX_NAME: usize = 60;
/// Live tokens one member may hold.
const MAX_TOKENS: usize = 20;
/// Every token starts with this, so that it is recognised (by people and by secret scanners).
pub const TOKEN_PREFIX: &str = "pb_";

fn when(t: Option<i64>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "never".into())
}

async fn render(
    state: &AppState,
    rid: &RequestId,
    viewer: &Viewer,
    user_id: i64,
    status: StatusCode,
    top: &str,
) -> Response {
    let tokens = match state.store.read(move |db| store::accounts::api_tokens_of(db, user_id)).await {
        Ok(t) => t,
        Err(e) => return internal(rid, e),
    };
    let mut b = String::from("<h2>API tokens</h2>");
    b.push_str(top);
    b.push_str(
        r#"<p>A personal token lets a script act as you through the <a href="/api/openapi.json">JSON API</a> (send it as <code>Authorization: Bearer &lt;token&gt;</code>): upvote, comment, submit papers, edit your collections, read your recommendations. It also opens your private recommendations feed. Keep it secret; revoke it here when you no longer need it.</p>"#,
    );
    if tokens.is_empty() {
        b.push_str(r#"<p class="meta">You have no tokens.</p>"#);
    } else {
        b.push_str(r#"<table class="tokens"><thead><tr><th>Name</th><th>Made</th><th>Last used</th><th></th></tr></thead><tbody>"#);
        for t in &tokens {
            let _ = write!(
                b,
                r#"<tr><td>{name}</td><td>{made}</td><td>{used}</td><td><form method="post" action="/settings/tokens/{id}/revoke">{csrf}<button type="submit">Revoke</button></form></td></tr>"#,
                name = escape(&t.name),
                made = when(Some(t.created_at)),
                used = when(t.last_used_at),
                id = t.id,
                csrf = viewer.csrf_field(),
            );
        }
        b.push_str("</tbody></table>");
    }
    let _ = write!(
        b,
        r#"<h3>New token</h3><form method="post" action="/settings/tokens">{csrf}
<label for="name">Name (what it is for)</label><input type="text" id="name" name="name" required maxlength="{MAX_NAME}" placeholder="feed reader, my script">
<button class="primary" type="submit">Make a token</button></form>"#,
        csrf = viewer.csrf_field(),
    );
    let html = page_for(viewer, "API tokens · paperboy", &b);
    let mut r = (status, Html(html)).into_response();
    // A page that may show a token once must not be stored by the browser or a proxy.
    r.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    r
}

pub async fn page(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    let user = match require_login(&viewer, "/settings/tokens") {
        Ok(u) => u,
        Err(r) => return r.into_response(),
    };
    render(&state, &rid, &viewer, user.id, StatusCode::OK, "").await
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    name: String,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<NewToken>,
) -> Response {
    let user = match require_login(&viewer, "/settings/tokens") {
        Ok(u) => u,
        Err(r) => return r.into_response(),
    };
    let name = form.name.trim().to_string();
    let problem = |msg: &str| format!(r#"<p class="error" role="alert">{}</p>"#, escape(msg));
    if name.is_empty() || name.chars().count() > MAX_NAME {
        let top = problem(&format!("A token's name has 1 to {MAX_NAME} characters."));
        return render(&state, &rid, &viewer, user.id, StatusCode::UNPROCESSABLE_ENTITY, &top).await;
    }
    let token = format!("{TOKEN_PREFIX}{}", accounts::new_token());
    let (uid, hash) = (user.id, accounts::token_hash(&token));
    let made = state
        .store
        .transaction(move |db| {
            if store::accounts::api_tokens_of(db, uid)?.len() >= MAX_TOKENS {
                return Ok(None);
            }
            store::accounts::create_api_token(db, uid, &name, &hash, now()).map(Some)
        })
        .await;
    match made {
        Ok(Some(_)) => {}
        Ok(None) => {
            let top = problem(&format!("You hold {MAX_TOKENS} tokens, the most allowed: revoke one first."));
            return render(&state, &rid, &viewer, user.id, StatusCode::UNPROCESSABLE_ENTITY, &top).await;
        }
        Err(e) => return internal(&rid, e),
    }
    let base = state.settings.public_url.trim_end_matches('/');
    let feed = |ext: &str| escape(&format!("{base}/feeds/recommendations.{ext}?token={token}"));
    let top = format!(
        r#"<section class="notice" role="status"><p>Your new token — copy it now: it is not shown again.</p>
<p><input type="text" id="new-token" readonly value="{token}" aria-label="your new token"></p>
<p>Your private recommendations feed with it: <a href="{rss}">RSS</a> · <a href="{atom}">Atom</a> · <a href="{json}">JSON Feed</a> (revoking the token closes the feed).</p></section>"#,
        token = escape(&token),
        rss = feed("rss"),
        atom = feed("atom"),
        json = feed("json"),
    );
    render(&state, &rid, &viewer, user.id, StatusCode::CREATED, &top).await
}

pub async fn revoke(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Response {
    let user = match require_login(&viewer, "/settings/tokens") {
        Ok(u) => u,
        Err(r) => return r.into_response(),
    };
    match state.store.transaction(move |db| store::accounts::revoke_api_token(db, user.id, id, now())).await {
        Ok(_) => Redirect::to("/settings/tokens").into_response(),
        Err(e) => internal(&rid, e),
    }
}
