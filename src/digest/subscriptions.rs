//! Subscribing to the digest with double opt-in, and what a subscriber changes later: the
//! rules and the writes, for the subscription pages (the CLI has its own, in `cli/digests.rs`).
//!
//! A request queues its confirmation mail in the same transaction that records it: the mail
//! goes out exactly when the request stuck, never twice (the outbox's key).

use super::compose::{self, Links};
use super::{verify_link, Preferences, Subscriber};
use crate::accounts::{new_token, token_hash, Email};
use crate::store::digests::{self as stored, SubscribeOutcome};
use crate::store::{Store, StoreError};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Asks to subscribe `email` (for member `user_id`, when it is theirs): a confirmation link
/// valid `confirm_hours`, or a note that the address is subscribed already; nothing when
/// asked again too soon.
pub async fn request(
    store: &Store,
    links: &Links,
    email: &Email,
    user_id: Option<i64>,
    prefs: Preferences,
    confirm_hours: i64,
) -> Result<(), StoreError> {
    let token = new_token();
    let (hash, now, links) = (token_hash(&token), now(), links.clone());
    let (address, frequency) = (email.as_str().to_string(), prefs.frequency);
    store
        .transaction(move |db| {
            let expires = now + confirm_hours * 3600;
            let message = match stored::request_subscription(db, &address, user_id, &prefs, &hash, now, expires)? {
                SubscribeOutcome::ConfirmationDue { subscriber_id } => {
                    Some(compose::confirmation(&links, subscriber_id, &address, frequency, &token, confirm_hours))
                }
                SubscribeOutcome::AlreadyConfirmed { subscriber_id } => {
                    Some(compose::already_subscribed(&links, subscriber_id, &address, now))
                }
                SubscribeOutcome::TooSoon => None,
            };
            if let Some(m) = message {
                stored::enqueue(db, &[m], now)?;
            }
            Ok(())
        })
        .await
}

/// Confirms the subscription whose link carried `token`: its subscriber, or `None` for an
/// unknown or expired link.
pub async fn confirm(store: &Store, token: &str) -> Result<stored::Confirmation, StoreError> {
    let hash = token_hash(token);
    store.transaction(move |db| stored::confirm(db, &hash, now())).await
}

/// The subscriber a signed link names (`purpose`: `preferences`, `unsubscribe`); `None` for a
/// bad signature as for an unknown subscriber.
pub async fn from_link(
    store: &Store,
    secret: &[u8],
    purpose: &str,
    id: i64,
    sig: &str,
) -> Result<Option<Subscriber>, StoreError> {
    if !verify_link(secret, purpose, id, sig) {
        return Ok(None);
    }
    store.read(move |db| stored::subscriber(db, id)).await
}

pub async fn save_preferences(store: &Store, id: i64, prefs: Preferences) -> Result<(), StoreError> {
    store.transaction(move |db| stored::save_preferences(db, id, &prefs)).await
}

pub async fn unsubscribe(store: &Store, id: i64) -> Result<(), StoreError> {
    store.transaction(move |db| stored::unsubscribe(db, id, now())).await.map(|_| ())
}
