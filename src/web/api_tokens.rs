//! `/settings/tokens`: personal tokens. A token is shown once, when it is made; the store
//! keeps only its SHA-256. Tokens can be revoked, and each shows its kind and when it was last
//! used. An API token acts as the member; a feed token (read only) opens their private feeds.

use super::error::PageResult;
use super::pages::{self, Layout};
use super::session::Member;
use super::viewer::Viewer;
use crate::accounts::{tokens, TokenScope};
use crate::app::AppState;
use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use minijinja::context;
use serde::Deserialize;

fn when(t: Option<i64>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "never".into())
}

/// What heads the tokens page: nothing, why a token was not made, or the token just made.
pub enum Top {
    Nothing,
    Problem(String),
    /// The new token, and for a feed token its private feed's addresses (RSS, Atom, JSON Feed).
    Made {
        token: String,
        feeds: Option<[String; 3]>,
    },
}

async fn render(state: &AppState, viewer: &Viewer, user_id: i64, status: StatusCode, top: &Top) -> PageResult {
    let tokens = tokens::of(&state.store, user_id).await?;
    let html = render_tokens(viewer, &tokens, top);
    let mut r = (status, Html(html)).into_response();
    // A page that may show a token once must not be stored by the browser or a proxy.
    r.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(r)
}

/// The viewer's tokens, and a form for a new one.
pub fn render_tokens(viewer: &Viewer, tokens: &[crate::store::accounts::ApiToken], top: &Top) -> String {
    let ctx = context! {
        problem => match top { Top::Problem(p) => Some(p), _ => None },
        made => match top {
            Top::Made { token, feeds: Some([rss, atom, json]) } => Some(context! { token, rss, atom, json }),
            Top::Made { token, feeds: None } => Some(context! { token }),
            _ => None,
        },
        tokens => tokens.iter().map(|t| context! {
            id => t.id,
            name => t.name,
            made => when(Some(t.created_at)),
            used => when(t.last_used_at),
            kind => match t.scope { TokenScope::Api => "API (read and write)", TokenScope::Feed => "feed (read only)" },
        }).collect::<Vec<_>>(),
        max_name => tokens::MAX_NAME,
    };
    pages::render_page("tokens.html", &Layout::for_viewer(viewer, "API tokens · paperboy"), ctx)
}

pub async fn page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Member(user): Member,
) -> PageResult {
    render(&state, &viewer, user.id, StatusCode::OK, &Top::Nothing).await
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    name: String,
    /// `api` or `feed`.
    #[serde(default)]
    scope: String,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Member(user): Member,
    Form(form): Form<NewToken>,
) -> PageResult {
    let scope = TokenScope::parse(&form.scope);
    let token = match tokens::create(&state.store, user.id, &form.name, scope).await {
        Ok(token) => token,
        Err(tokens::Refused::Store(e)) => return Err(e.into()),
        Err(refused) => {
            let top = Top::Problem(refused.to_string());
            return render(&state, &viewer, user.id, StatusCode::UNPROCESSABLE_ENTITY, &top).await;
        }
    };
    let base = state.settings.public_url.trim_end_matches('/');
    let feed = |ext: &str| format!("{base}/feeds/recommendations.{ext}?token={token}");
    let feeds = (scope == TokenScope::Feed).then(|| [feed("rss"), feed("atom"), feed("json")]);
    let top = Top::Made { feeds, token };
    render(&state, &viewer, user.id, StatusCode::CREATED, &top).await
}

pub async fn revoke(State(state): State<AppState>, Member(user): Member, Path(id): Path<i64>) -> PageResult {
    tokens::revoke(&state.store, user.id, id).await?;
    Ok(Redirect::to("/settings/tokens").into_response())
}
