//! "Not interested": the papers a member asked not to see again. Written once for both backends
//! over [`Db`](super::db::Db); run them with `Store::transaction` or `Store::read`.

use super::activity::bump_activity;
use super::db::Db;
use super::db::{placeholders, texts};
use super::Result;
use std::collections::HashSet;

/// Marks (`dismissed`) or unmarks a paper as not interesting to `user_id`; returns whether
/// anything changed.
pub fn set_dismissed(db: &mut dyn Db, user_id: i64, paper_id: &str, dismissed: bool, now: i64) -> Result<bool> {
    let changed = if dismissed {
        db.execute(
            "INSERT INTO dismissals (user_id, paper_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[user_id.into(), paper_id.into(), now.into()],
        )?
    } else {
        db.execute("DELETE FROM dismissals WHERE user_id = $1 AND paper_id = $2", &[user_id.into(), paper_id.into()])?
    };
    if changed > 0 {
        // A member's own pages are never cached, but feeds and API answers keyed on activity are.
        bump_activity(db)?;
    }
    Ok(changed > 0)
}

/// The papers `user_id` dismissed, newest first, at most `limit`.
pub fn dismissed_by(db: &mut dyn Db, user_id: i64, limit: i64) -> Result<Vec<String>> {
    let rows = db.query(
        "SELECT paper_id FROM dismissals WHERE user_id = $1 ORDER BY created_at DESC, paper_id LIMIT $2",
        &[user_id.into(), limit.into()],
    )?;
    Ok(rows.iter().map(|r| r.text(0)).collect())
}

/// Of `paper_ids`, those `user_id` dismissed.
pub fn dismissed_among(db: &mut dyn Db, user_id: i64, paper_ids: &[String]) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in paper_ids.chunks(500) {
        let sql = format!(
            "SELECT paper_id FROM dismissals WHERE user_id = $1 AND paper_id IN ({})",
            placeholders(2, chunk.len())
        );
        let mut params = vec![user_id.into()];
        params.extend(texts(chunk));
        out.extend(db.query(&sql, &params)?.iter().map(|r| r.text(0)));
    }
    Ok(out)
}
