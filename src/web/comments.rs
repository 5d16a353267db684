//! A member's own comments: `/comments/{id}/edit` (the form, and saving it) and
//! `/comments/{id}/delete`. The rules are `community::comments`'.

use super::error::{PageError, PageResult};
use super::pages::{self, Layout};
use super::session::Member;
use super::viewer::Viewer;
use crate::app::AppState;
use crate::community::{comments, Error};
use axum::extract::{Extension, Form, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

fn edit_page(viewer: &Viewer, status: StatusCode, id: i64, key: &str, body: &str, reason: Option<&str>) -> Response {
    let ctx = context! { id, key, body, reason, max_comment => comments::MAX_CHARS };
    let html = pages::render_page("comment_edit.html", &Layout::for_viewer(viewer, "Edit your comment"), ctx);
    let mut r = (status, Html(html)).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn refused(e: Error) -> PageError {
    match e {
        Error::Refused(r) => PageError::message(super::error::status_of(r.reason), "Comment unchanged", &r.message),
        other => other.into(),
    }
}

/// `GET /comments/{id}/edit`: the form, holding the comment's text.
pub async fn edit_form(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Member(user): Member,
    Path(id): Path<i64>,
) -> PageResult {
    let c = comments::editable(&state.store, &user, id).await.map_err(refused)?;
    Ok(edit_page(&viewer, StatusCode::OK, id, &c.paper_id, &c.body, None))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditForm {
    body: String,
}

/// `POST /comments/{id}/edit`: saves the new text; refused, the form comes back with it.
pub async fn edit(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Member(user): Member,
    Path(id): Path<i64>,
    form: Result<Form<EditForm>, axum::extract::rejection::FormRejection>,
) -> PageResult {
    let body = form.map(|f| f.0.body).unwrap_or_default();
    match comments::edit(&state.store, &state.settings.community, &user, id, &body).await {
        Ok(c) => Ok(Redirect::to(&format!("/papers/{}#c{id}", c.paper_id)).into_response()),
        Err(Error::Refused(r)) if r.reason == crate::community::Reason::Invalid => {
            let c = comments::editable(&state.store, &user, id).await.map_err(refused)?;
            let status = super::error::status_of(r.reason);
            Err(PageError::page(edit_page(&viewer, status, id, &c.paper_id, &body, Some(&r.message))))
        }
        Err(Error::Limited { retry_after, .. }) => {
            let c = comments::editable(&state.store, &user, id).await.map_err(refused)?;
            let why = format!("You are commenting faster than this site allows. Try again in {retry_after} seconds.");
            let page = edit_page(&viewer, StatusCode::TOO_MANY_REQUESTS, id, &c.paper_id, &body, Some(&why));
            Err(PageError::page(crate::server::request::retry_after(page, retry_after)))
        }
        Err(e) => Err(refused(e)),
    }
}

/// `POST /comments/{id}/delete`: deletes the comment and goes back to its paper.
pub async fn delete(State(state): State<AppState>, Member(user): Member, Path(id): Path<i64>) -> PageResult {
    let paper = comments::delete(&state.store, &user, id).await.map_err(refused)?;
    Ok(Redirect::to(&format!("/papers/{paper}#c{id}")).into_response())
}
