//! Background work that repeats: one runner for every job (follow arXiv, refresh ranks,
//! queue digests, drain the mail outbox), each run inside its own tracing span.
//!
//! A job that only one node at a time should do takes a lease in the store before each run;
//! a node that dies hands over when its lease expires. A job without a lease runs on every
//! node (the mail worker: claims in the outbox already keep nodes apart).

use crate::store::Store;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// What to run, how often, and under which lease.
#[derive(Debug, Clone)]
pub struct Job {
    /// The job's name: its lease's name too, and its span's.
    pub name: &'static str,
    /// The pause after each run.
    pub every: Duration,
    /// How long a lease lasts (`None`: every node runs the job).
    pub lease: Option<Duration>,
}

/// Who runs jobs: the store that holds the leases, and this node's name among the nodes.
#[derive(Clone)]
pub struct Runner {
    pub store: Store,
    pub node_id: Arc<str>,
}

impl Runner {
    /// Runs `work` forever: takes the lease (if any), runs once inside a `job` span, logs a
    /// failure with its cause, sleeps `job.every`, and again.
    pub async fn run<F, Fut>(self, job: Job, mut work: F)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = anyhow::Result<()>>,
    {
        let mut run: u64 = 0;
        loop {
            run += 1;
            let span = tracing::info_span!("job", name = job.name, run);
            async {
                if self.holds_lease(&job).await {
                    if let Err(e) = work().await {
                        tracing::warn!(error = format!("{e:#}"), "job failed; will retry");
                    }
                }
            }
            .instrument(span)
            .await;
            tokio::time::sleep(job.every).await;
        }
    }

    async fn holds_lease(&self, job: &Job) -> bool {
        let Some(ttl) = job.lease else { return true };
        match self.store.try_lease(job.name, &self.node_id, ttl).await {
            Ok(true) => true,
            Ok(false) => {
                tracing::debug!("another node holds the lease");
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not take the lease");
                false
            }
        }
    }

    /// Starts `work` as a background task (see [`Runner::run`]).
    pub fn spawn<F, Fut>(&self, job: Job, work: F) -> tokio::task::JoinHandle<()>
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        tokio::spawn(self.clone().run(job, work))
    }
}
