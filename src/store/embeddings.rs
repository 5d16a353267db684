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

/// Claims the papers `ids` (distinct) for embedding with `model` by `node` until `until`: those
/// nobody holds, those whose claim ran out before `now`, and those `node` holds already. Returns
/// the ids `node` now holds. One statement: on PostgreSQL a node racing for the same row waits
/// for the winner and then sees its claim, so no paper is handed to two nodes at once.
pub fn claim(db: &mut dyn Db, model: &str, node: &str, ids: &[String], now: i64, until: i64) -> Result<Vec<String>> {
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
    for chunk in items.chunks(200) {
        let sql =
            format!("DELETE FROM embedding_claims WHERE model = $1 AND paper_id IN ({})", placeholders(2, chunk.len()));
        let mut params = vec![model.into()];
        params.extend(chunk.iter().map(|(id, ..)| id.into()));
        db.execute(&sql, &params)?;
    }
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
