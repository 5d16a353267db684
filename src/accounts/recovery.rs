//! Getting back into an account, and proving an address is one's own: password-reset links
//! and address-verification links, sent by mail through the outbox. Each link is random, works
//! once, expires, and only its hash is kept. Asking for a reset answers the same whether or not
//! the address belongs to an account, and only a verified address gets one.

use super::{hash_password, new_token, token_hash, Password};
use crate::digest::compose::{render, Links};
use crate::store::account_tokens::{self, Taken};
use crate::store::digests::{self as outbox, NewMessage};
use crate::store::{accounts, Store, StoreError};

/// How long a reset link works.
pub const RESET_MINUTES: i64 = 60;
/// How long a verification link works.
pub const VERIFY_HOURS: i64 = 48;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Mails a reset link to the account whose verified address is `email`, if there is one; at
/// most one such mail per account in ten minutes (no mail bombing through the form).
pub async fn request_reset(store: &Store, links: &Links, email: &str) -> Result<(), StoreError> {
    let (email, links) = (email.to_string(), links.clone());
    store
        .transaction(move |db| {
            let Some((user_id, username, email)) = account_tokens::user_with_verified_email(db, &email)? else {
                return Ok(());
            };
            let (now, token) = (now(), new_token());
            let ctx = minijinja::context! {
                public_url => links.base(), username, minutes => RESET_MINUTES,
                reset_url => format!("{}/password/reset?token={token}", links.base()),
            };
            let message = NewMessage {
                key: format!("reset:{user_id}:{}", now / 600),
                subscriber_id: None,
                to: email.clone(),
                subject: "Choose a new paperboy password".into(),
                text: render("reset.txt", ctx),
                html: None,
                unsubscribe_url: None,
            };
            if outbox::enqueue(db, &[message], now)? == 1 {
                account_tokens::create(
                    db,
                    &token_hash(&token),
                    user_id,
                    "reset",
                    &email,
                    now,
                    now + RESET_MINUTES * 60,
                )?;
            }
            Ok(())
        })
        .await
}

/// What a link came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkOutcome {
    /// Done, for this account and address.
    Done {
        user_id: i64,
        email: String,
    },
    /// Used before (an address: it is verified already).
    Used,
    Expired,
    /// Not a link paperboy made, or for an address that is not the account's any more.
    Invalid,
    /// Another account verified this address first.
    Taken,
}

/// Sets a new password through a reset link sent to the account's verified address as it
/// still is: every session and API token of the account ends, and its other reset links stop
/// working. A link that cannot work costs no password hash.
pub async fn reset_password(store: &Store, token: &str, password: Password) -> Result<LinkOutcome, StoreError> {
    if !reset_link_works(store, token).await? {
        return Ok(LinkOutcome::Invalid);
    }
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await?;
    let token_hash = token_hash(token);
    store
        .transaction(move |db| {
            let now = now();
            Ok(match account_tokens::take(db, &token_hash, "reset", now)? {
                Taken::Valid { user_id, email } if account_tokens::is_verified(db, user_id, &email)? => {
                    accounts::set_password(db, user_id, &hash)?;
                    accounts::delete_other_sessions(db, user_id, "")?;
                    accounts::revoke_all_api_tokens(db, user_id, now)?;
                    account_tokens::void(db, user_id, "reset", now)?;
                    LinkOutcome::Done { user_id, email }
                }
                Taken::Valid { .. } | Taken::Unknown => LinkOutcome::Invalid,
                Taken::Used { .. } => LinkOutcome::Used,
                Taken::Expired => LinkOutcome::Expired,
            })
        })
        .await
}

/// Whether `token` is a reset link that still works (the form is shown only then).
pub async fn reset_link_works(store: &Store, token: &str) -> Result<bool, StoreError> {
    let hash = token_hash(token);
    store.read(move |db| account_tokens::works(db, &hash, "reset", now())).await
}

/// Whether `token` is a verification link that still works (the button is shown only then).
pub async fn verify_link_works(store: &Store, token: &str) -> Result<bool, StoreError> {
    let hash = token_hash(token);
    store.read(move |db| account_tokens::works(db, &hash, "verify", now())).await
}

/// Mails `email` a link that verifies it as `user_id`'s address (`username` for the text).
pub async fn send_verification(
    store: &Store,
    links: &Links,
    user_id: i64,
    username: &str,
    email: &str,
) -> Result<(), StoreError> {
    let (email, links, username) = (email.to_string(), links.clone(), username.to_string());
    store
        .transaction(move |db| {
            let (now, token) = (now(), new_token());
            let hash = token_hash(&token);
            let ctx = minijinja::context! {
                public_url => links.base(), username, email => &email, hours => VERIFY_HOURS,
                verify_url => format!("{}/email/verify?token={token}", links.base()),
            };
            let message = NewMessage {
                key: format!("verify:{user_id}:{}", &hash[..16]),
                subscriber_id: None,
                to: email.clone(),
                subject: "Confirm your address for paperboy".into(),
                text: render("verify.txt", ctx),
                html: None,
                unsubscribe_url: None,
            };
            outbox::enqueue(db, &[message], now)?;
            account_tokens::create(db, &hash, user_id, "verify", &email, now, now + VERIFY_HOURS * 3600)
        })
        .await
}

/// Verifies an address through its link. Opened twice (mail scanners open links first), it
/// says the address is verified already.
pub async fn verify_email(store: &Store, token: &str) -> Result<LinkOutcome, StoreError> {
    let hash = token_hash(token);
    store
        .transaction(move |db| {
            let now = now();
            Ok(match account_tokens::take(db, &hash, "verify", now)? {
                Taken::Valid { user_id, email } => {
                    if account_tokens::set_verified(db, user_id, &email, now)? {
                        LinkOutcome::Done { user_id, email }
                    } else if account_tokens::user_with_verified_email(db, &email)?.is_some() {
                        LinkOutcome::Taken
                    } else {
                        LinkOutcome::Invalid
                    }
                }
                Taken::Used { user_id, email } if account_tokens::is_verified(db, user_id, &email)? => {
                    LinkOutcome::Used
                }
                Taken::Used { .. } | Taken::Unknown => LinkOutcome::Invalid,
                Taken::Expired => LinkOutcome::Expired,
            })
        })
        .await
}
