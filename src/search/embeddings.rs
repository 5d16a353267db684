//! The embedding cache in the store: one vector per (paper, model), keyed by a hash of the
//! text embedded, so that nothing is embedded twice — not by a restart, a rebuild or another
//! node.

use super::embed::{paper_text, Embedder};
use super::SearchError;
use crate::papers::Paper;
use crate::store::{embeddings as stored, Store};
use base64::Engine;
use std::collections::HashMap;
use std::sync::Arc;

pub fn text_hash(text: &str) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

pub fn encode(v: &[f32]) -> String {
    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn decode(s: &str) -> Option<Vec<f32>> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
    (bytes.len() % 4 == 0)
        .then(|| bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

/// Cached vectors of `ids` for `model`, with the text hash each was made from.
pub async fn cached(
    store: &Store,
    model: &str,
    ids: Vec<String>,
) -> Result<HashMap<String, (String, Vec<f32>)>, SearchError> {
    let model = model.to_string();
    let rows = store.read(move |db| stored::cached(db, &model, &ids)).await?;
    Ok(rows.into_iter().filter_map(|(id, hash, v)| decode(&v).map(|v| (id, (hash, v)))).collect())
}

/// Stores vectors (replacing older ones of the same paper and model).
pub async fn put(store: &Store, model: &str, items: Vec<(String, String, Vec<f32>)>) -> Result<(), SearchError> {
    let model = model.to_string();
    let now = chrono::Utc::now().timestamp();
    let rows: Vec<(String, String, usize, String)> =
        items.into_iter().map(|(id, hash, v)| (id, hash, v.len(), encode(&v))).collect();
    store.transaction(move |db| stored::put(db, &model, &rows, now)).await?;
    Ok(())
}

/// How many vectors the store holds for `model`.
pub async fn count(store: &Store, model: &str) -> Result<i64, SearchError> {
    let model = model.to_string();
    Ok(store.read(move |db| stored::count(db, &model)).await?)
}

/// How a node claims papers before embedding them, so that nodes sharing a store split a backlog
/// instead of embedding the same papers side by side.
#[derive(Debug, Clone)]
pub struct Claims {
    /// This node's name in the claims.
    pub node: String,
    /// How long a claim holds: after that, a node that died with papers claimed loses them.
    pub lease: std::time::Duration,
}

/// What became of a batch of papers: the vectors at hand (from the cache, or embedded here now),
/// and the papers another node holds a live claim on (their vectors come to the cache later).
#[derive(Debug, Default)]
pub struct Embedded {
    pub vectors: Vec<(String, Vec<f32>)>,
    /// How many of `vectors` this node computed.
    pub computed: usize,
    pub waiting: Vec<Paper>,
}

/// Vectors for `papers`: from the cache where the text is unchanged; otherwise, for the papers this
/// node can claim, embedded now (on the blocking pool), cached and their claims dropped. Papers
/// another node is embedding are returned as `waiting`.
pub async fn embed_papers(
    store: &Store,
    embedder: Arc<Embedder>,
    papers: &[Paper],
    claims: &Claims,
) -> Result<Embedded, SearchError> {
    let texts: Vec<(String, String)> =
        papers.iter().map(|p| (p.id.as_str().to_string(), paper_text(&p.title, &p.abstract_text))).collect();
    let have = cached(store, embedder.name(), texts.iter().map(|(id, _)| id.clone()).collect()).await?;
    let mut done = Embedded::default();
    let mut missing = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (paper, (id, text)) in papers.iter().zip(texts) {
        let hash = text_hash(&text);
        match have.get(&id) {
            Some((h, v)) if *h == hash && v.len() == embedder.dims() => done.vectors.push((id, v.clone())),
            _ if seen.insert(id.clone()) => missing.push((paper, id, hash, text)),
            _ => {}
        }
    }
    if missing.is_empty() {
        return Ok(done);
    }
    let (model, node) = (embedder.name().to_string(), claims.node.clone());
    let wanted: Vec<(String, String)> = missing.iter().map(|m| (m.1.clone(), m.2.clone())).collect();
    let now = chrono::Utc::now().timestamp();
    let until = now + claims.lease.as_secs().max(1) as i64;
    let claimed = store.transaction(move |db| stored::claim(db, &model, &node, &wanted, now, until)).await?;
    let held: std::collections::HashSet<String> = claimed.held.into_iter().collect();
    // Vectors another node stored since this node looked at the cache: at hand, nothing to wait for.
    let arrived: Vec<(String, Vec<f32>)> =
        claimed.stored.into_iter().filter_map(|(id, v)| decode(&v).map(|v| (id, v))).collect();
    let arrived_ids: std::collections::HashSet<&str> = arrived.iter().map(|(id, _)| id.as_str()).collect();
    let (mine, theirs): (Vec<_>, Vec<_>) = missing.into_iter().partition(|m| held.contains(&m.1));
    done.waiting = theirs.into_iter().filter(|m| !arrived_ids.contains(m.1.as_str())).map(|m| m.0.clone()).collect();
    done.vectors.extend(arrived);
    if !mine.is_empty() {
        let (embedder2, texts): (Arc<Embedder>, Vec<String>) =
            (embedder.clone(), mine.iter().map(|m| m.3.clone()).collect());
        let vectors = tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            embedder2.embed(&refs)
        })
        .await??;
        let rows: Vec<(String, String, Vec<f32>)> =
            mine.into_iter().zip(vectors).map(|((_, id, hash, _), v)| (id, hash, v)).collect();
        done.computed = rows.len();
        done.vectors.extend(rows.iter().map(|(id, _, v)| (id.clone(), v.clone())));
        put(store, embedder.name(), rows).await?;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_round_trip_through_text() {
        let v = vec![0.25f32, -1.5, 3.0e-7, f32::MIN_POSITIVE];
        assert_eq!(decode(&encode(&v)).unwrap(), v);
        assert!(decode("not base64!").is_none());
        assert_ne!(text_hash("a"), text_hash("b"));
    }
}
