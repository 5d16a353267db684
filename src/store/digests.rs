//! Subscribers and the outbox, in SQL written once for both backends (see `store::db`).

use super::db::{placeholders, Db, Row, Val};
use super::Result;
use crate::digest::{Frequency, Mode, Preferences, Subscriber};

const SUBSCRIBER_COLUMNS: &str =
    "id, email, user_id, confirmed_at, unsubscribed_at, frequency, mode, categories, keywords, \
     muted_words, max_papers, hard_failures, paused_at";

fn list(s: String) -> Vec<String> {
    s.split(',').filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// The preference columns' values, in the order `frequency, mode, categories, keywords,
/// muted_words, max_papers`.
fn prefs_values(p: &Preferences) -> [Val; 6] {
    [
        p.frequency.as_str().into(),
        p.mode.as_str().into(),
        p.categories.join(",").into(),
        p.keywords.join(",").into(),
        p.muted_words.join(",").into(),
        i64::from(p.max_papers).into(),
    ]
}

fn subscriber_from(r: &Row) -> Subscriber {
    Subscriber {
        id: r.int(0),
        email: r.text(1),
        user_id: r.opt_int(2),
        confirmed_at: r.opt_int(3),
        unsubscribed_at: r.opt_int(4),
        prefs: Preferences {
            frequency: Frequency::parse(&r.text(5)),
            mode: Mode::parse(&r.text(6)),
            categories: list(r.text(7)),
            keywords: list(r.text(8)),
            muted_words: list(r.text(9)),
            max_papers: r.int(10).clamp(1, 50) as u32,
        },
        hard_failures: r.int(11),
        paused_at: r.opt_int(12),
    }
}

pub fn subscriber(db: &mut dyn Db, id: i64) -> Result<Option<Subscriber>> {
    let sql = format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = $1");
    Ok(db.query_one(&sql, &[id.into()])?.map(|r| subscriber_from(&r)))
}

pub fn subscriber_by_email(db: &mut dyn Db, email: &str) -> Result<Option<Subscriber>> {
    let sql = format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE email = $1");
    Ok(db.query_one(&sql, &[email.into()])?.map(|r| subscriber_from(&r)))
}

/// What a subscription request led to; the page says the same in every case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscribeOutcome {
    /// A (new) confirmation token was issued: mail it.
    ConfirmationDue { subscriber_id: i64 },
    /// A confirmation went out less than a minute ago: nothing more is sent.
    TooSoon,
    /// Already confirmed: remind the address of its preferences link instead.
    AlreadyConfirmed { subscriber_id: i64 },
}

/// Records a subscription request for `email` with a fresh confirmation token (hashed), unless
/// one was sent in the last minute. An unsubscribed address starts over (it must confirm again).
#[allow(clippy::too_many_arguments)]
pub fn request_subscription(
    db: &mut dyn Db,
    email: &str,
    user_id: Option<i64>,
    prefs: &Preferences,
    token_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<SubscribeOutcome> {
    db.execute(
        "INSERT INTO subscribers (email, user_id, frequency, mode, categories, keywords, muted_words, max_papers, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (email) DO NOTHING",
        &[&[email.into(), user_id.into()][..], &prefs_values(prefs), &[now.into()]].concat(),
    )?;
    let row = db
        .query_one(
            "SELECT id, confirmed_at, unsubscribed_at, confirm_sent_at FROM subscribers WHERE email = $1",
            &[email.into()],
        )?
        .expect("just inserted");
    let (id, confirmed, unsubscribed, sent) = (row.int(0), row.opt_int(1), row.opt_int(2), row.opt_int(3));
    if confirmed.is_some() && unsubscribed.is_none() {
        return Ok(SubscribeOutcome::AlreadyConfirmed { subscriber_id: id });
    }
    if sent.is_some_and(|t| now - t < 60) {
        return Ok(SubscribeOutcome::TooSoon);
    }
    db.execute(
        "UPDATE subscribers SET confirm_hash = $1, confirm_expires_at = $2, confirm_sent_at = $3,
                frequency = $4, mode = $5, categories = $6, keywords = $7, muted_words = $8, max_papers = $9,
                user_id = COALESCE($10, user_id)
         WHERE id = $11",
        &[&[token_hash.into(), expires_at.into(), now.into()][..], &prefs_values(prefs), &[user_id.into(), id.into()]]
            .concat(),
    )?;
    Ok(SubscribeOutcome::ConfirmationDue { subscriber_id: id })
}

/// What a confirmation link found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// Confirmed now.
    Confirmed(i64),
    /// Confirmed before (the link opened again, say by a mail scanner first): nothing changes.
    AlreadyConfirmed(i64),
    /// Unknown, expired, or for an address that has since unsubscribed.
    Expired,
}

/// Confirms the subscription whose token hashes to `token_hash`, if it has not expired. The hash is kept after
/// confirming, so that the same link opened again says "already confirmed" (it never subscribes again an address
/// that unsubscribed since: unsubscribing drops it).
pub fn confirm(db: &mut dyn Db, token_hash: &str, now: i64) -> Result<Confirmation> {
    let Some(row) = db.query_one(
        "SELECT id, confirmed_at, unsubscribed_at, confirm_expires_at FROM subscribers WHERE confirm_hash = $1",
        &[token_hash.into()],
    )?
    else {
        return Ok(Confirmation::Expired);
    };
    let (id, confirmed, unsubscribed, expires) = (row.int(0), row.opt_int(1), row.opt_int(2), row.int(3));
    if confirmed.is_some() && unsubscribed.is_none() {
        return Ok(Confirmation::AlreadyConfirmed(id));
    }
    if expires <= now {
        return Ok(Confirmation::Expired);
    }
    db.execute(
        "UPDATE subscribers SET confirmed_at = $1, unsubscribed_at = NULL, confirm_sent_at = NULL, hard_failures = 0,
                paused_at = NULL
         WHERE id = $2",
        &[now.into(), id.into()],
    )?;
    Ok(Confirmation::Confirmed(id))
}

pub fn unsubscribe(db: &mut dyn Db, id: i64, now: i64) -> Result<bool> {
    let n = db.execute(
        "UPDATE subscribers SET unsubscribed_at = $1, confirm_hash = NULL WHERE id = $2 AND unsubscribed_at IS NULL",
        &[now.into(), id.into()],
    )?;
    // Whatever was queued for the address and not yet sent is dropped.
    db.execute(
        "UPDATE outbox SET status = 'failed', last_error = 'unsubscribed' WHERE subscriber_id = $1 AND status = 'pending'",
        &[id.into()],
    )?;
    Ok(n > 0)
}

pub fn save_preferences(db: &mut dyn Db, id: i64, prefs: &Preferences) -> Result<()> {
    db.execute(
        "UPDATE subscribers SET frequency = $1, mode = $2, categories = $3, keywords = $4, muted_words = $5, max_papers = $6
         WHERE id = $7",
        &[&prefs_values(prefs)[..], &[id.into()]].concat(),
    )?;
    Ok(())
}

/// Confirmed, subscribed, not paused subscribers of a frequency, in id order from `after`.
pub fn active_subscribers(db: &mut dyn Db, frequency: Frequency, after: i64, limit: i64) -> Result<Vec<Subscriber>> {
    let sql = format!(
        "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers
         WHERE frequency = $1 AND confirmed_at IS NOT NULL AND unsubscribed_at IS NULL AND paused_at IS NULL AND id > $2
         ORDER BY id LIMIT $3"
    );
    Ok(db.query(&sql, &[frequency.as_str().into(), after.into(), limit.into()])?.iter().map(subscriber_from).collect())
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// Unique: (subscriber, kind, period). Queuing the same key again does nothing.
    pub key: String,
    /// The digest subscriber it is for (none: mail about an account).
    pub subscriber_id: Option<i64>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub unsubscribe_url: Option<String>,
}

/// Queues messages in one statement per 100; returns how many were new.
pub fn enqueue(db: &mut dyn Db, messages: &[NewMessage], now: i64) -> Result<u64> {
    let mut added = 0;
    for chunk in messages.chunks(100) {
        let mut values = Vec::with_capacity(chunk.len());
        let mut params: Vec<Val> = Vec::with_capacity(chunk.len() * 9);
        for (i, m) in chunk.iter().enumerate() {
            let b = i * 9;
            values.push(format!("({})", placeholders(b + 1, 9)));
            params.extend([
                Val::from(m.key.as_str()),
                Val::from(m.subscriber_id),
                Val::from(m.to.as_str()),
                Val::from(m.subject.as_str()),
                Val::from(m.text.as_str()),
                Val::from(m.html.clone()),
                Val::from(m.unsubscribe_url.clone()),
                Val::from(now),
                Val::from(now),
            ]);
        }
        let sql = format!(
            "INSERT INTO outbox (key, subscriber_id, to_addr, subject, text_body, html_body, unsubscribe_url, next_attempt_at, created_at)
             VALUES {} ON CONFLICT (key) DO NOTHING",
            values.join(", ")
        );
        added += db.execute(&sql, &params)?;
    }
    Ok(added)
}

/// A queued message claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: i64,
    pub key: String,
    pub subscriber_id: Option<i64>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub unsubscribe_url: Option<String>,
    pub attempts: i64,
}

/// Claims up to `limit` due messages for `worker` until `lease_until`: pending ones whose time
/// has come, and ones another worker claimed but did not finish before its lease ran out (it
/// died). The status test is repeated in the outer `WHERE`, so two workers racing for a row
/// on PostgreSQL cannot both get it: the loser re-checks the row after the winner's update.
pub fn claim(db: &mut dyn Db, worker: &str, now: i64, lease_until: i64, limit: i64) -> Result<Vec<Claimed>> {
    let rows = db.query(
        "UPDATE outbox SET status = 'sending', claimed_by = $1, claimed_until = $2
         WHERE id IN (SELECT id FROM outbox
                      WHERE (status = 'pending' AND next_attempt_at <= $3) OR (status = 'sending' AND claimed_until < $3)
                      ORDER BY id LIMIT $4)
           AND ((status = 'pending' AND next_attempt_at <= $3) OR (status = 'sending' AND claimed_until < $3))
         RETURNING id, key, subscriber_id, to_addr, subject, text_body, html_body, unsubscribe_url, attempts",
        &[worker.into(), lease_until.into(), now.into(), limit.into()],
    )?;
    let mut out: Vec<Claimed> = rows
        .iter()
        .map(|r| Claimed {
            id: r.int(0),
            key: r.text(1),
            subscriber_id: r.opt_int(2),
            to: r.text(3),
            subject: r.text(4),
            text: r.text(5),
            html: r.opt_text(6),
            unsubscribe_url: r.opt_text(7),
            attempts: r.int(8),
        })
        .collect();
    out.sort_by_key(|c| c.id);
    Ok(out)
}

/// Messages due now and not claimed by anyone.
pub fn due_count(db: &mut dyn Db, now: i64) -> Result<i64> {
    Ok(db
        .query_one("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1", &[now.into()])?
        .map(|r| r.int(0))
        .unwrap_or(0))
}

/// Records a delivery; only the worker holding the claim can.
/// Mail about an account (no subscriber) holds a working link (password reset, verification):
/// once it is sent or given up, its text goes, so that the store never keeps a usable link.
fn forget_account_mail(db: &mut dyn Db, id: i64) -> Result<()> {
    db.execute(
        "UPDATE outbox SET text_body = '', html_body = NULL WHERE id = $1 AND subscriber_id IS NULL AND status <> 'pending'",
        &[id.into()],
    )?;
    Ok(())
}

pub fn mark_sent(db: &mut dyn Db, id: i64, worker: &str, now: i64) -> Result<bool> {
    let n = db.execute(
        "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL
         WHERE id = $2 AND status = 'sending' AND claimed_by = $3",
        &[now.into(), id.into(), worker.into()],
    )?;
    forget_account_mail(db, id)?;
    db.execute(
        "UPDATE subscribers SET hard_failures = 0 WHERE id = (SELECT subscriber_id FROM outbox WHERE id = $1)",
        &[id.into()],
    )?;
    Ok(n > 0)
}

/// A transient failure: tried again at `retry_at`, or given up after `max_attempts`.
pub fn mark_retry(db: &mut dyn Db, id: i64, worker: &str, error: &str, retry_at: i64, max_attempts: i64) -> Result<()> {
    db.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $1, claimed_by = NULL, claimed_until = NULL,
                status = CASE WHEN attempts + 1 >= $2 THEN 'failed' ELSE 'pending' END, next_attempt_at = $3
         WHERE id = $4 AND status = 'sending' AND claimed_by = $5",
        &[error.into(), max_attempts.into(), retry_at.into(), id.into(), worker.into()],
    )?;
    Ok(())
}

/// A permanent failure: recorded, not retried; the address is paused after `pause_after`
/// hard failures in a row.
pub fn mark_failed(db: &mut dyn Db, id: i64, worker: &str, error: &str, now: i64, pause_after: i64) -> Result<()> {
    let n = db.execute(
        "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $1
         WHERE id = $2 AND status = 'sending' AND claimed_by = $3",
        &[error.into(), id.into(), worker.into()],
    )?;
    forget_account_mail(db, id)?;
    if n > 0 {
        db.execute(
            "UPDATE subscribers SET hard_failures = hard_failures + 1,
                    paused_at = CASE WHEN hard_failures + 1 >= $1 THEN $2 ELSE paused_at END
             WHERE id = (SELECT subscriber_id FROM outbox WHERE id = $3)",
            &[pause_after.into(), now.into(), id.into()],
        )?;
    }
    Ok(())
}

/// The queue at a glance: messages by status, and the latest failures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueSummary {
    pub by_status: Vec<(String, i64)>,
    pub recent_failures: Vec<(String, String, String)>,
    pub paused_addresses: i64,
}

pub fn queue_summary(db: &mut dyn Db) -> Result<QueueSummary> {
    let by_status = db
        .query("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status", &[])?
        .iter()
        .map(|r| (r.text(0), r.int(1)))
        .collect();
    let recent_failures = db
        .query(
            "SELECT key, to_addr, COALESCE(last_error, '') FROM outbox WHERE last_error IS NOT NULL ORDER BY id DESC LIMIT 20",
            &[],
        )?
        .iter()
        .map(|r| (r.text(0), r.text(1), r.text(2)))
        .collect();
    let paused = db
        .query_one("SELECT COUNT(*) FROM subscribers WHERE paused_at IS NOT NULL", &[])?
        .map(|r| r.int(0))
        .unwrap_or(0);
    Ok(QueueSummary { by_status, recent_failures, paused_addresses: paused })
}
