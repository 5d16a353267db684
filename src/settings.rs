//! Typed settings: defaults < config file (`paperboy.toml`, or `--config`) < `PAPERBOY_*`
//! environment variables (nested keys with `__`, e.g. `PAPERBOY_ARXIV__CATEGORIES`).

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Where the SQLite database and local indexes live.
    pub data_dir: PathBuf,
    /// `sqlite://PATH`; defaults to `DATA_DIR/paperboy.db`.
    pub database_url: Option<String>,
    /// Address to serve on; port 0 picks a free port.
    pub bind: String,
    /// Load the bundled sample of real papers into an empty store.
    pub load_sample: bool,
    /// The address users reach this instance at (links in mail and feeds; `https://…` makes
    /// session cookies `Secure`).
    pub public_url: String,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_proxy_headers: bool,
    /// Cached pages, API answers and feeds ask the store whether it moved at most this often
    /// (milliseconds; 0: on every request). Writes made through this node are seen at once;
    /// other nodes' writes within this time.
    pub cache_check_ms: u64,
    pub arxiv: ArxivSettings,
    pub huggingface: HuggingFaceSettings,
    pub community: CommunitySettings,
    pub mail: MailSettings,
    pub digest: DigestSettings,
    pub search: crate::search::SearchSettings,
}

/// A secret from the settings: never printed, not even in debug output.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP (a relay on the same machine or network).
    None,
    /// STARTTLS, required.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// Outgoing mail: the SMTP server and how the outbox is worked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MailSettings {
    /// Run the outbox worker in `serve` (every node may: claims are atomic).
    pub enabled: bool,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The From address, e.g. `paperboy <digest@example.org>`.
    pub from: String,
    pub timeout_secs: u64,
    /// Messages claimed at a time.
    pub batch: u32,
    /// How long a claim lasts: after it, another worker takes the message over.
    pub claim_secs: u64,
    /// First retry after this long, doubling each time (at most an hour).
    pub retry_base_secs: u64,
    /// Attempts before a temporary failure becomes final.
    pub max_attempts: u32,
    /// Permanent failures in a row before an address is paused.
    pub pause_after_failures: u32,
    /// How often the worker looks for due messages.
    pub poll_ms: u64,
}

/// When digests are queued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DigestSettings {
    /// Queue digests from `serve` on schedule.
    pub schedule: bool,
    /// Local time after which the day's digests are queued, `HH:MM`.
    pub send_time: String,
    /// IANA time zone of `send_time`, e.g. `Europe/Berlin`.
    pub timezone: String,
    /// Daily digests on weekdays only (like arXiv's announcements).
    pub weekdays_only: bool,
    /// Weekly digests go out on this day (`mon` … `sun`), for the week before.
    pub weekly_day: String,
    /// How long a confirmation link works.
    pub confirm_hours: u32,
}

/// Accounts, submissions, trending and the limits that keep them civil.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommunitySettings {
    /// How long a login lasts.
    pub session_days: u32,
    /// Papers one user may submit per 24 hours.
    pub submit_daily_cap: u32,
    /// Only papers first announced (or, if unknown, submitted to arXiv) this recently can be
    /// submitted.
    pub submit_max_age_days: u32,
    /// How long a submission waits for arXiv before it is accepted as pending and finished in
    /// the background.
    pub submit_fetch_secs: u64,
    /// How often pending submissions are tried again (0: never on this node).
    pub submit_retry_secs: u64,
    /// How often trending scores are recomputed.
    pub rank_refresh_secs: u64,
    /// Trending considers the papers of this many latest announcement days, plus any paper
    /// with votes or comments in that time.
    pub trending_days: u32,
    /// Rate limits, as "hits per window seconds".
    pub limits: RateLimits,
}

/// Each limit is `[hits, window_seconds]`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct RateLimits {
    /// Login attempts per client address.
    pub login: [u64; 2],
    /// Sign-ups per client address.
    pub signup: [u64; 2],
    /// Submissions per user.
    pub submit: [u64; 2],
    /// Comments per user.
    pub comment: [u64; 2],
    /// Upvotes per user.
    pub vote: [u64; 2],
    /// JSON API requests per client address without a token. Counted in memory by each node
    /// (so behind N nodes a client gets up to N times this), unlike the limits above.
    pub api_anonymous: [u64; 2],
    /// JSON API requests per personal API token, counted like `api_anonymous`.
    pub api_token: [u64; 2],
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArxivSettings {
    pub api_url: String,
    pub oai_url: String,
    pub rss_url: String,
    pub user_agent: String,
    /// arXiv asks for at most one request every 3 seconds.
    pub min_interval_ms: u64,
    pub timeout_secs: u64,
    pub max_retries: u32,
    pub initial_backoff_ms: u64,
    /// Categories followed by `serve`.
    pub categories: Vec<String>,
    /// Fetch new announcement days while serving.
    pub follow: bool,
    pub poll_interval_secs: u64,
    /// How many listing days back `serve` looks for gaps.
    pub lookback_days: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HuggingFaceSettings {
    pub base_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            database_url: None,
            bind: "127.0.0.1:8080".into(),
            load_sample: true,
            arxiv: ArxivSettings {
                api_url: "https://export.arxiv.org/api/query".into(),
                oai_url: "https://oaipmh.arxiv.org/oai".into(),
                rss_url: "https://rss.arxiv.org/rss".into(),
                user_agent: concat!(
                    "paperboy/",
                    env!("CARGO_PKG_VERSION"),
                    " (self-hosted research-paper hub; polite harvesting, 1 request / 3 s)"
                )
                .into(),
                min_interval_ms: 3_000,
                timeout_secs: 60,
                max_retries: 4,
                initial_backoff_ms: 5_000,
                categories: ["cs.AI", "cs.CL", "cs.CV", "cs.LG"].map(String::from).to_vec(),
                follow: true,
                poll_interval_secs: 900,
                lookback_days: 5,
            },
            huggingface: HuggingFaceSettings { base_url: "https://huggingface.co".into() },
            public_url: "http://127.0.0.1:8080".into(),
            mail: MailSettings {
                enabled: true,
                smtp_host: "localhost".into(),
                smtp_port: 25,
                tls: SmtpTls::None,
                username: None,
                password: None,
                from: "paperboy <paperboy@localhost>".into(),
                timeout_secs: 30,
                batch: 50,
                claim_secs: 300,
                retry_base_secs: 30,
                max_attempts: 8,
                pause_after_failures: 3,
                poll_ms: 5_000,
            },
            digest: DigestSettings {
                schedule: true,
                send_time: "07:00".into(),
                timezone: "UTC".into(),
                weekdays_only: true,
                weekly_day: "mon".into(),
                confirm_hours: 48,
            },
            trust_proxy_headers: false,
            cache_check_ms: 250,
            search: crate::search::SearchSettings::default(),
            community: CommunitySettings {
                session_days: 30,
                submit_daily_cap: 5,
                submit_max_age_days: 30,
                submit_fetch_secs: 5,
                submit_retry_secs: 60,
                rank_refresh_secs: 300,
                trending_days: 7,
                limits: RateLimits {
                    login: [10, 300],
                    signup: [5, 3600],
                    submit: [20, 3600],
                    comment: [10, 600],
                    vote: [120, 60],
                    api_anonymous: [600, 60],
                    api_token: [3000, 60],
                },
            },
        }
    }
}

impl Settings {
    /// Loads settings from the layers above. `config` is an explicit file (must exist);
    /// otherwise `paperboy.toml` in the working directory is read if present.
    pub fn load(config: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        fig = match config {
            Some(path) => fig.merge(Toml::file_exact(path)),
            None => fig.merge(Toml::file("paperboy.toml")),
        };
        fig.merge(Env::prefixed("PAPERBOY_").split("__")).extract().map_err(Box::new)
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("paperboy.db").display()))
    }

    /// This node's search index folder.
    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }

    pub fn http(&self) -> crate::ingest::http::HttpSettings {
        crate::ingest::http::HttpSettings {
            user_agent: self.arxiv.user_agent.clone(),
            min_interval: Duration::from_millis(self.arxiv.min_interval_ms),
            timeout: Duration::from_secs(self.arxiv.timeout_secs),
            max_retries: self.arxiv.max_retries,
            initial_backoff: Duration::from_millis(self.arxiv.initial_backoff_ms),
        }
    }
}
