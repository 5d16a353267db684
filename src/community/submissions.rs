//! Submissions: a member puts a recent paper on the list the front page shows (the latest
//! announcement day) with their name on it. Each paper once, recent papers only, a daily cap
//! per member, and the submission limit. A paper paperboy does not hold yet is fetched from
//! arXiv through the ingestion code, like any other paper.
//!
//! A request never waits long for arXiv: what the id alone decides (a paper far too old) is
//! refused at once, and a paper arXiv does not send within `submit_fetch_secs` waits as a
//! pending submission that [`finish_pending`] lists (or refuses, saying why) in the background.

use super::limits::{self, Limit};
use super::{day_of, now, refuse, Error, Reason};
use crate::accounts::User;
use crate::ingest::arxiv_api::ArxivApi;
use crate::papers::{ArxivId, Paper};
use crate::settings::CommunitySettings;
use crate::store::submissions::{self, Pending, SubmitOutcome};
use crate::store::{Store, StoreError};
use chrono::{Datelike, NaiveDate};
use std::time::Duration;

/// What became of a submission.
#[derive(Debug)]
pub enum Submitted {
    /// The paper is on the list of `day`.
    Listed { paper: Box<Paper>, day: NaiveDate },
    /// arXiv was slow: the paper will join the list of `day` once it answers (see
    /// [`finish_pending`]); the member sees how it went on `/submit`.
    Pending { id: ArxivId, day: NaiveDate },
}

/// How long refused pending submissions stay shown to their member.
pub const SHOWN_FOR_SECS: i64 = 7 * 86_400;
/// A pending submission arXiv has not answered for this long is refused.
const GIVE_UP_SECS: i64 = 86_400;

/// The paper `input` names (an arXiv id or URL, as people paste them).
pub fn paper_id(input: &str) -> Result<ArxivId, Error> {
    ArxivId::from_input(input).or_else(|e| refuse(Reason::InvalidId, format!("That is not an arXiv id or URL: {e}")))
}

/// The day a submission joins: the latest announcement day paperboy holds (the front page's
/// list), or today on an empty instance. Recency is measured from it too, so an instance
/// showing an older day (the bundled sample) takes papers of that time.
pub async fn list_day(store: &Store) -> Result<NaiveDate, StoreError> {
    Ok(store.latest_day(None).await?.unwrap_or_else(|| chrono::Utc::now().date_naive()))
}

fn too_old(max_age: u32) -> Result<(), Error> {
    refuse(Reason::TooOld, format!("Only recent papers can be submitted: this one is older than {max_age} days."))
}

/// Refuses what the id alone shows to be too old: arXiv numbers papers by the month of their
/// first version, which is announced within days of that month's end at the latest.
fn check_id_age(id: &ArxivId, day: NaiveDate, max_age: u32) -> Result<(), Error> {
    let (y, m) = id.year_month();
    let next_month = if m >= 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1) } else { NaiveDate::from_ymd_opt(y, m + 1, 1) };
    let Some(latest_announcement) = next_month.map(|d| d + chrono::Days::new(7)) else { return Ok(()) };
    if (day - latest_announcement).num_days() > i64::from(max_age) {
        return too_old(max_age);
    }
    Ok(())
}

/// Submits the paper `input` names for `user`.
pub async fn submit(
    store: &Store,
    settings: &CommunitySettings,
    arxiv: &ArxivApi<'_>,
    user: &User,
    input: &str,
) -> Result<Submitted, Error> {
    let id = paper_id(input)?;
    let day = list_day(store).await?;
    check_id_age(&id, day, settings.submit_max_age_days)?;
    let limit = Limit::new("submit", settings.limits.submit).counting("submissions");
    limits::check(store, limit, &limits::member(user.id)).await?;
    let paper = match store.paper(&id).await? {
        Some(p) => p,
        None => {
            let deadline = Duration::from_secs(settings.submit_fetch_secs.max(1));
            match tokio::time::timeout(deadline, arxiv.fetch_one(store, &id)).await {
                Ok(Ok(Some(p))) => p,
                Ok(Ok(None)) => return not_on_arxiv(&id),
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, paper = id.as_str(), "fetching a submitted paper failed");
                    return refuse(Reason::ArxivUnreachable, "arXiv could not be reached; try again in a few minutes.");
                }
                Err(_) => {
                    let (pid, uid, now) = (id.as_str().to_string(), user.id, now());
                    store.transaction(move |db| submissions::add_pending(db, &pid, uid, now)).await?;
                    tracing::info!(paper = id.as_str(), "arXiv is slow; the submission waits in the background");
                    return Ok(Submitted::Pending { id, day });
                }
            }
        }
    };
    list(store, settings, &paper, user.id, day).await?;
    Ok(Submitted::Listed { paper: Box::new(paper), day })
}

fn not_on_arxiv<T>(id: &ArxivId) -> Result<T, Error> {
    refuse(Reason::NotOnArxiv, format!("arXiv does not know {}.", id.as_str()))
}

/// Puts `paper` on `day`'s list for `user_id`, by the rules.
async fn list(
    store: &Store,
    settings: &CommunitySettings,
    paper: &Paper,
    user_id: i64,
    day: NaiveDate,
) -> Result<(), Error> {
    let max_age = settings.submit_max_age_days;
    let first_seen = paper.announced_on.or(paper.submitted_on);
    if first_seen.is_none_or(|d| (day - d).num_days() > i64::from(max_age)) {
        return too_old(max_age);
    }
    let cap = i64::from(settings.submit_daily_cap);
    let (pid, announced, day, now) = (paper.id.as_str().to_string(), day_of(paper), day.to_string(), now());
    let outcome = store
        .transaction(move |db| submissions::submit(db, &pid, &announced, user_id, &day, now, now - 86_400, cap))
        .await?;
    match outcome {
        SubmitOutcome::Accepted => Ok(()),
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

/// A member's submissions that waited for arXiv in the last week: still waiting, or refused
/// with why.
pub async fn pending_of(store: &Store, user_id: i64) -> Result<Vec<Pending>, StoreError> {
    let since = now() - SHOWN_FOR_SECS;
    store.read(move |db| submissions::pending_of(db, user_id, since)).await
}

/// Tries the submissions waiting for arXiv once each (arXiv's own retries included): lists
/// those it sends, refuses those it does not know or that break a rule (keeping why), and
/// gives up on those it has not answered for a day. The number settled.
pub async fn finish_pending(
    store: &Store,
    settings: &CommunitySettings,
    arxiv: &ArxivApi<'_>,
) -> Result<usize, StoreError> {
    let now = now();
    store.transaction(move |db| submissions::forget_refused(db, now - SHOWN_FOR_SECS)).await?;
    let waiting = store.read(|db| submissions::waiting(db, 100)).await?;
    let mut settled = 0;
    for p in waiting {
        let Ok(id) = ArxivId::parse(&p.paper_id) else { continue };
        let outcome = match store.paper(&id).await? {
            Some(paper) => Ok(Some(paper)),
            None => arxiv.fetch_one(store, &id).await,
        };
        let refused = match outcome {
            Ok(Some(paper)) => match list(store, settings, &paper, p.user_id, list_day(store).await?).await {
                Ok(()) => None,
                Err(Error::Refused(r)) => Some(r.message),
                Err(Error::Limited { .. }) => None,
                Err(Error::Store(e)) => return Err(e),
            },
            Ok(None) => not_on_arxiv::<()>(&id).err().map(|e| e.to_string()),
            Err(e) if now - p.requested_at < GIVE_UP_SECS => {
                tracing::info!(paper = p.paper_id, error = %e, "a pending submission waits for arXiv again");
                let (pid, uid) = (p.paper_id.clone(), p.user_id);
                store.transaction(move |db| submissions::retry_pending(db, &pid, uid)).await?;
                continue;
            }
            Err(_) => Some("arXiv could not be reached for a day; submit it again later.".to_string()),
        };
        tracing::info!(paper = p.paper_id, refused = refused.as_deref(), "a pending submission is settled");
        let (pid, uid) = (p.paper_id.clone(), p.user_id);
        store.transaction(move |db| submissions::settle_pending(db, &pid, uid, refused.as_deref())).await?;
        settled += 1;
    }
    Ok(settled)
}

/// The day in words, as the submit page says it ("Thursday 7 August 2025").
pub fn day_in_words(day: NaiveDate) -> String {
    format!("{} {} {}", day.format("%A"), day.day(), day.format("%B %Y"))
}
