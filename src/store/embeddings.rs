//! The embedding cache: one vector per (paper, model), stored as base64 of little-endian
//! `f32`s with a hash of the text it was made from (see `search::embeddings`).

use super::db::{placeholders, Db};
use super::Result;

/// The cached (paper id, text hash, encoded vector) of `ids` for `model`.
pub fn cached(db: &mut dyn Db, model: &str, ids: &[String]) -> Result<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let sql = format!(
            "SELECT paper_id, text_hash, vector FROM embeddings WHERE model = $1 AND paper_id IN ({})",
            placeholders(2, chunk.len())
        );
        let mut params = vec![model.into()];
        params.extend(chunk.iter().map(|id| id.into()));
        out.extend(db.query(&sql, &params)?.iter().map(|r| (r.text(0), r.text(1), r.text(2))));
    }
    Ok(out)
}

/// What a claim came to: the ids this node now holds and must embed, and the vectors (id, encoded vector) that
/// another node stored for the same text between this node's look at the cache and its claim.
#[derive(Debug, Default)]
pub struct Claimed {
    pub held: Vec<String>,
    pub stored: Vec<(String, String)>,
}

/// Claims the papers `wanted` (distinct (id, text hash) pairs) for embedding with `model` by `node` until `until`:
/// those nobody holds, those whose claim ran out before `now`, and those `node` holds already. One statement: on
/// PostgreSQL a node racing for the same row waits for the winner and then sees its claim, so no paper is handed to
/// two nodes at once. A paper whose vector for the same text is in the store by now (another node stored it and
/// dropped its claim after this node looked at the cache) is let go again and returned in `stored`: run in one
/// transaction, this is what keeps a paper from being embedded twice.
pub fn claim(
    db: &mut dyn Db,
    model: &str,
    node: &str,
    wanted: &[(String, String)],
    now: i64,
    until: i64,
) -> Result<Claimed> {
    let ids: Vec<String> = wanted.iter().map(|(id, _)| id.clone()).collect();
    let held = claim_ids(db, model, node, &ids, now, until)?;
    let hashes: std::collections::HashMap<&str, &str> = wanted.iter().map(|(i, h)| (i.as_str(), h.as_str())).collect();
    let stored: Vec<(String, String)> = cached(db, model, &held)?
        .into_iter()
        .filter(|(id, hash, _)| hashes.get(id.as_str()) == Some(&hash.as_str()))
        .map(|(id, _, vector)| (id, vector))
        .collect();
    if stored.is_empty() {
        return Ok(Claimed { held, stored });
    }
    let done: std::collections::HashSet<&str> = stored.iter().map(|(id, _)| id.as_str()).collect();
    let (held, drop): (Vec<String>, Vec<String>) = held.into_iter().partition(|id| !done.contains(id.as_str()));
    release(db, model, &drop)?;
    Ok(Claimed { held, stored })
}

fn release(db: &mut dyn Db, model: &str, ids: &[String]) -> Result<()> {
    for chunk in ids.chunks(200) {
        let sql =
            format!("DELETE FROM embedding_claims WHERE model = $1 AND paper_id IN ({})", placeholders(2, chunk.len()));
        let mut params = vec![model.into()];
        params.extend(chunk.iter().map(|id| id.into()));
        db.execute(&sql, &params)?;
    }
    Ok(())
}

fn claim_ids(db: &mut dyn Db, model: &str, node: &str, ids: &[String], now: i64, until: i64) -> Result<Vec<String>> {
    let mut held = Vec::new();
    for chunk in ids.chunks(200) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, $1, $2, $3)", i + 5)).collect();
        let sql = format!(
            "INSERT INTO embedding_claims (paper_id, model, claimed_by, claimed_until) VALUES {} \
             ON CONFLICT (paper_id, model) DO UPDATE SET claimed_by = excluded.claimed_by, \
             claimed_until = excluded.claimed_until \
             WHERE embedding_claims.claimed_until < $4 OR embedding_claims.claimed_by = excluded.claimed_by \
             RETURNING paper_id",
            values.join(", ")
        );
        let mut params = vec![model.into(), node.into(), until.into(), now.into()];
        params.extend(chunk.iter().map(|id| id.into()));
        held.extend(db.query(&sql, &params)?.iter().map(|r| r.text(0)));
    }
    Ok(held)
}

/// Stores (paper id, text hash, dimensions, encoded vector) for `model`, replacing older
/// vectors of the same paper and model, and drops those papers' embedding claims.
pub fn put(db: &mut dyn Db, model: &str, items: &[(String, String, usize, String)], now: i64) -> Result<()> {
    release(db, model, &items.iter().map(|(id, ..)| id.clone()).collect::<Vec<_>>())?;
    for (id, hash, dims, vector) in items {
        db.execute(
            "INSERT INTO embeddings (paper_id, model, text_hash, dims, vector, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (paper_id, model) DO UPDATE SET text_hash = excluded.text_hash, \
             dims = excluded.dims, vector = excluded.vector, created_at = excluded.created_at",
            &[id.into(), model.into(), hash.into(), (*dims as i64).into(), vector.into(), now.into()],
        )?;
    }
    Ok(())
}

/// How many vectors for `model` were stored at or after `since` (Unix seconds): the embedding rate of every node.
pub fn count_since(db: &mut dyn Db, model: &str, since: i64) -> Result<i64> {
    Ok(db
        .query_one(
            "SELECT COUNT(*) FROM embeddings WHERE model = $1 AND created_at >= $2",
            &[model.into(), since.into()],
        )?
        .map(|r| r.int(0))
        .unwrap_or(0))
}

/// How many vectors the store holds for `model`.
pub fn count(db: &mut dyn Db, model: &str) -> Result<i64> {
    Ok(db
        .query_one("SELECT COUNT(*) FROM embeddings WHERE model = $1", &[model.into()])?
        .map(|r| r.int(0))
        .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// Node b looked at the cache before node a stored a vector and dropped its claim, and claims afterwards: the
    /// claim finds a's vector instead of handing b the paper to embed again, and leaves no claim behind.
    #[tokio::test]
    async fn a_claim_made_after_another_node_stored_the_vector_takes_the_vector() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}", dir.path().join("e.db").display())).await.unwrap();
        let wanted = vec![("p1".to_string(), "h1".to_string()), ("p2".to_string(), "h2".to_string())];
        let (w, m) = (wanted.clone(), "m");
        let a = store.transaction(move |db| claim(db, m, "a", &w, 0, 100)).await.unwrap();
        assert_eq!(a.held, ["p1", "p2"]);
        let rows = vec![("p1".to_string(), "h1".to_string(), 2, "AAAA".to_string())];
        store.transaction(move |db| put(db, m, &rows, 1)).await.unwrap();
        // a still holds p2; p1's claim went with its vector.
        let w = wanted.clone();
        let b = store.transaction(move |db| claim(db, m, "b", &w, 2, 100)).await.unwrap();
        assert!(b.held.is_empty(), "{b:?}");
        assert_eq!(b.stored, [("p1".to_string(), "AAAA".to_string())]);
        // A vector of another text is no answer: the paper is claimed to be embedded anew.
        let w = vec![("p1".to_string(), "changed".to_string())];
        let c = store.transaction(move |db| claim(db, m, "c", &w, 2, 100)).await.unwrap();
        assert_eq!((c.held.as_slice(), c.stored.len()), (["p1".to_string()].as_slice(), 0));
        let claims = store
            .read(|db| {
                Ok(db.query_one("SELECT COUNT(*) FROM embedding_claims WHERE claimed_by = 'b'", &[])?.map(|r| r.int(0)))
            })
            .await
            .unwrap();
        assert_eq!(claims, Some(0));
    }
}
