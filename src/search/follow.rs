//! A node's search index following the store ([`follow`]), and the embedding model found, fetched and attached
//! ([`load_model`]).

use super::embed::Embedder;
use super::{model, SearchIndex};
use crate::store::Store;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Keeps `index` following the store until `shutdown` fires: keyword first (fast), then
/// vectors (embedding is the slow part).
pub async fn follow(index: Arc<SearchIndex>, store: Store, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let poll = Duration::from_millis(index.settings.poll_ms.max(50));
    let mut told = Instant::now();
    loop {
        let mut busy = false;
        match index.sync_keyword(&store, 1_000).await {
            Ok(n) => busy |= n > 0,
            Err(e) => tracing::warn!(error = %e, "keyword index sync failed"),
        }
        if !busy {
            // Told to stop while embedding: the batch in flight is dropped (its cursor not advanced, so the next start
            // embeds it again) rather than waited for, so that the process ends within a second or two.
            tokio::select! {
                r = index.sync_vectors(&store, index.settings.embed_batch) => match r {
                    Ok(n) => {
                        busy |= n > 0;
                        if n > 0 && told.elapsed() >= Duration::from_secs(30) {
                            told = Instant::now();
                            index.log_progress();
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "vector index sync failed"),
                },
                _ = shutdown.changed() => break,
            }
        }
        if busy {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = shutdown.changed() => break,
        }
    }
    if let Err(e) = index.save_vectors(true) {
        tracing::warn!(error = %e, "saving the vector index failed");
    }
}

/// Loads the model when it is there, or fetches it first when allowed; then attaches it.
pub async fn load_model(index: Arc<SearchIndex>, http: reqwest::Client, data_dir: PathBuf) {
    let dir = index.settings.model_dir(&data_dir);
    if !Embedder::available(&dir) {
        if !index.settings.fetch_model {
            tracing::info!(dir = %dir.display(), "no embedding model; semantic search is off");
            return;
        }
        if let Err(e) = model::fetch(&http, &index.settings, &dir).await {
            tracing::warn!(error = %e, "could not fetch the embedding model; semantic search is off");
            return;
        }
    }
    let settings = index.settings.clone();
    match tokio::task::spawn_blocking(move || settings.load_embedder(&dir)).await {
        Ok(Ok(embedder)) => {
            if let Err(e) = index.attach_embedder(Arc::new(embedder)) {
                tracing::warn!(error = %e, "could not open the vector index");
            }
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "could not load the embedding model; semantic search is off"),
        Err(e) => tracing::warn!(error = %e, "model loading panicked"),
    }
}
