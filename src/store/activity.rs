//! The activity counter: with the papers' change cursor, it tells caches whether what they
//! built is still fresh.

use super::db::Db;
use super::Result;

/// Moves the activity counter: cached pages, feeds and API answers that show votes, comments,
/// submissions or collections are stale.
pub fn bump_activity(db: &mut dyn Db) -> Result<()> {
    db.execute("UPDATE counters SET value = value + 1 WHERE name = 'activity'", &[])?;
    Ok(())
}

/// (paper change cursor, activity counter): pages built at this pair are still fresh.
pub fn freshness(db: &mut dyn Db) -> Result<(i64, i64)> {
    let row = db.query_one(
        "SELECT (SELECT COALESCE(MAX(change_seq), 0) FROM papers), (SELECT value FROM counters WHERE name = 'activity')",
        &[],
    )?;
    Ok(row.map(|r| (r.int(0), r.int(1))).unwrap_or((0, 0)))
}

/// Marks activity on a paper (its row in `paper_stats`, made on first use).
pub(super) fn touch_stats(db: &mut dyn Db, paper_id: &str, announced_on: &str, now: i64) -> Result<()> {
    db.execute(
        "INSERT INTO paper_stats (paper_id, announced_on, last_activity) VALUES ($1, $2, $3)
         ON CONFLICT (paper_id) DO UPDATE SET last_activity = excluded.last_activity",
        &[paper_id.into(), announced_on.into(), now.into()],
    )?;
    Ok(())
}
