//! The application: state built once from settings, the HTTP server, and the background
//! follower that keeps the store current.

use crate::ingest::follow::Follower;
use crate::ingest::http::PoliteClient;
use crate::settings::Settings;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub http: Arc<PoliteClient>,
    /// This process's name among the nodes sharing a store (for leases).
    pub node_id: Arc<str>,
    pub metrics: Arc<crate::web::Metrics>,
    pub pages: Arc<crate::web::PageCache>,
    /// The instance's secret (CSRF tokens, signed links): made once, kept in the store, so
    /// every node shares it.
    pub secret: Arc<[u8]>,
    /// This node's search index (opened by `serve`; absent in one-off commands).
    pub search: Option<Arc<crate::search::SearchIndex>>,
    /// This node's JSON API request counters (per address and per token).
    pub api_limits: Arc<crate::web::RateWindows>,
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
        let secret = load_secret(&store).await?;
        Ok(Self {
            store,
            settings: Arc::new(settings),
            http,
            node_id: node_id(),
            metrics: Arc::default(),
            pages: Arc::default(),
            secret,
            search: None,
            api_limits: Arc::default(),
        })
    }
}

/// The instance secret: the first node to start makes it; every other node reads it.
async fn load_secret(store: &Store) -> anyhow::Result<Arc<[u8]>> {
    let candidate = crate::accounts::new_token();
    let secret = store
        .transaction(move |db| {
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('secret_key', $1) ON CONFLICT (key) DO NOTHING",
                &[candidate.into()],
            )?;
            Ok(db
                .query_one("SELECT value FROM meta WHERE key = 'secret_key'", &[])?
                .map(|r| r.text(0))
                .unwrap_or_default())
        })
        .await?;
    Ok(Arc::from(secret.into_bytes().into_boxed_slice()))
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Opens the store, loads the sample into an empty one, and binds the port.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let mut state = AppState::build(settings).await?;
        if state.settings.load_sample {
            let report = crate::sample::load_if_empty(&state.store).await?;
            if let Some(r) = report {
                tracing::info!(inserted = r.counts.inserted, "loaded the bundled sample of real arXiv papers");
            }
        }
        if state.settings.search.enabled {
            let index = crate::search::SearchIndex::open(&state.settings.index_dir(), state.settings.search.clone())?;
            state.search = Some(Arc::new(index));
        }
        let listener = TcpListener::bind(&state.settings.bind).await?;
        Ok(Self { listener, state })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the process is stopped.
    pub async fn run(self) -> anyhow::Result<()> {
        if self.state.settings.arxiv.follow {
            tokio::spawn(follow_loop(self.state.clone()));
        }
        let router = crate::web::router(self.state.clone());
        tracing::info!(addr = %self.listener.local_addr()?, "serving");
        if self.state.settings.community.rank_refresh_secs > 0 {
            tokio::spawn(crate::ranking::refresh_loop(self.state.clone()));
        }
        if self.state.settings.mail.enabled {
            tokio::spawn(crate::digest::mailer::worker_loop(self.state.clone()));
        }
        if self.state.settings.digest.schedule {
            tokio::spawn(crate::digest::schedule::schedule_loop(self.state.clone()));
        }
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let search_task = self.state.search.clone().map(|index| {
            let http = reqwest::Client::new();
            tokio::spawn(crate::search::load_model(index.clone(), http, self.state.settings.data_dir.clone()));
            tokio::spawn(crate::search::follow(index, self.state.store.clone(), stopped))
        });
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(self.listener, service).with_graceful_shutdown(shutdown_signal()).await?;
        // Let the search follower save the vector index before the process ends.
        let _ = stop.send(true);
        if let Some(task) = search_task {
            let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
        }
        Ok(())
    }
}

/// The lease that makes one node at a time follow arXiv.
pub const FOLLOW_LEASE: &str = "follow-arxiv";

async fn follow_loop(state: AppState) {
    let interval = Duration::from_secs(state.settings.arxiv.poll_interval_secs.max(1));
    // Held across a whole catch-up (a few minutes at arXiv's pace) and renewed every round; a
    // node that dies hands over when it expires.
    let ttl = (interval * 2).max(Duration::from_secs(1800));
    loop {
        match state.store.try_lease(FOLLOW_LEASE, &state.node_id, ttl).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!("another node follows arXiv");
                tokio::time::sleep(interval).await;
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not take the follow lease");
                tokio::time::sleep(interval).await;
                continue;
            }
        }
        let follower = Follower {
            store: &state.store,
            http: &state.http,
            api_base_url: state.settings.arxiv.api_url.clone(),
            rss_base_url: state.settings.arxiv.rss_url.clone(),
            categories: state.settings.arxiv.categories.clone(),
            lookback_days: state.settings.arxiv.lookback_days,
        };
        match follower.catch_up(chrono::Utc::now()).await {
            Ok(report) => {
                use std::sync::atomic::Ordering::Relaxed;
                let m = &state.metrics;
                m.followed_inserted.fetch_add(report.counts.inserted, Relaxed);
                m.followed_updated.fetch_add(report.counts.updated, Relaxed);
                m.followed_rejected.fetch_add(report.rejected.len() as u64, Relaxed);
                if report.interrupted.is_some() {
                    m.follow_rounds_failed.fetch_add(1, Relaxed);
                } else {
                    m.follow_last_success.store(chrono::Utc::now().timestamp().max(0) as u64, Relaxed);
                }
            }
            Err(e) => {
                state.metrics.follow_rounds_failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::warn!(error = %e, "catching up with arXiv failed; will retry");
            }
        }
        tokio::time::sleep(interval).await;
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
