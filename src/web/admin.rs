//! Moderation: hide a comment, remove a submission, suspend a user. Admins only; every action
//! is written to the moderation log, which the page shows.

use super::error::{PageError, PageResult};
use super::pages::{self, Layout, Message};
use super::viewer::Viewer;
use crate::accounts::User;
use crate::app::AppState;
use crate::community::moderation;
use crate::digest::health::MailState;
use crate::store::{self, comments, submissions};
use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use minijinja::context;
use serde::Deserialize;

fn require_admin(viewer: &Viewer) -> PageResult<User> {
    match &viewer.user {
        Some(u) if u.is_admin() => Ok(u.clone()),
        Some(_) => {
            let html = pages::render_message(
                &Layout::for_viewer(viewer, "Refused"),
                &Message::plain("Only administrators can moderate."),
            );
            Err(PageError::page((StatusCode::FORBIDDEN, Html(html)).into_response()))
        }
        None => Err(PageError::Login { back_to: "/admin".into() }),
    }
}

fn when(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

pub async fn show(State(state): State<AppState>, Extension(viewer): Extension<Viewer>) -> PageResult {
    require_admin(&viewer)?;
    let data = state
        .store
        .read(|db| {
            Ok((
                comments::recent_comments(db, 50)?,
                submissions::recent_submissions(db, 50)?,
                store::accounts::list_users(db, 100)?,
                store::moderation::moderation_log(db, 100)?,
                store::digests::queue_summary(db)?,
            ))
        })
        .await;
    let (comments, submissions, users, log, queue) = data?;
    let m = &state.settings.mail;
    let mail = Mail { state: state.mail_health.get(), server: format!("{}:{}", m.smtp_host, m.smtp_port), queue };
    Ok(Html(render_admin(&viewer, &mail, &comments, &submissions, &users, &log)).into_response())
}

/// The mail section of `/admin`: this node's mail state and the outbox (shared by all nodes).
pub struct Mail {
    pub state: MailState,
    /// The SMTP server, `host:port`.
    pub server: String,
    pub queue: store::digests::QueueSummary,
}

/// The mail state in a sentence.
fn mail_sentence(mail: &Mail) -> String {
    let server = &mail.server;
    match &mail.state {
        MailState::Off => "Mail is off on this instance (mail.enabled = false): confirmations and digests are not sent.".into(),
        MailState::Unknown => format!("The SMTP server ({server}) has not been tried yet."),
        MailState::Working { since } => format!("Mail works: the SMTP server ({server}) answers, since {}.", when(*since)),
        MailState::Failing { since, error } => format!(
            "Mail cannot be delivered: the SMTP server ({server}) fails since {}: {error}. Messages wait in the outbox and are sent once it answers.",
            when(*since)
        ),
    }
}

/// The moderation page: recent comments and submissions, users, and the log.
pub fn render_admin(
    viewer: &Viewer,
    mail: &Mail,
    comments: &[crate::store::comments::Comment],
    submissions: &[(String, String, String, bool)],
    users: &[User],
    log: &[crate::store::moderation::ModerationEntry],
) -> String {
    let ctx = context! {
        mail => context! {
            sentence => mail_sentence(mail),
            failing => matches!(mail.state, MailState::Failing { .. }),
            by_status => mail.queue.by_status.iter().map(|(status, n)| context! { status, n }).collect::<Vec<_>>(),
            failures => mail.queue.recent_failures.iter().map(|(key, to, error)| context! { key, to, error }).collect::<Vec<_>>(),
            paused => mail.queue.paused_addresses,
        },
        comments => comments.iter().map(|c| context! {
            id => c.id,
            when => when(c.created_at),
            username => c.username,
            paper_id => c.paper_id,
            excerpt => c.body.chars().take(160).collect::<String>(),
            hidden => c.hidden,
        }).collect::<Vec<_>>(),
        submissions => submissions.iter().map(|(paper_id, by, day, removed)| context! {
            paper_id, by, day, removed,
        }).collect::<Vec<_>>(),
        users => users.iter().map(|u| context! {
            id => u.id,
            username => u.username,
            suspended => u.suspended,
            is_admin => u.is_admin(),
            role => u.role.as_str(),
            since => when(u.created_at),
        }).collect::<Vec<_>>(),
        log => log.iter().map(|e| context! {
            when => when(e.at),
            admin => e.admin,
            action => e.action,
            target => e.target,
            reason => e.reason,
        }).collect::<Vec<_>>(),
    };
    pages::render_page("admin.html", &Layout::for_viewer(viewer, "Moderation · paperboy"), ctx)
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
    let admin = require_admin(&viewer)?;
    let reason = form.map(|f| f.0.reason).unwrap_or_default();
    let nothing = || PageError::message(StatusCode::NOT_FOUND, "Not found", "Nothing to do that to.");
    let what = moderation::Action::parse(&kind, &target, &action).ok_or_else(nothing)?;
    moderation::act(&state.store, &admin, what, format!("{kind}/{action}"), &reason)
        .await
        .map_err(PageError::community("Not found"))?;
    Ok(Redirect::to("/admin").into_response())
}
