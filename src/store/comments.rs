//! Comments and replies on papers. Written once for both backends over
//! [`Db`](super::db::Db); run them with `Store::transaction` or `Store::read`.

use super::activity::{bump_activity, touch_stats};
use super::db::{Db, Row};
use super::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    pub paper_id: String,
    pub parent_id: Option<i64>,
    pub username: String,
    pub body: String,
    pub created_at: i64,
    pub hidden: bool,
}

fn comment_from(r: &Row) -> Comment {
    Comment {
        id: r.int(0),
        paper_id: r.text(1),
        parent_id: r.opt_int(2),
        username: r.text(3),
        body: r.text(4),
        created_at: r.int(5),
        hidden: r.flag(6),
    }
}

const COMMENT_COLUMNS: &str = "c.id, c.paper_id, c.parent_id, u.username, c.body, c.created_at, c.hidden";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentOutcome {
    Added(i64),
    /// The comment replied to is not on this paper.
    NoSuchParent,
}

pub fn add_comment(
    db: &mut dyn Db,
    paper_id: &str,
    announced_on: &str,
    user_id: i64,
    parent_id: Option<i64>,
    body: &str,
    now: i64,
) -> Result<CommentOutcome> {
    if let Some(parent) = parent_id {
        let found =
            db.query_one("SELECT 1 FROM comments WHERE id = $1 AND paper_id = $2", &[parent.into(), paper_id.into()])?;
        if found.is_none() {
            return Ok(CommentOutcome::NoSuchParent);
        }
    }
    let id = db
        .query_one(
            "INSERT INTO comments (paper_id, user_id, parent_id, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[paper_id.into(), user_id.into(), parent_id.into(), body.into(), now.into()],
        )?
        .map(|r| r.int(0))
        .unwrap_or(0);
    touch_stats(db, paper_id, announced_on, now)?;
    db.execute("UPDATE paper_stats SET comments = comments + 1 WHERE paper_id = $1", &[paper_id.into()])?;
    bump_activity(db)?;
    Ok(CommentOutcome::Added(id))
}

/// A paper's comments, oldest first (pages thread them by `parent_id`).
pub fn comments_on(db: &mut dyn Db, paper_id: &str) -> Result<Vec<Comment>> {
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} FROM comments c JOIN users u ON u.id = c.user_id WHERE c.paper_id = $1 ORDER BY c.id"
    );
    Ok(db.query(&sql, &[paper_id.into()])?.iter().map(comment_from).collect())
}

pub fn recent_comments(db: &mut dyn Db, limit: i64) -> Result<Vec<Comment>> {
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} FROM comments c JOIN users u ON u.id = c.user_id ORDER BY c.id DESC LIMIT $1"
    );
    Ok(db.query(&sql, &[limit.into()])?.iter().map(comment_from).collect())
}

/// Hides (or shows again) a comment; the visible-comment count follows.
pub fn set_comment_hidden(db: &mut dyn Db, comment_id: i64, hidden: bool) -> Result<bool> {
    let Some(row) = db.query_one("SELECT paper_id, hidden FROM comments WHERE id = $1", &[comment_id.into()])? else {
        return Ok(false);
    };
    if row.flag(1) == hidden {
        return Ok(true);
    }
    db.execute("UPDATE comments SET hidden = $1 WHERE id = $2", &[hidden.into(), comment_id.into()])?;
    let delta: i64 = if hidden { -1 } else { 1 };
    db.execute(
        "UPDATE paper_stats SET comments = comments + $1 WHERE paper_id = $2",
        &[delta.into(), row.text(0).into()],
    )?;
    bump_activity(db)?;
    Ok(true)
}
