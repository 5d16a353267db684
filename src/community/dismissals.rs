//! "Not interested": a member hides a paper from their listings and recommendations, and the
//! recommender learns from it (a negative beside the papers they liked). Private; counted
//! against the vote limit, as a vote is.

use super::limits::{self, Limit};
use super::{now, Error};
use crate::accounts::User;
use crate::papers::Paper;
use crate::settings::CommunitySettings;
use crate::store::{dismissals, Store};

/// Marks `paper` as not interesting to `user` (`dismissed`), or takes that back. Idempotent:
/// returns whether anything changed.
pub async fn set(
    store: &Store,
    settings: &CommunitySettings,
    user: &User,
    paper: &Paper,
    dismissed: bool,
) -> Result<bool, Error> {
    let limit = Limit::new("dismiss", settings.limits.vote).counting("papers marked");
    limits::check(store, limit, &limits::member(user.id)).await?;
    let (pid, uid) = (paper.id.as_str().to_string(), user.id);
    Ok(store.transaction(move |db| dismissals::set_dismissed(db, uid, &pid, dismissed, now())).await?)
}
