//! The application's state, built once from settings, and the background jobs it runs
//! (follow arXiv, refresh ranks, queue digests, send mail). `server` serves it.

use crate::community::ranking;
use crate::digest::{mailer, schedule};
use crate::ingest::follow::Follower;
use crate::ingest::http::PoliteClient;
use crate::jobs::{Job, Runner};
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::store::Store;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub http: Arc<PoliteClient>,
    /// This process's name among the nodes sharing a store (for leases).
    pub node_id: Arc<str>,
    /// This node's counters (responses, the follower's rounds), rendered at `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The instance's secret (CSRF tokens, signed links): made once, kept in the store, so
    /// every node shares it.
    pub secret: Arc<[u8]>,
    /// This node's search index (opened by `serve`; absent in one-off commands).
    pub search: Option<Arc<crate::search::SearchIndex>>,
    /// This node's recommendation window and members' rankings.
    pub recommender: Arc<crate::recommend::Recommender>,
    /// Whether this node can deliver mail.
    pub mail_health: Arc<crate::digest::health::MailHealth>,
}

/// A name unique to this process: host, pid and a random suffix.
fn node_id() -> Arc<str> {
    use std::hash::{BuildHasher, RandomState};
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "node".into());
    let random = RandomState::new().hash_one(std::time::SystemTime::now());
    format!("{host}-{}-{random:08x}", std::process::id()).into()
}

impl AppState {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = Store::open(&settings.database_url()).await?;
        let http = Arc::new(PoliteClient::new(settings.http()));
        // The instance secret: the first node to start makes it; every other node reads it.
        let secret = store.meta_or_insert("secret_key", crate::accounts::new_token()).await?;
        Ok(Self {
            store,
            settings: Arc::new(settings),
            http,
            node_id: node_id(),
            metrics: Arc::default(),
            secret: Arc::from(secret.into_bytes().into_boxed_slice()),
            search: None,
            recommender: Arc::default(),
            mail_health: Arc::default(),
        })
    }

    /// Where links in mail point, and the key that signs them.
    pub fn links(&self) -> crate::digest::compose::Links {
        crate::digest::compose::Links { public_url: self.settings.public_url.clone(), secret: self.secret.clone() }
    }

    /// The recommender with this node's search index, for jobs.
    pub fn recommending(&self) -> crate::recommend::Recommending {
        crate::recommend::Recommending { recommender: self.recommender.clone(), search: self.search.clone() }
    }

    /// What runs this node's jobs.
    fn runner(&self) -> Runner {
        Runner { store: self.store.clone(), node_id: self.node_id.clone() }
    }
}

/// The lease that makes one node at a time follow arXiv.
pub const FOLLOW_LEASE: &str = "follow-arxiv";

/// Starts the background jobs the settings ask for, each given only what it needs.
pub fn start_jobs(state: &AppState) {
    let runner = state.runner();
    let s = &state.settings;
    if s.arxiv.follow {
        let every = Duration::from_secs(s.arxiv.poll_interval_secs.max(1));
        // Held across a whole catch-up (a few minutes at arXiv's pace) and renewed every round; a
        // node that dies hands over when it expires.
        let lease = Some((every * 2).max(Duration::from_secs(1800)));
        let (store, http, metrics, arxiv) =
            (state.store.clone(), state.http.clone(), state.metrics.clone(), s.arxiv.clone());
        runner.spawn(Job { name: FOLLOW_LEASE, every, lease }, move || {
            let (store, http, metrics, arxiv) = (store.clone(), http.clone(), metrics.clone(), arxiv.clone());
            async move { follow_once(&store, &http, &metrics, &arxiv).await }
        });
    }
    if s.community.rank_refresh_secs > 0 {
        let every = Duration::from_secs(s.community.rank_refresh_secs.max(1));
        let (store, days) = (state.store.clone(), s.community.trending_days);
        runner.spawn(Job { name: ranking::RANK_LEASE, every, lease: Some(every * 2) }, move || {
            let store = store.clone();
            async move {
                let n = ranking::refresh(&store, days, chrono::Utc::now().timestamp()).await?;
                tracing::debug!(papers = n, "trending ranks refreshed");
                Ok(())
            }
        });
    }
    if s.community.submit_retry_secs > 0 {
        let every = Duration::from_secs(s.community.submit_retry_secs);
        let (store, http, community, api_url) =
            (state.store.clone(), state.http.clone(), Arc::new(s.community.clone()), s.arxiv.api_url.clone());
        let lease = Some((every * 10).max(Duration::from_secs(1800)));
        runner.spawn(Job { name: "pending-submissions", every, lease }, move || {
            let (store, http, community, base_url) = (store.clone(), http.clone(), community.clone(), api_url.clone());
            async move {
                let arxiv = crate::ingest::arxiv_api::ArxivApi { http: &http, base_url };
                crate::community::submissions::finish_pending(&store, &community, &arxiv).await?;
                Ok(())
            }
        });
    }
    if s.mail.enabled {
        match mailer::Mailer::new(&s.mail) {
            Ok(mailer) => {
                let mailer = Arc::new(mailer);
                let (store, mail, node) = (state.store.clone(), Arc::new(s.mail.clone()), state.node_id.clone());
                let health = state.mail_health.clone();
                let every = Duration::from_millis(s.mail.poll_ms.max(50));
                runner.spawn(Job { name: "mail-outbox", every, lease: None }, move || {
                    let (store, mailer, mail, node) = (store.clone(), mailer.clone(), mail.clone(), node.clone());
                    let health = health.clone();
                    async move { mailer::drain_logged(&store, &mailer, &mail, &node, &health).await }
                });
            }
            Err(e) => {
                state.mail_health.failing(chrono::Utc::now().timestamp(), &format!("mail settings: {e}"));
                tracing::error!(error = %e, "mail settings are unusable; no mail will be sent");
            }
        }
    } else {
        state.mail_health.set_off();
    }
    if s.digest.schedule {
        let (store, digest) = (state.store.clone(), Arc::new(s.digest.clone()));
        let links = state.links();
        let recommending = state.recommending();
        let every = Duration::from_secs(60);
        runner.spawn(Job { name: schedule::SCHEDULE_LEASE, every, lease: Some(every * 10) }, move || {
            let (store, digest, links, rec) = (store.clone(), digest.clone(), links.clone(), recommending.clone());
            async move { schedule::run_once(&store, &digest, &links, &rec, chrono::Utc::now()).await }
        });
    }
}

/// One round of following arXiv, counted in this node's metrics.
async fn follow_once(
    store: &Store,
    http: &PoliteClient,
    metrics: &Metrics,
    arxiv: &crate::settings::ArxivSettings,
) -> anyhow::Result<()> {
    let follower = Follower {
        store,
        http,
        api_base_url: arxiv.api_url.clone(),
        rss_base_url: arxiv.rss_url.clone(),
        categories: arxiv.categories.clone(),
        lookback_days: arxiv.lookback_days,
    };
    let report = match follower.catch_up(chrono::Utc::now()).await {
        Ok(r) => r,
        Err(e) => {
            metrics.follow_rounds_failed.fetch_add(1, Relaxed);
            return Err(e.into());
        }
    };
    metrics.followed_inserted.fetch_add(report.counts.inserted, Relaxed);
    metrics.followed_updated.fetch_add(report.counts.updated, Relaxed);
    metrics.followed_rejected.fetch_add(report.rejected.len() as u64, Relaxed);
    if report.interrupted.is_some() {
        metrics.follow_rounds_failed.fetch_add(1, Relaxed);
    } else {
        metrics.follow_last_success.store(chrono::Utc::now().timestamp().max(0) as u64, Relaxed);
    }
    Ok(())
}
