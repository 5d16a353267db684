//! Fixed-window rate-limit counters shared by every node. Written once for both backends over
//! [`Db`](super::db::Db); run them with `Store::transaction` or `Store::read`.

use super::db::Db;
use super::Result;

/// Counts one hit on `key` in the fixed window starting at `window_start`; returns the hits
/// in that window so far, this one included. Shared by every node through the store.
pub fn hit(db: &mut dyn Db, key: &str, window_start: i64) -> Result<i64> {
    let row = db.query_one(
        "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
           hits = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.hits + 1 ELSE 1 END,
           window_start = excluded.window_start
         RETURNING hits",
        &[key.into(), window_start.into()],
    )?;
    Ok(row.map(|r| r.int(0)).unwrap_or(1))
}
