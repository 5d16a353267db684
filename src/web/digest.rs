//! Subscribing to digests (double opt-in), preferences and one-click unsubscribe.
//!
//! The subscribe page answers the same whatever the address's state (new, pending, confirmed,
//! unsubscribed), so nobody can probe who is on the list; the mail it triggers differs.

use super::error::PageResult;
use super::pages::{self, Layout};
use super::session::{check_limit, ClientIp, Limit};
use super::viewer::Viewer;
use crate::accounts::Email;
use crate::app::AppState;
use crate::digest::subscriptions;
use crate::digest::{Frequency, Mode, Preferences};
use axum::extract::{Extension, Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{context, Value};
use serde::Deserialize;

/// A page's template and its values (the layout's and the heading are added by [`reply`]).
type Body = (&'static str, Value);

fn reply(viewer: &Viewer, status: StatusCode, title: &str, body: &Body) -> Response {
    let (template, values) = body;
    let ctx = context! { heading => title, ..values.clone() };
    let html = pages::render_page(template, &Layout::for_viewer(viewer, format!("{title} · paperboy")), ctx);
    (status, Html(html)).into_response()
}

/// One of `digest_notice.html`'s short answers.
fn notice(kind: &str, values: Value) -> Body {
    ("digest_notice.html", context! { notice => kind, ..values })
}

/// The values of `macros.html`'s `prefs_fields`.
fn prefs_fields(p: &Preferences) -> Value {
    context! {
        daily => p.frequency == Frequency::Daily,
        weekly => p.frequency == Frequency::Weekly,
        trending => p.mode == Mode::Trending,
        for_me => p.mode == Mode::ForMe,
        categories => p.categories.join(", "),
        keywords => p.keywords.join(", "),
        muted => p.muted_words.join(", "),
        max => p.max_papers,
    }
}

#[derive(Deserialize, Default)]
pub struct EmailQuery {
    #[serde(default)]
    email: Option<String>,
}

fn subscribe_form(_viewer: &Viewer, email: &str, prefs: &Preferences) -> Body {
    ("subscribe.html", context! { email, prefs => prefs_fields(prefs) })
}

/// `GET /subscribe`: the form (the footer of every page sends its address here).
pub async fn subscribe_page(Extension(viewer): Extension<Viewer>, Query(q): Query<EmailQuery>) -> Response {
    let email = q.email.or_else(|| viewer.user.as_ref().and_then(|u| u.email.clone())).unwrap_or_default();
    let prefs = Preferences {
        categories: viewer.user.as_ref().map(|u| u.default_categories.clone()).unwrap_or_default(),
        ..Default::default()
    };
    reply(&viewer, StatusCode::OK, "Subscribe to the digest", &subscribe_form(&viewer, &email, &prefs))
}

/// The preference fields of the subscribe and preferences forms.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PrefsForm {
    frequency: String,
    mode: String,
    categories: String,
    keywords: String,
    muted_words: String,
    max_papers: String,
}

impl PrefsForm {
    fn prefs(&self) -> Result<Preferences, String> {
        Preferences::from_form(
            &self.frequency,
            &self.mode,
            &self.categories,
            &self.keywords,
            &self.muted_words,
            &self.max_papers,
        )
    }
}

#[derive(Deserialize)]
pub struct SubscribeForm {
    email: String,
    #[serde(flatten)]
    fields: PrefsForm,
}

impl SubscribeForm {
    fn prefs(&self) -> Result<Preferences, String> {
        self.fields.prefs()
    }
}

pub async fn subscribe(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    ClientIp(ip): ClientIp,
    Form(form): Form<SubscribeForm>,
) -> PageResult {
    check_limit(&state, Limit::new("subscribe", state.settings.community.limits.signup), &ip).await?;
    let again = |msg: &str| {
        let prefs = form.prefs().unwrap_or_default();
        let (template, values) = subscribe_form(&viewer, &form.email, &prefs);
        let body = (template, context! { error => msg, ..values });
        reply(&viewer, StatusCode::UNPROCESSABLE_ENTITY, "Subscribe to the digest", &body)
    };
    let email = match Email::parse(&form.email) {
        Ok(e) => e,
        Err(e) => return Ok(again(&e.to_string())),
    };
    let prefs = match form.prefs() {
        Ok(p) => p,
        Err(e) => return Ok(again(&format!("Check the preferences: {e}."))),
    };
    let hours = i64::from(state.settings.digest.confirm_hours.max(1));
    // A member's digest is linked to their account (for "for me") only through a verified address.
    let user_id = viewer
        .user
        .as_ref()
        .filter(|u| u.email_verified && u.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email.as_str())))
        .map(|u| u.id);
    subscriptions::request(&state.store, &state.links(), &email, user_id, prefs, hours).await?;
    // Only promise a message this node can send.
    use crate::digest::health::MailState;
    let (kind, heading) = match state.mail_health.get() {
        MailState::Off => ("nomail", "This instance sends no mail"),
        MailState::Failing { .. } => ("mail_down", "Your confirmation waits"),
        MailState::Unknown | MailState::Working { .. } => ("inbox", "Check your inbox"),
    };
    let body = notice(kind, context! { email => email.as_str(), hours });
    Ok(reply(&viewer, StatusCode::OK, heading, &body))
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<TokenQuery>,
) -> PageResult {
    use crate::store::digests::Confirmation;
    match subscriptions::confirm(&state.store, &q.token).await? {
        Confirmation::Confirmed(id) => {
            let body = notice("confirmed", context! { preferences => state.links().preferences(id) });
            Ok(reply(&viewer, StatusCode::OK, "Subscribed", &body))
        }
        // No preferences link here: a confirmation link opened again may be someone else's copy of it.
        Confirmation::AlreadyConfirmed(_) => {
            Ok(reply(&viewer, StatusCode::OK, "Already confirmed", &notice("already_confirmed", context! {})))
        }
        Confirmation::Expired => {
            Ok(reply(&viewer, StatusCode::BAD_REQUEST, "Link expired", &notice("expired", context! {})))
        }
    }
}

/// Checks a signed link; the same 404 for a bad signature as for an unknown subscriber.
async fn subscriber_from_link(
    state: &AppState,
    purpose: &str,
    id: i64,
    sig: &str,
) -> Result<Option<crate::digest::Subscriber>, crate::store::StoreError> {
    subscriptions::from_link(&state.store, &state.secret, purpose, id, sig).await
}

fn not_found(viewer: &Viewer) -> Response {
    reply(viewer, StatusCode::NOT_FOUND, "Link not valid", &notice("invalid", context! {}))
}

pub async fn preferences_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, sig)): Path<(i64, String)>,
) -> PageResult {
    let s = match subscriber_from_link(&state, "preferences", id, &sig).await {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(not_found(&viewer)),
        Err(e) => return Err(e.into()),
    };
    let body = preferences_body(&state, &viewer, &s, &sig, None);
    Ok(reply(&viewer, StatusCode::OK, "Digest preferences", &body))
}

fn preferences_body(
    state: &AppState,
    _viewer: &Viewer,
    s: &crate::digest::Subscriber,
    sig: &str,
    notice: Option<&str>,
) -> Body {
    let id = s.id;
    let state_line = match (s.confirmed_at, s.unsubscribed_at, s.paused_at) {
        (_, Some(_), _) => {
            "You are unsubscribed: nothing is sent. Subscribe again from the form at the bottom of any page."
        }
        (None, _, _) => "This address has not confirmed yet: nothing is sent until it does.",
        (_, _, Some(_)) => "Delivery is paused: mail to this address failed repeatedly.",
        _ => "You are subscribed.",
    };
    let values = context! {
        notice,
        email => s.email,
        state_line,
        id,
        sig,
        sig_unsubscribe => crate::digest::link_signature(&state.secret, "unsubscribe", id),
        prefs => prefs_fields(&s.prefs),
    };
    ("preferences.html", values)
}

pub async fn save_preferences(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, sig)): Path<(i64, String)>,
    Form(form): Form<PrefsForm>,
) -> PageResult {
    let s = match subscriber_from_link(&state, "preferences", id, &sig).await {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(not_found(&viewer)),
        Err(e) => return Err(e.into()),
    };
    let prefs = match form.prefs() {
        Ok(p) => p,
        Err(e) => {
            let (template, values) = preferences_body(&state, &viewer, &s, &sig, None);
            let body = (template, context! { error => format!("Check the preferences: {e}."), ..values });
            return Ok(reply(&viewer, StatusCode::UNPROCESSABLE_ENTITY, "Digest preferences", &body));
        }
    };
    subscriptions::save_preferences(&state.store, id, prefs.clone()).await?;
    let s = crate::digest::Subscriber { prefs, ..s };
    Ok(reply(
        &viewer,
        StatusCode::OK,
        "Digest preferences",
        &preferences_body(&state, &viewer, &s, &sig, Some("Saved.")),
    ))
}

/// `GET /digest/unsubscribe/{id}/{sig}`: one button (a link scanner's GET changes nothing).
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, sig)): Path<(i64, String)>,
) -> PageResult {
    let s = match subscriber_from_link(&state, "unsubscribe", id, &sig).await {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(not_found(&viewer)),
        Err(e) => return Err(e.into()),
    };
    let body = ("unsubscribe.html", context! { email => s.email, id, sig });
    Ok(reply(&viewer, StatusCode::OK, "Unsubscribe", &body))
}

/// `POST /digest/unsubscribe/{id}/{sig}`: the button above, and RFC 8058 one-click
/// unsubscribe from mail clients (`List-Unsubscribe=One-Click`). The signed link is the
/// authority here, so this route needs no CSRF token.
pub async fn unsubscribe(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, sig)): Path<(i64, String)>,
) -> PageResult {
    match subscriber_from_link(&state, "unsubscribe", id, &sig).await {
        Ok(Some(_)) => {}
        Ok(None) => return Ok(not_found(&viewer)),
        Err(e) => return Err(e.into()),
    }
    subscriptions::unsubscribe(&state.store, id).await?;
    Ok(reply(&viewer, StatusCode::OK, "Unsubscribed", &notice("unsubscribed", context! {})))
}
