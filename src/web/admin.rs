//! Moderation: hide a comment, remove a submission, suspend a user. Admins only; every action
//! is written to the moderation log, which the page shows.

use super::error::{PageError, PageResult};
use super::html::{escape, page_for};
use super::listings::internal;
use super::session::Viewer;
use crate::accounts::User;
use crate::app::AppState;
use crate::community::moderation;
use crate::server::request::RequestId;
use crate::store::{self, comments, submissions};
use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::fmt::Write;

fn require_admin(viewer: &Viewer) -> Result<User, Response> {
    match &viewer.user {
        Some(u) if u.is_admin() => Ok(u.clone()),
        Some(_) => {
            Err((StatusCode::FORBIDDEN, Html(page_for(viewer, "Refused", "<p>Only administrators can moderate.</p>")))
                .into_response())
        }
        None => Err(Redirect::to("/login?next=/admin").into_response()),
    }
}

fn when(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

fn button(viewer: &Viewer, action: &str, label: &str) -> String {
    format!(
        r#"<form method="post" action="{action}" class="inline">{}<input type="text" name="reason" placeholder="reason" aria-label="reason" size="12"> <button type="submit">{label}</button></form>"#,
        viewer.csrf_field()
    )
}

pub async fn show(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    if let Err(r) = require_admin(&viewer) {
        return r;
    }
    let data = state
        .store
        .read(|db| {
            Ok((
                comments::recent_comments(db, 50)?,
                submissions::recent_submissions(db, 50)?,
                store::accounts::list_users(db, 100)?,
                store::moderation::moderation_log(db, 100)?,
            ))
        })
        .await;
    let (comments, submissions, users, log) = match data {
        Ok(d) => d,
        Err(e) => return internal(&rid, e),
    };
    let mut b = String::from("<h2>Moderation</h2><h3>Recent comments</h3><table><tr><th>When</th><th>Who</th><th>Paper</th><th>Text</th><th></th></tr>");
    for c in &comments {
        let excerpt: String = c.body.chars().take(160).collect();
        let action = if c.hidden {
            button(&viewer, &format!("/admin/comments/{}/show", c.id), "Show again")
        } else {
            button(&viewer, &format!("/admin/comments/{}/hide", c.id), "Hide")
        };
        let _ = write!(
            b,
            r#"<tr><td>{}</td><td>{}</td><td><a href="/papers/{pid}#c{}">{pid}</a></td><td>{}{}</td><td>{action}</td></tr>"#,
            when(c.created_at),
            escape(&c.username),
            c.id,
            escape(&excerpt),
            if c.hidden { " <em>(hidden)</em>" } else { "" },
            pid = escape(&c.paper_id),
        );
    }
    b.push_str("</table><h3>Recent submissions</h3><table><tr><th>Paper</th><th>By</th><th>Day</th><th></th></tr>");
    for (pid, by, day, removed) in &submissions {
        let action = if *removed {
            "<em>removed</em>".to_string()
        } else {
            button(&viewer, &format!("/admin/submissions/{}/remove", escape(pid)), "Remove")
        };
        let _ = write!(
            b,
            r#"<tr><td><a href="/papers/{pid}">{pid}</a></td><td>{}</td><td>{}</td><td>{action}</td></tr>"#,
            escape(by),
            escape(day),
            pid = escape(pid)
        );
    }
    b.push_str("</table><h3>Users</h3><table><tr><th>Name</th><th>Role</th><th>Since</th><th></th></tr>");
    for u in &users {
        let action = match (u.is_admin(), u.suspended) {
            (true, _) => String::new(),
            (false, true) => button(&viewer, &format!("/admin/users/{}/reinstate", u.id), "Reinstate"),
            (false, false) => button(&viewer, &format!("/admin/users/{}/suspend", u.id), "Suspend"),
        };
        let _ = write!(
            b,
            r#"<tr><td><a href="/u/{name}">{name}</a>{}</td><td>{}</td><td>{}</td><td>{action}</td></tr>"#,
            if u.suspended { " <em>(suspended)</em>" } else { "" },
            u.role.as_str(),
            when(u.created_at),
            name = escape(&u.username),
        );
    }
    b.push_str(
        "</table><h3>Log</h3><table><tr><th>When</th><th>Admin</th><th>Action</th><th>Target</th><th>Reason</th></tr>",
    );
    for e in &log {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            when(e.at),
            escape(&e.admin),
            escape(&e.action),
            escape(&e.target),
            escape(&e.reason)
        );
    }
    b.push_str("</table>");
    Html(page_for(&viewer, "Moderation · paperboy", &b)).into_response()
}

#[derive(Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// `POST /admin/{kind}/{target}/{action}`.
pub async fn act(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((kind, target, action)): Path<(String, String, String)>,
    form: Result<Form<ReasonForm>, axum::extract::rejection::FormRejection>,
) -> PageResult {
    let admin = require_admin(&viewer).map_err(PageError::Page)?;
    let reason = form.map(|f| f.0.reason).unwrap_or_default();
    let nothing = || PageError::message(StatusCode::NOT_FOUND, "Not found", "Nothing to do that to.");
    let what = moderation::Action::parse(&kind, &target, &action).ok_or_else(nothing)?;
    moderation::act(&state.store, &admin, what, format!("{kind}/{action}"), &reason)
        .await
        .map_err(PageError::community("Not found"))?;
    Ok(Redirect::to("/admin").into_response())
}
