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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Runs `job` on two nodes sharing one store for a while: how many times each node ran it.
    async fn two_nodes(job: Job) -> [u64; 2] {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}", dir.path().join("jobs.db").display())).await.unwrap();
        let runs: Arc<[AtomicU64; 2]> = Arc::default();
        for node in 0..2 {
            let runner = Runner { store: store.clone(), node_id: format!("node-{node}").into() };
            let runs = runs.clone();
            runner.spawn(job.clone(), move || {
                runs[node].fetch_add(1, Ordering::Relaxed);
                async { Ok(()) }
            });
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        [runs[0].load(Ordering::Relaxed), runs[1].load(Ordering::Relaxed)]
    }

    #[tokio::test]
    async fn a_leased_job_runs_on_one_node_and_an_unleased_one_on_every_node() {
        let every = Duration::from_millis(10);
        let leased = two_nodes(Job { name: "test-leased", every, lease: Some(Duration::from_secs(60)) }).await;
        assert!(leased.iter().filter(|&&n| n > 0).count() == 1 && leased.iter().sum::<u64>() > 1, "{leased:?}");
        let everywhere = two_nodes(Job { name: "test-everywhere", every, lease: None }).await;
        assert!(everywhere.iter().all(|&n| n > 1), "{everywhere:?}");
    }

    #[tokio::test]
    async fn a_failed_run_is_logged_and_the_job_runs_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}", dir.path().join("jobs.db").display())).await.unwrap();
        let runs = Arc::new(AtomicU64::new(0));
        let r = runs.clone();
        Runner { store, node_id: "node".into() }.spawn(
            Job { name: "test-failing", every: Duration::from_millis(10), lease: None },
            move || {
                r.fetch_add(1, Ordering::Relaxed);
                async { Err(anyhow::anyhow!("no luck")) }
            },
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(runs.load(Ordering::Relaxed) > 2);
    }
}
