//! Following authors: a member follows a name (matched by its key, see `papers::authors`), and
//! that author's new papers come first in their recommendations, "for me" digests and private
//! feed. Counted against the vote limit, as a vote is.

use super::limits::{self, Limit};
use super::{now, refuse, Error, Reason};
use crate::accounts::User;
use crate::papers::authors;
use crate::settings::CommunitySettings;
use crate::store::{follows, Store};

/// Longest author name that can be followed.
pub const MAX_NAME: usize = 200;

/// Follows (`follow`) or unfollows the author `name` for `user`. Idempotent: returns whether
/// anything changed.
pub async fn set(
    store: &Store,
    settings: &CommunitySettings,
    user: &User,
    name: &str,
    follow: bool,
) -> Result<bool, Error> {
    let name = name.trim().to_string();
    let key = authors::key(&name);
    if key.is_empty() || name.chars().count() > MAX_NAME {
        return refuse(
            Reason::Invalid,
            format!("An author's name has a letter or digit and at most {MAX_NAME} characters."),
        );
    }
    let limit = Limit::new("follow", settings.limits.vote).counting("authors followed");
    limits::check(store, limit, &limits::member(user.id)).await?;
    let uid = user.id;
    Ok(store.transaction(move |db| follows::set_following(db, uid, &key, &name, follow, now())).await?)
}

/// The authors `user_id` follows, as (key, name).
pub async fn followed(store: &Store, user_id: i64) -> Result<Vec<(String, String)>, Error> {
    Ok(store.read(move |db| follows::followed_by(db, user_id)).await?)
}
