//! Recommendations learned from what a member liked (upvoted or put in a collection) and what
//! they marked "not interested", among the papers of the last [`WINDOW_DAYS`] announcement days.
//!
//! [`model`] ranks: a linear SVM over tf-idf and embeddings fused with each paper's nearest
//! liked papers (tf-idf alone while semantic search is off). [`Recommender`] keeps this node's
//! [`window`] and each member's ranking until their taste or the papers change; pages are cut
//! from it. Used by `/for-you`, `/api/v1/me/recommendations` and the private feed;
//! `paperboy eval recommend` ([`eval`]) measures the same model against arxiv-sanity's recipe.

pub mod eval;
pub mod model;
pub mod svm;
pub mod tfidf;
pub mod window;

use crate::papers::Paper;
use crate::search::SearchIndex;
use crate::store::{collections, dismissals, follows, votes, Store, StoreError};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
pub use window::WINDOW_DAYS;
use window::{Window, Windows};
/// Most liked papers taken into account (the newest votes, then collections).
const MAX_LIKED: i64 = 500;

/// How a member showed they liked a paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    Upvoted,
    Collected,
}

impl How {
    pub fn verb(self) -> &'static str {
        match self {
            How::Upvoted => "upvoted",
            How::Collected => "saved",
        }
    }
}

/// What an account liked (upvoted or collected), newest votes first, then collections; each
/// paper once (upvoted and collected counts as upvoted). Ids only: cheap to read on every
/// request; the papers are loaded when a ranking has to be made.
#[derive(Debug, Clone, Default)]
pub struct Liked {
    ids: Vec<(String, How)>,
}

impl Liked {
    pub async fn of(store: &Store, user_id: i64) -> Result<Self, StoreError> {
        let (upvoted, collected) = store
            .read(move |db| {
                let upvoted = votes::upvoted_by(db, user_id, MAX_LIKED)?;
                let mut collected = Vec::new();
                for c in collections::collections_of(db, user_id, true)? {
                    collected.extend(collections::collection_papers(db, c.id)?);
                }
                Ok((upvoted, collected))
            })
            .await?;
        let mut seen = HashSet::new();
        let ids = upvoted
            .into_iter()
            .map(|id| (id, How::Upvoted))
            .chain(collected.into_iter().map(|id| (id, How::Collected)))
            .filter(|(id, _)| seen.insert(id.clone()))
            .collect();
        Ok(Self { ids })
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The liked papers the store holds, in order.
    async fn papers(&self, store: &Store) -> Result<Vec<(Paper, How)>, StoreError> {
        let ids = self.ids.iter().map(|(id, _)| id.clone()).collect();
        let mut by_id: HashMap<String, Paper> =
            store.papers_by_ids(ids).await?.into_iter().map(|p| (p.id.as_str().to_string(), p)).collect();
        Ok(self.ids.iter().filter_map(|(id, how)| Some((by_id.remove(id)?, *how))).collect())
    }
}

/// How the recommendations were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Nothing liked yet, or no papers: nothing to learn from.
    Nothing,
    /// Words (tf-idf) and embeddings.
    Embeddings,
    /// Words alone: semantic search is off.
    Words,
    /// Nothing liked yet, but authors followed: their new papers alone.
    Follows,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Nothing => "none",
            Method::Embeddings => "words+embeddings",
            Method::Words => "words",
            Method::Follows => "follows",
        }
    }
}

/// Why a paper is recommended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The liked paper it is most like.
    Like { id: String, title: String, how: How },
    /// It is by an author the member follows (the name as they followed it).
    Follows { author: String },
}

impl Reason {
    /// "Like “Title”, which you upvoted", "By Ada Lovelace, whom you follow".
    pub fn text(&self) -> String {
        match self {
            Reason::Like { title, how, .. } => format!("Like “{title}”, which you {}", how.verb()),
            Reason::Follows { author } => format!("By {author}, whom you follow"),
        }
    }
}

/// One recommended paper.
#[derive(Debug, Clone)]
pub struct Recommended {
    pub paper: Paper,
    pub score: f32,
    pub reason: Option<Reason>,
}

/// A page of recommendations.
#[derive(Debug, Clone)]
pub struct Recommendations {
    pub method: Method,
    /// How many there are in all (pages run up to [`MAX_RANKED`]).
    pub total: usize,
    pub items: Vec<Recommended>,
    /// Set while fewer than all candidates are embedded.
    pub notice: Option<String>,
}

/// Most recommendations kept per member (50 pages of 20).
pub const MAX_RANKED: usize = 1_000;
/// Most papers marked "not interested" the model learns from (the newest).
const MAX_DISMISSED: i64 = 1_000;
/// Members whose rankings this node keeps.
const MAX_MEMBERS: usize = 2_000;

/// A member's ranking, while their taste, the window and the vectors stand still.
pub struct Ranking {
    key: u64,
    /// The part of `key` that the papers and vectors make (the rest is the member's taste).
    context: u64,
    method: Method,
    window: Arc<Window>,
    /// (window index, score, nearest liked paper when both are embedded), best first.
    order: Vec<model::Scored>,
    /// The window papers (by index) that are by a followed author, and that author's name.
    by_followed: HashMap<usize, String>,
    liked: Vec<(Paper, How, tfidf::Sparse)>,
    /// Candidates, and how many of them are embedded.
    candidates: usize,
    embedded: usize,
}

/// What a "for me" digest ranks by: the member's scores from the same model as `/for-you`.
#[derive(Debug, Clone, Default)]
pub struct Taste {
    liked: HashSet<String>,
    scores: HashMap<String, f32>,
}

impl Taste {
    /// Nothing liked, dismissed or followed: nothing to order by.
    pub fn is_empty(&self) -> bool {
        self.liked.is_empty() && self.scores.is_empty()
    }

    pub fn liked(&self, id: &str) -> bool {
        self.liked.contains(id)
    }

    /// The paper's score, if it is among the member's recommendations.
    pub fn score(&self, id: &str) -> Option<f32> {
        self.scores.get(id).copied()
    }
}

/// The recommender with this node's search index, for jobs that recommend (digests).
#[derive(Clone, Default)]
pub struct Recommending {
    pub recommender: Arc<Recommender>,
    pub search: Option<Arc<SearchIndex>>,
}

impl Recommending {
    /// Recommendations `offset..offset + limit` for `user_id`. Right after a vote (or anything
    /// else that changes their ranking) the request does not wait for the new ranking: it is
    /// answered from the one kept before, less what they liked or dismissed since and with a
    /// notice, while the new one is made in the background for the next request.
    pub async fn for_user(
        &self,
        store: &Store,
        user_id: i64,
        offset: usize,
        limit: usize,
    ) -> Result<Recommendations, StoreError> {
        let (liked, dismissed, ranking, stale) =
            self.recommender.ranking(store, self.search.as_deref(), user_id, Wanted::MayBeStale).await?;
        let Some(ranking) = ranking else {
            return Ok(Recommendations { method: Method::Nothing, total: 0, items: Vec::new(), notice: None });
        };
        if !stale {
            return Ok(page(&ranking, offset, limit, &HashSet::new()));
        }
        self.refresh_in_background(store.clone(), user_id);
        let excluded: HashSet<String> = liked.ids.into_iter().map(|(id, _)| id).chain(dismissed).collect();
        let mut p = page(&ranking, offset, limit, &excluded);
        let updating = "Your latest votes are being taken in: this order is from just before them (without what you \
                        voted on since); reload in a moment for the new one.";
        p.notice = Some(p.notice.map_or_else(|| updating.to_string(), |n| format!("{updating} {n}")));
        Ok(p)
    }

    /// Makes `user_id`'s ranking anew in the background if this node keeps an older one (they
    /// use recommendations) and is not making it already: after a vote, so that their next
    /// request finds it ready.
    pub fn refresh_in_background(&self, store: Store, user_id: i64) {
        let kept = self.recommender.rankings.lock().expect("rankings").contains_key(&user_id);
        if !kept || !self.recommender.refreshing.lock().expect("refreshing").insert(user_id) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let made = this.recommender.ranking(&store, this.search.as_deref(), user_id, Wanted::Fresh).await;
            this.recommender.refreshing.lock().expect("refreshing").remove(&user_id);
            if let Err(e) = made {
                tracing::warn!(error = %e, user_id, "a ranking could not be made in the background");
            }
        });
    }

    /// `user_id`'s taste: what they liked and their recommendations' scores.
    pub async fn taste(&self, store: &Store, user_id: i64) -> Result<Taste, StoreError> {
        let (liked, dismissed, ranking, _) =
            self.recommender.ranking(store, self.search.as_deref(), user_id, Wanted::Fresh).await?;
        // Followed authors' papers first (newest first, as the ranking has them), then by score.
        let scores = ranking
            .map(|r| {
                let n = r.order.len() as f32;
                r.order
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let first = if r.by_followed.contains_key(&s.index) { 1e6 + n - i as f32 } else { s.score };
                        (r.window.papers[s.index].id.as_str().to_string(), first)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Taste {
            // Left out of digests like what they liked.
            liked: liked.ids.into_iter().map(|(id, _)| id).chain(dismissed).collect(),
            scores,
        })
    }
}

/// This node's recommendation state: the window and the members' rankings.
#[derive(Default)]
pub struct Recommender {
    windows: Windows,
    rankings: Mutex<HashMap<i64, Arc<Ranking>>>,
    /// Members whose ranking is being made anew in the background.
    refreshing: Mutex<HashSet<i64>>,
}

/// Whether a ranking kept from before the member's latest change may answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Fresh,
    MayBeStale,
}

/// What `Recommender::ranking` finds: what the member liked and dismissed, their ranking, and
/// whether that ranking predates their latest change.
type Found = (Liked, Vec<String>, Option<Arc<Ranking>>, bool);

impl Recommender {
    /// What `user_id` liked and dismissed, and their ranking (kept, or made now; with
    /// `MayBeStale`, the one kept from before their latest change when there is one); no
    /// ranking while they liked and followed nothing or there are no papers.
    async fn ranking(
        &self,
        store: &Store,
        search: Option<&SearchIndex>,
        user_id: i64,
        wanted: Wanted,
    ) -> Result<Found, StoreError> {
        let liked = Liked::of(store, user_id).await?;
        let (dismissed, followed) = store
            .read(move |db| {
                Ok((dismissals::dismissed_by(db, user_id, MAX_DISMISSED)?, follows::followed_by(db, user_id)?))
            })
            .await?;
        if liked.is_empty() && followed.is_empty() {
            return Ok((liked, dismissed, None, false));
        }
        let Some(window) = self.windows.get(store).await? else { return Ok((liked, dismissed, None, false)) };
        let vectors = search.and_then(|s| s.vectors().cloned());
        let generation = search.map(|s| s.vector_generation()).unwrap_or_default();
        // What the member did, and what the papers and vectors are: a change of the member's
        // alone may be answered from the kept ranking while the new one is made.
        let taste = {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            let followed_keys = followed.iter().map(|(key, _)| key);
            for id in liked.ids.iter().map(|(id, _)| id).chain([&String::new()]).chain(&dismissed).chain(followed_keys)
            {
                h.update(id.as_bytes());
                h.update(b"\n");
            }
            h.digest()
        };
        let context = {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            h.update(&window.cursor.to_le_bytes());
            h.update(window.latest.to_string().as_bytes());
            h.update(&generation.0.to_le_bytes());
            h.update(&generation.1.to_le_bytes());
            h.digest()
        };
        let key = taste ^ context.rotate_left(17);
        let kept = self.rankings.lock().expect("rankings").get(&user_id).cloned();
        match kept {
            Some(r) if r.key == key => return Ok((liked, dismissed, Some(r), false)),
            Some(r) if wanted == Wanted::MayBeStale && r.context == context => {
                return Ok((liked, dismissed, Some(r), true))
            }
            _ => {}
        }
        let dismissed_papers = store.papers_by_ids(dismissed.clone()).await?;
        let liked_papers = liked.papers(store).await?;
        let r = tokio::task::spawn_blocking(move || {
            let vectors = vectors.as_deref().map(|v| (v, generation));
            Ranking { context, ..rank(key, window, liked_papers, &dismissed_papers, &followed, vectors) }
        })
        .await?;
        let r = Arc::new(r);
        let mut all = self.rankings.lock().expect("rankings");
        if all.len() >= MAX_MEMBERS {
            all.clear();
        }
        all.insert(user_id, r.clone());
        drop(all);
        Ok((liked, dismissed, Some(r), false))
    }
}

/// Ranks the window for a member who liked `liked` (newest first), dismissed `dismissed` and
/// follows the authors `followed` (key, name): papers by a followed author come first, newest
/// first; then the rest by the model (none of the rest while nothing is liked).
pub fn rank(
    key: u64,
    window: Arc<Window>,
    liked: Vec<(Paper, How)>,
    dismissed: &[Paper],
    followed: &[(String, String)],
    vectors: Option<(&crate::search::vectors::VectorIndex, (i64, usize))>,
) -> Ranking {
    let vector = |id: &str| vectors.and_then(|(v, _)| v.vector(id));
    let liked: Vec<(Paper, How, tfidf::Sparse)> =
        liked.into_iter().map(|(p, how)| (window.words_of(&p), p, how)).map(|(w, p, how)| (p, how, w)).collect();
    let liked_vectors: Vec<Option<Vec<f32>>> = liked.iter().map(|(p, _, _)| vector(p.id.as_str())).collect();
    let dismissed_words: Vec<tfidf::Sparse> = dismissed.iter().map(|p| window.words_of(p)).collect();
    let dismissed_vectors: Vec<Option<Vec<f32>>> = dismissed.iter().map(|p| vector(p.id.as_str())).collect();
    let skip: HashSet<&str> =
        liked.iter().map(|(p, _, _)| p.id.as_str()).chain(dismissed.iter().map(|p| p.id.as_str())).collect();
    let candidates: Vec<usize> =
        (0..window.papers.len()).filter(|&i| !skip.contains(window.papers[i].id.as_str())).collect();
    let window_vectors = vectors.map(|(v, generation)| window.vectors(v, generation));
    let none = None;
    let candidate_vectors: Vec<&Option<Vec<f32>>> =
        candidates.iter().map(|&i| window_vectors.as_ref().map_or(&none, |v| &v[i])).collect();
    let liked_items: Vec<model::Item> = liked.iter().zip(&liked_vectors).map(|((_, _, w), v)| item(w, v)).collect();
    let dismissed_items: Vec<model::Item> =
        dismissed_words.iter().zip(&dismissed_vectors).map(|(w, v)| item(w, v)).collect();
    let candidate_items: Vec<model::Item> =
        candidates.iter().zip(&candidate_vectors).map(|(&i, v)| item(&window.words[i], v)).collect();
    let embedded = candidate_vectors.iter().filter(|v| v.is_some()).count();
    let method = if liked.is_empty() && !followed.is_empty() {
        Method::Follows
    } else if liked.is_empty() {
        // None of the liked papers is in the store any more.
        Method::Nothing
    } else if vectors.is_some() && liked_vectors.iter().any(Option::is_some) {
        Method::Embeddings
    } else {
        Method::Words
    };
    let mut order = if liked.is_empty() {
        Vec::new()
    } else {
        model::rank(&liked_items, &dismissed_items, &candidate_items, window.features())
    };
    for s in &mut order {
        s.index = candidates[s.index];
    }
    // Followed authors' papers to the front, newest first (then by the model's score).
    let names: HashMap<&str, &str> = followed.iter().map(|(k, n)| (k.as_str(), n.as_str())).collect();
    let by_followed: HashMap<usize, String> = candidates
        .iter()
        .filter_map(|&i| {
            let name = window.author_keys[i].iter().find_map(|k| names.get(k.as_str()))?;
            Some((i, name.to_string()))
        })
        .collect();
    if !by_followed.is_empty() {
        let scores: HashMap<usize, model::Scored> = order.iter().map(|s| (s.index, *s)).collect();
        let mut first: Vec<model::Scored> = by_followed
            .keys()
            .map(|&i| scores.get(&i).copied().unwrap_or(model::Scored { index: i, score: 0.0, nearest: None }))
            .collect();
        first.sort_by(|a, b| {
            let day = |s: &model::Scored| window.papers[s.index].announced_on;
            day(b).cmp(&day(a)).then(b.score.total_cmp(&a.score)).then(a.index.cmp(&b.index))
        });
        order.retain(|s| !by_followed.contains_key(&s.index));
        first.append(&mut order);
        order = first;
    }
    order.truncate(MAX_RANKED);
    let candidates = candidates.len();
    Ranking { key, context: 0, method, window, order, by_followed, liked, candidates, embedded }
}

fn item<'a>(words: &'a tfidf::Sparse, vector: &'a Option<Vec<f32>>) -> model::Item<'a> {
    model::Item { words, vector: vector.as_deref() }
}

/// Recommendations `offset..offset + limit` of a ranking, with their reasons, leaving out the
/// papers `excluded` (liked or dismissed since the ranking was made).
pub fn page(r: &Ranking, offset: usize, limit: usize, excluded: &HashSet<String>) -> Recommendations {
    let liked_items: Vec<model::Item> =
        r.liked.iter().map(|(_, _, w)| model::Item { words: w, vector: None }).collect();
    let kept = |s: &&model::Scored| excluded.is_empty() || !excluded.contains(r.window.papers[s.index].id.as_str());
    let total = if excluded.is_empty() { r.order.len() } else { r.order.iter().filter(kept).count() };
    let items = r
        .order
        .iter()
        .filter(kept)
        .skip(offset)
        .take(limit)
        .map(|s| {
            let paper = &r.window.papers[s.index];
            let words = &r.window.words[s.index];
            let reason = if let Some(author) = r.by_followed.get(&s.index) {
                Some(Reason::Follows { author: author.clone() })
            } else {
                let nearest =
                    s.nearest.or_else(|| model::nearest_by_words(&liked_items, &model::Item { words, vector: None }));
                nearest.map(|n| {
                    let (p, how, _) = &r.liked[n];
                    Reason::Like { id: p.id.as_str().to_string(), title: p.title.clone(), how: *how }
                })
            };
            Recommended { paper: paper.clone(), score: s.score, reason }
        })
        .collect();
    let candidates = r.candidates;
    let notice = (r.method == Method::Embeddings && r.embedded < candidates).then(|| {
        format!(
            "{} of {} recent papers are embedded so far: the others are ranked by their words alone until they are.",
            crate::search::thousands(r.embedded as u64),
            crate::search::thousands(candidates as u64)
        )
    });
    Recommendations { method: r.method, total, items, notice }
}
