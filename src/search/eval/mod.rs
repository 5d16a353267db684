//! Retrieval quality, measured through the same keyword index and fusion code as the site:
//! [`scifact`] (BEIR SciFact: claims against abstracts, nDCG@10) and [`known_item`] (arXiv
//! papers found from what a reader half-remembers, MRR@10). Dense retrieval here is exact (a
//! scan), so the figures measure the model and the fusion, not the ANN index (whose recall is
//! measured by `benches/search.rs`).

pub mod known_item;
pub mod scifact;

use super::embed::dot;
use super::fusion::{Candidates, Fusion};
use super::keyword::KeywordIndex;
use super::{by_score, SearchError, Window};
use std::collections::HashMap;
use std::io::Write;

/// How deep each side's candidate list goes (as `search.hybrid_depth`).
pub const DEPTH: usize = 100;

/// nDCG@k of a ranking against graded judgements.
pub fn ndcg(ranking: &[String], judged: &HashMap<String, u32>, k: usize) -> f64 {
    let gain = |g: u32| 2f64.powi(g as i32) - 1.0;
    let dcg: f64 = ranking
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, id)| judged.get(id).map(|g| gain(*g) / ((i + 2) as f64).log2()).unwrap_or(0.0))
        .sum();
    let mut ideal: Vec<u32> = judged.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal.iter().take(k).enumerate().map(|(i, g)| gain(*g) / ((i + 2) as f64).log2()).sum();
    if idcg == 0.0 {
        0.0
    } else {
        dcg / idcg
    }
}

/// Recall@k: the share of relevant documents found in the first `k`.
pub fn recall(ranking: &[String], judged: &HashMap<String, u32>, k: usize) -> f64 {
    let relevant = judged.values().filter(|g| **g > 0).count();
    if relevant == 0 {
        return 0.0;
    }
    let found = ranking.iter().take(k).filter(|id| judged.get(*id).is_some_and(|g| *g > 0)).count();
    found as f64 / relevant as f64
}

/// The 1-based rank of `target` in `ranking`, if it is there.
pub fn rank_of(ranking: &[String], target: &str) -> Option<usize> {
    ranking.iter().position(|id| id == target).map(|i| i + 1)
}

/// 1/rank when the rank is within `k`, else 0: one query's part of MRR@k.
pub fn reciprocal_rank(rank: Option<usize>, k: usize) -> f64 {
    rank.filter(|r| *r <= k).map(|r| 1.0 / r as f64).unwrap_or(0.0)
}

/// The `k` documents nearest to `q` by an exact scan, best first.
pub fn nearest(q: &[f32], vectors: &HashMap<String, Vec<f32>>, k: usize) -> Vec<(String, f32)> {
    let mut scored: Vec<(String, f32)> = vectors.iter().map(|(id, v)| (id.clone(), dot(q, v))).collect();
    scored.sort_by(by_score);
    scored.truncate(k);
    scored
}

/// Vectors of `docs` (id, text), read from `cache` when it holds them all, else embedded and
/// written there (`id<TAB>base64` lines).
pub fn doc_vectors(
    docs: &[(String, String)],
    embedder: &super::embed::Embedder,
    cache: Option<&std::path::Path>,
    progress: &indicatif::ProgressBar,
) -> Result<HashMap<String, Vec<f32>>, SearchError> {
    if let Some(path) = cache.filter(|p| p.exists()) {
        let mut out = HashMap::new();
        for line in std::fs::read_to_string(path)?.lines() {
            if let Some((id, v)) =
                line.split_once('\t').and_then(|(id, v)| super::embeddings::decode(v).map(|v| (id, v)))
            {
                out.insert(id.to_string(), v);
            }
        }
        if docs.iter().all(|(id, _)| out.contains_key(id)) {
            return Ok(out);
        }
    }
    progress.set_length(docs.len() as u64);
    let mut out = HashMap::new();
    for chunk in docs.chunks(256) {
        let texts: Vec<&str> = chunk.iter().map(|(_, t)| t.as_str()).collect();
        for ((id, _), v) in chunk.iter().zip(embedder.embed(&texts)?) {
            out.insert(id.clone(), v);
        }
        progress.inc(chunk.len() as u64);
    }
    if let Some(path) = cache {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
        for (id, v) in &out {
            writeln!(f, "{id}\t{}", super::embeddings::encode(v))?;
        }
    }
    Ok(out)
}

/// One query's candidates from both sides, as hybrid search sees them.
pub struct QueryRun {
    pub candidates: Candidates,
    pub query_vector: Option<Vec<f32>>,
}

/// Runs `queries` through `index` (top [`DEPTH`]) and, with an embedder and vectors, exact
/// dense search; each keyword-only candidate gets its exact cosine, as on the site.
pub fn run_queries(
    index: &KeywordIndex,
    queries: &[&str],
    embedder: Option<&super::embed::Embedder>,
    vectors: Option<&HashMap<String, Vec<f32>>>,
) -> Result<Vec<QueryRun>, SearchError> {
    let window = Window::default();
    let query_vectors = match (embedder, vectors) {
        (Some(e), Some(_)) => e.embed_queries(queries)?.into_iter().map(Some).collect(),
        _ => vec![None; queries.len()],
    };
    let mut out = Vec::with_capacity(queries.len());
    for (text, q) in queries.iter().zip(query_vectors) {
        let parsed = index.parse(text);
        let keyword: Vec<(String, f32)> =
            index.search_top(&parsed, &window, 0, DEPTH)?.into_iter().map(|h| (h.id, h.score)).collect();
        let strength = index.query_strength(&parsed);
        let (dense, cosine) = match (&q, vectors) {
            (Some(q), Some(vectors)) => {
                let dense = nearest(q, vectors, DEPTH);
                let cosine = keyword.iter().filter_map(|(id, _)| vectors.get(id).map(|v| (id.clone(), dot(q, v))));
                (dense, cosine.collect())
            }
            _ => (Vec::new(), HashMap::new()),
        };
        out.push(QueryRun { candidates: Candidates { keyword, dense, cosine, strength }, query_vector: q });
    }
    Ok(out)
}

/// The three rankings of one query's candidates.
pub fn rankings(run: &QueryRun, fusion: &Fusion) -> [Vec<String>; 3] {
    let ids = |l: &[(String, f32)]| l.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
    let c = &run.candidates;
    [ids(&c.keyword), ids(&c.dense), ids(&fusion.fuse(c))]
}

/// Writes every query's candidates as JSON lines, for studying a fusion outside the binary.
pub fn write_candidates(
    path: &std::path::Path,
    queries: &[(String, String, serde_json::Value)],
    runs: &[QueryRun],
) -> Result<(), SearchError> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for ((text, kind, relevant), run) in queries.iter().zip(runs) {
        let c = &run.candidates;
        let line = serde_json::json!({
            "query": text, "kind": kind, "relevant": relevant,
            "keyword": c.keyword, "dense": c.dense, "cosine": c.cosine, "strength": c.strength,
            "query_vector": run.query_vector,
        });
        writeln!(f, "{line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(items: &[(&str, u32)]) -> HashMap<String, u32> {
        items.iter().map(|(id, g)| (id.to_string(), *g)).collect()
    }

    fn r(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ndcg_is_one_for_the_ideal_order_and_lower_otherwise() {
        let j = judged(&[("a", 1), ("b", 1)]);
        assert!((ndcg(&r(&["a", "b", "x"]), &j, 10) - 1.0).abs() < 1e-12);
        let late = ndcg(&r(&["x", "a", "b"]), &j, 10);
        assert!(late < 1.0 && late > 0.0);
        // One relevant at rank 2 of one judged: 1/log2(3).
        let one = judged(&[("a", 1)]);
        assert!((ndcg(&r(&["x", "a"]), &one, 10) - 1.0 / 3f64.log2()).abs() < 1e-12);
        assert_eq!(ndcg(&r(&["x"]), &one, 10), 0.0);
        assert_eq!(recall(&r(&["a", "x"]), &j, 100), 0.5);
    }

    #[test]
    fn reciprocal_rank_counts_only_the_first_k() {
        let ranking = r(&["a", "b", "c"]);
        assert_eq!(rank_of(&ranking, "c"), Some(3));
        assert_eq!(rank_of(&ranking, "z"), None);
        assert_eq!(reciprocal_rank(Some(3), 10), 1.0 / 3.0);
        assert_eq!(reciprocal_rank(Some(11), 10), 0.0);
        assert_eq!(reciprocal_rank(None, 10), 0.0);
    }
}
