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

/// Vectors for `papers`: from the cache where the text is unchanged, otherwise embedded now
/// (on the blocking pool) and cached.
pub async fn embed_papers(
    store: &Store,
    embedder: Arc<Embedder>,
    papers: &[Paper],
) -> Result<Vec<(String, Vec<f32>)>, SearchError> {
    let texts: Vec<(String, String)> =
        papers.iter().map(|p| (p.id.as_str().to_string(), paper_text(&p.title, &p.abstract_text))).collect();
    let have = cached(store, embedder.name(), texts.iter().map(|(id, _)| id.clone()).collect()).await?;
    let mut out = Vec::with_capacity(texts.len());
    let mut missing = Vec::new();
    for (id, text) in texts {
        let hash = text_hash(&text);
        match have.get(&id) {
            Some((h, v)) if *h == hash && v.len() == embedder.dims() => out.push((id, v.clone())),
            _ => missing.push((id, hash, text)),
        }
    }
    if !missing.is_empty() {
        let model = embedder.name().to_string();
        let (embedder2, texts): (Arc<Embedder>, Vec<String>) =
            (embedder.clone(), missing.iter().map(|m| m.2.clone()).collect());
        let vectors = tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            embedder2.embed(&refs)
        })
        .await??;
        let rows: Vec<(String, String, Vec<f32>)> =
            missing.into_iter().zip(vectors).map(|((id, hash, _), v)| (id, hash, v)).collect();
        out.extend(rows.iter().map(|(id, _, v)| (id.clone(), v.clone())));
        put(store, &model, rows).await?;
    }
    Ok(out)
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
