//! Whether this node can deliver mail: checked at start (a connection to the SMTP server, no
//! message), then kept up to date by the mail worker. `/admin` shows it, and the subscribe form
//! tells a subscriber the truth when mail is off or failing.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

/// What this node knows of its mail.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MailState {
    /// Not checked yet.
    #[default]
    Unknown,
    /// `mail.enabled` is false: nothing is ever sent.
    Off,
    /// The SMTP server answered (Unix seconds).
    Working { since: i64 },
    /// The SMTP server could not be reached or refused to talk (Unix seconds, why).
    Failing { since: i64, error: String },
}

/// This node's mail state, shared by the worker and the pages.
#[derive(Debug, Default)]
pub struct MailHealth {
    state: Mutex<MailState>,
    /// When a failing server was last asked again (Unix seconds).
    rechecked: AtomicI64,
}

impl MailHealth {
    pub fn get(&self) -> MailState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Whether a failing server is due to be asked again: once a minute.
    pub fn recheck_due(&self, now: i64) -> bool {
        if !matches!(self.get(), MailState::Failing { .. }) || now - self.rechecked.load(Ordering::Relaxed) < 60 {
            return false;
        }
        self.rechecked.store(now, Ordering::Relaxed);
        true
    }

    pub fn set_off(&self) {
        self.set(MailState::Off);
    }

    /// Records that the server answered (keeps the time it started answering).
    pub fn working(&self, now: i64) {
        if !matches!(self.get(), MailState::Working { .. }) {
            self.set(MailState::Working { since: now });
        }
    }

    /// Records a failure to reach the server (keeps the time failures started). True when
    /// this is news (mail was not failing before), so that it is logged once.
    pub fn failing(&self, now: i64, error: &str) -> bool {
        match self.get() {
            MailState::Failing { since, .. } => {
                self.set(MailState::Failing { since, error: error.to_string() });
                false
            }
            _ => {
                self.set(MailState::Failing { since: now, error: error.to_string() });
                true
            }
        }
    }

    fn set(&self, state: MailState) {
        if let Ok(mut s) = self.state.lock() {
            *s = state;
        }
    }
}
