//! The site's own rate limits: fixed windows counted in the store, so that every node sees
//! the same count (votes, comments, submissions per member; log-ins and sign-ups per address).

use super::{now, Error};
use crate::store::{limits, Store, StoreError};

/// A limit: at most `hits` per `window` seconds, counted under `name`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub name: &'static str,
    pub hits: u64,
    pub window: u64,
    /// What is counted, for messages ("votes").
    pub what: &'static str,
}

impl Limit {
    /// From a setting `[hits, window_seconds]`.
    pub fn new(name: &'static str, rule: [u64; 2]) -> Self {
        Self { name, hits: rule[0], window: rule[1].max(1), what: "attempts" }
    }

    pub fn counting(self, what: &'static str) -> Self {
        Self { what, ..self }
    }
}

/// Counts one hit for `who`: `Some(seconds until the window ends)` once past the limit.
pub async fn count_hit(store: &Store, limit: Limit, who: &str) -> Result<Option<i64>, StoreError> {
    let now = now();
    let window = limit.window as i64;
    let start = now - now.rem_euclid(window);
    let key = format!("{}:{who}", limit.name);
    let hits = store.transaction(move |db| limits::hit(db, &key, start)).await?;
    Ok((hits as u64 > limit.hits).then(|| (start + window - now).max(1)))
}

/// Counts one hit for `who`, refusing it with [`Error::Limited`] past the limit.
pub async fn check(store: &Store, limit: Limit, who: &str) -> Result<(), Error> {
    match count_hit(store, limit, who).await? {
        None => Ok(()),
        Some(retry_after) => Err(Error::Limited { what: limit.what, retry_after }),
    }
}

/// The key a member's actions are counted under.
pub fn member(user_id: i64) -> String {
    format!("user:{user_id}")
}
