//! Hybrid ranking: keyword (BM25) and dense (cosine) scores over the union of both candidate
//! lists, weighted by how well the query's words matched at all ([`Fusion`]). Candidates the
//! dense side did not return get their exact cosine, so a strong keyword match is not penalised
//! for missing the dense top-k. Tuned on the arXiv known-item dev set and SciFact train
//! (`paperboy eval`, `benches/fusion_study.py`; see BENCHMARKS.md).

use std::collections::HashMap;

/// The keyword side's weight when its best candidate matches well (`search.hybrid_keyword_weight`).
pub const DEFAULT_KEYWORD_WEIGHT: f32 = 0.75;
/// The share of its bound at which the best keyword match gets half that weight (`search.hybrid_keyword_confidence`).
pub const DEFAULT_CONFIDENCE: f32 = 0.15;

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

/// How the two sides are fused: `score = w_q · bm25 / strength + (1 − w_q) · cosine`, where the keyword weight
/// `w_q = keyword_weight · c² / (c² + confidence²)` shrinks with `c`, the best keyword candidate's share of what the
/// query could score ([`Candidates::strength`]). A query whose words the papers barely share (a paraphrase in other
/// words) is ranked by meaning, one that matches a title closely mostly by its words; BM25 is divided by a bound of
/// the query's own instead of by its best candidate, so a weak best match is not given a full score.
#[derive(Debug, Clone, Copy)]
pub struct Fusion {
    pub keyword_weight: f32,
    pub confidence: f32,
}

impl Fusion {
    /// The keyword side's weight for these candidates.
    pub fn keyword_weight_for(&self, c: &Candidates) -> f32 {
        let best = c.keyword.iter().map(|(_, s)| *s).fold(0.0, f32::max);
        let share = best / c.strength.max(best).max(f32::MIN_POSITIVE);
        let (s2, c2) = (share * share, self.confidence * self.confidence);
        let gate = if s2 + c2 > 0.0 { s2 / (s2 + c2) } else { 0.0 };
        self.keyword_weight.clamp(0.0, 1.0) * gate
    }

    /// Fuses both sides over the union of their candidates. Returns the fused list, best first.
    pub fn fuse(&self, c: &Candidates) -> Vec<(String, f32)> {
        let w = self.keyword_weight_for(c);
        let best = c.keyword.iter().map(|(_, s)| *s).fold(0.0, f32::max);
        let bound = c.strength.max(best).max(f32::MIN_POSITIVE);
        let mut scores: HashMap<&str, (f32, f32)> = HashMap::new();
        for (id, s) in &c.keyword {
            scores.entry(id.as_str()).or_default().0 = s / bound;
        }
        let cosines = c.dense.iter().map(|(id, cos)| (id, cos)).chain(&c.cosine);
        for (id, cos) in cosines {
            scores.entry(id.as_str()).or_default().1 = cos.max(0.0);
        }
        let mut fused: Vec<(String, f32)> =
            scores.into_iter().map(|(id, (k, d))| (id.to_string(), w * k + (1.0 - w) * d)).collect();
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

    fn fusion(keyword_weight: f32) -> Fusion {
        Fusion { keyword_weight, confidence: DEFAULT_CONFIDENCE }
    }

    #[test]
    fn weight_zero_is_dense_order_and_a_full_weight_strong_match_is_keyword_order() {
        let c = Candidates {
            keyword: list(&[("a", 9.0), ("b", 5.0), ("c", 1.0)]),
            dense: list(&[("c", 0.9), ("b", 0.6), ("a", 0.2)]),
            strength: 10.0,
            ..Default::default()
        };
        assert_eq!(ids(fusion(0.0).fuse(&c)), ["c", "b", "a"]);
        // The best match holds 90 % of what the query could score: nearly the full weight.
        assert!(fusion(1.0).keyword_weight_for(&c) > 0.95);
        assert_eq!(ids(fusion(1.0).fuse(&c)), ["a", "b", "c"]);
    }

    #[test]
    fn a_weak_keyword_side_leaves_the_ranking_to_meaning() {
        // The query's words barely match anything (its best candidate scores 2 % of its bound).
        let c = Candidates {
            keyword: list(&[("noise", 0.4), ("other", 0.3)]),
            dense: list(&[("meant", 0.62), ("near", 0.6), ("noise", 0.58)]),
            strength: 20.0,
            ..Default::default()
        };
        let f = fusion(DEFAULT_KEYWORD_WEIGHT);
        assert!(f.keyword_weight_for(&c) < 0.05, "{}", f.keyword_weight_for(&c));
        assert_eq!(ids(f.fuse(&c))[..3], ["meant", "near", "noise"]);
    }

    #[test]
    fn agreement_wins_and_keyword_only_candidates_get_their_cosine() {
        let c = Candidates {
            keyword: list(&[("both", 10.0), ("kw-only", 9.0), ("weak", 1.0)]),
            dense: list(&[("both", 0.8), ("dense-only", 0.7), ("weak", 0.1)]),
            cosine: [("kw-only".to_string(), 0.75)].into(),
            strength: 12.0,
        };
        let fused = fusion(0.5).fuse(&c);
        assert_eq!(fused[0].0, "both");
        let pos = |id: &str| fused.iter().position(|(x, _)| x == id).unwrap();
        assert!(pos("kw-only") < pos("dense-only"), "{fused:?}");
        assert_eq!(fused.len(), 4);
        assert!(fused.windows(2).all(|w| w[0].1 >= w[1].1));
    }

    #[test]
    fn a_query_without_terms_to_bound_it_is_bounded_by_its_best_match() {
        // Wildcards and ranges hold no terms: the strength is 0, and the best match stands in for it.
        let c = Candidates { keyword: list(&[("a", 3.0), ("b", 1.0)]), strength: 0.0, ..Default::default() };
        let fused = fusion(1.0).fuse(&c);
        assert_eq!(ids(fused.clone()), ["a", "b"]);
        assert!(fused.iter().all(|(_, s)| s.is_finite()));
    }
}
