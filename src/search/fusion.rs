//! Hybrid ranking: a weighted sum of min-max normalised keyword (BM25) and dense (cosine)
//! scores over the union of both candidate lists. Candidates the dense side did not return
//! get their exact cosine, so a strong keyword match is not penalised for missing the
//! dense top-k. The weight was tuned on SciFact's train split (see BENCHMARKS.md).

use std::collections::HashMap;

/// Weight of the keyword side, tuned on SciFact train (`paperboy eval --split train --tune`).
pub const DEFAULT_KEYWORD_WEIGHT: f32 = 0.3;

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

/// Fuses `keyword` and `dense` (each `(id, score)`, best first). `cosine` gives the dense
/// score of a keyword-only candidate when it can. Returns the fused list, best first.
pub fn fuse(
    keyword: &[(String, f32)],
    dense: &[(String, f32)],
    cosine: impl Fn(&str) -> Option<f32>,
    keyword_weight: f32,
) -> Vec<(String, f32)> {
    let w = keyword_weight.clamp(0.0, 1.0);
    let kw_range = min_max(keyword.iter().map(|(_, s)| *s));
    let mut dense_scores: HashMap<&str, f32> = dense.iter().map(|(id, s)| (id.as_str(), *s)).collect();
    for (id, _) in keyword {
        if !dense_scores.contains_key(id.as_str()) {
            if let Some(c) = cosine(id) {
                dense_scores.insert(id.as_str(), c);
            }
        }
    }
    let dense_range = min_max(dense_scores.values().copied());
    let kw_scores: HashMap<&str, f32> = keyword.iter().map(|(id, s)| (id.as_str(), *s)).collect();
    let mut ids: Vec<&str> = keyword.iter().chain(dense).map(|(id, _)| id.as_str()).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[(&str, f32)]) -> Vec<(String, f32)> {
        items.iter().map(|(id, s)| (id.to_string(), *s)).collect()
    }

    #[test]
    fn weight_one_is_keyword_order_and_zero_is_dense_order() {
        let kw = list(&[("a", 9.0), ("b", 5.0), ("c", 1.0)]);
        let dense = list(&[("c", 0.9), ("b", 0.6), ("a", 0.2)]);
        let ids = |v: Vec<(String, f32)>| v.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
        assert_eq!(ids(fuse(&kw, &dense, |_| None, 1.0)), ["a", "b", "c"]);
        assert_eq!(ids(fuse(&kw, &dense, |_| None, 0.0)), ["c", "b", "a"]);
    }

    #[test]
    fn agreement_wins_and_keyword_only_candidates_get_their_cosine() {
        let kw = list(&[("both", 10.0), ("kw-only", 9.0), ("weak", 1.0)]);
        let dense = list(&[("both", 0.8), ("dense-only", 0.7), ("weak", 0.1)]);
        let fused = fuse(&kw, &dense, |id| (id == "kw-only").then_some(0.75), 0.5);
        assert_eq!(fused[0].0, "both");
        let pos = |id: &str| fused.iter().position(|(x, _)| x == id).unwrap();
        assert!(pos("kw-only") < pos("dense-only"), "{fused:?}");
        assert_eq!(fused.len(), 4);
        assert!(fused.windows(2).all(|w| w[0].1 >= w[1].1));
    }
}
