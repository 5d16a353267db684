//! Search and similar papers: BM25 (tantivy) and sentence embeddings (a BERT encoder over
//! the `gemm` crate) over an HNSW index (usearch), fused.
//!
//! Everything here is derived data, kept per node in `DATA_DIR/index/` and rebuilt from the
//! store when missing or damaged. Each node follows the store's change cursor, so a paper
//! that lands through any node is searchable on every node within seconds. Embeddings are
//! stored in the store (`embeddings`), so each paper is embedded once for all nodes.

mod backlog;
mod follow;
mod settings;
pub use follow::{follow, load_model};
pub use settings::SearchSettings;
pub mod embed;
pub mod embeddings;
pub mod eval;
pub mod found;
pub mod fusion;
pub mod keyword;
pub mod model;
pub mod params;
pub mod term_union;
pub mod vectors;

use crate::store::{Store, StoreError};
use backlog::Walk;
use chrono::NaiveDate;
use embed::Embedder;
use keyword::{KeywordIndex, Snippet};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use vectors::VectorIndex;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("index folder: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("vector index: {0}")]
    Vectors(String),
    #[error("embedding: {0}")]
    Embed(#[from] embed::EmbedError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("background task: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// How results are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Keyword,
    Semantic,
    #[default]
    Hybrid,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "keyword" => Some(Mode::Keyword),
            "semantic" => Some(Mode::Semantic),
            "hybrid" => Some(Mode::Hybrid),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Keyword => "keyword",
            Mode::Semantic => "semantic",
            Mode::Hybrid => "hybrid",
        }
    }
}

/// Filters: categories (any of) and an inclusive date range (announcement day, or submission
/// day when the announcement is unknown).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Window {
    pub categories: Vec<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Window {
    pub fn is_open(&self) -> bool {
        self.categories.is_empty() && self.from.is_none() && self.to.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub text: String,
    pub mode: Mode,
    pub window: Window,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    pub score: f32,
    /// Highlighted HTML (escaped), when the query's words occur there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abstract_html: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// Matches in all (for semantic and hybrid modes: among the candidates considered).
    pub total: usize,
    /// False when `total` is a lower bound: keyword matches are counted up to
    /// [`keyword::COUNT_LIMIT`].
    pub total_exact: bool,
    /// In hybrid mode, the papers that match the query's words (`total` there counts the
    /// ranked list of word matches and papers near in meaning), and whether that is exact.
    pub word_matches: Option<keyword::Total>,
    /// The mode that ran: `hybrid` and `semantic` become `keyword` when no model is loaded.
    pub mode: Mode,
    /// Things the user should know (a query searched as plain words, semantic search off).
    pub notices: Vec<String>,
}

/// Where the index stands against the store.
#[derive(Debug, Clone, Serialize)]
pub struct IndexStatus {
    pub keyword_cursor: i64,
    pub keyword_docs: u64,
    pub vector_cursor: i64,
    pub vectors: usize,
    pub semantic: bool,
}

/// One node's search index.
pub struct SearchIndex {
    dir: PathBuf,
    keyword: KeywordIndex,
    embedder: OnceLock<Arc<Embedder>>,
    vectors: OnceLock<Arc<VectorIndex>>,
    vector_cursor: AtomicI64,
    /// The newest-first walk over a backlog, while one is under way (see [`SearchIndex::sync_vectors`]).
    walk: Mutex<Option<Walk>>,
    /// Papers per second of the last batch embedded (f64 bits), for `/metrics`.
    embed_rate: std::sync::atomic::AtomicU64,
    /// Papers this node has embedded itself (not taken from the store), for `/metrics`.
    computed: std::sync::atomic::AtomicU64,
    /// This node's name in embedding claims.
    node: String,
    /// When the vector index was last saved (or loaded), and at which cursor.
    last_save: Mutex<Option<(Instant, i64)>>,
    /// Vectors of recent queries: the next page of a search, a feed polled again, the same
    /// query on the API do not embed it again.
    query_vectors: Arc<Mutex<HashMap<String, Arc<Vec<f32>>>>>,
    settings: SearchSettings,
}

/// Query vectors remembered before the memory is emptied.
const MAX_QUERY_VECTORS: usize = 1_024;

impl SearchIndex {
    /// Opens the index in `dir`. A keyword index that cannot be opened is moved aside and
    /// started again (the follower then rebuilds it from the store).
    pub fn open(dir: &Path, settings: SearchSettings) -> Result<Self, SearchError> {
        let kw_dir = dir.join("keyword");
        let keyword = match KeywordIndex::open(&kw_dir) {
            Ok(k) => k.with_title_boost(settings.title_boost),
            // Another process holds the index: not damage, and not ours to wipe.
            Err(e @ SearchError::Index(tantivy::TantivyError::LockFailure(..))) => return Err(e),
            // Made by another version of paperboy (the author field now folds accents): derived data, made again.
            Err(SearchError::Index(tantivy::TantivyError::SchemaError(why))) => {
                tracing::warn!(reason = %why, "the keyword index was made with another schema; rebuilding it from the store");
                std::fs::remove_dir_all(&kw_dir)?;
                KeywordIndex::open(&kw_dir)?.with_title_boost(settings.title_boost)
            }
            Err(e) => {
                tracing::warn!(error = %e, "keyword index damaged; rebuilding it from the store");
                std::fs::remove_dir_all(&kw_dir)?;
                KeywordIndex::open(&kw_dir)?.with_title_boost(settings.title_boost)
            }
        };
        Ok(Self::with_keyword(dir.to_path_buf(), keyword, settings))
    }

    /// An index held in memory only (tests, evaluation).
    pub fn in_memory(settings: SearchSettings) -> Result<Self, SearchError> {
        let keyword = KeywordIndex::in_memory()?.with_title_boost(settings.title_boost);
        Ok(Self::with_keyword(PathBuf::new(), keyword, settings))
    }

    fn with_keyword(dir: PathBuf, keyword: KeywordIndex, settings: SearchSettings) -> Self {
        Self {
            dir,
            keyword,
            embedder: OnceLock::new(),
            vectors: OnceLock::new(),
            vector_cursor: AtomicI64::new(0),
            embed_rate: std::sync::atomic::AtomicU64::new(0),
            computed: std::sync::atomic::AtomicU64::new(0),
            node: format!("index-{}-{:08x}", std::process::id(), rand::random::<u32>()),
            walk: Mutex::new(None),
            last_save: Mutex::new(None),
            query_vectors: Arc::default(),
            settings,
        }
    }

    /// The embedding of a query, remembered for the next time; computed on the blocking pool
    /// (the returned future starts that work at once, so other work can overlap it).
    fn query_vector(
        &self,
        embedder: Arc<Embedder>,
        text: &str,
    ) -> impl std::future::Future<Output = Result<Arc<Vec<f32>>, SearchError>> + Send + 'static {
        let known = self.query_vectors.lock().unwrap_or_else(|p| p.into_inner()).get(text).cloned();
        let (text, memory) = (text.to_string(), self.query_vectors.clone());
        let task = known.is_none().then(|| {
            let t = text.clone();
            tokio::task::spawn_blocking(move || embedder.embed_queries(&[t.as_str()]))
        });
        async move {
            if let Some(v) = known {
                return Ok(v);
            }
            let v = Arc::new(task.expect("started above").await??.into_iter().next().unwrap_or_default());
            let mut m = memory.lock().unwrap_or_else(|p| p.into_inner());
            if m.len() >= MAX_QUERY_VECTORS {
                m.clear();
            }
            m.insert(text, v.clone());
            Ok(v)
        }
    }

    pub fn settings(&self) -> &SearchSettings {
        &self.settings
    }

    /// Names this index's node in embedding claims (the node's id among those sharing the store).
    pub fn with_node(mut self, node: &str) -> Self {
        self.node = node.to_string();
        self
    }

    /// Papers this node has embedded itself since it started.
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    fn claims(&self) -> embeddings::Claims {
        embeddings::Claims {
            node: self.node.clone(),
            lease: Duration::from_secs(self.settings.embed_claim_secs.max(1)),
        }
    }

    pub fn keyword(&self) -> &KeywordIndex {
        &self.keyword
    }

    /// Turns semantic search on with `embedder`, loading the saved vector index when it
    /// matches (otherwise vectors are re-added from the stored embeddings).
    pub fn attach_embedder(&self, embedder: Arc<Embedder>) -> Result<(), SearchError> {
        let (dims, model) = (embedder.dims(), embedder.name().to_string());
        if self.embedder.set(embedder).is_err() {
            return Ok(());
        }
        let params = self.settings.hnsw();
        let loaded =
            if self.dir.as_os_str().is_empty() { None } else { VectorIndex::load(&self.dir, dims, params, &model)? };
        let index = match loaded {
            Some((index, cursor)) => {
                self.vector_cursor.store(cursor, Ordering::SeqCst);
                *self.last_save.lock().expect("save clock") = Some((Instant::now(), cursor));
                index
            }
            None => VectorIndex::new(dims, params)?,
        };
        let _ = self.vectors.set(Arc::new(index));
        Ok(())
    }

    pub fn embedder(&self) -> Option<&Arc<Embedder>> {
        self.embedder.get()
    }

    pub fn vectors(&self) -> Option<&Arc<VectorIndex>> {
        self.vectors.get()
    }

    /// Where this node's vector index stands (its cursor and size): what similar papers depend on, cheap to read.
    pub fn vector_generation(&self) -> (i64, usize) {
        (self.vector_cursor.load(Ordering::SeqCst), self.vectors().map(|v| v.len()).unwrap_or(0))
    }

    /// While fewer papers have vectors than the keyword index holds: "semantic results cover 12,345 of 36,789
    /// papers…", so that an answer from a fraction says so.
    pub fn coverage_notice(&self) -> Option<String> {
        let (embedded, papers) = (self.vectors()?.len() as u64, self.keyword.num_docs());
        (embedded < papers).then(|| {
            format!(
                "Semantic results cover {} of {} papers: the others are still being embedded, so similar and \
                 meaning-based results may miss them for now.",
                thousands(embedded),
                thousands(papers)
            )
        })
    }

    /// A log line on how far embedding has come: papers with vectors of those indexed, the rate, the time left.
    pub fn log_progress(&self) {
        let (embedded, papers, rate) =
            (self.vectors().map_or(0, |v| v.len()) as u64, self.keyword.num_docs(), self.embed_rate());
        let left = papers.saturating_sub(embedded);
        let minutes = if rate > 0.0 { left as f64 / rate / 60.0 } else { f64::NAN };
        tracing::info!(
            embedded,
            papers,
            papers_per_second = format!("{rate:.1}"),
            minutes_left = format!("{minutes:.0}"),
            "embedding: {} of {} papers",
            thousands(embedded),
            thousands(papers)
        );
    }

    /// Papers per second of the last batch embedded (or taken from the store's vectors).
    pub fn embed_rate(&self) -> f64 {
        f64::from_bits(self.embed_rate.load(Ordering::Relaxed))
    }

    pub fn status(&self) -> Result<IndexStatus, SearchError> {
        Ok(IndexStatus {
            keyword_cursor: self.keyword.cursor()?,
            keyword_docs: self.keyword.num_docs(),
            vector_cursor: self.vector_cursor.load(Ordering::SeqCst),
            vectors: self.vectors().map(|v| v.len()).unwrap_or(0),
            semantic: self.vectors().is_some(),
        })
    }

    /// Indexes the next batch of changed papers for keyword search. Returns how many.
    pub async fn sync_keyword(&self, store: &Store, batch: u32) -> Result<usize, SearchError> {
        let cursor = self.keyword.cursor()?;
        let changes = store.changes_since(cursor, batch).await?;
        let Some(last) = changes.last().map(|(seq, _)| *seq) else {
            return Ok(0);
        };
        let papers: Vec<_> = changes.into_iter().map(|(_, p)| p).collect();
        self.keyword.upsert(&papers, Some(last))?;
        Ok(papers.len())
    }

    /// Saves the vector index when it is due (or `force`), so that a restart resumes from it.
    /// An index that has not moved since it was last saved or loaded is not written again.
    pub fn save_vectors(&self, force: bool) -> Result<(), SearchError> {
        let (Some(vectors), Some(embedder)) = (self.vectors.get(), self.embedder.get()) else { return Ok(()) };
        if self.dir.as_os_str().is_empty() {
            return Ok(());
        }
        let mut last = self.last_save.lock().expect("save clock");
        let cursor = self.vector_cursor.load(Ordering::SeqCst);
        if last.is_some_and(|(_, saved)| saved == cursor) {
            return Ok(());
        }
        let due = last.is_none_or(|(t, _)| t.elapsed() >= Duration::from_secs(self.settings.save_secs));
        if force || due {
            vectors.save(&self.dir, cursor, embedder.name())?;
            *last = Some((Instant::now(), cursor));
        }
        Ok(())
    }

    /// Empties both indexes; the next syncs rebuild them from the store.
    pub fn clear(&self) -> Result<(), SearchError> {
        self.keyword.clear()?;
        *self.walk.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.vector_cursor.store(0, Ordering::SeqCst);
        if let Some(v) = self.vectors.get() {
            v.clear()?;
        }
        Ok(())
    }

    /// Runs a search.
    pub async fn search(&self, req: &SearchRequest) -> Result<SearchResults, SearchError> {
        let mut notices = Vec::new();
        let parsed = self.keyword.parse(&req.text);
        let mut mode = req.mode;
        let semantic = self.embedder.get().cloned().zip(self.vectors.get().cloned());
        if mode != Mode::Keyword && semantic.is_none() {
            notices.push(
                "Semantic search is off on this instance (no embedding model is loaded): keyword results only.".into(),
            );
            mode = Mode::Keyword;
        }
        if let (Mode::Semantic | Mode::Hybrid, Some(notice)) = (mode, self.coverage_notice()) {
            notices.push(notice);
        }
        // A semantic search reads the text as it is: the query syntax does not apply.
        if let Some(f) = parsed.fallback.as_ref().filter(|_| mode != Mode::Semantic) {
            notices.push(f.clone());
        }
        let window = &req.window;
        let mut total_exact = true;
        let mut word_matches = None;
        let (ranked, total): (Vec<(String, f32)>, usize) = match (mode, semantic) {
            (Mode::Keyword, _) | (_, None) => {
                let (hits, total) = self.keyword.search(&parsed, window, req.offset, req.limit)?;
                total_exact = total.exact;
                (hits.into_iter().map(|h| (h.id, h.score)).collect(), total.count)
            }
            (Mode::Semantic, Some((embedder, vectors))) => {
                let q = self.query_vector(embedder, &req.text).await?;
                let dense = self.dense(&vectors, &q, window, req.offset + req.limit)?;
                let total = dense.len();
                (dense.into_iter().skip(req.offset).take(req.limit).collect(), total)
            }
            (Mode::Hybrid, Some((embedder, vectors))) => {
                let depth = self.settings.hybrid_depth.max(req.offset + req.limit);
                // The query is embedded on the blocking pool while the keyword search runs here.
                let embedding = self.query_vector(embedder, &req.text);
                let (kw, matches) = self.keyword.search(&parsed, window, 0, depth)?;
                word_matches = Some(matches);
                let q = embedding.await?;
                let dense = self.dense(&vectors, &q, window, depth)?;
                let candidates = fusion::Candidates::gather(
                    kw.into_iter().map(|h| (h.id, h.score)).collect(),
                    dense,
                    |id| vectors.vector(id).map(|v| embed::dot(&v, &q)),
                    self.keyword.query_strength(&parsed),
                );
                let fused = self.settings.fusion().fuse(&candidates);
                let total = fused.len();
                (fused.into_iter().skip(req.offset).take(req.limit).collect(), total)
            }
        };
        let ids: Vec<String> = ranked.iter().map(|(id, _)| id.clone()).collect();
        let mut snippets = self.keyword.snippets(&parsed, &ids)?;
        let hits = ranked
            .into_iter()
            .map(|(id, score)| {
                let Snippet { title_html, abstract_html } = snippets.remove(&id).unwrap_or_default();
                Hit { id, score, title_html, abstract_html }
            })
            .collect();
        Ok(SearchResults { hits, total, total_exact, word_matches, mode, notices })
    }

    /// Dense neighbours of `q` that pass the window, best first, at most `k`.
    fn dense(
        &self,
        vectors: &VectorIndex,
        q: &[f32],
        window: &Window,
        k: usize,
    ) -> Result<Vec<(String, f32)>, SearchError> {
        if window.is_open() {
            return vectors.search(q, k);
        }
        // Filters are applied after the neighbour search, over a deeper candidate list.
        let found = vectors.search(q, (k * 8).max(200))?;
        let ids: Vec<String> = found.iter().map(|(id, _)| id.clone()).collect();
        let keep: std::collections::HashSet<String> = self.keyword.filter_ids(&ids, window)?.into_iter().collect();
        Ok(found.into_iter().filter(|(id, _)| keep.contains(id)).take(k).collect())
    }

    /// The papers nearest to the mean of the vectors of `ids` (those of them that are embedded),
    /// leaving out `ids` themselves: "more like these". `None` when none of them is embedded.
    pub fn like(&self, ids: &[String], k: usize) -> Result<Option<Vec<(String, f32)>>, SearchError> {
        let Some(vectors) = self.vectors.get() else { return Ok(None) };
        let mut mean = vec![0f32; vectors.dims()];
        let mut found = 0;
        for v in ids.iter().filter_map(|id| vectors.vector(id)) {
            mean.iter_mut().zip(&v).for_each(|(m, x)| *m += x);
            found += 1;
        }
        let norm = mean.iter().map(|x| x * x).sum::<f32>().sqrt();
        if found == 0 || norm == 0.0 {
            return Ok(None);
        }
        mean.iter_mut().for_each(|m| *m /= norm);
        let skip: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        let near = vectors.search(&mean, k + skip.len())?;
        Ok(Some(near.into_iter().filter(|(id, _)| !skip.contains(id.as_str())).take(k).collect()))
    }

    /// The `k` papers most like `id` (itself excluded). `None` when the paper has no vector.
    pub fn similar(&self, id: &str, k: usize) -> Result<Option<Vec<(String, f32)>>, SearchError> {
        let Some(vectors) = self.vectors.get() else { return Ok(None) };
        let Some(v) = vectors.vector(id) else { return Ok(None) };
        let found = vectors.search(&v, k + 1)?;
        Ok(Some(found.into_iter().filter(|(other, _)| other != id).take(k).collect()))
    }
}

/// Lets callers sort `(id, score)` lists by score, best first, ties by id.
pub fn by_score(a: &(String, f32), b: &(String, f32)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0))
}

/// 12345 → "12,345".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
