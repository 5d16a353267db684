//! Personal tokens: made with a name and a scope (the API, or read-only feeds), shown once, stored as their SHA-256,
//! listed with their last use, revocable.

use super::{new_token, token_hash, TokenScope};
use crate::store::accounts::{self, ApiToken};
use crate::store::{Store, StoreError};

/// Every API token starts with this, so that it can be told apart (and found by secret scanners).
pub const PREFIX: &str = "pb_";
/// Every feed token (read only) starts with this.
pub const FEED_PREFIX: &str = "pbf_";
/// Longest name, in characters.
pub const MAX_NAME: usize = 60;
/// Live tokens a member may hold.
pub const MAX_TOKENS: usize = 20;

/// Why a token was not made.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("A token's name has 1 to {MAX_NAME} characters.")]
    BadName,
    #[error("You hold {MAX_TOKENS} tokens, the most allowed: revoke one first.")]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Makes a token named `name` for `user_id`: the token itself, to show once.
pub async fn create(store: &Store, user_id: i64, name: &str, scope: TokenScope) -> Result<String, Refused> {
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(Refused::BadName);
    }
    let prefix = match scope {
        TokenScope::Api => PREFIX,
        TokenScope::Feed => FEED_PREFIX,
    };
    let token = format!("{prefix}{}", new_token());
    let (hash, now) = (token_hash(&token), chrono::Utc::now().timestamp());
    let made = store
        .transaction(move |db| {
            if accounts::api_tokens_of(db, user_id)?.len() >= MAX_TOKENS {
                return Ok(false);
            }
            accounts::create_api_token(db, user_id, &name, &hash, scope, now).map(|_| true)
        })
        .await?;
    if made {
        Ok(token)
    } else {
        Err(Refused::TooMany)
    }
}

/// `user_id`'s live tokens.
pub async fn of(store: &Store, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
    store.read(move |db| accounts::api_tokens_of(db, user_id)).await
}

/// Revokes one of `user_id`'s tokens (nothing happens for another's).
pub async fn revoke(store: &Store, user_id: i64, token_id: i64) -> Result<(), StoreError> {
    let now = chrono::Utc::now().timestamp();
    store.transaction(move |db| accounts::revoke_api_token(db, user_id, token_id, now)).await.map(|_| ())
}
