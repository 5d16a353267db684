//! Retrieval quality on the BEIR SciFact benchmark (`paperboy eval`): nDCG@10 and Recall@100
//! of keyword, semantic and hybrid ranking, through the same index and fusion code as the
//! site. Dense retrieval here is exact (a scan), so the figures measure the model and the
//! fusion, not the ANN index (whose recall is measured by `benches/search.rs`).

use super::embed::{dot, paper_text, Embedder};
use super::fusion::fuse;
use super::keyword::KeywordIndex;
use super::{by_score, SearchError, Window};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;

pub struct Collection {
    /// (id, title, text)
    pub docs: Vec<(String, String, String)>,
    pub queries: Vec<(String, String)>,
    /// query id → (doc id → grade)
    pub qrels: HashMap<String, HashMap<String, u32>>,
}

fn bad(what: impl std::fmt::Display) -> SearchError {
    SearchError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string()))
}

/// Reads `corpus.jsonl.gz`, `queries-{split}.jsonl` and `qrels-{split}.tsv` from `dir`;
/// only queries with judgements are kept.
pub fn load(dir: &Path, split: &str) -> Result<Collection, SearchError> {
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(dir.join("corpus.jsonl.gz"))?);
    let mut docs = Vec::new();
    for (n, line) in std::io::BufReader::new(gz).lines().enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(&line?).map_err(|e| bad(format!("corpus line {}: {e}", n + 1)))?;
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        docs.push((s("_id"), s("title"), s("text")));
    }
    let mut qrels: HashMap<String, HashMap<String, u32>> = HashMap::new();
    let tsv = std::fs::read_to_string(dir.join(format!("qrels-{split}.tsv")))?;
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if let [q, d, g] = cols[..] {
            qrels.entry(q.to_string()).or_default().insert(d.to_string(), g.trim().parse().unwrap_or(1));
        }
    }
    let mut queries = Vec::new();
    for line in std::fs::read_to_string(dir.join(format!("queries-{split}.jsonl")))?.lines() {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(format!("query: {e}")))?;
        let id = v["_id"].as_str().unwrap_or_default().to_string();
        if qrels.contains_key(&id) {
            queries.push((id, v["text"].as_str().unwrap_or_default().to_string()));
        }
    }
    Ok(Collection { docs, queries, qrels })
}

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

/// Document vectors, read from `cache` when it holds them all, else embedded and written
/// there (`id<TAB>base64` lines).
pub fn doc_vectors(
    collection: &Collection,
    embedder: &Embedder,
    cache: Option<&Path>,
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
        if collection.docs.iter().all(|(id, _, _)| out.contains_key(id)) {
            return Ok(out);
        }
    }
    progress.set_length(collection.docs.len() as u64);
    let mut out = HashMap::new();
    for chunk in collection.docs.chunks(256) {
        let texts: Vec<String> = chunk.iter().map(|(_, t, x)| paper_text(t, x)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        for ((id, _, _), v) in chunk.iter().zip(embedder.embed(&refs)?) {
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

/// Rankings of every query, by mode.
pub struct Runs {
    pub keyword: Vec<Vec<(String, f32)>>,
    pub dense: Vec<Vec<(String, f32)>>,
    pub query_vectors: Vec<Vec<f32>>,
}

pub const DEPTH: usize = 100;

/// Runs every query through the keyword index and (when given vectors) exact dense search.
pub fn run(
    collection: &Collection,
    embedder: Option<&Embedder>,
    vectors: Option<&HashMap<String, Vec<f32>>>,
    title_boost: f32,
) -> Result<Runs, SearchError> {
    let index = KeywordIndex::in_memory()?.with_title_boost(title_boost);
    index.upsert_plain(&collection.docs)?;
    let window = Window::default();
    let mut keyword = Vec::new();
    for (_, text) in &collection.queries {
        let parsed = index.parse(text);
        let hits = index.search_top(&parsed, &window, 0, DEPTH)?;
        keyword.push(hits.into_iter().map(|h| (h.id, h.score)).collect());
    }
    let (mut dense, mut query_vectors) = (Vec::new(), Vec::new());
    if let (Some(embedder), Some(vectors)) = (embedder, vectors) {
        let texts: Vec<&str> = collection.queries.iter().map(|(_, t)| t.as_str()).collect();
        query_vectors = embedder.embed(&texts)?;
        for q in &query_vectors {
            let mut scored: Vec<(String, f32)> = vectors.iter().map(|(id, v)| (id.clone(), dot(q, v))).collect();
            scored.sort_by(by_score);
            scored.truncate(DEPTH);
            dense.push(scored);
        }
    }
    Ok(Runs { keyword, dense, query_vectors })
}

/// Mean nDCG@10 and Recall@100 of rankings.
pub fn score(collection: &Collection, rankings: &[Vec<String>]) -> (f64, f64) {
    let n = collection.queries.len().max(1) as f64;
    let mut nd = 0.0;
    let mut rc = 0.0;
    for ((qid, _), ranking) in collection.queries.iter().zip(rankings) {
        let judged = &collection.qrels[qid];
        nd += ndcg(ranking, judged, 10);
        rc += recall(ranking, judged, 100);
    }
    (nd / n, rc / n)
}

fn ids(list: &[(String, f32)]) -> Vec<String> {
    list.iter().map(|(id, _)| id.clone()).collect()
}

/// Hybrid rankings for a keyword weight.
pub fn hybrid(runs: &Runs, vectors: &HashMap<String, Vec<f32>>, weight: f32) -> Vec<Vec<String>> {
    runs.keyword
        .iter()
        .zip(&runs.dense)
        .zip(&runs.query_vectors)
        .map(|((kw, dense), q)| ids(&fuse(kw, dense, |id| vectors.get(id).map(|v| dot(v, q)), weight)))
        .collect()
}

pub fn keyword_rankings(runs: &Runs) -> Vec<Vec<String>> {
    runs.keyword.iter().map(|l| ids(l)).collect()
}

pub fn dense_rankings(runs: &Runs) -> Vec<Vec<String>> {
    runs.dense.iter().map(|l| ids(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(items: &[(&str, u32)]) -> HashMap<String, u32> {
        items.iter().map(|(id, g)| (id.to_string(), *g)).collect()
    }

    #[test]
    fn ndcg_is_one_for_the_ideal_order_and_lower_otherwise() {
        let j = judged(&[("a", 1), ("b", 1)]);
        let r = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!((ndcg(&r(&["a", "b", "x"]), &j, 10) - 1.0).abs() < 1e-12);
        let late = ndcg(&r(&["x", "a", "b"]), &j, 10);
        assert!(late < 1.0 && late > 0.0);
        // One relevant at rank 2 of one judged: 1/log2(3).
        let one = judged(&[("a", 1)]);
        assert!((ndcg(&r(&["x", "a"]), &one, 10) - 1.0 / 3f64.log2()).abs() < 1e-12);
        assert_eq!(ndcg(&r(&["x"]), &one, 10), 0.0);
        assert_eq!(recall(&r(&["a", "x"]), &j, 100), 0.5);
    }
}
