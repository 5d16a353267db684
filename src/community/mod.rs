//! What members do to papers, and the rules for it: votes, comments, submissions, collections,
//! moderation, the rate limits those count against, and the trending rank they feed.
//!
//! Pages (`web/`), the JSON API (`api/`) and the CLI call these functions; none of them opens
//! a transaction or checks a rule of its own. Each function takes what it needs (the store,
//! the community settings) rather than the whole application, and answers with [`Error`]:
//! a [`Refusal`] says what was wrong in words a member can act on; each surface maps its
//! [`Reason`] to its own status codes.

pub mod collections;
pub mod comments;
pub mod dismissals;
pub mod follows;
pub mod limits;
pub mod moderation;
pub mod ranking;
pub mod submissions;
pub mod updates;
pub mod votes;

use crate::papers::{ArxivId, Paper};
use crate::store::{Store, StoreError};

/// Why a community action was not done.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Refused by a rule: nothing was written.
    #[error("{0}")]
    Refused(Refusal),
    /// Past a rate limit: try again in `retry_after` seconds.
    #[error("too many {what}; try again in {retry_after} s")]
    Limited { what: &'static str, retry_after: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A refusal: its kind, and a sentence for the member.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub reason: Reason,
    pub message: String,
}

/// The kinds of refusal, for surfaces to map to their own codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A field is empty, too long or malformed.
    Invalid,
    /// Not an arXiv id (or URL).
    InvalidId,
    /// paperboy does not hold the paper.
    UnknownPaper,
    /// arXiv does not know the paper either (a submission).
    NotOnArxiv,
    /// No such collection of the member's (or none they may see).
    NoSuchCollection,
    /// A reply to a comment that is not on this paper.
    NoSuchParent,
    /// Moderation: nothing of that kind to act on.
    NoSuchTarget,
    /// The paper was submitted already.
    AlreadySubmitted,
    /// The paper is older than submissions allow.
    TooOld,
    /// The member reached the daily submission cap.
    DailyCap,
    /// arXiv could not be reached to fetch a submitted paper.
    ArxivUnreachable,
}

pub(crate) fn refuse<T>(reason: Reason, message: impl Into<String>) -> Result<T, Error> {
    Err(Error::Refused(Refusal { reason, message: message.into() }))
}

/// The current time, in seconds since 1970 (what the store keeps).
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The day a paper was announced, as stored with its counters.
fn day_of(p: &Paper) -> String {
    p.announced_on.map(|d| d.to_string()).unwrap_or_default()
}

/// A paper paperboy holds, or [`Reason::UnknownPaper`].
pub async fn known_paper(store: &Store, id: &ArxivId) -> Result<Paper, Error> {
    match store.paper(id).await? {
        Some(p) => Ok(p),
        None => refuse(Reason::UnknownPaper, format!("paperboy does not know arXiv:{}", id.as_str())),
    }
}
