//! New versions of the papers members keep: the version each member last saw of each paper they
//! upvoted or collected (`kept_versions`), against the version the store holds now. Written once
//! for both backends over [`Db`](super::db::Db).

use super::db::Db;
use super::Result;

/// Notes the version of `paper_id` that `user_id` keeps now, unless one is noted already.
pub fn keep_version(db: &mut dyn Db, user_id: i64, paper_id: &str) -> Result<()> {
    db.execute(
        "INSERT INTO kept_versions (user_id, paper_id, version) SELECT $1, id, version FROM papers WHERE id = $2 \
         ON CONFLICT DO NOTHING",
        &[user_id.into(), paper_id.into()],
    )?;
    Ok(())
}

/// Kept papers (still upvoted or in one of the member's collections) whose version moved on.
const UPDATED: &str = "FROM kept_versions k JOIN papers p ON p.id = k.paper_id \
     WHERE k.user_id = $1 AND p.version > k.version \
       AND (EXISTS (SELECT 1 FROM votes v WHERE v.paper_id = k.paper_id AND v.user_id = k.user_id) \
         OR EXISTS (SELECT 1 FROM collection_papers cp JOIN collections c ON c.id = cp.collection_id \
                    WHERE c.user_id = k.user_id AND cp.paper_id = k.paper_id))";

/// How many papers `user_id` keeps have a version they have not seen.
pub fn count(db: &mut dyn Db, user_id: i64) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) {UPDATED}");
    Ok(db.query_one(&sql, &[user_id.into()])?.map(|r| r.int(0)).unwrap_or(0))
}

/// The papers `user_id` keeps that have a version they have not seen, as (paper id, the version they
/// saw), most recently updated first, at most `limit`.
pub fn updated(db: &mut dyn Db, user_id: i64, limit: i64) -> Result<Vec<(String, i64)>> {
    let sql = format!("SELECT p.id, k.version {UPDATED} ORDER BY p.updated_on DESC, p.id LIMIT $2");
    Ok(db.query(&sql, &[user_id.into(), limit.into()])?.iter().map(|r| (r.text(0), r.int(1))).collect())
}

/// Marks every kept paper's current version as seen by `user_id`; returns how many moved.
pub fn mark_seen(db: &mut dyn Db, user_id: i64) -> Result<u64> {
    db.execute(
        "UPDATE kept_versions SET version = (SELECT p.version FROM papers p WHERE p.id = kept_versions.paper_id) \
         WHERE user_id = $1 AND version < (SELECT p.version FROM papers p WHERE p.id = kept_versions.paper_id)",
        &[user_id.into()],
    )
}
