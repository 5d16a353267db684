//! The papers recommendations come from — those of the last [`WINDOW_DAYS`] announcement days —
//! with their tf-idf vectors, kept by each node and rebuilt when arXiv announces a new day or
//! papers change.

use super::tfidf::{Options, Sparse, Tfidf};
use crate::papers::{Paper, Period};
use crate::search::vectors::VectorIndex;
use crate::store::{Listing, Store, StoreError};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How far back recommendations look, in days before the latest announcement day.
pub const WINDOW_DAYS: i64 = 30;
/// While the day stays the same, a window whose papers changed is rebuilt at most this often
/// (ingestion writes papers one batch at a time).
const REBUILD_AFTER: Duration = Duration::from_secs(300);

/// The window's papers, as the model sees them.
pub struct Window {
    pub latest: NaiveDate,
    /// The store's paper change cursor when it was built.
    pub cursor: i64,
    pub papers: Vec<Paper>,
    pub words: Vec<Sparse>,
    /// Each paper's author keys (`papers::authors::key`), for following authors.
    pub author_keys: Vec<Vec<String>>,
    position: HashMap<String, usize>,
    tfidf: Tfidf,
    built: Instant,
    /// The papers' embeddings, read from the vector index at its generation.
    vectors: std::sync::Mutex<Option<Embedded>>,
}

/// The window's embeddings at one generation of the vector index.
type Embedded = ((i64, usize), Arc<Vec<Option<Vec<f32>>>>);

/// The text tf-idf is made of.
pub fn text(p: &Paper) -> String {
    format!("{}. {}", p.title, p.abstract_text)
}

impl Window {
    /// Fits tf-idf (paperboy's settings, [`Options::PAPERBOY`]) on `papers`.
    pub fn build(latest: NaiveDate, cursor: i64, papers: Vec<Paper>) -> Self {
        let texts: Vec<String> = papers.iter().map(text).collect();
        // A small instance (a few hundred papers) needs looser cuts than 5 papers and 10 %.
        let options = if papers.len() >= 2_000 {
            Options::PAPERBOY
        } else {
            Options { min_df: 2, max_df: 0.5, ..Options::PAPERBOY }
        };
        let tfidf = Tfidf::fit(texts.iter().map(String::as_str), options);
        let words = texts.iter().map(|t| tfidf.vector(t)).collect();
        let position = papers.iter().enumerate().map(|(i, p)| (p.id.as_str().to_string(), i)).collect();
        let author_keys =
            papers.iter().map(|p| p.authors.iter().map(|a| crate::papers::authors::key(a)).collect()).collect();
        Self {
            latest,
            cursor,
            papers,
            words,
            author_keys,
            position,
            tfidf,
            built: Instant::now(),
            vectors: Default::default(),
        }
    }

    /// The papers' embeddings (`None`: not embedded yet), read once per generation of the index
    /// and shared by every member's ranking.
    pub fn vectors(&self, index: &VectorIndex, generation: (i64, usize)) -> Arc<Vec<Option<Vec<f32>>>> {
        let mut kept = self.vectors.lock().expect("window vectors");
        if let Some((g, v)) = kept.as_ref() {
            if *g == generation {
                return v.clone();
            }
        }
        let v: Arc<Vec<Option<Vec<f32>>>> = Arc::new(self.papers.iter().map(|p| index.vector(p.id.as_str())).collect());
        *kept = Some((generation, v.clone()));
        v
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.position.get(id).copied()
    }

    /// The tf-idf vector of any paper (those outside the window too).
    pub fn words_of(&self, p: &Paper) -> Sparse {
        match self.position(p.id.as_str()) {
            Some(i) => self.words[i].clone(),
            None => self.tfidf.vector(&text(p)),
        }
    }

    pub fn features(&self) -> usize {
        self.tfidf.features()
    }
}

/// This node's window, built on first use.
#[derive(Default)]
pub struct Windows {
    current: tokio::sync::Mutex<Option<Arc<Window>>>,
}

impl Windows {
    /// The current window (`None` while the store has no announced papers).
    pub async fn get(&self, store: &Store) -> Result<Option<Arc<Window>>, StoreError> {
        let Some(latest) = store.latest_day(None).await? else { return Ok(None) };
        let cursor = store.read(crate::store::activity::freshness).await?.0;
        // One builder at a time; the others wait for its window.
        let mut current = self.current.lock().await;
        if let Some(w) = current.as_ref() {
            if w.latest == latest && (w.cursor == cursor || w.built.elapsed() < REBUILD_AFTER) {
                return Ok(Some(w.clone()));
            }
        }
        let since = latest - chrono::Duration::days(WINDOW_DAYS);
        let mut months = vec![Period::month_of(latest)];
        if Period::month_of(since) != months[0] {
            months.push(Period::month_of(since));
        }
        let mut papers = Vec::new();
        for period in months {
            let listing = Listing { period, categories: vec![], limit: u32::MAX, offset: 0 };
            papers.extend(store.list_papers(listing).await?);
        }
        papers.retain(|p| p.announced_on.is_some_and(|d| d > since && d <= latest));
        papers.sort_by(|a, b| b.announced_on.cmp(&a.announced_on).then_with(|| a.id.as_str().cmp(b.id.as_str())));
        papers.dedup_by(|a, b| a.id == b.id);
        let window = tokio::task::spawn_blocking(move || Window::build(latest, cursor, papers)).await?;
        let window = Arc::new(window);
        *current = Some(window.clone());
        Ok(Some(window))
    }
}
