//! What members do to papers on the site: upvote, comment (submitting is `submit.rs`). The rules are the
//! community domain's; this reads the forms, calls it, and answers with a page or a redirect.

use super::error::{PageError, PageResult};
use super::pages::{self, Layout};
use super::session::safe_next;
use super::viewer::Viewer;
use crate::app::AppState;
use crate::community::votes::{self, Vote};
use crate::community::{comments, known_paper};
use crate::papers::ArxivId;
use axum::extract::{Extension, Form, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Json, Redirect};
use minijinja::context;
use serde::Deserialize;

fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    next: Option<String>,
    body: Option<String>,
    parent_id: Option<String>,
    /// `up` or `down`: the state the vote button was drawn to ask for; none: toggle.
    vote: Option<String>,
    /// `0` takes a "not interested" back.
    dismiss: Option<String>,
    /// The form's nonce: a comment form sent twice posts once.
    nonce: Option<String>,
}

/// `POST /papers/{id}/upvote`, `POST /papers/{id}/comments` and `POST /papers/{id}/not-interested`.
pub async fn paper_action(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(rest): Path<String>,
    headers: HeaderMap,
    form: Result<Form<ActionForm>, axum::extract::rejection::FormRejection>,
) -> PageResult {
    let form = form.map(|f| f.0).unwrap_or_default();
    let (id, action) = match rest.rsplit_once('/') {
        Some((id, a @ ("upvote" | "comments" | "not-interested"))) => (id, a),
        _ => return Err(PageError::message(StatusCode::NOT_FOUND, "Not found", "There is nothing to post here.")),
    };
    let Ok(id) = ArxivId::parse(id) else {
        return Err(PageError::message(StatusCode::BAD_REQUEST, "Not an arXiv id", "That is not an arXiv identifier."));
    };
    let paper_path = format!("/papers/{}", id.as_str());
    let user = match &viewer.user {
        Some(u) => u.clone(),
        // The same shape as the API's errors.
        None if wants_json(&headers) => {
            return Ok((
                StatusCode::UNAUTHORIZED,
                Json(serde_json::json!({"code": "login_required", "message": "log in to do this", "status": 401})),
            )
                .into_response())
        }
        None => return Err(PageError::Login { back_to: paper_path }),
    };
    let paper = known_paper(&state.store, &id).await.map_err(PageError::community("Unknown paper"))?;
    let settings = &state.settings.community;
    if action == "upvote" {
        let vote = Vote::from_form(form.vote.as_deref())
            .ok_or_else(|| PageError::message(StatusCode::BAD_REQUEST, "Vote not counted", "Unknown vote."))?;
        let tally = votes::vote(&state.store, settings, &user, &paper, vote).await?;
        // Their recommendations take the vote in while they read on.
        state.recommending().refresh_in_background(state.store.clone(), user.id);
        if wants_json(&headers) {
            return Ok(Json(serde_json::json!({"voted": tally.voted, "upvotes": tally.upvotes})).into_response());
        }
        return Ok(Redirect::to(&safe_next(form.next.as_deref().or(Some(&paper_path)))).into_response());
    }
    if action == "not-interested" {
        let dismissed = form.dismiss.as_deref() != Some("0");
        crate::community::dismissals::set(&state.store, settings, &user, &paper, dismissed).await?;
        state.recommending().refresh_in_background(state.store.clone(), user.id);
        if wants_json(&headers) {
            return Ok(Json(serde_json::json!({"dismissed": dismissed})).into_response());
        }
        // Back to the list it was hidden from (the form says which, else the page it came from).
        let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok());
        let from = referer.and_then(|r| r.parse::<axum::http::Uri>().ok()).and_then(|u| u.path_and_query().cloned());
        let back = form.next.clone().or_else(|| from.map(|p| p.as_str().to_string()));
        return Ok(Redirect::to(&safe_next(back.as_deref().or(Some(&paper_path)))).into_response());
    }
    // A comment or a reply. Refused, it comes back with what was typed, ready to send again.
    let body = form.body.unwrap_or_default();
    let again = |status: StatusCode, reason: &str| {
        let ctx = context! {
            key => id.as_str(), reason, body => &body, parent_id => &form.parent_id, max_comment => comments::MAX_CHARS,
            form_nonce => &form.nonce,
        };
        let html = pages::render_page("comment_refused.html", &Layout::for_viewer(&viewer, "Comment not posted"), ctx);
        let mut r = (status, Html(html)).into_response();
        r.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
        PageError::page(r)
    };
    let parent = match form.parent_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(p) => Some(p.parse::<i64>().map_err(|_| again(StatusCode::BAD_REQUEST, "Bad reply target."))?),
    };
    let refused = |e: crate::community::Error| match e {
        crate::community::Error::Refused(r) => again(super::error::status_of(r.reason), &r.message),
        crate::community::Error::Limited { retry_after, .. } => {
            let page = again(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("You are commenting faster than this site allows. Try again in {retry_after} seconds."),
            );
            match page {
                PageError::Page(r) => PageError::page(crate::server::request::retry_after(*r, retry_after)),
                other => other,
            }
        }
        crate::community::Error::Store(e) => e.into(),
    };
    comments::text(&body).map_err(refused)?;
    let posted = comments::post(&state.store, settings, &user, &paper, parent, &body, form.nonce.as_deref())
        .await
        .map_err(refused)?;
    Ok(Redirect::to(&format!("{paper_path}#c{}", posted.id)).into_response())
}
