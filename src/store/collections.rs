//! Members' collections of papers. Written once for both backends over
//! [`Db`](super::db::Db); run them with `Store::transaction` or `Store::read`.

use super::activity::bump_activity;
use super::db::{Db, Row};
use super::Result;
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub id: i64,
    pub owner_id: i64,
    pub owner: String,
    pub name: String,
    pub description: String,
    pub public: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub papers: i64,
}

const COLLECTION_COLUMNS: &str =
    "c.id, c.user_id, u.username, c.name, c.description, c.public, c.created_at, c.updated_at, \
     (SELECT COUNT(*) FROM collection_papers cp WHERE cp.collection_id = c.id)";

fn collection_from(r: &Row) -> Collection {
    Collection {
        id: r.int(0),
        owner_id: r.int(1),
        owner: r.text(2),
        name: r.text(3),
        description: r.text(4),
        public: r.flag(5),
        created_at: r.int(6),
        updated_at: r.int(7),
        papers: r.int(8),
    }
}

pub fn create_collection(
    db: &mut dyn Db,
    user_id: i64,
    name: &str,
    description: &str,
    public: bool,
    now: i64,
) -> Result<i64> {
    let row = db.query_one(
        "INSERT INTO collections (user_id, name, description, public, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        &[user_id.into(), name.into(), description.into(), public.into(), now.into()],
    )?;
    Ok(row.map(|r| r.int(0)).unwrap_or(0))
}

pub fn collection(db: &mut dyn Db, id: i64) -> Result<Option<Collection>> {
    let sql =
        format!("SELECT {COLLECTION_COLUMNS} FROM collections c JOIN users u ON u.id = c.user_id WHERE c.id = $1");
    Ok(db.query_one(&sql, &[id.into()])?.map(|r| collection_from(&r)))
}

/// A user's collections, the private ones only when `include_private`.
pub fn collections_of(db: &mut dyn Db, user_id: i64, include_private: bool) -> Result<Vec<Collection>> {
    let sql = format!(
        "SELECT {COLLECTION_COLUMNS} FROM collections c JOIN users u ON u.id = c.user_id
         WHERE c.user_id = $1 AND (c.public = 1 OR $2 = 1) ORDER BY c.updated_at DESC, c.id DESC"
    );
    Ok(db.query(&sql, &[user_id.into(), include_private.into()])?.iter().map(collection_from).collect())
}

/// Renames, describes and publishes or hides a collection its owner holds.
pub fn update_collection(
    db: &mut dyn Db,
    id: i64,
    owner_id: i64,
    name: &str,
    description: &str,
    public: bool,
    now: i64,
) -> Result<bool> {
    let n = db.execute(
        "UPDATE collections SET name = $1, description = $2, public = $3, updated_at = $4 WHERE id = $5 AND user_id = $6",
        &[name.into(), description.into(), public.into(), now.into(), id.into(), owner_id.into()],
    )?;
    // Cached collection feeds must not outlive a change (going private above all).
    bump_activity(db)?;
    Ok(n > 0)
}

pub fn delete_collection(db: &mut dyn Db, id: i64, owner_id: i64) -> Result<bool> {
    db.execute(
        "DELETE FROM collection_papers WHERE collection_id IN (SELECT id FROM collections WHERE id = $1 AND user_id = $2)",
        &[id.into(), owner_id.into()],
    )?;
    let n = db.execute("DELETE FROM collections WHERE id = $1 AND user_id = $2", &[id.into(), owner_id.into()])?;
    bump_activity(db)?;
    Ok(n > 0)
}

/// Adds or removes a paper in a collection its owner holds; false if it is not theirs.
pub fn set_in_collection(
    db: &mut dyn Db,
    id: i64,
    owner_id: i64,
    paper_id: &str,
    present: bool,
    now: i64,
) -> Result<bool> {
    let owned = db.execute(
        "UPDATE collections SET updated_at = $1 WHERE id = $2 AND user_id = $3",
        &[now.into(), id.into(), owner_id.into()],
    )?;
    if owned == 0 {
        return Ok(false);
    }
    if present {
        db.execute(
            "INSERT INTO collection_papers (collection_id, paper_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[id.into(), paper_id.into(), now.into()],
        )?;
        super::updates::keep_version(db, owner_id, paper_id)?;
    } else {
        db.execute(
            "DELETE FROM collection_papers WHERE collection_id = $1 AND paper_id = $2",
            &[id.into(), paper_id.into()],
        )?;
    }
    bump_activity(db)?;
    Ok(true)
}

/// The papers in a collection, most recently added first.
pub fn collection_papers(db: &mut dyn Db, id: i64) -> Result<Vec<String>> {
    let rows = db.query(
        "SELECT paper_id FROM collection_papers WHERE collection_id = $1 ORDER BY added_at DESC, paper_id",
        &[id.into()],
    )?;
    Ok(rows.iter().map(|r| r.text(0)).collect())
}

/// Which of a user's collections hold `paper_id`.
pub fn collections_holding(db: &mut dyn Db, user_id: i64, paper_id: &str) -> Result<HashSet<i64>> {
    let rows = db.query(
        "SELECT cp.collection_id FROM collection_papers cp JOIN collections c ON c.id = cp.collection_id
         WHERE c.user_id = $1 AND cp.paper_id = $2",
        &[user_id.into(), paper_id.into()],
    )?;
    Ok(rows.iter().map(|r| r.int(0)).collect())
}
