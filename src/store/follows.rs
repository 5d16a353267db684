//! Authors members follow (by the name's key, see `papers::authors`). Written once for both
//! backends over [`Db`](super::db::Db).

use super::activity::bump_activity;
use super::db::Db;
use super::Result;

/// Follows (`follow`) or unfollows the author `key` (shown as `name`) for `user_id`; returns
/// whether anything changed.
pub fn set_following(db: &mut dyn Db, user_id: i64, key: &str, name: &str, follow: bool, now: i64) -> Result<bool> {
    let changed = if follow {
        db.execute(
            "INSERT INTO author_follows (user_id, author_key, name, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
            &[user_id.into(), key.into(), name.into(), now.into()],
        )?
    } else {
        db.execute("DELETE FROM author_follows WHERE user_id = $1 AND author_key = $2", &[user_id.into(), key.into()])?
    };
    if changed > 0 {
        bump_activity(db)?;
    }
    Ok(changed > 0)
}

/// The authors `user_id` follows as (key, name), in the order they were followed.
pub fn followed_by(db: &mut dyn Db, user_id: i64) -> Result<Vec<(String, String)>> {
    let rows = db.query(
        "SELECT author_key, name FROM author_follows WHERE user_id = $1 ORDER BY created_at, author_key",
        &[user_id.into()],
    )?;
    Ok(rows.iter().map(|r| (r.text(0), r.text(1))).collect())
}

/// How many members follow the author `key`.
pub fn followers(db: &mut dyn Db, key: &str) -> Result<i64> {
    Ok(db
        .query_one("SELECT COUNT(*) FROM author_follows WHERE author_key = $1", &[key.into()])?
        .map(|r| r.int(0))
        .unwrap_or(0))
}
