//! Members' accounts, their login sessions and their personal API tokens. Written once for both backends over
//! [`Db`](super::db::Db); run them with `Store::transaction` or `Store::read`.

use super::db::{Db, Row};
use super::Result;
use crate::accounts::{Role, TokenScope, User};

const USER_COLUMNS: &str =
    "u.id, u.username, u.email, u.role, u.suspended, u.muted_words, u.default_categories, u.created_at, \
     u.email_verified_at";

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
        email_verified: r.opt_int(8).is_some(),
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
            crate::accounts::username_key(username).into(),
            email.map(str::to_string).into(),
            password_hash.into(),
            now.into(),
        ],
    )?;
    Ok(row.map(|r| r.int(0)))
}

pub fn user_by_name(db: &mut dyn Db, username: &str) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username_key = $1");
    Ok(db.query_one(&sql, &[crate::accounts::username_key(username).into()])?.map(|r| user_from(&r)))
}

pub fn user_by_id(db: &mut dyn Db, id: i64) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    Ok(db.query_one(&sql, &[id.into()])?.map(|r| user_from(&r)))
}

/// The user and their password hash, for logging in.
pub fn credentials(db: &mut dyn Db, username: &str) -> Result<Option<(User, String)>> {
    let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username_key = $1");
    Ok(db.query_one(&sql, &[crate::accounts::username_key(username).into()])?.map(|r| (user_from(&r), r.text(9))))
}

/// Sets a password; the account's unused password-reset links stop working.
pub fn set_password(db: &mut dyn Db, user_id: i64, hash: &str) -> Result<()> {
    db.execute("UPDATE users SET password_hash = $1 WHERE id = $2", &[hash.into(), user_id.into()])?;
    super::account_tokens::void(db, user_id, "reset", chrono::Utc::now().timestamp())
}

/// Revokes every API token of the account (a password reset: whoever knew the old password may
/// have made one).
pub fn revoke_all_api_tokens(db: &mut dyn Db, user_id: i64, now: i64) -> Result<()> {
    db.execute(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        &[now.into(), user_id.into()],
    )?;
    Ok(())
}

pub fn update_profile(
    db: &mut dyn Db,
    user_id: i64,
    email: Option<&str>,
    muted_words: &[String],
    default_categories: &[String],
) -> Result<()> {
    // A new address is not verified (the same one, in another case, stays as it was), and
    // reset links sent to the old one stop working.
    let changed = db.execute(
        "UPDATE users SET email_verified_at = NULL WHERE id = $2 AND (email IS NULL OR $1 IS NULL OR lower(email) <> lower($1))",
        &[email.map(str::to_string).into(), user_id.into()],
    )?;
    if changed > 0 {
        super::account_tokens::void(db, user_id, "reset", chrono::Utc::now().timestamp())?;
    }
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
        &[role.as_str().into(), crate::accounts::username_key(username).into()],
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
    pub scope: TokenScope,
}

pub fn create_api_token(
    db: &mut dyn Db,
    user_id: i64,
    name: &str,
    token_hash: &str,
    scope: TokenScope,
    now: i64,
) -> Result<i64> {
    let r = db.query_one(
        "INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        &[user_id.into(), name.into(), token_hash.into(), scope.as_str().into(), now.into()],
    )?;
    Ok(r.map(|r| r.int(0)).unwrap_or_default())
}

/// The live (not revoked) tokens of a user, newest first.
pub fn api_tokens_of(db: &mut dyn Db, user_id: i64) -> Result<Vec<ApiToken>> {
    let rows = db.query(
        "SELECT id, name, created_at, last_used_at, scope FROM api_tokens
         WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id DESC",
        &[user_id.into()],
    )?;
    Ok(rows
        .iter()
        .map(|r| ApiToken {
            id: r.int(0),
            name: r.text(1),
            created_at: r.int(2),
            last_used_at: r.opt_int(3),
            scope: TokenScope::parse(&r.text(4)),
        })
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

/// A live token of a user who is not suspended: its id, when it was last used, its scope and the user.
pub fn api_token_user(db: &mut dyn Db, token_hash: &str) -> Result<Option<(i64, Option<i64>, TokenScope, User)>> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, t.id, t.last_used_at, t.scope FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.suspended = 0"
    );
    Ok(db
        .query_one(&sql, &[token_hash.into()])?
        .map(|r| (r.int(9), r.opt_int(10), TokenScope::parse(&r.text(11)), user_from(&r))))
}

pub fn touch_api_token(db: &mut dyn Db, token_id: i64, now: i64) -> Result<()> {
    db.execute("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", &[now.into(), token_id.into()])?;
    Ok(())
}

/// The live token's id, scope and member; its last use is recorded at most once a minute, so
/// that most requests only read.
pub async fn token_user(store: &super::Store, token: &str) -> Result<Option<(i64, TokenScope, User)>> {
    let hash = crate::accounts::token_hash(token);
    let Some((id, last_used, scope, user)) = store.read(move |db| api_token_user(db, &hash)).await? else {
        return Ok(None);
    };
    let now = chrono::Utc::now().timestamp();
    if last_used.is_none_or(|t| now - t >= 60) {
        store.transaction(move |db| touch_api_token(db, id, now)).await?;
    }
    Ok(Some((id, scope, user)))
}
