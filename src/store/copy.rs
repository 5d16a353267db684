//! Copying an instance's community tables to another store (`paperboy migrate`). Written once for both backends over
//! [`Db`](super::db::Db); run them with `Store::transaction` or `Store::read`.

use super::db::placeholders;
use super::db::{Db, Row, Val};
use super::Result;

/// Column types for copying: `i` integer, `r` real, `t` text.
type Columns = &'static [(&'static str, char)];

/// The community tables an instance copy carries, parents before children, with the key they
/// are read in. Rate-limit counters are not copied (they expire within the hour).
pub const COPIED_TABLES: &[(&str, Columns, &str)] = &[
    (
        "users",
        &[
            ("id", 'i'),
            ("username", 't'),
            ("username_key", 't'),
            ("email", 't'),
            ("password_hash", 't'),
            ("role", 't'),
            ("suspended", 'i'),
            ("muted_words", 't'),
            ("default_categories", 't'),
            ("created_at", 'i'),
        ],
        "id",
    ),
    ("sessions", &[("token_hash", 't'), ("user_id", 'i'), ("created_at", 'i'), ("expires_at", 'i')], "token_hash"),
    ("votes", &[("paper_id", 't'), ("user_id", 'i'), ("created_at", 'i')], "paper_id, user_id"),
    (
        "paper_stats",
        &[("paper_id", 't'), ("announced_on", 't'), ("upvotes", 'i'), ("comments", 'i'), ("last_activity", 'i')],
        "paper_id",
    ),
    (
        "comments",
        &[
            ("id", 'i'),
            ("paper_id", 't'),
            ("user_id", 'i'),
            ("parent_id", 'i'),
            ("body", 't'),
            ("created_at", 'i'),
            ("hidden", 'i'),
        ],
        "id",
    ),
    (
        "submissions",
        &[("paper_id", 't'), ("user_id", 'i'), ("day", 't'), ("submitted_at", 'i'), ("removed", 'i')],
        "paper_id",
    ),
    (
        "collections",
        &[
            ("id", 'i'),
            ("user_id", 'i'),
            ("name", 't'),
            ("description", 't'),
            ("public", 'i'),
            ("created_at", 'i'),
            ("updated_at", 'i'),
        ],
        "id",
    ),
    ("collection_papers", &[("collection_id", 'i'), ("paper_id", 't'), ("added_at", 'i')], "collection_id, paper_id"),
    (
        "moderation_log",
        &[("id", 'i'), ("admin_id", 'i'), ("action", 't'), ("target", 't'), ("reason", 't'), ("at", 'i')],
        "id",
    ),
    ("paper_ranks", &[("paper_id", 't'), ("score", 'r'), ("refreshed_at", 'i')], "paper_id"),
    (
        "api_tokens",
        &[
            ("id", 'i'),
            ("user_id", 'i'),
            ("name", 't'),
            ("token_hash", 't'),
            ("created_at", 'i'),
            ("last_used_at", 'i'),
            ("revoked_at", 'i'),
        ],
        "id",
    ),
];

fn column_list(columns: Columns) -> String {
    columns.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
}

/// Rows `offset..offset + limit` of a copied table, in key order.
pub fn table_page(db: &mut dyn Db, table: usize, limit: i64, offset: i64) -> Result<Vec<Row>> {
    let (name, columns, key) = COPIED_TABLES[table];
    let sql = format!("SELECT {} FROM {name} ORDER BY {key} LIMIT $1 OFFSET $2", column_list(columns));
    db.query(&sql, &[limit.into(), offset.into()])
}

/// Inserts rows read by [`table_page`]; rows already there are left as they are.
pub fn insert_rows(db: &mut dyn Db, table: usize, rows: &[Row]) -> Result<u64> {
    let (name, columns, _) = COPIED_TABLES[table];
    let mut inserted = 0;
    for row in rows {
        let marks = placeholders(1, columns.len());
        let sql = format!("INSERT INTO {name} ({}) VALUES ({marks}) ON CONFLICT DO NOTHING", column_list(columns));
        let params: Vec<Val> = columns
            .iter()
            .enumerate()
            .map(|(i, (_, ty))| match ty {
                'i' => Val::Int(row.opt_int(i)),
                'r' => Val::Real(Some(row.real(i))),
                _ => Val::Text(row.opt_text(i)),
            })
            .collect();
        inserted += db.execute(&sql, &params)?;
    }
    Ok(inserted)
}

pub fn table_count(db: &mut dyn Db, table: usize) -> Result<i64> {
    let (name, _, _) = COPIED_TABLES[table];
    Ok(db.query_one(&format!("SELECT COUNT(*) FROM {name}"), &[])?.map(|r| r.int(0)).unwrap_or(0))
}

/// After rows were copied in with their ids, PostgreSQL's identity sequences must move past
/// them (SQLite needs nothing: it takes the largest id plus one).
pub fn advance_identities(db: &mut dyn Db) -> Result<()> {
    for table in ["users", "comments", "collections", "moderation_log", "api_tokens"] {
        db.query(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            ),
            &[],
        )?;
    }
    Ok(())
}
