//! `/submit`: the form, which day a submission joins, the member's submissions that wait for
//! arXiv (or were refused once it answered), and the answer to a submission.

use super::error::{PageError, PageResult};
use super::pages::{self, Layout};
use super::session::Member;
use super::viewer::Viewer;
use crate::accounts::User;
use crate::app::AppState;
use crate::community::submissions::{self, Submitted};
use crate::ingest::arxiv_api::ArxivApi;
use axum::extract::{Extension, Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use minijinja::context;
use serde::Deserialize;

/// What the page says besides the form: what was typed, why it was refused, or that it waits.
#[derive(Default)]
struct Said<'a> {
    value: &'a str,
    error: Option<&'a str>,
    notice: Option<String>,
}

async fn render(state: &AppState, viewer: &Viewer, user: &User, status: StatusCode, said: Said<'_>) -> PageResult {
    let c = &state.settings.community;
    let day = submissions::list_day(&state.store).await?;
    let pending = submissions::pending_of(&state.store, user.id).await?;
    let pending: Vec<_> = pending
        .iter()
        .map(|p| {
            let when = chrono::DateTime::from_timestamp(p.requested_at, 0).unwrap_or_default();
            context! { id => p.paper_id, when => when.format("%Y-%m-%d %H:%M UTC").to_string(), refused => p.refused }
        })
        .collect();
    let ctx = context! {
        max_age_days => c.submit_max_age_days, daily_cap => c.submit_daily_cap,
        value => said.value, error => said.error, notice => said.notice, pending,
        day => day.to_string(), day_words => submissions::day_in_words(day),
    };
    let html = pages::render_page("submit.html", &Layout::for_viewer(viewer, "Submit a paper · paperboy"), ctx);
    Ok((status, Html(html)).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Member(user): Member,
) -> PageResult {
    render(&state, &viewer, &user, StatusCode::OK, Said::default()).await
}

#[derive(Deserialize)]
pub struct SubmitForm {
    paper: String,
}

pub async fn post(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Member(user): Member,
    Form(form): Form<SubmitForm>,
) -> PageResult {
    let arxiv = ArxivApi { http: &state.http, base_url: state.settings.arxiv.api_url.clone() };
    match submissions::submit(&state.store, &state.settings.community, &arxiv, &user, &form.paper).await {
        Ok(Submitted::Listed { paper, .. }) => {
            Ok(Redirect::to(&format!("/papers/{}", paper.id.as_str())).into_response())
        }
        Ok(Submitted::Pending { id, day }) => {
            let notice = format!(
                "arXiv is slow to answer, so your submission of {} waits: paperboy keeps asking in the background, and the paper joins the list of {} once arXiv sends it. How it went shows below.",
                id.as_str(),
                submissions::day_in_words(day)
            );
            render(&state, &viewer, &user, StatusCode::ACCEPTED, Said { notice: Some(notice), ..Said::default() }).await
        }
        // A refusal is shown on the form, with what was typed.
        Err(crate::community::Error::Refused(r)) => {
            let status = super::error::status_of(r.reason);
            let said = Said { value: &form.paper, error: Some(&r.message), notice: None };
            Err(PageError::page(render(&state, &viewer, &user, status, said).await?))
        }
        Err(e) => Err(e.into()),
    }
}
