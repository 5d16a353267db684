//! Recommendations learned from what a member liked (upvoted or put in a collection).
//!
//! - With embeddings (semantic search on): the papers nearest to the mean embedding of what
//!   they liked, among the papers of the last [`WINDOW_DAYS`] announcement days.
//! - Without: recent papers ranked by shared categories and title words with what they liked
//!   (the same resemblance "for me" digests use), trending score breaking ties.
//!
//! Used by `/api/v1/me/recommendations` and the private recommendations feed.

pub mod eval;
pub mod svm;
pub mod tfidf;

use crate::papers::{Paper, Period};
use crate::search::SearchIndex;
use crate::store::{collections, votes, Listing, Store, StoreError};
use std::collections::{HashMap, HashSet};

/// How far back recommendations look, in days before the latest announcement day.
pub const WINDOW_DAYS: i64 = 30;
/// Most liked papers taken into account (the newest votes, then collections).
const MAX_LIKED: i64 = 500;

/// What an account liked (upvoted or collected).
#[derive(Debug, Clone, Default)]
pub struct Liked {
    ids: Vec<String>,
    seen: HashSet<String>,
    categories: HashMap<String, u32>,
    words: HashSet<String>,
}

fn title_words(title: &str) -> impl Iterator<Item = String> + '_ {
    title.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 5).map(str::to_lowercase)
}

impl Liked {
    pub async fn of(store: &Store, user_id: i64) -> Result<Self, StoreError> {
        let ids = store
            .read(move |db| {
                let mut ids = votes::upvoted_by(db, user_id, MAX_LIKED)?;
                for c in collections::collections_of(db, user_id, true)? {
                    ids.extend(collections::collection_papers(db, c.id)?);
                }
                Ok(ids)
            })
            .await?;
        let papers = store.papers_by_ids(ids).await?;
        let mut liked = Liked::default();
        for p in &papers {
            if liked.seen.insert(p.id.as_str().to_string()) {
                liked.ids.push(p.id.as_str().to_string());
            }
            for c in &p.categories {
                *liked.categories.entry(c.code().to_string()).or_default() += 1;
            }
            liked.words.extend(title_words(&p.title));
        }
        Ok(liked)
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.seen.contains(id)
    }

    /// How much a paper resembles what was liked: shared categories and title words.
    pub fn affinity(&self, p: &Paper) -> u32 {
        let cats: u32 = p.categories.iter().map(|c| self.categories.get(c.code()).copied().unwrap_or(0)).sum();
        let words = title_words(&p.title).filter(|w| self.words.contains(w)).count() as u32;
        2 * cats + words
    }
}

/// How the recommendations were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Nothing liked yet: nothing to learn from.
    Nothing,
    Embeddings,
    Categories,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Nothing => "none",
            Method::Embeddings => "embeddings",
            Method::Categories => "categories",
        }
    }
}

/// Up to `limit` recommended papers, best first, with their scores.
pub async fn for_user(
    store: &Store,
    search: Option<&SearchIndex>,
    user_id: i64,
    limit: usize,
) -> Result<(Method, Vec<(Paper, f32)>), StoreError> {
    let liked = Liked::of(store, user_id).await?;
    if liked.is_empty() {
        return Ok((Method::Nothing, Vec::new()));
    }
    let Some(latest) = store.latest_day(None).await? else { return Ok((Method::Nothing, Vec::new())) };
    let since = latest - chrono::Duration::days(WINDOW_DAYS);
    let recent = |p: &Paper| p.announced_on.is_some_and(|d| d > since && d <= latest);
    if let Some(index) = search {
        // Deep enough that `limit` recent papers are left after dropping older ones.
        let depth = (limit * 20).clamp(200, 5_000);
        if let Ok(Some(near)) = index.like(&liked.ids, depth) {
            let scores: HashMap<String, f32> = near.iter().cloned().collect();
            let ids: Vec<String> = near.into_iter().map(|(id, _)| id).collect();
            let mut papers: Vec<(Paper, f32)> = store
                .papers_by_ids(ids)
                .await?
                .into_iter()
                .filter(|p| recent(p) && !liked.contains(p.id.as_str()))
                .map(|p| {
                    let s = scores.get(p.id.as_str()).copied().unwrap_or_default();
                    (p, s)
                })
                .collect();
            papers.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.id.as_str().cmp(b.0.id.as_str())));
            papers.truncate(limit);
            if !papers.is_empty() {
                return Ok((Method::Embeddings, papers));
            }
        }
    }
    // Resemblance over the recent papers.
    let mut months = vec![Period::month_of(latest)];
    if Period::month_of(since) != months[0] {
        months.push(Period::month_of(since));
    }
    let mut candidates = Vec::new();
    for period in months {
        candidates.extend(store.list_papers(Listing { period, categories: vec![], limit: 100_000, offset: 0 }).await?);
    }
    let mut scored: Vec<(Paper, f32)> = candidates
        .into_iter()
        .filter(|p| recent(p) && !liked.contains(p.id.as_str()))
        .map(|p| {
            let a = liked.affinity(&p) as f32;
            (p, a)
        })
        .filter(|(_, a)| *a > 0.0)
        .collect();
    scored.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| b.0.announced_on.cmp(&a.0.announced_on))
            .then_with(|| a.0.id.as_str().cmp(b.0.id.as_str()))
    });
    scored.truncate(limit);
    Ok((Method::Categories, scored))
}
