//! Logging in and out, signing up, and what a member changes about their account: the rules
//! and the writes, for the site's pages (and anything else that needs them).

use super::{dummy_hash, hash_password, new_token, token_hash, verify_password, Email, Password, User, Username};
use crate::store::{accounts, Store, StoreError};

/// What a login attempt comes to.
#[derive(Debug)]
pub enum Login {
    Welcome(User),
    Suspended,
    Wrong,
}

/// Checks `name` and `password`, with the same work whether or not the name exists (no timing
/// hint of which names do).
pub async fn log_in(store: &Store, name: &str, password: &str) -> Result<Login, StoreError> {
    let name = name.trim().to_string();
    let found = store.read(move |db| accounts::credentials(db, &name)).await?;
    let password = password.to_string();
    let checked = tokio::task::spawn_blocking(move || match found {
        Some((user, hash)) => verify_password(&hash, &password).then_some(user),
        None => {
            let _ = verify_password(dummy_hash(), &password);
            None
        }
    })
    .await;
    Ok(match checked? {
        Some(u) if u.suspended => Login::Suspended,
        Some(u) => Login::Welcome(u),
        None => Login::Wrong,
    })
}

/// Makes an account; `None` when the name is taken (ignoring case).
pub async fn sign_up(
    store: &Store,
    username: Username,
    email: Option<Email>,
    password: Password,
) -> Result<Option<i64>, StoreError> {
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await?;
    let (name, now) = (username.as_str().to_string(), chrono::Utc::now().timestamp());
    store.transaction(move |db| accounts::create_user(db, &name, email.as_ref().map(|e| e.as_str()), &hash, now)).await
}

/// Starts a session for `user_id` lasting `ttl` seconds: the token for the cookie (a new one at
/// every login; only its hash is stored).
pub async fn start(store: &Store, user_id: i64, ttl: i64) -> Result<String, StoreError> {
    let token = new_token();
    let (hash, now) = (token_hash(&token), chrono::Utc::now().timestamp());
    store.transaction(move |db| accounts::create_session(db, &hash, user_id, now, now + ttl)).await?;
    Ok(token)
}

/// Ends the session whose token hashes to `hash`.
pub async fn end(store: &Store, hash: String) -> Result<(), StoreError> {
    store.transaction(move |db| accounts::delete_session(db, &hash)).await
}

/// Saves a member's email, muted words and default categories (checked by the caller).
pub async fn save_profile(
    store: &Store,
    user_id: i64,
    email: Option<String>,
    muted: Vec<String>,
    categories: Vec<String>,
) -> Result<(), StoreError> {
    store.transaction(move |db| accounts::update_profile(db, user_id, email.as_deref(), &muted, &categories)).await
}

/// Changes `user`'s password if `current` is right (false otherwise), ending every other
/// session of theirs but `keep` (the hash of the one in use).
pub async fn change_password(
    store: &Store,
    user: &User,
    keep: String,
    current: &str,
    new: Password,
) -> Result<bool, StoreError> {
    let name = user.username.clone();
    let found = store.read(move |db| accounts::credentials(db, &name)).await?;
    let current = current.to_string();
    let hash = tokio::task::spawn_blocking(move || {
        let ok = found.is_some_and(|(_, hash)| verify_password(&hash, &current));
        ok.then(|| hash_password(&new))
    })
    .await?;
    let Some(hash) = hash else { return Ok(false) };
    let id = user.id;
    store
        .transaction(move |db| {
            accounts::set_password(db, id, &hash)?;
            // Everywhere else this account was logged in, it is not any more.
            accounts::delete_other_sessions(db, id, &keep)
        })
        .await?;
    Ok(true)
}
