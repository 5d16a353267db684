//! Submissions: a member puts a recent paper on the list the front page shows (the latest
//! announcement day) with their name on it. Each paper once, recent papers only, a daily cap
//! per member, and the submission limit. A paper paperboy does not hold yet is fetched from
//! arXiv through the ingestion code, like any other paper.

use super::limits::{self, Limit};
use super::{day_of, now, refuse, Error, Reason};
use crate::accounts::User;
use crate::ingest::arxiv_api::ArxivApi;
use crate::papers::{ArxivId, Paper};
use crate::settings::CommunitySettings;
use crate::store::submissions::{self, SubmitOutcome};
use crate::store::Store;

/// The paper `input` names (an arXiv id or URL, as people paste them).
pub fn paper_id(input: &str) -> Result<ArxivId, Error> {
    ArxivId::from_input(input).or_else(|e| refuse(Reason::InvalidId, format!("That is not an arXiv id or URL: {e}")))
}

/// Submits the paper `input` names for `user`; the paper, as it now stands on the list.
pub async fn submit(
    store: &Store,
    settings: &CommunitySettings,
    arxiv: &ArxivApi<'_>,
    user: &User,
    input: &str,
) -> Result<Paper, Error> {
    let id = paper_id(input)?;
    let limit = Limit::new("submit", settings.limits.submit).counting("submissions");
    limits::check(store, limit, &limits::member(user.id)).await?;
    let paper = match store.paper(&id).await? {
        Some(p) => p,
        None => match arxiv.fetch_one(store, &id).await {
            Ok(Some(p)) => p,
            Ok(None) => return refuse(Reason::NotOnArxiv, format!("arXiv does not know {}.", id.as_str())),
            Err(e) => {
                tracing::warn!(error = %e, paper = id.as_str(), "fetching a submitted paper failed");
                return refuse(Reason::ArxivUnreachable, "arXiv could not be reached; try again in a few minutes.");
            }
        },
    };
    let today = chrono::Utc::now().date_naive();
    let max_age = i64::from(settings.submit_max_age_days);
    let first_seen = paper.announced_on.or(paper.submitted_on);
    if first_seen.is_none_or(|d| (today - d).num_days() > max_age) {
        return refuse(
            Reason::TooOld,
            format!("Only recent papers can be submitted: this one is older than {max_age} days."),
        );
    }
    // The paper joins the list the front page shows: the latest announcement day.
    let day = store.latest_day(None).await?.unwrap_or(today);
    let cap = i64::from(settings.submit_daily_cap);
    let (pid, announced, day, uid, now) =
        (paper.id.as_str().to_string(), day_of(&paper), day.to_string(), user.id, now());
    let outcome = store
        .transaction(move |db| submissions::submit(db, &pid, &announced, uid, &day, now, now - 86_400, cap))
        .await?;
    match outcome {
        SubmitOutcome::Accepted => Ok(paper),
        SubmitOutcome::Duplicate(by) if by.is_empty() => {
            refuse(Reason::AlreadySubmitted, "This paper was already submitted.")
        }
        SubmitOutcome::Duplicate(by) => {
            refuse(Reason::AlreadySubmitted, format!("This paper was already submitted by {by}."))
        }
        SubmitOutcome::CapReached => refuse(
            Reason::DailyCap,
            format!("You have submitted {cap} papers in the last 24 hours; that is the daily limit."),
        ),
    }
}
