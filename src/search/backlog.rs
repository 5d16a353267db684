//! Keeping the vector index up with the store ([`SearchIndex::sync_vectors`]): a backlog walked newest day first,
//! announcement day by announcement day from the latest back ([`Walk`]), with the work split between nodes by claims
//! in the store.

use super::embed::Embedder;
use super::vectors::VectorIndex;
use super::{embeddings, SearchError, SearchIndex};
use crate::store::Store;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// A newest-first walk over the papers changed in `(cursor, upto]`, a day at a time, and where changes after `upto`
/// have been followed to (`fresh`).
pub(super) struct Walk {
    pub upto: i64,
    pub fresh: i64,
    /// The day whose papers are in `queue` (`None` before the first).
    day: Option<chrono::NaiveDate>,
    pub queue: Vec<crate::papers::Paper>,
    /// Papers another node was embedding when the walk came to them: their vectors are fetched later.
    pub waiting: Vec<crate::papers::Paper>,
    /// Papers with no known day come last.
    undated_done: bool,
    pub done: bool,
}

impl Walk {
    pub fn new(upto: i64) -> Self {
        Self { upto, fresh: upto, day: None, queue: Vec::new(), waiting: Vec::new(), undated_done: false, done: false }
    }

    /// Loads the papers of the next day back (or, after the oldest day, those with no day).
    pub async fn next_day(&mut self, store: &Store, cursor: i64) -> Result<(), SearchError> {
        if let Some(day) = store.day_before(self.day, cursor, self.upto).await? {
            self.day = Some(day);
            self.queue = store.changed_on_day(Some(day), cursor, self.upto).await?;
        } else if !self.undated_done {
            self.undated_done = true;
            self.queue = store.changed_on_day(None, cursor, self.upto).await?;
        } else {
            self.done = true;
        }
        Ok(())
    }
}

impl SearchIndex {
    /// Embeds (or takes from the store's cache) and indexes the next batch of changed papers. Returns how many got
    /// their vectors.
    ///
    /// A backlog (a fresh instance, or one far behind) is worked off **newest first**: the papers changed up to the
    /// store's cursor at that moment are walked announcement day by announcement day from the latest back, so that the
    /// front page's papers have similar papers within seconds of start; papers that change meanwhile are taken first
    /// of all. Once the walk has reached the oldest day the cursor moves past everything it covered, and the index
    /// follows the store's changes in order again. A restart during a walk walks again, taking the vectors already
    /// computed from the store instead of embedding them a second time.
    ///
    /// Nodes sharing a store **split the work**: a node claims the papers it is about to embed (see
    /// [`embeddings::embed_papers`]); the others pass them by and take their vectors from the store once they are
    /// there, or claim them themselves once the claim has run out (its node died).
    pub async fn sync_vectors(&self, store: &Store, batch: u32) -> Result<usize, SearchError> {
        let (Some(embedder), Some(vectors)) = (self.embedder.get().cloned(), self.vectors.get().cloned()) else {
            return Ok(0);
        };
        let cursor = self.vector_cursor.load(Ordering::SeqCst);
        let taken = self.walk.lock().unwrap_or_else(|p| p.into_inner()).take();
        let walk = match taken {
            Some(w) => Some(w),
            None => {
                let head = store.change_cursor().await?;
                (head - cursor > i64::from(batch)).then(|| Walk::new(head))
            }
        };
        let Some(mut walk) = walk else {
            let changes = store.changes_since(cursor, batch).await?;
            let Some(last) = changes.last().map(|(seq, _)| *seq) else {
                self.save_vectors(false)?;
                return Ok(0);
            };
            let papers: Vec<_> = changes.into_iter().map(|(_, p)| p).collect();
            if !self.embed_into(store, &embedder, &vectors, &papers).await?.is_empty() {
                // Another node is embedding some of these: the cursor waits for their vectors.
                return Ok(0);
            }
            self.vector_cursor.store(last, Ordering::SeqCst);
            self.save_vectors(false)?;
            return Ok(papers.len());
        };
        // Changed since the walk began: the newest of all.
        let fresh = store.changes_since(walk.fresh, batch).await?;
        let n = if let Some(last) = fresh.last().map(|(seq, _)| *seq) {
            let papers: Vec<_> = fresh.into_iter().map(|(_, p)| p).collect();
            let waiting = self.embed_into(store, &embedder, &vectors, &papers).await?;
            walk.fresh = last;
            let n = papers.len() - waiting.len();
            walk.waiting.extend(waiting);
            n
        } else {
            let mut got = 0;
            // Papers other nodes were embedding: their vectors may be in the store by now, or their claims ran out.
            if !walk.waiting.is_empty() {
                let retry = std::mem::take(&mut walk.waiting);
                walk.waiting = self.embed_into(store, &embedder, &vectors, &retry).await?;
                got += retry.len() - walk.waiting.len();
            }
            // Then full batches of the walk, across days when they are small, until this node has embedded one
            // batch itself (papers in the store or claimed by others go by without embedding).
            let (mut looked, computed_before) = (0, self.computed());
            while self.computed() == computed_before && looked < 8 * batch as usize {
                let mut papers = Vec::with_capacity(batch as usize);
                while papers.len() < batch as usize {
                    while walk.queue.is_empty() && !walk.done {
                        walk.next_day(store, cursor).await?;
                    }
                    if walk.queue.is_empty() {
                        break;
                    }
                    let take = walk.queue.len().min(batch as usize - papers.len());
                    papers.extend(walk.queue.drain(..take));
                }
                if papers.is_empty() {
                    break;
                }
                looked += papers.len();
                let waiting = self.embed_into(store, &embedder, &vectors, &papers).await?;
                got += papers.len() - waiting.len();
                walk.waiting.extend(waiting);
            }
            if looked == 0 && walk.waiting.is_empty() {
                // Walked back to the oldest day: everything up to `fresh` has vectors.
                self.vector_cursor.store(walk.fresh, Ordering::SeqCst);
                self.save_vectors(true)?;
                return Ok(0);
            }
            got
        };
        *self.walk.lock().unwrap_or_else(|p| p.into_inner()) = Some(walk);
        Ok(n)
    }

    /// Adds the vectors of `papers` to the index (embedding those this node can claim); returns the papers another
    /// node is embedding.
    async fn embed_into(
        &self,
        store: &Store,
        embedder: &Arc<Embedder>,
        vectors: &VectorIndex,
        papers: &[crate::papers::Paper],
    ) -> Result<Vec<crate::papers::Paper>, SearchError> {
        let started = Instant::now();
        let done = embeddings::embed_papers(store, embedder.clone(), papers, &self.claims()).await?;
        if done.computed > 0 {
            let rate = done.computed as f64 / started.elapsed().as_secs_f64().max(1e-6);
            self.embed_rate.store(rate.to_bits(), Ordering::Relaxed);
            self.computed.fetch_add(done.computed as u64, Ordering::Relaxed);
            tracing::debug!(computed = done.computed, node = %self.node, "embedded a batch");
        }
        vectors.upsert(&done.vectors)?;
        Ok(done.waiting)
    }
}
