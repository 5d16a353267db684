//! What the community adds to papers: accounts and sessions, votes, comments, submissions,
//! collections, moderation, rate-limit counters and trending ranks. Written once for both
//! backends over [`Db`](super::db::Db); run them with `Store::transaction` or `Store::read`.

use super::db::{Db, Row, Val};
use super::Result;
use crate::accounts::{Role, User};
use std::collections::{HashMap, HashSet};

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

fn texts(ids: &[String]) -> Vec<Val> {
    ids.iter().map(Val::from).collect()
}

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

// --- users and sessions -------------------------------------------------------------------

const USER_COLUMNS: &str =
    "u.id, u.username, u.email, u.role, u.suspended, u.muted_words, u.default_categories, u.created_at";

fn user_from(r: &Row) -> User {
    let list = |s: String| s.split(',').filter(|w| !w.is_empty()).map(str::to_string).collect();
    User {
        id: r.int(0),
        username: r.text(1),
        email: r.opt_text(2),
        role: Role::parse(&r.text(3)),
        suspended: r.flag(4),
        muted_words: list(r.text(5)),
        default_categories: list(r.text(6)),
        created_at: r.int(7),
    }
}

/// Creates a user; `None` when the name is taken (ignoring case).
pub fn create_user(
    db: &mut dyn Db,
    username: &str,
    email: Option<&str>,
    password_hash: &str,
    now: i64,
) -> Result<Option<i64>> {
    let row = db.query_one(
        "INSERT INTO users (username, username_key, email, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (username_key) DO NOTHING RETURNING id",
        &[
            username.into(),
            username.to_ascii_lowercase().into(),
            email.map(str::to_string).into(),
            password_hash.into(),
            now.into(),
        ],
    )?;
    Ok(row.map(|r| r.int(0)))
}

pub fn user_by_name(db: &mut dyn Db, username: &str) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username_key = $1");
    Ok(db.query_one(&sql, &[username.to_ascii_lowercase().into()])?.map(|r| user_from(&r)))
}

pub fn user_by_id(db: &mut dyn Db, id: i64) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    Ok(db.query_one(&sql, &[id.into()])?.map(|r| user_from(&r)))
}

/// The user and their password hash, for logging in.
pub fn credentials(db: &mut dyn Db, username: &str) -> Result<Option<(User, String)>> {
    let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username_key = $1");
    Ok(db.query_one(&sql, &[username.to_ascii_lowercase().into()])?.map(|r| (user_from(&r), r.text(8))))
}

pub fn set_password(db: &mut dyn Db, user_id: i64, hash: &str) -> Result<()> {
    db.execute("UPDATE users SET password_hash = $1 WHERE id = $2", &[hash.into(), user_id.into()])?;
    Ok(())
}

pub fn update_profile(
    db: &mut dyn Db,
    user_id: i64,
    email: Option<&str>,
    muted_words: &[String],
    default_categories: &[String],
) -> Result<()> {
    db.execute(
        "UPDATE users SET email = $1, muted_words = $2, default_categories = $3 WHERE id = $4",
        &[
            email.map(str::to_string).into(),
            muted_words.join(",").into(),
            default_categories.join(",").into(),
            user_id.into(),
        ],
    )?;
    Ok(())
}

pub fn set_role(db: &mut dyn Db, username: &str, role: Role) -> Result<bool> {
    let n = db.execute(
        "UPDATE users SET role = $1 WHERE username_key = $2",
        &[role.as_str().into(), username.to_ascii_lowercase().into()],
    )?;
    Ok(n > 0)
}

/// Suspends (or reinstates) a user; a suspended user's sessions end.
pub fn set_suspended(db: &mut dyn Db, user_id: i64, suspended: bool) -> Result<bool> {
    let n = db.execute("UPDATE users SET suspended = $1 WHERE id = $2", &[suspended.into(), user_id.into()])?;
    if suspended {
        db.execute("DELETE FROM sessions WHERE user_id = $1", &[user_id.into()])?;
    }
    Ok(n > 0)
}

pub fn list_users(db: &mut dyn Db, limit: i64) -> Result<Vec<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id DESC LIMIT $1");
    Ok(db.query(&sql, &[limit.into()])?.iter().map(user_from).collect())
}

pub fn create_session(db: &mut dyn Db, token_hash: &str, user_id: i64, now: i64, expires_at: i64) -> Result<()> {
    // Expired sessions are swept as new ones are made.
    db.execute("DELETE FROM sessions WHERE expires_at < $1", &[now.into()])?;
    db.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        &[token_hash.into(), user_id.into(), now.into(), expires_at.into()],
    )?;
    Ok(())
}

/// The user behind a live session of a user who is not suspended.
pub fn session_user(db: &mut dyn Db, token_hash: &str, now: i64) -> Result<Option<User>> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.suspended = 0"
    );
    Ok(db.query_one(&sql, &[token_hash.into(), now.into()])?.map(|r| user_from(&r)))
}

pub fn delete_session(db: &mut dyn Db, token_hash: &str) -> Result<()> {
    db.execute("DELETE FROM sessions WHERE token_hash = $1", &[token_hash.into()])?;
    Ok(())
}

/// Ends every session of a user but `keep` (after a password change).
pub fn delete_other_sessions(db: &mut dyn Db, user_id: i64, keep: &str) -> Result<()> {
    db.execute("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2", &[user_id.into(), keep.into()])?;
    Ok(())
}

// --- personal API tokens -------------------------------------------------------------------

/// A personal API token as its owner sees it in settings (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

pub fn create_api_token(db: &mut dyn Db, user_id: i64, name: &str, token_hash: &str, now: i64) -> Result<i64> {
    let r = db.query_one(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        &[user_id.into(), name.into(), token_hash.into(), now.into()],
    )?;
    Ok(r.map(|r| r.int(0)).unwrap_or_default())
}

/// The live (not revoked) tokens of a user, newest first.
pub fn api_tokens_of(db: &mut dyn Db, user_id: i64) -> Result<Vec<ApiToken>> {
    let rows = db.query(
        "SELECT id, name, created_at, last_used_at FROM api_tokens
         WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id DESC",
        &[user_id.into()],
    )?;
    Ok(rows
        .iter()
        .map(|r| ApiToken { id: r.int(0), name: r.text(1), created_at: r.int(2), last_used_at: r.opt_int(3) })
        .collect())
}

/// Revokes one of the user's tokens; false when it is not theirs or already revoked.
pub fn revoke_api_token(db: &mut dyn Db, user_id: i64, token_id: i64, now: i64) -> Result<bool> {
    let n = db.execute(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        &[now.into(), token_id.into(), user_id.into()],
    )?;
    Ok(n > 0)
}

/// A live token of a user who is not suspended: its id, when it was last used, and the user.
pub fn api_token_user(db: &mut dyn Db, token_hash: &str) -> Result<Option<(i64, Option<i64>, User)>> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, t.id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.suspended = 0"
    );
    Ok(db.query_one(&sql, &[token_hash.into()])?.map(|r| (r.int(8), r.opt_int(9), user_from(&r))))
}

pub fn touch_api_token(db: &mut dyn Db, token_id: i64, now: i64) -> Result<()> {
    db.execute("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", &[now.into(), token_id.into()])?;
    Ok(())
}

// --- votes and counters -------------------------------------------------------------------

fn touch_stats(db: &mut dyn Db, paper_id: &str, announced_on: &str, now: i64) -> Result<()> {
    db.execute(
        "INSERT INTO paper_stats (paper_id, announced_on, last_activity) VALUES ($1, $2, $3)
         ON CONFLICT (paper_id) DO UPDATE SET last_activity = excluded.last_activity",
        &[paper_id.into(), announced_on.into(), now.into()],
    )?;
    Ok(())
}

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

// --- comments -----------------------------------------------------------------------------

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

// --- submissions --------------------------------------------------------------------------

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

// --- collections --------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub id: i64,
    pub owner_id: i64,
    pub owner: String,
    pub name: String,
    pub description: String,
    pub public: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub papers: i64,
}

const COLLECTION_COLUMNS: &str =
    "c.id, c.user_id, u.username, c.name, c.description, c.public, c.created_at, c.updated_at, \
     (SELECT COUNT(*) FROM collection_papers cp WHERE cp.collection_id = c.id)";

fn collection_from(r: &Row) -> Collection {
    Collection {
        id: r.int(0),
        owner_id: r.int(1),
        owner: r.text(2),
        name: r.text(3),
        description: r.text(4),
        public: r.flag(5),
        created_at: r.int(6),
        updated_at: r.int(7),
        papers: r.int(8),
    }
}

pub fn create_collection(
    db: &mut dyn Db,
    user_id: i64,
    name: &str,
    description: &str,
    public: bool,
    now: i64,
) -> Result<i64> {
    let row = db.query_one(
        "INSERT INTO collections (user_id, name, description, public, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        &[user_id.into(), name.into(), description.into(), public.into(), now.into()],
    )?;
    Ok(row.map(|r| r.int(0)).unwrap_or(0))
}

pub fn collection(db: &mut dyn Db, id: i64) -> Result<Option<Collection>> {
    let sql =
        format!("SELECT {COLLECTION_COLUMNS} FROM collections c JOIN users u ON u.id = c.user_id WHERE c.id = $1");
    Ok(db.query_one(&sql, &[id.into()])?.map(|r| collection_from(&r)))
}

/// A user's collections, the private ones only when `include_private`.
pub fn collections_of(db: &mut dyn Db, user_id: i64, include_private: bool) -> Result<Vec<Collection>> {
    let sql = format!(
        "SELECT {COLLECTION_COLUMNS} FROM collections c JOIN users u ON u.id = c.user_id
         WHERE c.user_id = $1 AND (c.public = 1 OR $2 = 1) ORDER BY c.updated_at DESC, c.id DESC"
    );
    Ok(db.query(&sql, &[user_id.into(), include_private.into()])?.iter().map(collection_from).collect())
}

/// Renames, describes and publishes or hides a collection its owner holds.
pub fn update_collection(
    db: &mut dyn Db,
    id: i64,
    owner_id: i64,
    name: &str,
    description: &str,
    public: bool,
    now: i64,
) -> Result<bool> {
    let n = db.execute(
        "UPDATE collections SET name = $1, description = $2, public = $3, updated_at = $4 WHERE id = $5 AND user_id = $6",
        &[name.into(), description.into(), public.into(), now.into(), id.into(), owner_id.into()],
    )?;
    // Cached collection feeds must not outlive a change (going private above all).
    bump_activity(db)?;
    Ok(n > 0)
}

pub fn delete_collection(db: &mut dyn Db, id: i64, owner_id: i64) -> Result<bool> {
    db.execute(
        "DELETE FROM collection_papers WHERE collection_id IN (SELECT id FROM collections WHERE id = $1 AND user_id = $2)",
        &[id.into(), owner_id.into()],
    )?;
    let n = db.execute("DELETE FROM collections WHERE id = $1 AND user_id = $2", &[id.into(), owner_id.into()])?;
    bump_activity(db)?;
    Ok(n > 0)
}

/// Adds or removes a paper in a collection its owner holds; false if it is not theirs.
pub fn set_in_collection(
    db: &mut dyn Db,
    id: i64,
    owner_id: i64,
    paper_id: &str,
    present: bool,
    now: i64,
) -> Result<bool> {
    let owned = db.execute(
        "UPDATE collections SET updated_at = $1 WHERE id = $2 AND user_id = $3",
        &[now.into(), id.into(), owner_id.into()],
    )?;
    if owned == 0 {
        return Ok(false);
    }
    if present {
        db.execute(
            "INSERT INTO collection_papers (collection_id, paper_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[id.into(), paper_id.into(), now.into()],
        )?;
    } else {
        db.execute(
            "DELETE FROM collection_papers WHERE collection_id = $1 AND paper_id = $2",
            &[id.into(), paper_id.into()],
        )?;
    }
    bump_activity(db)?;
    Ok(true)
}

/// The papers in a collection, most recently added first.
pub fn collection_papers(db: &mut dyn Db, id: i64) -> Result<Vec<String>> {
    let rows = db.query(
        "SELECT paper_id FROM collection_papers WHERE collection_id = $1 ORDER BY added_at DESC, paper_id",
        &[id.into()],
    )?;
    Ok(rows.iter().map(|r| r.text(0)).collect())
}

/// Which of a user's collections hold `paper_id`.
pub fn collections_holding(db: &mut dyn Db, user_id: i64, paper_id: &str) -> Result<HashSet<i64>> {
    let rows = db.query(
        "SELECT cp.collection_id FROM collection_papers cp JOIN collections c ON c.id = cp.collection_id
         WHERE c.user_id = $1 AND cp.paper_id = $2",
        &[user_id.into(), paper_id.into()],
    )?;
    Ok(rows.iter().map(|r| r.int(0)).collect())
}

// --- moderation ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModerationEntry {
    pub admin: String,
    pub action: String,
    pub target: String,
    pub reason: String,
    pub at: i64,
}

pub fn log_moderation(
    db: &mut dyn Db,
    admin_id: i64,
    action: &str,
    target: &str,
    reason: &str,
    now: i64,
) -> Result<()> {
    db.execute(
        "INSERT INTO moderation_log (admin_id, action, target, reason, at) VALUES ($1, $2, $3, $4, $5)",
        &[admin_id.into(), action.into(), target.into(), reason.into(), now.into()],
    )?;
    Ok(())
}

pub fn moderation_log(db: &mut dyn Db, limit: i64) -> Result<Vec<ModerationEntry>> {
    let rows = db.query(
        "SELECT COALESCE(u.username, ''), m.action, m.target, m.reason, m.at FROM moderation_log m
         LEFT JOIN users u ON u.id = m.admin_id ORDER BY m.id DESC LIMIT $1",
        &[limit.into()],
    )?;
    Ok(rows
        .iter()
        .map(|r| ModerationEntry {
            admin: r.text(0),
            action: r.text(1),
            target: r.text(2),
            reason: r.text(3),
            at: r.int(4),
        })
        .collect())
}

// --- rate limits --------------------------------------------------------------------------

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

// --- trending -----------------------------------------------------------------------------

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

// --- copying an instance ------------------------------------------------------------------

/// Column types for copying: `i` integer, `r` real, `t` text.
type Columns = &'static [(&'static str, char)];

/// The community tables an instance copy carries, parents before children, with the key they
/// are read in. Rate-limit counters are not copied (they expire within the hour).
pub const COPIED_TABLES: &[(&str, Columns, &str)] = &[
    (
        "users",
        &[
            ("id", 'i'),
            ("username", 't'),
            ("username_key", 't'),
            ("email", 't'),
            ("password_hash", 't'),
            ("role", 't'),
            ("suspended", 'i'),
            ("muted_words", 't'),
            ("default_categories", 't'),
            ("created_at", 'i'),
        ],
        "id",
    ),
    ("sessions", &[("token_hash", 't'), ("user_id", 'i'), ("created_at", 'i'), ("expires_at", 'i')], "token_hash"),
    ("votes", &[("paper_id", 't'), ("user_id", 'i'), ("created_at", 'i')], "paper_id, user_id"),
    (
        "paper_stats",
        &[("paper_id", 't'), ("announced_on", 't'), ("upvotes", 'i'), ("comments", 'i'), ("last_activity", 'i')],
        "paper_id",
    ),
    (
        "comments",
        &[
            ("id", 'i'),
            ("paper_id", 't'),
            ("user_id", 'i'),
            ("parent_id", 'i'),
            ("body", 't'),
            ("created_at", 'i'),
            ("hidden", 'i'),
        ],
        "id",
    ),
    (
        "submissions",
        &[("paper_id", 't'), ("user_id", 'i'), ("day", 't'), ("submitted_at", 'i'), ("removed", 'i')],
        "paper_id",
    ),
    (
        "collections",
        &[
            ("id", 'i'),
            ("user_id", 'i'),
            ("name", 't'),
            ("description", 't'),
            ("public", 'i'),
            ("created_at", 'i'),
            ("updated_at", 'i'),
        ],
        "id",
    ),
    ("collection_papers", &[("collection_id", 'i'), ("paper_id", 't'), ("added_at", 'i')], "collection_id, paper_id"),
    (
        "moderation_log",
        &[("id", 'i'), ("admin_id", 'i'), ("action", 't'), ("target", 't'), ("reason", 't'), ("at", 'i')],
        "id",
    ),
    ("paper_ranks", &[("paper_id", 't'), ("score", 'r'), ("refreshed_at", 'i')], "paper_id"),
    (
        "api_tokens",
        &[
            ("id", 'i'),
            ("user_id", 'i'),
            ("name", 't'),
            ("token_hash", 't'),
            ("created_at", 'i'),
            ("last_used_at", 'i'),
            ("revoked_at", 'i'),
        ],
        "id",
    ),
];

fn column_list(columns: Columns) -> String {
    columns.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
}

/// Rows `offset..offset + limit` of a copied table, in key order.
pub fn table_page(db: &mut dyn Db, table: usize, limit: i64, offset: i64) -> Result<Vec<Row>> {
    let (name, columns, key) = COPIED_TABLES[table];
    let sql = format!("SELECT {} FROM {name} ORDER BY {key} LIMIT $1 OFFSET $2", column_list(columns));
    db.query(&sql, &[limit.into(), offset.into()])
}

/// Inserts rows read by [`table_page`]; rows already there are left as they are.
pub fn insert_rows(db: &mut dyn Db, table: usize, rows: &[Row]) -> Result<u64> {
    let (name, columns, _) = COPIED_TABLES[table];
    let mut inserted = 0;
    for row in rows {
        let marks = placeholders(1, columns.len());
        let sql = format!("INSERT INTO {name} ({}) VALUES ({marks}) ON CONFLICT DO NOTHING", column_list(columns));
        let params: Vec<Val> = columns
            .iter()
            .enumerate()
            .map(|(i, (_, ty))| match ty {
                'i' => Val::Int(row.opt_int(i)),
                'r' => Val::Real(Some(row.real(i))),
                _ => Val::Text(row.opt_text(i)),
            })
            .collect();
        inserted += db.execute(&sql, &params)?;
    }
    Ok(inserted)
}

pub fn table_count(db: &mut dyn Db, table: usize) -> Result<i64> {
    let (name, _, _) = COPIED_TABLES[table];
    Ok(db.query_one(&format!("SELECT COUNT(*) FROM {name}"), &[])?.map(|r| r.int(0)).unwrap_or(0))
}

/// After rows were copied in with their ids, PostgreSQL's identity sequences must move past
/// them (SQLite needs nothing: it takes the largest id plus one).
pub fn advance_identities(db: &mut dyn Db) -> Result<()> {
    for table in ["users", "comments", "collections", "moderation_log", "api_tokens"] {
        db.query(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            ),
            &[],
        )?;
    }
    Ok(())
}
