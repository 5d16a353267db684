//! Form nonces: each form a page draws carries a random nonce, and an action that must not
//! happen twice (a comment, a new collection) claims it in its own transaction, so a form sent
//! twice (a double click, a resent request) is done once. Written once for both backends over
//! [`Db`](super::db::Db).

use super::db::Db;
use super::Result;

/// How long a nonce is remembered.
const KEPT_SECS: i64 = 86_400;

/// Claims `nonce` for `user_id`: `None` when it is new (and now taken), or what the form it
/// came with did the first time (`Some("")` while that first request is still running).
pub fn claim(db: &mut dyn Db, user_id: i64, nonce: &str, now: i64) -> Result<Option<String>> {
    db.execute(
        "DELETE FROM form_nonces WHERE user_id = $1 AND created_at < $2",
        &[user_id.into(), (now - KEPT_SECS).into()],
    )?;
    let n = db.execute(
        "INSERT INTO form_nonces (user_id, nonce, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, nonce) DO NOTHING",
        &[user_id.into(), nonce.into(), now.into()],
    )?;
    if n > 0 {
        return Ok(None);
    }
    let row = db.query_one(
        "SELECT result FROM form_nonces WHERE user_id = $1 AND nonce = $2",
        &[user_id.into(), nonce.into()],
    )?;
    Ok(Some(row.and_then(|r| r.opt_text(0)).unwrap_or_default()))
}

/// What the form with `nonce` did, if it was handled (without claiming it).
pub fn seen(db: &mut dyn Db, user_id: i64, nonce: &str) -> Result<Option<String>> {
    let row = db.query_one(
        "SELECT result FROM form_nonces WHERE user_id = $1 AND nonce = $2",
        &[user_id.into(), nonce.into()],
    )?;
    Ok(row.and_then(|r| r.opt_text(0)))
}

/// Records what the form with `nonce` did (an id), for a repeat to point at.
pub fn settle(db: &mut dyn Db, user_id: i64, nonce: &str, result: &str) -> Result<()> {
    db.execute(
        "UPDATE form_nonces SET result = $3 WHERE user_id = $1 AND nonce = $2",
        &[user_id.into(), nonce.into(), result.into()],
    )?;
    Ok(())
}
