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
    pub user_id: i64,
    /// When its author last changed the text.
    pub edited_at: Option<i64>,
    /// Its author deleted it: the text is gone, the place in the thread stays.
    pub deleted: bool,
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
        user_id: r.int(7),
        edited_at: r.opt_int(8),
        deleted: r.flag(9),
    }
}

const COMMENT_COLUMNS: &str =
    "c.id, c.paper_id, c.parent_id, u.username, c.body, c.created_at, c.hidden, c.user_id, c.edited_at, c.deleted";

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
    let Some(row) =
        db.query_one("SELECT paper_id, hidden, deleted FROM comments WHERE id = $1", &[comment_id.into()])?
    else {
        return Ok(false);
    };
    if row.flag(1) == hidden {
        return Ok(true);
    }
    db.execute("UPDATE comments SET hidden = $1 WHERE id = $2", &[hidden.into(), comment_id.into()])?;
    // A comment its author deleted is not counted either way.
    let delta: i64 = if row.flag(2) {
        0
    } else if hidden {
        -1
    } else {
        1
    };
    db.execute(
        "UPDATE paper_stats SET comments = comments + $1 WHERE paper_id = $2",
        &[delta.into(), row.text(0).into()],
    )?;
    bump_activity(db)?;
    Ok(true)
}

/// One comment, by id.
pub fn comment(db: &mut dyn Db, comment_id: i64) -> Result<Option<Comment>> {
    let sql = format!("SELECT {COMMENT_COLUMNS} FROM comments c JOIN users u ON u.id = c.user_id WHERE c.id = $1");
    Ok(db.query_one(&sql, &[comment_id.into()])?.as_ref().map(comment_from))
}

/// Replaces the text of comment `comment_id` by its author `user_id` (not deleted); false when
/// there is no such comment of theirs.
pub fn edit_comment(db: &mut dyn Db, comment_id: i64, user_id: i64, body: &str, now: i64) -> Result<bool> {
    let n = db.execute(
        "UPDATE comments SET body = $1, edited_at = $2 WHERE id = $3 AND user_id = $4 AND deleted = 0",
        &[body.into(), now.into(), comment_id.into(), user_id.into()],
    )?;
    if n > 0 {
        bump_activity(db)?;
    }
    Ok(n > 0)
}

/// Deletes comment `comment_id` by its author `user_id`: the text goes, the place stays, and the
/// paper's count of visible comments follows. False when there is no such comment of theirs.
pub fn delete_comment(db: &mut dyn Db, comment_id: i64, user_id: i64) -> Result<bool> {
    let Some(row) = db.query_one(
        "SELECT paper_id, hidden, deleted FROM comments WHERE id = $1 AND user_id = $2",
        &[comment_id.into(), user_id.into()],
    )?
    else {
        return Ok(false);
    };
    if row.flag(2) {
        return Ok(true);
    }
    // Counted once, even when two deletions race (PostgreSQL's READ COMMITTED).
    let n =
        db.execute("UPDATE comments SET body = '', deleted = 1 WHERE id = $1 AND deleted = 0", &[comment_id.into()])?;
    if n == 1 && !row.flag(1) {
        db.execute("UPDATE paper_stats SET comments = comments - 1 WHERE paper_id = $1", &[row.text(0).into()])?;
    }
    bump_activity(db)?;
    Ok(true)
}
