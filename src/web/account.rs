//! Signing up, logging in and out, settings, and a user's public page.

use super::error::PageResult;
use super::pages::{self, Layout};
use super::session::{self, check_limit, safe_next, ClientIp, Limit, Member, SESSION_COOKIE};
use super::viewer::Viewer;
use crate::accounts::recovery;
use crate::accounts::sessions::{self, Login};
use crate::accounts::{self, Email, Password, Username};
use crate::app::AppState;
use crate::store::{self, collections, submissions, votes};
use axum::extract::{Extension, Form, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use serde::Deserialize;

/// A form's template and its values (the layout's are added by [`form_page`]).
type FormView = (&'static str, Value);

fn form_page(viewer: &Viewer, status: StatusCode, title: &str, error: Option<&str>, form: &FormView) -> Response {
    (status, Html(render_form(viewer, title, error, form))).into_response()
}

/// A page with a form: its heading, what went wrong, the form.
fn render_form(viewer: &Viewer, title: &str, error: Option<&str>, form: &FormView) -> String {
    let (template, values) = form;
    let ctx = context! { heading => title, error, ..values.clone() };
    pages::render_page(template, &Layout::for_viewer(viewer, format!("{title} · paperboy")), ctx)
}

/// The settings page of `u`, with a notice (saved) or an error.
#[cfg(test)]
pub(super) fn render_settings(
    viewer: &Viewer,
    u: &accounts::User,
    notice: Option<&str>,
    error: Option<&str>,
) -> String {
    render_form(viewer, "Settings", None, &settings_form(viewer, u, notice, error))
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_form(_viewer: &Viewer, next: &str, username: &str) -> FormView {
    ("login.html", context! { next, username })
}

fn signup_form(_viewer: &Viewer, username: &str, email: &str) -> FormView {
    ("signup.html", context! { username, email })
}

pub async fn login_page(Extension(viewer): Extension<Viewer>, Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    form_page(&viewer, StatusCode::OK, "Log in", None, &login_form(&viewer, &next, ""))
}

pub async fn signup_page(Extension(viewer): Extension<Viewer>) -> Response {
    form_page(&viewer, StatusCode::OK, "Sign up", None, &signup_form(&viewer, "", ""))
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// Starts a session for `user_id` and sends the cookie (a new token at every login).
async fn start_session(state: &AppState, user_id: i64, next: &str) -> PageResult {
    let ttl = i64::from(state.settings.community.session_days.max(1)) * 86_400;
    let token = sessions::start(&state.store, user_id, ttl).await?;
    let mut r = Redirect::to(next).into_response();
    r.headers_mut().append(header::SET_COOKIE, session::set_cookie(state, SESSION_COOKIE, &token, ttl));
    Ok(r)
}

pub async fn login(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> PageResult {
    check_limit(&state, Limit::new("login", state.settings.community.limits.login), &ip).await?;
    let next = safe_next(form.next.as_deref());
    let refused = |status, text| {
        Ok(form_page(&viewer, status, "Log in", Some(text), &login_form(&viewer, &next, &form.username)))
    };
    match sessions::log_in(&state.store, &form.username, &form.password).await? {
        Login::Welcome(u) => start_session(&state, u.id, &next).await,
        Login::Suspended => {
            refused(StatusCode::FORBIDDEN, "This account is suspended. Contact the operator of this instance.")
        }
        Login::Wrong => refused(StatusCode::UNAUTHORIZED, "Wrong username or password."),
    }
}

#[derive(Deserialize)]
pub struct SignupForm {
    username: String,
    #[serde(default)]
    email: String,
    password: String,
}

pub async fn signup(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    ClientIp(ip): ClientIp,
    Form(form): Form<SignupForm>,
) -> PageResult {
    let again = |msg: &str| {
        form_page(
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Sign up",
            Some(msg),
            &signup_form(&viewer, &form.username, &form.email),
        )
    };
    let username = match Username::parse(&form.username) {
        Ok(u) => u,
        Err(e) => return Ok(again(&e.to_string())),
    };
    let email = match form.email.trim() {
        "" => None,
        e => match Email::parse(e) {
            Ok(e) => Some(e),
            Err(e) => return Ok(again(&e.to_string())),
        },
    };
    let password = match Password::parse(&form.password) {
        Ok(p) => p,
        Err(e) => return Ok(again(&e.to_string())),
    };
    // Counted only once the form is well-formed: a mistyped name costs nothing (it is refused before any password is
    // hashed) and does not lock out a lab behind one address; an attempt that hashes a password counts.
    check_limit(&state, Limit::new("signup", state.settings.community.limits.signup), &ip).await?;
    let (name, address) = (username.as_str().to_string(), email.as_ref().map(|e| e.as_str().to_string()));
    match sessions::sign_up(&state.store, username, email, password).await? {
        Some(id) => {
            // The address is used for nothing until its owner opens the link sent to it.
            if let Some(address) = address {
                recovery::send_verification(&state.store, &state.links(), id, &name, &address).await?;
            }
            start_session(&state, id, "/").await
        }
        None => Ok(again("That username is taken.")),
    }
}

pub async fn logout(State(state): State<AppState>, Extension(viewer): Extension<Viewer>) -> PageResult {
    if let Some(hash) = viewer.session.clone() {
        sessions::end(&state.store, hash).await?;
    }
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().append(header::SET_COOKIE, session::set_cookie(&state, SESSION_COOKIE, "", 0));
    // And whatever the browser kept of this site's pages goes too.
    r.headers_mut().insert("clear-site-data", header::HeaderValue::from_static("\"cache\""));
    Ok(r)
}

fn settings_form(_viewer: &Viewer, u: &accounts::User, notice: Option<&str>, error: Option<&str>) -> FormView {
    let values = context! {
        notice,
        settings_error => error,
        email => u.email.as_deref().unwrap_or(""),
        email_verified => u.email_verified,
        muted => u.muted_words.join(", "),
        cats => u.default_categories.join(", "),
    };
    ("settings.html", values)
}

/// The key a member's verification mails are counted under.
fn limits_key(user: &accounts::User) -> String {
    crate::community::limits::member(user.id)
}

pub async fn settings_page(Extension(viewer): Extension<Viewer>, Member(user): Member) -> PageResult {
    Ok(form_page(&viewer, StatusCode::OK, "Settings", None, &settings_form(&viewer, &user, None, None)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    action: String,
    email: String,
    muted_words: String,
    default_categories: String,
    current_password: String,
    new_password: String,
}

pub async fn save_settings(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Member(user): Member,
    Form(form): Form<SettingsForm>,
) -> PageResult {
    let fail = |u: &accounts::User, msg: &str| {
        form_page(
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Settings",
            None,
            &settings_form(&viewer, u, None, Some(msg)),
        )
    };
    match form.action.as_str() {
        "profile" => {
            let email = match form.email.trim() {
                "" => None,
                e => match Email::parse(e) {
                    Ok(e) => Some(e.as_str().to_string()),
                    Err(e) => return Ok(fail(&user, &e.to_string())),
                },
            };
            let muted = accounts::parse_word_list(&form.muted_words);
            let mut cats = Vec::new();
            for code in form.default_categories.split([',', ' ']).filter(|c| !c.trim().is_empty()) {
                match crate::papers::Category::parse(code.trim()) {
                    Ok(c) if !cats.contains(&c.code().to_string()) => cats.push(c.code().to_string()),
                    Ok(_) => {}
                    Err(_) => return Ok(fail(&user, &format!("{} is not an arXiv category code.", code.trim()))),
                }
            }
            let same = |a: &Option<String>, b: &Option<String>| {
                a.as_deref().map(str::to_lowercase) == b.as_deref().map(str::to_lowercase)
            };
            let changed = !same(&email, &user.email);
            // Verification mail goes to addresses the member types: counted, so that no account
            // mails a stranger without end.
            if changed && email.is_some() {
                check_limit(&state, Limit::new("verify", state.settings.community.limits.signup), &limits_key(&user))
                    .await?;
            }
            sessions::save_profile(&state.store, user.id, email.clone(), muted.clone(), cats.clone()).await?;
            let mut notice = "Saved.".to_string();
            if let (true, Some(address)) = (changed, &email) {
                let links = state.links();
                recovery::send_verification(&state.store, &links, user.id, &user.username, address).await?;
                notice = format!("Saved. A link to verify {address} is on its way to it; until it is opened, paperboy uses the address for nothing.");
            }
            let email_verified = user.email_verified && !changed;
            let updated =
                accounts::User { email, muted_words: muted, default_categories: cats, email_verified, ..user };
            Ok(form_page(
                &viewer,
                StatusCode::OK,
                "Settings",
                None,
                &settings_form(&viewer, &updated, Some(&notice), None),
            ))
        }
        "verify" => {
            let Some(address) = user.email.clone().filter(|_| !user.email_verified) else {
                return Ok(fail(&user, "There is no unverified address to verify."));
            };
            check_limit(&state, Limit::new("verify", state.settings.community.limits.signup), &limits_key(&user))
                .await?;
            let links = state.links();
            recovery::send_verification(&state.store, &links, user.id, &user.username, &address).await?;
            let notice = format!("A new link to verify {address} is on its way to it.");
            Ok(form_page(
                &viewer,
                StatusCode::OK,
                "Settings",
                None,
                &settings_form(&viewer, &user, Some(&notice), None),
            ))
        }
        "password" => {
            let new = match Password::parse(&form.new_password) {
                Ok(p) => p,
                Err(e) => return Ok(fail(&user, &e.to_string())),
            };
            let keep = viewer.session.clone().unwrap_or_default();
            if !sessions::change_password(&state.store, &user, keep, &form.current_password, new).await? {
                return Ok(fail(&user, "The current password is wrong."));
            }
            Ok(form_page(
                &viewer,
                StatusCode::OK,
                "Settings",
                None,
                &settings_form(&viewer, &user, Some("Password changed; other sessions were logged out."), None),
            ))
        }
        _ => Ok(fail(&user, "Unknown action.")),
    }
}

/// `/u/{username}`: what a user submitted and upvoted, and their public collections.
pub async fn user_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(username): Path<String>,
) -> PageResult {
    let own = viewer.user.as_ref().is_some_and(|u| u.username.eq_ignore_ascii_case(&username));
    let found = state
        .store
        .read(move |db| {
            let Some(user) = store::accounts::user_by_name(db, &username)? else { return Ok(None) };
            let submitted = submissions::submissions_by(db, user.id, 100)?;
            let upvoted = votes::upvoted_by(db, user.id, 100)?;
            let collections = collections::collections_of(db, user.id, own)?;
            Ok(Some((user, submitted, upvoted, collections)))
        })
        .await;
    let (user, submitted, upvoted, collections) = match found {
        Ok(Some(x)) => x,
        Ok(None) => {
            let html = pages::render_message(
                &Layout::for_viewer(&viewer, "No such user"),
                &pages::Message::plain("There is no such user."),
            );
            return Ok((StatusCode::NOT_FOUND, Html(html)).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let ids: Vec<String> = submitted.iter().map(|s| s.0.clone()).chain(upvoted.iter().cloned()).collect();
    let papers = state.store.papers_by_ids(ids).await?;
    Ok(Html(render_user_page(&viewer, &UserPage { user, submitted, upvoted, collections, papers, own }))
        .into_response())
}

/// What a user's page shows, loaded.
pub struct UserPage {
    pub user: accounts::User,
    /// (paper id, day, removed by a moderator).
    pub submitted: Vec<(String, String, bool)>,
    pub upvoted: Vec<String>,
    pub collections: Vec<crate::store::collections::Collection>,
    /// The papers named above, for their titles.
    pub papers: Vec<crate::papers::Paper>,
    /// Whether the viewer is this user (who sees what moderators removed).
    pub own: bool,
}

pub fn render_user_page(viewer: &Viewer, page: &UserPage) -> String {
    let title_of = |id: &str| {
        page.papers.iter().find(|p| p.id.as_str() == id).map(|p| p.title.clone()).unwrap_or_else(|| id.to_string())
    };
    let ctx = context! {
        username => page.user.username,
        suspended => page.user.suspended,
        has_submitted => !page.submitted.is_empty(),
        submitted => page.submitted.iter().filter(|s| !s.2 || page.own).map(|(id, day, removed)| {
            context! { id, title => title_of(id), day, removed }
        }).collect::<Vec<_>>(),
        upvoted => page.upvoted.iter().map(|id| context! { id, title => title_of(id) }).collect::<Vec<_>>(),
        collections => page.collections.iter().map(|c| context! {
            id => c.id,
            name => c.name,
            papers => c.papers,
            public => c.public,
        }).collect::<Vec<_>>(),
    };
    pages::render_page("user.html", &Layout::for_viewer(viewer, format!("{} · paperboy", page.user.username)), ctx)
}
