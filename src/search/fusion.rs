//! Hybrid ranking: a weighted sum of min-max normalised keyword (BM25) and dense (cosine)
//! scores over the union of both candidate lists. Candidates the dense side did not return
//! get their exact cosine, so a strong keyword match is not penalised for missing the
//! dense top-k. The weight was tuned on SciFact's train split (see BENCHMARKS.md).

use std::collections::HashMap;

/// Weight of the keyword side, tuned on SciFact train (`paperboy eval scifact --split train`).
pub const DEFAULT_KEYWORD_WEIGHT: f32 = 0.3;

/// One query's candidates from both sides.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    /// `(id, BM25)`, best first.
    pub keyword: Vec<(String, f32)>,
    /// `(id, cosine)`, best first.
    pub dense: Vec<(String, f32)>,
    /// The cosine of keyword candidates (those that are embedded).
    pub cosine: HashMap<String, f32>,
    /// What the query could score on the keyword side at most ([`super::keyword::KeywordIndex::query_strength`]).
    pub strength: f32,
}

impl Candidates {
    /// Both sides' lists, with the cosine of each keyword candidate from `cosine` when it can.
    pub fn gather(
        keyword: Vec<(String, f32)>,
        dense: Vec<(String, f32)>,
        cosine: impl Fn(&str) -> Option<f32>,
        strength: f32,
    ) -> Self {
        let cosine = keyword.iter().filter_map(|(id, _)| cosine(id).map(|c| (id.clone(), c))).collect();
        Self { keyword, dense, cosine, strength }
    }
}

/// How the two sides are fused.
#[derive(Debug, Clone, Copy)]
pub struct Fusion {
    pub keyword_weight: f32,
}

fn min_max(scores: impl Iterator<Item = f32> + Clone) -> (f32, f32) {
    let lo = scores.clone().fold(f32::INFINITY, f32::min);
    let hi = scores.fold(f32::NEG_INFINITY, f32::max);
    (lo, hi)
}

fn normalise(s: f32, (lo, hi): (f32, f32)) -> f32 {
    if hi > lo {
        (s - lo) / (hi - lo)
    } else {
        1.0
    }
}

impl Fusion {
    /// Fuses both sides. Returns the fused list, best first.
    pub fn fuse(&self, c: &Candidates) -> Vec<(String, f32)> {
        let w = self.keyword_weight.clamp(0.0, 1.0);
        let kw_range = min_max(c.keyword.iter().map(|(_, s)| *s));
        let mut dense_scores: HashMap<&str, f32> = c.dense.iter().map(|(id, s)| (id.as_str(), *s)).collect();
        for (id, cos) in &c.cosine {
            dense_scores.entry(id.as_str()).or_insert(*cos);
        }
        let dense_range = min_max(dense_scores.values().copied());
        let kw_scores: HashMap<&str, f32> = c.keyword.iter().map(|(id, s)| (id.as_str(), *s)).collect();
        let mut ids: Vec<&str> = c.keyword.iter().chain(&c.dense).map(|(id, _)| id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut fused: Vec<(String, f32)> = ids
            .into_iter()
            .map(|id| {
                let k = kw_scores.get(id).map(|s| normalise(*s, kw_range)).unwrap_or(0.0);
                let d = dense_scores.get(id).map(|s| normalise(*s, dense_range)).unwrap_or(0.0);
                (id.to_string(), w * k + (1.0 - w) * d)
            })
            .collect();
        fused.sort_by(super::by_score);
        fused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[(&str, f32)]) -> Vec<(String, f32)> {
        items.iter().map(|(id, s)| (id.to_string(), *s)).collect()
    }

    fn ids(v: Vec<(String, f32)>) -> Vec<String> {
        v.into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn weight_one_is_keyword_order_and_zero_is_dense_order() {
        let c = Candidates {
            keyword: list(&[("a", 9.0), ("b", 5.0), ("c", 1.0)]),
            dense: list(&[("c", 0.9), ("b", 0.6), ("a", 0.2)]),
            ..Default::default()
        };
        assert_eq!(ids(Fusion { keyword_weight: 1.0 }.fuse(&c)), ["a", "b", "c"]);
        assert_eq!(ids(Fusion { keyword_weight: 0.0 }.fuse(&c)), ["c", "b", "a"]);
    }

    #[test]
    fn agreement_wins_and_keyword_only_candidates_get_their_cosine() {
        let c = Candidates {
            keyword: list(&[("both", 10.0), ("kw-only", 9.0), ("weak", 1.0)]),
            dense: list(&[("both", 0.8), ("dense-only", 0.7), ("weak", 0.1)]),
            cosine: [("kw-only".to_string(), 0.75)].into(),
            strength: 12.0,
        };
        let fused = Fusion { keyword_weight: 0.5 }.fuse(&c);
        assert_eq!(fused[0].0, "both");
        let pos = |id: &str| fused.iter().position(|(x, _)| x == id).unwrap();
        assert!(pos("kw-only") < pos("dense-only"), "{fused:?}");
        assert_eq!(fused.len(), 4);
        assert!(fused.windows(2).all(|w| w[0].1 >= w[1].1));
    }
}
