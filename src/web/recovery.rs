//! Getting back into an account and verifying its address (`accounts::recovery`):
//! `/password/forgot`, `/password/reset` and `/email/verify`. The link pages are never stored
//! by the browser and send no `Referer` (their URLs hold the token).

use super::error::PageResult;
use super::pages::{self, Layout, Message};
use super::session::{check_limit, ClientIp, Limit};
use super::viewer::Viewer;
use crate::accounts::recovery::{self, LinkOutcome, RESET_MINUTES};
use crate::accounts::{Email, Password};
use crate::app::AppState;

use crate::digest::health::MailState;
use axum::extract::{Extension, Form, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

/// A page that holds a token or answers one: not stored, and no `Referer` from it.
fn private(status: StatusCode, html: String) -> Response {
    let mut r = (status, Html(html)).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    r
}

fn form(viewer: &Viewer, status: StatusCode, heading: &str, error: Option<&str>, email: &str, token: &str) -> Response {
    let ctx = context! { heading, error, email, token, minutes => RESET_MINUTES, username => "" };
    private(
        status,
        pages::render_page("forgot.html", &Layout::for_viewer(viewer, format!("{heading} · paperboy")), ctx),
    )
}

fn message(viewer: &Viewer, status: StatusCode, heading: &str, text: &str, back: Option<(&str, &str)>) -> Response {
    let m = Message { heading: Some(heading), text, class: None, role: Some("status"), back };
    private(status, pages::render_message(&Layout::for_viewer(viewer, format!("{heading} · paperboy")), &m))
}

pub async fn forgot_page(Extension(viewer): Extension<Viewer>) -> Response {
    form(&viewer, StatusCode::OK, "Forgot your password?", None, "", "")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForgotForm {
    email: String,
}

/// `POST /password/forgot`: the same answer whether or not an account has the address.
pub async fn forgot(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    ClientIp(ip): ClientIp,
    Form(f): Form<ForgotForm>,
) -> PageResult {
    let email = match Email::parse(f.email.trim()) {
        Ok(e) => e,
        Err(e) => {
            let why = e.to_string();
            return Ok(form(
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                "Forgot your password?",
                Some(&why),
                &f.email,
                "",
            ));
        }
    };
    check_limit(&state, Limit::new("reset", state.settings.community.limits.signup), &ip).await?;
    recovery::request_reset(&state.store, &state.links(), email.as_str()).await?;
    let mut text = format!(
        "If an account here has {} as its verified address, a link to choose a new password is on its way to it; it works once, for {RESET_MINUTES} minutes. Only verified addresses get one.",
        email.as_str()
    );
    match state.mail_health.get() {
        MailState::Off => text.push_str(" Note that this instance sends no mail at all: ask its operator."),
        MailState::Failing { .. } => text.push_str(
            " Note that this instance cannot reach its mail server at the moment: the message waits and goes out once it can.",
        ),
        MailState::Unknown | MailState::Working { .. } => {}
    }
    Ok(message(&viewer, StatusCode::OK, "Check your inbox", &text, Some(("/login", "Back to logging in"))))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenQuery {
    token: String,
}

const EXPIRED: &str = "This link has expired or was used already. Ask for another one.";

/// `GET /password/reset?token=…`: the form, while the link works (opening it uses nothing).
pub async fn reset_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<TokenQuery>,
) -> PageResult {
    if q.token.is_empty() || !recovery::reset_link_works(&state.store, &q.token).await? {
        return Ok(message(
            &viewer,
            StatusCode::BAD_REQUEST,
            "Link not valid",
            EXPIRED,
            Some(("/password/forgot", "Ask for a new link")),
        ));
    }
    Ok(form(&viewer, StatusCode::OK, "Choose a new password", None, "", &q.token))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    token: String,
    password: String,
}

/// `POST /password/reset`: sets the password; every session of the account ends.
pub async fn reset(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    ClientIp(ip): ClientIp,
    Form(f): Form<ResetForm>,
) -> PageResult {
    check_limit(&state, Limit::new("reset", state.settings.community.limits.login), &ip).await?;
    let password = match Password::parse(&f.password) {
        Ok(p) => p,
        Err(e) => {
            let why = e.to_string();
            return Ok(form(
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose a new password",
                Some(&why),
                "",
                &f.token,
            ));
        }
    };
    Ok(match recovery::reset_password(&state.store, &f.token, password).await? {
        LinkOutcome::Done { .. } => message(
            &viewer,
            StatusCode::OK,
            "Password changed",
            "Your new password is set. Wherever this account was logged in, it is logged out, and its API tokens are revoked.",
            Some(("/login", "Log in")),
        ),
        _ => message(
            &viewer,
            StatusCode::BAD_REQUEST,
            "Link not valid",
            EXPIRED,
            Some(("/password/forgot", "Ask for a new link")),
        ),
    })
}

/// `GET /email/verify?token=…`: a button that verifies (a mail scanner that opens the link
/// verifies nothing), or what became of the link (opened again: "verified already").
pub async fn verify_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<TokenQuery>,
) -> PageResult {
    if !q.token.is_empty() && recovery::verify_link_works(&state.store, &q.token).await? {
        let layout = Layout::for_viewer(&viewer, "Verify your address · paperboy");
        return Ok(private(StatusCode::OK, pages::render_page("verify.html", &layout, context! { token => q.token })));
    }
    verified(&state, &viewer, &q.token).await
}

/// `POST /email/verify`: verifies the address.
pub async fn verify(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(f): Form<TokenQuery>,
) -> PageResult {
    verified(&state, &viewer, &f.token).await
}

async fn verified(state: &AppState, viewer: &Viewer, token: &str) -> PageResult {
    let back = Some(("/settings", "Your settings"));
    Ok(match recovery::verify_email(&state.store, token).await? {
        LinkOutcome::Done { email, .. } => {
            let text = format!("{email} is verified: paperboy may now use it for this account.");
            message(viewer, StatusCode::OK, "Address verified", &text, back)
        }
        LinkOutcome::Used => {
            message(viewer, StatusCode::OK, "Already verified", "This address is verified already.", back)
        }
        LinkOutcome::Taken => message(
            viewer,
            StatusCode::CONFLICT,
            "Address in use",
            "Another account has verified this address first, so it cannot be this account's too.",
            back,
        ),
        LinkOutcome::Expired => message(
            viewer,
            StatusCode::BAD_REQUEST,
            "Link expired",
            "This link has expired. Send a new one from your settings.",
            back,
        ),
        LinkOutcome::Invalid => message(
            viewer,
            StatusCode::BAD_REQUEST,
            "Link not valid",
            "This link is not valid, or the account's address has changed since it was sent.",
            back,
        ),
    })
}
