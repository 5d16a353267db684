//! SMTP delivery (lettre) and the worker that drains the outbox.
//!
//! Every node runs a worker; rows are claimed atomically (see `store::claim`), so no message
//! goes out twice. A message is marked sent right after the SMTP server accepted it, one at a
//! time: a process killed mid-run can repeat at most the message in flight, and a message
//! claimed by a node that died is taken over when its claim expires.

use super::health::{MailHealth, MailState};
use crate::settings::{MailSettings, SmtpTls};
use crate::store::digests::{self as dstore, Claimed};
use crate::store::Store;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::Message;
use std::time::Duration;

#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// RFC 8058: mail clients may unsubscribe with one POST, no page in between.
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: the server is away, busy, or said 4xx.
    #[error("temporary: {0}")]
    Transient(String),
    /// The server refused for good (5xx), or the message cannot be built.
    #[error("permanent: {0}")]
    Permanent(String),
}

/// Builds the MIME message for a queued row.
pub fn build(from: &Mailbox, m: &Claimed) -> Result<Message, SendError> {
    let to: Mailbox = m.to.parse().map_err(|e| SendError::Permanent(format!("bad recipient: {e}")))?;
    let mut b = Message::builder().from(from.clone()).to(to).subject(m.subject.clone());
    if let Some(url) = &m.unsubscribe_url {
        b = b.header(ListUnsubscribe(format!("<{url}>"))).header(ListUnsubscribePost);
    }
    let msg = match &m.html {
        Some(html) => b.multipart(MultiPart::alternative_plain_html(m.text.clone(), html.clone())),
        None => b.singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(m.text.clone())),
    };
    msg.map_err(|e| SendError::Permanent(format!("message: {e}")))
}

/// One SMTP connection, kept open between messages and opened again after an error.
///
/// lettre speaks SMTP; paperboy opens the TCP connection itself so that it can turn Nagle's
/// algorithm off: lettre writes a message and its final `.` separately, and with Nagle on, each
/// message then waits for the server's delayed ACK (about 40 ms: 25 messages a second).
pub struct Mailer {
    settings: MailSettings,
    from: Mailbox,
    connection: tokio::sync::Mutex<Option<AsyncSmtpConnection>>,
}

impl Mailer {
    pub fn new(s: &MailSettings) -> anyhow::Result<Self> {
        let from: Mailbox = s.from.parse().map_err(|e| anyhow::anyhow!("mail.from {:?}: {e}", s.from))?;
        Ok(Self { settings: s.clone(), from, connection: tokio::sync::Mutex::new(None) })
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let s = &self.settings;
        let timeout = Duration::from_secs(s.timeout_secs.max(1));
        let hello = ClientId::default();
        let transient = |e: &dyn std::fmt::Display| {
            SendError::Transient(format!("connecting to {}:{}: {e}", s.smtp_host, s.smtp_port))
        };
        let mut conn = match s.tls {
            SmtpTls::Tls => {
                let tls = TlsParameters::new(s.smtp_host.clone()).map_err(|e| SendError::Permanent(e.to_string()))?;
                AsyncSmtpConnection::connect_tokio1(
                    (s.smtp_host.as_str(), s.smtp_port),
                    Some(timeout),
                    &hello,
                    Some(tls),
                    None,
                )
                .await
                .map_err(|e| transient(&e))?
            }
            SmtpTls::None | SmtpTls::Starttls => {
                let stream =
                    tokio::time::timeout(timeout, tokio::net::TcpStream::connect((s.smtp_host.as_str(), s.smtp_port)))
                        .await
                        .map_err(|e| transient(&e))?
                        .map_err(|e| transient(&e))?;
                stream.set_nodelay(true).map_err(|e| transient(&e))?;
                let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
                    .await
                    .map_err(|e| transient(&e))?;
                if s.tls == SmtpTls::Starttls {
                    let tls =
                        TlsParameters::new(s.smtp_host.clone()).map_err(|e| SendError::Permanent(e.to_string()))?;
                    conn.starttls(tls, &hello).await.map_err(|e| transient(&e))?;
                }
                conn
            }
        };
        if let (Some(user), Some(password)) = (&s.username, &s.password) {
            let credentials = Credentials::new(user.clone(), password.expose().to_string());
            conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials).await.map_err(|e| {
                if e.is_permanent() {
                    SendError::Permanent(format!("SMTP authentication: {e}"))
                } else {
                    SendError::Transient(format!("SMTP authentication: {e}"))
                }
            })?;
        }
        Ok(conn)
    }

    /// Connects to the SMTP server (and logs in) without sending: whether mail can go out.
    pub async fn check(&self) -> Result<(), SendError> {
        let mut slot = self.connection.lock().await;
        match slot.take() {
            Some(c) if !c.has_broken() => *slot = Some(c),
            _ => *slot = Some(self.connect().await?),
        }
        Ok(())
    }

    pub async fn send(&self, m: &Claimed) -> Result<(), SendError> {
        let msg = build(&self.from, m)?;
        let envelope = msg.envelope().clone();
        let raw = msg.formatted();
        let mut slot = self.connection.lock().await;
        let mut conn = match slot.take() {
            Some(c) if !c.has_broken() => c,
            _ => self.connect().await?,
        };
        let timeout = Duration::from_secs(self.settings.timeout_secs.max(1));
        match tokio::time::timeout(timeout, conn.send(&envelope, &raw)).await {
            Ok(Ok(_)) => {
                *slot = Some(conn);
                Ok(())
            }
            // After an error lettre has closed the connection; the next message opens another.
            Ok(Err(e)) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Ok(Err(e)) => Err(SendError::Transient(e.to_string())),
            Err(_) => Err(SendError::Transient("the SMTP server did not answer in time".into())),
        }
    }
}

/// What a drain did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DrainReport {
    pub sent: u64,
    pub retried: u64,
    pub failed: u64,
    /// Why the last message deferred was deferred (the server unreachable, most often).
    pub last_deferral: Option<String>,
}

/// Backoff before attempt `attempts + 1`: 30 s doubling, at most an hour.
pub fn backoff(base_secs: u64, attempts: i64) -> i64 {
    let exp = attempts.clamp(0, 16) as u32;
    (base_secs.max(1).saturating_mul(1u64 << exp)).min(3600) as i64
}

/// Sends everything due now, claim by claim, until nothing is due.
pub async fn drain(
    store: &Store,
    mailer: &Mailer,
    s: &MailSettings,
    worker: &str,
) -> Result<DrainReport, crate::store::StoreError> {
    let mut report = DrainReport::default();
    loop {
        let now = chrono::Utc::now().timestamp();
        let lease = now + s.claim_secs as i64;
        let w = worker.to_string();
        let batch = s.batch as i64;
        let claimed = store.transaction(move |db| dstore::claim(db, &w, now, lease, batch)).await?;
        if claimed.is_empty() {
            // Another worker may have held the rows this claim wanted (on PostgreSQL the loser of
            // a race gets nothing): stop only when nothing is left to claim.
            if store.read(move |db| dstore::due_count(db, now)).await? == 0 {
                return Ok(report);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        }
        for m in claimed {
            let result = mailer.send(&m).await;
            let now = chrono::Utc::now().timestamp();
            let (id, w) = (m.id, worker.to_string());
            match result {
                Ok(()) => {
                    store.transaction(move |db| dstore::mark_sent(db, id, &w, now)).await?;
                    report.sent += 1;
                }
                Err(SendError::Transient(e)) => {
                    tracing::info!(key = %m.key, error = %e, "mail deferred; will retry");
                    report.last_deferral = Some(e.clone());
                    let retry = now + backoff(s.retry_base_secs, m.attempts);
                    let max = s.max_attempts as i64;
                    store.transaction(move |db| dstore::mark_retry(db, id, &w, &e, retry, max)).await?;
                    report.retried += 1;
                }
                Err(SendError::Permanent(e)) => {
                    tracing::warn!(key = %m.key, error = %e, "mail refused for good");
                    let pause = s.pause_after_failures as i64;
                    store.transaction(move |db| dstore::mark_failed(db, id, &w, &e, now, pause)).await?;
                    report.failed += 1;
                }
            }
        }
    }
}

/// One drain of the outbox, logged, keeping `health` up to date: what the mail worker job runs
/// (see `app`). While mail is failing and nothing is due, the server is asked again once a
/// minute, so that `/admin` and subscribers learn when it works again.
pub async fn drain_logged(
    store: &Store,
    mailer: &Mailer,
    settings: &MailSettings,
    node_id: &str,
    health: &MailHealth,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now().timestamp();
    let r = drain(store, mailer, settings, node_id).await?;
    if r != DrainReport::default() {
        tracing::info!(sent = r.sent, retried = r.retried, failed = r.failed, "outbox drained");
    }
    match (&r.last_deferral, r.sent) {
        (Some(e), 0) => note_failure(health, now, e),
        (_, n) if n > 0 => health.working(now),
        _ => {
            if matches!(health.get(), MailState::Unknown) || health.recheck_due(now) {
                check(mailer, health).await;
            }
        }
    }
    Ok(())
}

fn note_failure(health: &MailHealth, now: i64, error: &str) {
    if health.failing(now, error) {
        tracing::warn!(
            error,
            "mail cannot be delivered: confirmations and digests wait in the outbox until the SMTP server \
             ([mail] smtp_host, smtp_port) answers; /admin shows the outbox"
        );
    }
}

/// Asks the SMTP server whether it answers, and records it in `health` (a warning the first
/// time it does not): what `serve` does at start.
pub async fn check(mailer: &Mailer, health: &MailHealth) {
    let now = chrono::Utc::now().timestamp();
    match mailer.check().await {
        Ok(()) => health.working(now),
        Err(SendError::Transient(e) | SendError::Permanent(e)) => note_failure(health, now, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(30, 0), 30);
        assert_eq!(backoff(30, 1), 60);
        assert_eq!(backoff(30, 3), 240);
        assert_eq!(backoff(30, 40), 3600);
    }

    #[test]
    fn messages_carry_both_parts_and_one_click_unsubscribe() {
        let m = Claimed {
            id: 1,
            key: "k".into(),
            subscriber_id: Some(1),
            to: "ada@example.org".into(),
            subject: "Top papers".into(),
            text: "plain".into(),
            html: Some("<p>html</p>".into()),
            unsubscribe_url: Some("https://p.example/digest/unsubscribe/1/sig".into()),
            attempts: 0,
        };
        let from: Mailbox = "paperboy <digest@p.example>".parse().unwrap();
        let raw = String::from_utf8(build(&from, &m).unwrap().formatted()).unwrap();
        assert!(raw.contains("List-Unsubscribe: <https://p.example/digest/unsubscribe/1/sig>"), "{raw}");
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(raw.contains("multipart/alternative") && raw.contains("text/plain") && raw.contains("text/html"));
        let bad = Claimed { to: "ada@example.org\r\nBcc: x@y.org".into(), ..m };
        assert!(matches!(build(&from, &bad), Err(SendError::Permanent(_))));
    }
}
