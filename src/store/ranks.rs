//! Trending ranks: what the refresh reads, and the ranks it stores. Written once for both backends over
//! [`Db`](super::db::Db); run them with `Store::transaction` or `Store::read`.

use super::activity::bump_activity;
use super::db::{Db, Val};
use super::Result;
use std::collections::HashMap;

/// A paper the trending refresh scores.
#[derive(Debug, Clone, PartialEq)]
pub struct RankInput {
    pub paper_id: String,
    pub announced_on: Option<String>,
    pub upvotes: i64,
    pub comments: i64,
    /// When it was submitted to a day's list, if it was.
    pub submitted_at: Option<i64>,
}

/// What trending considers: every paper of the `days` latest announcement days, and every
/// paper with community activity since `active_since`.
pub fn rank_inputs(db: &mut dyn Db, days: i64, active_since: i64) -> Result<Vec<RankInput>> {
    let recent_days: Vec<String> = db
        .query(
            "SELECT DISTINCT announced_on FROM papers WHERE announced_on IS NOT NULL ORDER BY announced_on DESC LIMIT $1",
            &[days.into()],
        )?
        .iter()
        .map(|r| r.text(0))
        .collect();
    let mut inputs: HashMap<String, RankInput> = HashMap::new();
    if let Some(oldest) = recent_days.last() {
        // Days are compared as text on both backends (PostgreSQL keeps a DATE).
        for r in db.query(
            "SELECT id, CAST(announced_on AS TEXT) FROM papers WHERE CAST(announced_on AS TEXT) >= $1",
            &[oldest.into()],
        )? {
            let id = r.text(0);
            inputs.insert(
                id.clone(),
                RankInput { paper_id: id, announced_on: r.opt_text(1), upvotes: 0, comments: 0, submitted_at: None },
            );
        }
    }
    for r in db.query(
        "SELECT s.paper_id, s.announced_on, s.upvotes, s.comments, sub.submitted_at FROM paper_stats s
         LEFT JOIN submissions sub ON sub.paper_id = s.paper_id AND sub.removed = 0
         WHERE s.last_activity >= $1 OR s.paper_id IN (SELECT paper_id FROM paper_ranks)
            OR CAST(s.announced_on AS TEXT) >= $2",
        &[active_since.into(), recent_days.last().cloned().unwrap_or_default().into()],
    )? {
        let id = r.text(0);
        let e = inputs.entry(id.clone()).or_insert_with(|| RankInput {
            paper_id: id,
            announced_on: r.opt_text(1).filter(|d| !d.is_empty()),
            upvotes: 0,
            comments: 0,
            submitted_at: None,
        });
        e.upvotes = r.int(2);
        e.comments = r.int(3);
        e.submitted_at = r.opt_int(4);
    }
    let mut out: Vec<RankInput> = inputs.into_values().collect();
    out.sort_by(|a, b| a.paper_id.cmp(&b.paper_id));
    Ok(out)
}

/// Replaces the trending ranks with `scores`.
pub fn replace_ranks(db: &mut dyn Db, scores: &[(String, f64)], now: i64) -> Result<()> {
    db.execute("DELETE FROM paper_ranks", &[])?;
    for chunk in scores.chunks(300) {
        let values: Vec<String> =
            (0..chunk.len()).map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect();
        let sql = format!("INSERT INTO paper_ranks (paper_id, score, refreshed_at) VALUES {}", values.join(", "));
        let mut params = Vec::with_capacity(chunk.len() * 3);
        for (id, score) in chunk {
            params.push(Val::from(id.as_str()));
            params.push(Val::from(*score));
            params.push(Val::from(now));
        }
        db.execute(&sql, &params)?;
    }
    bump_activity(db)?;
    Ok(())
}

/// The best-ranked papers: (paper id, score).
pub fn top_ranked(db: &mut dyn Db, limit: i64, offset: i64) -> Result<Vec<(String, f64)>> {
    let rows = db.query(
        "SELECT paper_id, score FROM paper_ranks ORDER BY score DESC, paper_id DESC LIMIT $1 OFFSET $2",
        &[limit.into(), offset.into()],
    )?;
    Ok(rows.iter().map(|r| (r.text(0), r.real(1))).collect())
}

/// When the ranks were last refreshed (Unix seconds), if ever.
pub fn ranks_refreshed_at(db: &mut dyn Db) -> Result<Option<i64>> {
    Ok(db.query_one("SELECT MAX(refreshed_at) FROM paper_ranks", &[])?.and_then(|r| r.opt_int(0)))
}
