//! BEIR SciFact (`paperboy eval scifact`): scientific claims against abstracts, with graded
//! judgements; nDCG@10 and Recall@100 of keyword, semantic and hybrid ranking.

use super::{ndcg, recall, QueryRun};
use crate::search::embed::{paper_text, Embedder};
use crate::search::fusion::Fusion;
use crate::search::keyword::KeywordIndex;
use crate::search::SearchError;
use std::collections::HashMap;
use std::io::BufRead;
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

/// Document vectors of the collection, from `cache` when it holds them all (see [`super::doc_vectors`]).
pub fn doc_vectors(
    collection: &Collection,
    embedder: &Embedder,
    cache: Option<&Path>,
    progress: &indicatif::ProgressBar,
) -> Result<HashMap<String, Vec<f32>>, SearchError> {
    let docs: Vec<(String, String)> = collection.docs.iter().map(|(id, t, x)| (id.clone(), paper_text(t, x))).collect();
    super::doc_vectors(&docs, embedder, cache, progress)
}

/// Every query's candidates from both sides.
pub fn run(
    collection: &Collection,
    embedder: Option<&Embedder>,
    vectors: Option<&HashMap<String, Vec<f32>>>,
    title_boost: f32,
) -> Result<Vec<QueryRun>, SearchError> {
    let index = KeywordIndex::in_memory()?.with_title_boost(title_boost);
    index.upsert_plain(&collection.docs)?;
    let texts: Vec<&str> = collection.queries.iter().map(|(_, t)| t.as_str()).collect();
    super::run_queries(&index, &texts, embedder, vectors)
}

/// Mean nDCG@10 and Recall@100 of each mode: keyword, semantic, hybrid.
pub fn score(collection: &Collection, runs: &[QueryRun], fusion: &Fusion) -> [(f64, f64); 3] {
    let n = collection.queries.len().max(1) as f64;
    let mut sums = [(0.0, 0.0); 3];
    for ((qid, _), run) in collection.queries.iter().zip(runs) {
        let judged = &collection.qrels[qid];
        for (sum, ranking) in sums.iter_mut().zip(super::rankings(run, fusion)) {
            sum.0 += ndcg(&ranking, judged, 10);
            sum.1 += recall(&ranking, judged, 100);
        }
    }
    sums.map(|(nd, rc)| (nd / n, rc / n))
}

/// The judgements of each query, as the candidates file writes them.
pub fn judgements(collection: &Collection) -> Vec<(String, String, serde_json::Value)> {
    collection
        .queries
        .iter()
        .map(|(qid, text)| (text.clone(), "claim".into(), serde_json::json!(collection.qrels[qid])))
        .collect()
}
