//! The trending formula, in one pure function.
//!
//! ```text
//! points = upvotes + comments / 2
//! score  = ln(points + 2) / (age_hours + 2) ^ GRAVITY        GRAVITY = 0.5
//! ```
//!
//! `age_hours` counts from the moment a paper reached paperboy's lists: its announcement day
//! (00:00 UTC), or the time it was submitted by a user if that is later. The logarithm makes
//! the tenth vote worth less than the first; the decay is gentle (gravity 0.5, where Hacker
//! News uses 1.8) because papers stay interesting for days, not hours: a day-old paper with 10
//! points outranks a three-day-old paper with 60, but not one with 70. Upvotes and comments
//! are paperboy's own; Hugging Face upvotes are shown but not counted (another community).
//! Scores are recomputed in batches (`Store::refresh_ranks`) and read through an index.

use crate::papers::Paper;
use crate::store::ranks::{self, RankInput};
use crate::store::{Store, StoreError};

/// How fast scores decay with age.
pub const GRAVITY: f64 = 0.5;

/// The trending score of a paper with `upvotes`, `comments`, `age_hours` old (negative ages,
/// from clock skew, count as 0).
pub fn hot_score(upvotes: u64, comments: u64, age_hours: f64) -> f64 {
    let points = upvotes as f64 + comments as f64 / 2.0;
    let age = if age_hours.is_finite() { age_hours.max(0.0) } else { 0.0 };
    (points + 2.0).ln() / (age + 2.0).powf(GRAVITY)
}

/// The moment a paper reached the lists: its announcement day at 00:00 UTC, or its
/// submission to a day's list if that came later.
fn listed_at(input: &RankInput) -> Option<i64> {
    let announced = input
        .announced_on
        .as_deref()
        .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp());
    match (announced, input.submitted_at) {
        (Some(a), Some(s)) => Some(a.max(s)),
        (a, s) => a.or(s),
    }
}

/// Recomputes every trending score (a batch: the candidates are the latest days' papers and
/// those with recent activity) and replaces the stored ranks. Returns how many were scored.
pub async fn refresh(store: &Store, trending_days: u32, now: i64) -> Result<usize, StoreError> {
    let active_since = now - i64::from(trending_days) * 86_400;
    let inputs = store.read(move |db| ranks::rank_inputs(db, trending_days.into(), active_since)).await?;
    let scores: Vec<(String, f64)> = inputs
        .iter()
        .map(|i| {
            let age_hours = listed_at(i).map(|t| (now - t) as f64 / 3600.0).unwrap_or(f64::MAX);
            (i.paper_id.clone(), hot_score(i.upvotes.max(0) as u64, i.comments.max(0) as u64, age_hours))
        })
        .collect();
    let n = scores.len();
    store.transaction(move |db| ranks::replace_ranks(db, &scores, now)).await?;
    Ok(n)
}

/// The lease that makes one node at a time refresh the ranks.
pub const RANK_LEASE: &str = "rank-refresh";

/// With a category filter, the ranking is read this deep and filtered.
const FILTER_DEPTH: i64 = 2_000;

/// One page of the ranking (from 1), in some categories (none: all): when the ranks were
/// refreshed, the papers, and whether another page follows. Ranks never computed (a new
/// instance) are computed now rather than show nothing.
pub async fn ranked_page(
    store: &Store,
    trending_days: u32,
    categories: &[String],
    page_no: usize,
    page_size: usize,
) -> Result<(Option<i64>, Vec<Paper>, bool), StoreError> {
    let refreshed = match store.read(ranks::ranks_refreshed_at).await? {
        None => {
            let now = chrono::Utc::now().timestamp();
            refresh(store, trending_days, now).await?;
            Some(now)
        }
        Some(t) => Some(t),
    };
    let (limit, offset) = if categories.is_empty() {
        (page_size as i64 + 1, ((page_no - 1) * page_size) as i64)
    } else {
        (FILTER_DEPTH, 0)
    };
    let ranked = store.read(move |db| ranks::top_ranked(db, limit, offset)).await?;
    let ids: Vec<String> = ranked.iter().map(|(id, _)| id.clone()).collect();
    let mut papers = store.papers_by_ids(ids).await?;
    if !categories.is_empty() {
        papers.retain(|p| p.in_any(categories));
        papers = papers.into_iter().skip((page_no - 1) * page_size).take(page_size + 1).collect();
    }
    let more = papers.len() > page_size;
    papers.truncate(page_size);
    Ok((refreshed, papers, more))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn more_votes_never_rank_lower(v in 0u64..1_000_000, extra in 0u64..1000, c in 0u64..10_000, age in 0.0f64..100_000.0) {
            prop_assert!(hot_score(v + extra, c, age) >= hot_score(v, c, age));
        }

        #[test]
        fn more_comments_never_rank_lower(v in 0u64..1_000_000, c in 0u64..10_000, extra in 0u64..1000, age in 0.0f64..100_000.0) {
            prop_assert!(hot_score(v, c + extra, age) >= hot_score(v, c, age));
        }

        #[test]
        fn older_never_ranks_higher(v in 0u64..1_000_000, c in 0u64..10_000, age in 0.0f64..100_000.0, older in 0.0f64..10_000.0) {
            prop_assert!(hot_score(v, c, age + older) <= hot_score(v, c, age));
        }

        #[test]
        fn scores_are_positive_and_finite(v in 0u64..u32::MAX as u64, c in 0u64..u32::MAX as u64, age in -1e6f64..1e9) {
            let s = hot_score(v, c, age);
            prop_assert!(s.is_finite() && s > 0.0);
        }
    }

    #[test]
    fn the_documented_example_holds() {
        assert!(hot_score(10, 0, 24.0) > hot_score(60, 0, 72.0));
        assert!(hot_score(10, 0, 24.0) < hot_score(70, 0, 72.0));
    }
}
