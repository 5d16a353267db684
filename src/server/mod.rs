//! The HTTP server: the site's pages (`web`), the JSON APIs (`api`) and the operator's
//! endpoints, under one request context; and [`Application`], which opens the state, starts
//! the background jobs and serves.
//!
//! What both surfaces share lives here: [`Site`] (the application plus this node's caches),
//! the request id, the cache of rendered answers and the in-memory request counters.

pub mod cache;
pub mod headers;
mod ops;
pub mod ratelimit;
pub mod request;
pub mod site;

use crate::app::{start_jobs, AppState};
use crate::settings::Settings;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;
use site::Site;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Every route of this node.
pub fn router(app: AppState) -> Router {
    let site = Site::new(app.clone());
    Router::new()
        .merge(crate::web::router(site.clone()))
        .merge(crate::api::router(&site))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/csp-reports", post(headers::csp_report).layer(DefaultBodyLimit::max(16 * 1024)))
        .layer(middleware::map_response(headers::secure))
        .layer(middleware::from_fn_with_state(app, request::context))
        .with_state(site)
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
            let index = crate::search::SearchIndex::open(&state.settings.index_dir(), state.settings.search.clone())?
                .with_node(&state.node_id);
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
        start_jobs(&self.state);
        let router = router(self.state.clone());
        tracing::info!(addr = %self.listener.local_addr()?, "serving");
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
