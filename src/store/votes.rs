//! Upvotes and the per-paper counters listings show. Written once for both backends over
//! [`Db`](super::db::Db); run them with `Store::transaction` or `Store::read`.

use super::activity::{bump_activity, touch_stats};
use super::db::Db;
use super::db::{placeholders, texts};
use super::Result;
use std::collections::{HashMap, HashSet};

/// Toggles `user_id`'s upvote on a paper: returns whether it is now upvoted and the count.
pub fn toggle_vote(db: &mut dyn Db, user_id: i64, paper_id: &str, announced_on: &str, now: i64) -> Result<(bool, i64)> {
    touch_stats(db, paper_id, announced_on, now)?;
    let removed =
        db.execute("DELETE FROM votes WHERE paper_id = $1 AND user_id = $2", &[paper_id.into(), user_id.into()])?;
    let voted = if removed > 0 {
        db.execute("UPDATE paper_stats SET upvotes = upvotes - 1 WHERE paper_id = $1", &[paper_id.into()])?;
        false
    } else {
        // Two nodes may race on the same click: only the insert that lands counts.
        let added = db.execute(
            "INSERT INTO votes (paper_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[paper_id.into(), user_id.into(), now.into()],
        )?;
        if added > 0 {
            db.execute("UPDATE paper_stats SET upvotes = upvotes + 1 WHERE paper_id = $1", &[paper_id.into()])?;
            super::updates::keep_version(db, user_id, paper_id)?;
        }
        true
    };
    bump_activity(db)?;
    let count = db.query_one("SELECT upvotes FROM paper_stats WHERE paper_id = $1", &[paper_id.into()])?;
    Ok((voted, count.map(|r| r.int(0)).unwrap_or(0)))
}

/// Of `paper_ids`, those `user_id` upvoted.
pub fn voted_by(db: &mut dyn Db, user_id: i64, paper_ids: &[String]) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in paper_ids.chunks(500) {
        let sql =
            format!("SELECT paper_id FROM votes WHERE user_id = $1 AND paper_id IN ({})", placeholders(2, chunk.len()));
        let mut params = vec![user_id.into()];
        params.extend(texts(chunk));
        out.extend(db.query(&sql, &params)?.iter().map(|r| r.text(0)));
    }
    Ok(out)
}

/// What listings show of a paper's community life.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaperActivity {
    pub upvotes: i64,
    pub comments: i64,
    /// Who submitted it to a day's list, and that day (unless a moderator removed it).
    pub submitted_by: Option<String>,
    pub submitted_on: Option<String>,
}

pub fn activity(db: &mut dyn Db, paper_ids: &[String]) -> Result<HashMap<String, PaperActivity>> {
    let mut out: HashMap<String, PaperActivity> = HashMap::new();
    for chunk in paper_ids.chunks(500) {
        let ph = placeholders(1, chunk.len());
        let sql = format!("SELECT paper_id, upvotes, comments FROM paper_stats WHERE paper_id IN ({ph})");
        for r in db.query(&sql, &texts(chunk))? {
            let a = out.entry(r.text(0)).or_default();
            a.upvotes = r.int(1);
            a.comments = r.int(2);
        }
        let sql = format!(
            "SELECT s.paper_id, u.username, s.day FROM submissions s JOIN users u ON u.id = s.user_id
             WHERE s.removed = 0 AND s.paper_id IN ({ph})"
        );
        for r in db.query(&sql, &texts(chunk))? {
            let a = out.entry(r.text(0)).or_default();
            a.submitted_by = Some(r.text(1));
            a.submitted_on = Some(r.text(2));
        }
    }
    Ok(out)
}

/// The most upvoted papers announced in `[from, to)` (days as `YYYY-MM-DD`), with their votes.
pub fn top_voted(db: &mut dyn Db, from: &str, to: &str, limit: i64) -> Result<Vec<(String, i64)>> {
    let rows = db.query(
        "SELECT paper_id, upvotes FROM paper_stats WHERE announced_on >= $1 AND announced_on < $2 AND upvotes > 0
         ORDER BY upvotes DESC, paper_id DESC LIMIT $3",
        &[from.into(), to.into(), limit.into()],
    )?;
    Ok(rows.iter().map(|r| (r.text(0), r.int(1))).collect())
}

/// Papers a user upvoted, newest vote first.
pub fn upvoted_by(db: &mut dyn Db, user_id: i64, limit: i64) -> Result<Vec<String>> {
    let rows = db.query(
        "SELECT paper_id FROM votes WHERE user_id = $1 ORDER BY created_at DESC, paper_id LIMIT $2",
        &[user_id.into(), limit.into()],
    )?;
    Ok(rows.iter().map(|r| r.text(0)).collect())
}
