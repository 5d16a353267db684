//! New versions of the papers a member keeps: ingestion stores a paper's newer arXiv version; a
//! member who upvoted or collected it is told (the header's count, `/updates`, the API) until they
//! mark it seen.

use crate::papers::Paper;
use crate::store::{updates, Store, StoreError};
use std::collections::HashMap;

/// The papers `user_id` keeps that have a version they have not seen, with the version they saw,
/// most recently updated first (at most `limit`).
pub async fn of(store: &Store, user_id: i64, limit: i64) -> Result<Vec<(Paper, i64)>, StoreError> {
    let seen = store.read(move |db| updates::updated(db, user_id, limit)).await?;
    let mut by_id: HashMap<String, Paper> = store
        .papers_by_ids(seen.iter().map(|(id, _)| id.clone()).collect())
        .await?
        .into_iter()
        .map(|p| (p.id.as_str().to_string(), p))
        .collect();
    Ok(seen.into_iter().filter_map(|(id, v)| Some((by_id.remove(&id)?, v))).collect())
}

/// Marks every kept paper's current version as seen by `user_id`; returns how many there were.
pub async fn mark_seen(store: &Store, user_id: i64) -> Result<u64, StoreError> {
    store.transaction(move |db| updates::mark_seen(db, user_id)).await
}
