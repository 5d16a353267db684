//! What members do to papers: upvote, comment, submit.

use super::account::{require_login, safe_next};
use super::listings::internal;
use super::pages::{self, Layout, Message};
use super::session::{check_limit, now, Limit, Viewer};
use super::RequestId;
use crate::app::AppState;
use crate::ingest::arxiv_api::ArxivApi;
use crate::papers::{ArxivId, Paper};
use crate::store::community::{self, CommentOutcome, SubmitOutcome};
use axum::extract::{Extension, Form, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;

fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

fn message(viewer: &Viewer, status: StatusCode, title: &str, text: &str) -> Response {
    let html =
        pages::render_message(&Layout::for_viewer(viewer, format!("{title} · paperboy")), &Message::error(title, text));
    (status, Html(html)).into_response()
}

/// The day a paper was announced, as stored with its counters.
fn day_of(p: &Paper) -> String {
    p.announced_on.map(|d| d.to_string()).unwrap_or_default()
}

#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    parent_id: Option<String>,
}

/// `POST /papers/{id}/upvote` and `POST /papers/{id}/comments`.
pub async fn paper_action(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    Path(rest): Path<String>,
    headers: HeaderMap,
    form: Result<Form<ActionForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let form = form.map(|f| f.0).unwrap_or_default();
    let (id, action) = match rest.rsplit_once('/') {
        Some((id, a @ ("upvote" | "comments"))) => (id, a),
        _ => return message(&viewer, StatusCode::NOT_FOUND, "Not found", "There is nothing to post here."),
    };
    let Ok(id) = ArxivId::parse(id) else {
        return message(&viewer, StatusCode::BAD_REQUEST, "Not an arXiv id", "That is not an arXiv identifier.");
    };
    let paper_path = format!("/papers/{}", id.as_str());
    let user = match &viewer.user {
        Some(u) => u.clone(),
        None if wants_json(&headers) => {
            return (
                StatusCode::UNAUTHORIZED,
                Json(serde_json::json!({"code": "login_required", "message": "log in to do this"})),
            )
                .into_response()
        }
        None => {
            return require_login(&viewer, &paper_path).err().unwrap_or_else(|| Redirect::to("/login").into_response())
        }
    };
    let paper = match state.store.paper(&id).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            return message(&viewer, StatusCode::NOT_FOUND, "Unknown paper", "paperboy does not know this paper.")
        }
        Err(e) => return internal(&rid, e),
    };
    let limits = state.settings.community.limits;
    let who = format!("user:{}", user.id);
    if action == "upvote" {
        if let Err(r) = check_limit(&state, &rid, Limit::new("vote", limits.vote), &who).await {
            return r;
        }
        let (pid, day, uid) = (paper.id.as_str().to_string(), day_of(&paper), user.id);
        let (voted, upvotes) =
            match state.store.transaction(move |db| community::toggle_vote(db, uid, &pid, &day, now())).await {
                Ok(x) => x,
                Err(e) => return internal(&rid, e),
            };
        if wants_json(&headers) {
            return Json(serde_json::json!({"voted": voted, "upvotes": upvotes})).into_response();
        }
        return Redirect::to(&safe_next(form.next.as_deref().or(Some(&paper_path)))).into_response();
    }
    // A comment or a reply.
    let body = form.body.unwrap_or_default();
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_COMMENT_CHARS {
        return message(
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Comment not posted",
            &format!("A comment has 1 to {MAX_COMMENT_CHARS} characters."),
        );
    }
    let parent = match form.parent_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(p) => match p.parse::<i64>() {
            Ok(p) => Some(p),
            Err(_) => return message(&viewer, StatusCode::BAD_REQUEST, "Comment not posted", "Bad reply target."),
        },
    };
    if let Err(r) = check_limit(&state, &rid, Limit::new("comment", limits.comment), &who).await {
        return r;
    }
    let (pid, day, uid, text) = (paper.id.as_str().to_string(), day_of(&paper), user.id, body.to_string());
    match state.store.transaction(move |db| community::add_comment(db, &pid, &day, uid, parent, &text, now())).await {
        Ok(CommentOutcome::Added(cid)) => Redirect::to(&format!("{paper_path}#c{cid}")).into_response(),
        Ok(CommentOutcome::NoSuchParent) => message(
            &viewer,
            StatusCode::BAD_REQUEST,
            "Comment not posted",
            "The comment you replied to is not on this paper.",
        ),
        Err(e) => internal(&rid, e),
    }
}

fn submit_page(state: &AppState, viewer: &Viewer, status: StatusCode, value: &str, error: Option<&str>) -> Response {
    let c = &state.settings.community;
    (status, Html(render_submit(viewer, c.submit_max_age_days, c.submit_daily_cap, value, error))).into_response()
}

/// The submit form: the rules, what was typed, and why it was refused.
pub fn render_submit(viewer: &Viewer, max_age_days: u32, daily_cap: u32, value: &str, error: Option<&str>) -> String {
    let ctx = context! { max_age_days, daily_cap, value, error };
    pages::render_page("submit.html", &Layout::for_viewer(viewer, "Submit a paper · paperboy"), ctx)
}

pub async fn submit_get(State(state): State<AppState>, Extension(viewer): Extension<Viewer>) -> Response {
    if let Err(r) = require_login(&viewer, "/submit") {
        return r;
    }
    submit_page(&state, &viewer, StatusCode::OK, "", None)
}

/// An arXiv id from what people paste: `2508.01234`, `arXiv:2508.01234v2`,
/// `https://arxiv.org/abs/2508.01234`, `https://arxiv.org/pdf/2508.01234v1.pdf`, `hep-th/9901001`.
pub fn id_from_input(input: &str) -> Result<ArxivId, String> {
    let mut s = input.trim();
    for prefix in ["https://", "http://"] {
        s = s.strip_prefix(prefix).unwrap_or(s);
    }
    for prefix in ["www.", "export."] {
        s = s.strip_prefix(prefix).unwrap_or(s);
    }
    for prefix in ["arxiv.org/abs/", "arxiv.org/pdf/", "arxiv.org/html/", "arXiv:", "arxiv:"] {
        s = s.strip_prefix(prefix).unwrap_or(s);
    }
    let s = s.strip_suffix(".pdf").unwrap_or(s).trim_end_matches('/');
    let s = s.split(['?', '#']).next().unwrap_or(s);
    ArxivId::parse(s).map_err(|e| e.to_string())
}

#[derive(Deserialize)]
pub struct SubmitForm {
    paper: String,
}

pub async fn submit_post(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<SubmitForm>,
) -> Response {
    let user = match require_login(&viewer, "/submit") {
        Ok(u) => u,
        Err(r) => return r,
    };
    let refuse = |status, msg: &str| submit_page(&state, &viewer, status, &form.paper, Some(msg));
    let id = match id_from_input(&form.paper) {
        Ok(id) => id,
        Err(e) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, &format!("That is not an arXiv id or URL: {e}")),
    };
    if let Err(r) = check_limit(
        &state,
        &rid,
        Limit::new("submit", state.settings.community.limits.submit),
        &format!("user:{}", user.id),
    )
    .await
    {
        return r;
    }
    match submit_paper(&state, &rid, user.id, &id).await {
        Ok(paper) => Redirect::to(&format!("/papers/{}", paper.id.as_str())).into_response(),
        Err(SubmitRefused::Store(e)) => internal(&rid, e),
        Err(SubmitRefused::Rejected { status, message, .. }) => refuse(status, &message),
    }
}

/// Why a submission was not taken.
#[derive(Debug)]
pub enum SubmitRefused {
    Rejected { status: StatusCode, code: &'static str, message: String },
    Store(crate::store::StoreError),
}

impl From<crate::store::StoreError> for SubmitRefused {
    fn from(e: crate::store::StoreError) -> Self {
        SubmitRefused::Store(e)
    }
}

fn rejected(status: StatusCode, code: &'static str, message: String) -> SubmitRefused {
    SubmitRefused::Rejected { status, code, message }
}

/// Submits paper `id` for `user_id` to the list the front page shows (the latest announcement
/// day), fetching it from arXiv when paperboy does not know it yet. Used by the page and the API.
pub async fn submit_paper(
    state: &AppState,
    rid: &RequestId,
    user_id: i64,
    id: &ArxivId,
) -> Result<Paper, SubmitRefused> {
    let paper = match state.store.paper(id).await? {
        Some(p) => p,
        None => {
            // Unknown here: fetched from arXiv through the ingestion code, like any other paper.
            let api = ArxivApi { http: &state.http, base_url: state.settings.arxiv.api_url.clone() };
            match api.fetch_one(&state.store, id).await {
                Ok(Some(p)) => p,
                Ok(None) => {
                    return Err(rejected(
                        StatusCode::NOT_FOUND,
                        "unknown_paper",
                        format!("arXiv does not know {}.", id.as_str()),
                    ))
                }
                Err(e) => {
                    tracing::warn!(request_id = %rid.0, error = %e, "fetching a submitted paper failed");
                    return Err(rejected(
                        StatusCode::BAD_GATEWAY,
                        "arxiv_unreachable",
                        "arXiv could not be reached; try again in a few minutes.".into(),
                    ));
                }
            }
        }
    };
    let today = chrono::Utc::now().date_naive();
    let max_age = i64::from(state.settings.community.submit_max_age_days);
    let first_seen = paper.announced_on.or(paper.submitted_on);
    if first_seen.is_none_or(|d| (today - d).num_days() > max_age) {
        return Err(rejected(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_old",
            format!("Only recent papers can be submitted: this one is older than {max_age} days."),
        ));
    }
    // The paper joins the list the front page shows: the latest announcement day.
    let day = state.store.latest_day(None).await?.unwrap_or(today);
    let cap = i64::from(state.settings.community.submit_daily_cap);
    let (pid, announced, day_s) = (paper.id.as_str().to_string(), day_of(&paper), day.to_string());
    let now = now();
    let outcome = state
        .store
        .transaction(move |db| community::submit(db, &pid, &announced, user_id, &day_s, now, now - 86_400, cap))
        .await?;
    match outcome {
        SubmitOutcome::Accepted => Ok(paper),
        SubmitOutcome::Duplicate(by) if by.is_empty() => {
            Err(rejected(StatusCode::CONFLICT, "already_submitted", "This paper was already submitted.".into()))
        }
        SubmitOutcome::Duplicate(by) => Err(rejected(
            StatusCode::CONFLICT,
            "already_submitted",
            format!("This paper was already submitted by {by}."),
        )),
        SubmitOutcome::CapReached => Err(rejected(
            StatusCode::TOO_MANY_REQUESTS,
            "daily_cap",
            format!("You have submitted {cap} papers in the last 24 hours; that is the daily limit."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::id_from_input;

    #[test]
    fn ids_come_from_what_people_paste() {
        for (input, want) in [
            ("2508.01234", "2508.01234"),
            (" arXiv:2508.01234v2 ", "2508.01234"),
            ("https://arxiv.org/abs/2508.01234", "2508.01234"),
            ("https://arxiv.org/pdf/2508.01234v1.pdf", "2508.01234"),
            ("http://export.arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
            ("https://arxiv.org/abs/2508.01234?context=cs", "2508.01234"),
        ] {
            assert_eq!(id_from_input(input).map(|i| i.as_str().to_string()), Ok(want.to_string()), "{input}");
        }
        assert!(id_from_input("https://example.org/x").is_err());
        assert!(id_from_input("").is_err());
    }
}
