//! Email digests: double opt-in subscriptions, digests composed per subscriber from the
//! trending formula and their preferences, and a durable outbox delivered over SMTP.
//!
//! - `store`: subscribers and the outbox (SQL shared by both backends);
//! - `compose`: which papers go to whom, and the messages (templates in `templates/`);
//! - `mailer`: SMTP (lettre) and the worker that drains the outbox;
//! - `health`: whether this node can deliver mail, for `/admin` and subscribers;
//! - `schedule`: when digests are queued (after each announcement day, and weekly).

pub mod compose;
pub mod health;
pub mod mailer;
pub mod schedule;
pub mod subscriptions;

use crate::accounts;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    /// On every announcement day (weekdays).
    Daily,
    /// Once a week, for the past ISO week.
    Weekly,
}

impl Frequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
        }
    }
    pub fn parse(s: &str) -> Self {
        if s == "weekly" {
            Frequency::Weekly
        } else {
            Frequency::Daily
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The period's top papers by the trending formula.
    Trending,
    /// Papers like the ones the linked account upvoted or collected.
    ForMe,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Trending => "trending",
            Mode::ForMe => "for-me",
        }
    }
    pub fn parse(s: &str) -> Self {
        if s == "for-me" {
            Mode::ForMe
        } else {
            Mode::Trending
        }
    }
}

/// What a subscriber wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub frequency: Frequency,
    pub mode: Mode,
    /// Only papers in one of these (none: all).
    pub categories: Vec<String>,
    /// Only papers mentioning one of these in title or abstract (none: all).
    pub keywords: Vec<String>,
    /// Never papers mentioning one of these.
    pub muted_words: Vec<String>,
    pub max_papers: u32,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            frequency: Frequency::Daily,
            mode: Mode::Trending,
            categories: Vec::new(),
            keywords: Vec::new(),
            muted_words: Vec::new(),
            max_papers: 10,
        }
    }
}

impl Preferences {
    /// Builds preferences from a form's fields, keeping only known categories.
    pub fn from_form(
        frequency: &str,
        mode: &str,
        categories: &str,
        keywords: &str,
        muted: &str,
        max: &str,
    ) -> Result<Self, String> {
        let mut cats = Vec::new();
        for code in categories.split([',', ' ']).map(str::trim).filter(|c| !c.is_empty()) {
            match crate::papers::Category::parse(code) {
                Ok(c) if !cats.contains(&c.code().to_string()) => cats.push(c.code().to_string()),
                Ok(_) => {}
                Err(_) => return Err(format!("{code} is not an arXiv category code")),
            }
        }
        let max_papers = match max.trim() {
            "" => 10,
            m => m.parse::<u32>().ok().filter(|n| (1..=50).contains(n)).ok_or("the number of papers is 1 to 50")?,
        };
        Ok(Self {
            frequency: Frequency::parse(frequency),
            mode: Mode::parse(mode),
            categories: cats,
            keywords: accounts::parse_word_list(keywords),
            muted_words: accounts::parse_word_list(muted),
            max_papers,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    pub id: i64,
    pub email: String,
    pub user_id: Option<i64>,
    pub confirmed_at: Option<i64>,
    pub unsubscribed_at: Option<i64>,
    pub prefs: Preferences,
    pub hard_failures: i64,
    pub paused_at: Option<i64>,
}

/// Signed links in mail: whoever has the link may change the preferences or leave, and nobody
/// can make one for another subscriber without the instance secret.
pub fn link_signature(secret: &[u8], purpose: &str, subscriber_id: i64) -> String {
    accounts::sign(secret, &format!("digest:{purpose}:{subscriber_id}"))
}

pub fn verify_link(secret: &[u8], purpose: &str, subscriber_id: i64, signature: &str) -> bool {
    accounts::verify_signature(secret, &format!("digest:{purpose}:{subscriber_id}"), signature)
}

pub fn unsubscribe_url(public_url: &str, secret: &[u8], subscriber_id: i64) -> String {
    format!(
        "{}/digest/unsubscribe/{subscriber_id}/{}",
        public_url.trim_end_matches('/'),
        link_signature(secret, "unsubscribe", subscriber_id)
    )
}

pub fn preferences_url(public_url: &str, secret: &[u8], subscriber_id: i64) -> String {
    format!(
        "{}/digest/preferences/{subscriber_id}/{}",
        public_url.trim_end_matches('/'),
        link_signature(secret, "preferences", subscriber_id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_bound_to_their_subscriber_and_purpose() {
        let s = link_signature(b"k", "unsubscribe", 7);
        assert!(verify_link(b"k", "unsubscribe", 7, &s));
        assert!(!verify_link(b"k", "unsubscribe", 8, &s));
        assert!(!verify_link(b"k", "preferences", 7, &s));
        assert!(unsubscribe_url("https://p.example/", b"k", 7).starts_with("https://p.example/digest/unsubscribe/7/"));
    }

    #[test]
    fn preferences_from_a_form() {
        let p = Preferences::from_form("weekly", "for-me", "cs.LG, cs.CL cs.LG", "Diffusion", "survey", "5").unwrap();
        assert_eq!((p.frequency, p.mode, p.max_papers), (Frequency::Weekly, Mode::ForMe, 5));
        assert_eq!(p.categories, vec!["cs.LG", "cs.CL"]);
        assert_eq!(p.keywords, vec!["diffusion"]);
        assert!(Preferences::from_form("daily", "trending", "cs.NOPE", "", "", "").is_err());
        assert!(Preferences::from_form("daily", "trending", "", "", "", "500").is_err());
    }
}
