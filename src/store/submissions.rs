//! Papers members submit to a day's list. Written once for both backends over
//! [`Db`](super::db::Db); run them with `Store::transaction` or `Store::read`.

use super::activity::{bump_activity, touch_stats};
use super::db::{placeholders, texts, Db};
use super::Result;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    Accepted,
    /// Someone (named) already submitted this paper.
    Duplicate(String),
    /// The user reached the daily cap.
    CapReached,
}

/// Submits a paper to `day`'s list, unless it was submitted before or `user_id` already
/// submitted `cap` papers since `since` (Unix seconds).
#[allow(clippy::too_many_arguments)]
pub fn submit(
    db: &mut dyn Db,
    paper_id: &str,
    announced_on: &str,
    user_id: i64,
    day: &str,
    now: i64,
    since: i64,
    cap: i64,
) -> Result<SubmitOutcome> {
    let existing = db.query_one(
        "SELECT u.username FROM submissions s JOIN users u ON u.id = s.user_id WHERE s.paper_id = $1",
        &[paper_id.into()],
    )?;
    if let Some(r) = existing {
        return Ok(SubmitOutcome::Duplicate(r.text(0)));
    }
    let recent = db
        .query_one(
            "SELECT COUNT(*) FROM submissions WHERE user_id = $1 AND submitted_at >= $2",
            &[user_id.into(), since.into()],
        )?
        .map(|r| r.int(0))
        .unwrap_or(0);
    if recent >= cap {
        return Ok(SubmitOutcome::CapReached);
    }
    let n = db.execute(
        "INSERT INTO submissions (paper_id, user_id, day, submitted_at) VALUES ($1, $2, $3, $4) ON CONFLICT (paper_id) DO NOTHING",
        &[paper_id.into(), user_id.into(), day.into(), now.into()],
    )?;
    if n == 0 {
        return Ok(SubmitOutcome::Duplicate(String::new()));
    }
    touch_stats(db, paper_id, announced_on, now)?;
    bump_activity(db)?;
    Ok(SubmitOutcome::Accepted)
}

/// Papers submitted to `day`'s list (not removed), first submitted first.
pub fn submitted_on(db: &mut dyn Db, day: &str) -> Result<Vec<String>> {
    let rows = db.query(
        "SELECT paper_id FROM submissions WHERE day = $1 AND removed = 0 ORDER BY submitted_at, paper_id",
        &[day.into()],
    )?;
    Ok(rows.iter().map(|r| r.text(0)).collect())
}

/// A user's submissions, newest first: (paper id, day, removed).
pub fn submissions_by(db: &mut dyn Db, user_id: i64, limit: i64) -> Result<Vec<(String, String, bool)>> {
    let rows = db.query(
        "SELECT paper_id, day, removed FROM submissions WHERE user_id = $1 ORDER BY submitted_at DESC LIMIT $2",
        &[user_id.into(), limit.into()],
    )?;
    Ok(rows.iter().map(|r| (r.text(0), r.text(1), r.flag(2))).collect())
}

/// Recent submissions for moderators: (paper id, username, day, removed).
pub fn recent_submissions(db: &mut dyn Db, limit: i64) -> Result<Vec<(String, String, String, bool)>> {
    let rows = db.query(
        "SELECT s.paper_id, u.username, s.day, s.removed FROM submissions s JOIN users u ON u.id = s.user_id
         ORDER BY s.submitted_at DESC LIMIT $1",
        &[limit.into()],
    )?;
    Ok(rows.iter().map(|r| (r.text(0), r.text(1), r.text(2), r.flag(3))).collect())
}

pub fn remove_submission(db: &mut dyn Db, paper_id: &str) -> Result<bool> {
    let n = db.execute("UPDATE submissions SET removed = 1 WHERE paper_id = $1", &[paper_id.into()])?;
    bump_activity(db)?;
    Ok(n > 0)
}

/// When each of `paper_ids` was submitted to a day's list (those not submitted, or removed by
/// a moderator, are left out).
pub fn submitted_at(db: &mut dyn Db, paper_ids: &[String]) -> Result<HashMap<String, i64>> {
    let mut out = HashMap::new();
    for chunk in paper_ids.chunks(500) {
        let sql = format!(
            "SELECT paper_id, submitted_at FROM submissions WHERE removed = 0 AND paper_id IN ({})",
            placeholders(1, chunk.len())
        );
        for r in db.query(&sql, &texts(chunk))? {
            out.insert(r.text(0), r.int(1));
        }
    }
    Ok(out)
}

/// A submission waiting for arXiv (see migration 0014).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub paper_id: String,
    pub user_id: i64,
    pub requested_at: i64,
    pub attempts: i64,
    /// Why it was refused once arXiv answered (`None`: still waiting).
    pub refused: Option<String>,
}

const PENDING: &str = "SELECT paper_id, user_id, requested_at, attempts, refused FROM pending_submissions";

fn pending_rows(rows: Vec<super::db::Row>) -> Vec<Pending> {
    rows.iter()
        .map(|r| Pending {
            paper_id: r.text(0),
            user_id: r.int(1),
            requested_at: r.int(2),
            attempts: r.int(3),
            refused: r.opt_text(4),
        })
        .collect()
}

/// Records that `user_id` submitted `paper_id`, which arXiv has not sent yet. False when they
/// already had it waiting.
pub fn add_pending(db: &mut dyn Db, paper_id: &str, user_id: i64, now: i64) -> Result<bool> {
    let n = db.execute(
        "INSERT INTO pending_submissions (paper_id, user_id, requested_at) VALUES ($1, $2, $3)
         ON CONFLICT (paper_id, user_id) DO UPDATE SET requested_at = excluded.requested_at, attempts = 0,
            refused = NULL WHERE pending_submissions.refused IS NOT NULL",
        &[paper_id.into(), user_id.into(), now.into()],
    )?;
    Ok(n > 0)
}

/// The submissions still waiting for arXiv, oldest first.
pub fn waiting(db: &mut dyn Db, limit: i64) -> Result<Vec<Pending>> {
    let sql = format!("{PENDING} WHERE refused IS NULL ORDER BY requested_at, paper_id LIMIT $1");
    Ok(pending_rows(db.query(&sql, &[limit.into()])?))
}

/// A member's waiting and refused submissions since `since`, newest first.
pub fn pending_of(db: &mut dyn Db, user_id: i64, since: i64) -> Result<Vec<Pending>> {
    let sql = format!("{PENDING} WHERE user_id = $1 AND requested_at >= $2 ORDER BY requested_at DESC, paper_id");
    Ok(pending_rows(db.query(&sql, &[user_id.into(), since.into()])?))
}

/// Ends a waiting submission: listed (`refused` None: the row goes) or refused with why.
pub fn settle_pending(db: &mut dyn Db, paper_id: &str, user_id: i64, refused: Option<&str>) -> Result<()> {
    let args = [paper_id.into(), user_id.into()];
    match refused {
        None => db.execute("DELETE FROM pending_submissions WHERE paper_id = $1 AND user_id = $2", &args)?,
        Some(why) => db.execute(
            "UPDATE pending_submissions SET refused = $3 WHERE paper_id = $1 AND user_id = $2",
            &[paper_id.into(), user_id.into(), why.into()],
        )?,
    };
    Ok(())
}

/// Counts a failed attempt to fetch a waiting submission's paper.
pub fn retry_pending(db: &mut dyn Db, paper_id: &str, user_id: i64) -> Result<()> {
    db.execute(
        "UPDATE pending_submissions SET attempts = attempts + 1 WHERE paper_id = $1 AND user_id = $2",
        &[paper_id.into(), user_id.into()],
    )?;
    Ok(())
}

/// Forgets refusals requested before `before` (members have seen them on /submit by then).
pub fn forget_refused(db: &mut dyn Db, before: i64) -> Result<u64> {
    db.execute("DELETE FROM pending_submissions WHERE refused IS NOT NULL AND requested_at < $1", &[before.into()])
}
