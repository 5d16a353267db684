//! One-time links about accounts (password reset, address verification): only the token's
//! SHA-256 is kept. Written once for both backends over [`Db`](super::db::Db).

use super::db::Db;
use super::Result;

/// What a link's token turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Good, and now used: whose, and the address it was sent to.
    Valid {
        user_id: i64,
        email: String,
    },
    /// Used before, for this address.
    Used {
        user_id: i64,
        email: String,
    },
    Expired,
    Unknown,
}

pub fn create(
    db: &mut dyn Db,
    token_hash: &str,
    user_id: i64,
    purpose: &str,
    email: &str,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    db.execute(
        "INSERT INTO account_tokens (token_hash, user_id, purpose, email, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[token_hash.into(), user_id.into(), purpose.into(), email.into(), now.into(), expires_at.into()],
    )?;
    Ok(())
}

/// Whether the token for `purpose` is there, unused and unexpired.
pub fn works(db: &mut dyn Db, token_hash: &str, purpose: &str, now: i64) -> Result<bool> {
    let row = db.query_one(
        "SELECT 1 FROM account_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at >= $3",
        &[token_hash.into(), purpose.into(), now.into()],
    )?;
    Ok(row.is_some())
}

/// Uses the token for `purpose` (once).
pub fn take(db: &mut dyn Db, token_hash: &str, purpose: &str, now: i64) -> Result<Taken> {
    let Some(r) = db.query_one(
        "SELECT user_id, email, expires_at, used_at FROM account_tokens WHERE token_hash = $1 AND purpose = $2",
        &[token_hash.into(), purpose.into()],
    )?
    else {
        return Ok(Taken::Unknown);
    };
    let (user_id, email) = (r.int(0), r.text(1));
    if r.opt_int(3).is_some() {
        return Ok(Taken::Used { user_id, email });
    }
    if r.int(2) < now {
        return Ok(Taken::Expired);
    }
    let n = db.execute(
        "UPDATE account_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
        &[token_hash.into(), now.into()],
    )?;
    Ok(if n == 1 { Taken::Valid { user_id, email } } else { Taken::Used { user_id, email } })
}

/// Ends every unused link of `user_id` for `purpose` (a new password makes old reset links void).
pub fn void(db: &mut dyn Db, user_id: i64, purpose: &str, now: i64) -> Result<()> {
    db.execute(
        "UPDATE account_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
        &[user_id.into(), purpose.into(), now.into()],
    )?;
    Ok(())
}

/// The account whose verified address is `email` (ignoring case): its id, name and the
/// address as stored.
pub fn user_with_verified_email(db: &mut dyn Db, email: &str) -> Result<Option<(i64, String, String)>> {
    let row = db.query_one(
        "SELECT id, username, email FROM users WHERE lower(email) = lower($1) AND email_verified_at IS NOT NULL",
        &[email.into()],
    )?;
    Ok(row.map(|r| (r.int(0), r.text(1), r.text(2))))
}

/// Marks `email` verified for `user_id`, if that is still the account's address and no other
/// account has it verified. False otherwise.
pub fn set_verified(db: &mut dyn Db, user_id: i64, email: &str, now: i64) -> Result<bool> {
    if user_with_verified_email(db, email)?.is_some_and(|(id, _, _)| id != user_id) {
        return Ok(false);
    }
    let n = db.execute(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $3) WHERE id = $1 AND lower(email) = lower($2)",
        &[user_id.into(), email.into(), now.into()],
    )?;
    Ok(n == 1)
}

/// Whether `user_id`'s address is `email` and verified.
pub fn is_verified(db: &mut dyn Db, user_id: i64, email: &str) -> Result<bool> {
    let row = db.query_one(
        "SELECT 1 FROM users WHERE id = $1 AND lower(email) = lower($2) AND email_verified_at IS NOT NULL",
        &[user_id.into(), email.into()],
    )?;
    Ok(row.is_some())
}
