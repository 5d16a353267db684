//! Copying an instance's tables to another store (`paperboy migrate`). Written once for both backends over
//! [`Db`](super::db::Db); run them with `Store::transaction` or `Store::read`.
//!
//! Every table the migrations create is named here exactly once: copied row by row ([`COPIED`]), carried by the
//! paper copy ([`CARRIED_WITH_PAPERS`]), or deliberately left behind with the reason ([`NOT_COPIED`]). A test
//! compares these lists, columns included, with the schema of both backends, so the list cannot fall behind.

use super::db::placeholders;
use super::db::{Db, Row, Val};
use super::Result;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Column types for copying: `i` integer, `r` real, `t` text.
type Columns = &'static [(&'static str, char)];

/// A table copied row by row, read in the order of its primary key.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: Columns,
    /// The primary key's columns (a prefix of `columns`).
    pub key: &'static [&'static str],
    /// Whether the target's identity sequence for `id` must move past the copied ids (PostgreSQL).
    pub identity: bool,
}

/// The tables copied row by row, parents before children.
pub const COPIED: &[Table] = &[
    Table {
        name: "users",
        columns: &[
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
            ("email_verified_at", 'i'),
        ],
        key: &["id"],
        identity: true,
    },
    Table {
        name: "sessions",
        columns: &[("token_hash", 't'), ("user_id", 'i'), ("created_at", 'i'), ("expires_at", 'i')],
        key: &["token_hash"],
        identity: false,
    },
    Table {
        name: "votes",
        columns: &[("paper_id", 't'), ("user_id", 'i'), ("created_at", 'i')],
        key: &["paper_id", "user_id"],
        identity: false,
    },
    Table {
        name: "kept_versions",
        columns: &[("user_id", 'i'), ("paper_id", 't'), ("version", 'i')],
        key: &["user_id", "paper_id"],
        identity: false,
    },
    Table {
        name: "author_follows",
        columns: &[("user_id", 'i'), ("author_key", 't'), ("name", 't'), ("created_at", 'i')],
        key: &["user_id", "author_key"],
        identity: false,
    },
    Table {
        name: "pending_submissions",
        columns: &[("paper_id", 't'), ("user_id", 'i'), ("requested_at", 'i'), ("attempts", 'i'), ("refused", 't')],
        key: &["paper_id", "user_id"],
        identity: false,
    },
    Table {
        name: "dismissals",
        columns: &[("user_id", 'i'), ("paper_id", 't'), ("created_at", 'i')],
        key: &["user_id", "paper_id"],
        identity: false,
    },
    Table {
        name: "paper_stats",
        columns: &[
            ("paper_id", 't'),
            ("announced_on", 't'),
            ("upvotes", 'i'),
            ("comments", 'i'),
            ("last_activity", 'i'),
        ],
        key: &["paper_id"],
        identity: false,
    },
    Table {
        name: "comments",
        columns: &[
            ("id", 'i'),
            ("paper_id", 't'),
            ("user_id", 'i'),
            ("parent_id", 'i'),
            ("body", 't'),
            ("created_at", 'i'),
            ("hidden", 'i'),
            ("edited_at", 'i'),
            ("deleted", 'i'),
        ],
        key: &["id"],
        identity: true,
    },
    Table {
        name: "submissions",
        columns: &[("paper_id", 't'), ("user_id", 'i'), ("day", 't'), ("submitted_at", 'i'), ("removed", 'i')],
        key: &["paper_id"],
        identity: false,
    },
    Table {
        name: "collections",
        columns: &[
            ("id", 'i'),
            ("user_id", 'i'),
            ("name", 't'),
            ("description", 't'),
            ("public", 'i'),
            ("created_at", 'i'),
            ("updated_at", 'i'),
        ],
        key: &["id"],
        identity: true,
    },
    Table {
        name: "collection_papers",
        columns: &[("collection_id", 'i'), ("paper_id", 't'), ("added_at", 'i')],
        key: &["collection_id", "paper_id"],
        identity: false,
    },
    Table {
        name: "moderation_log",
        columns: &[("id", 'i'), ("admin_id", 'i'), ("action", 't'), ("target", 't'), ("reason", 't'), ("at", 'i')],
        key: &["id"],
        identity: true,
    },
    Table {
        name: "paper_ranks",
        columns: &[("paper_id", 't'), ("score", 'r'), ("refreshed_at", 'i')],
        key: &["paper_id"],
        identity: false,
    },
    Table {
        name: "api_tokens",
        columns: &[
            ("id", 'i'),
            ("user_id", 'i'),
            ("name", 't'),
            ("token_hash", 't'),
            ("created_at", 'i'),
            ("last_used_at", 'i'),
            ("revoked_at", 'i'),
            ("scope", 't'),
        ],
        key: &["id"],
        identity: true,
    },
    Table {
        name: "subscribers",
        columns: &[
            ("id", 'i'),
            ("email", 't'),
            ("user_id", 'i'),
            ("confirm_hash", 't'),
            ("confirm_expires_at", 'i'),
            ("confirm_sent_at", 'i'),
            ("confirmed_at", 'i'),
            ("unsubscribed_at", 'i'),
            ("frequency", 't'),
            ("mode", 't'),
            ("categories", 't'),
            ("keywords", 't'),
            ("muted_words", 't'),
            ("max_papers", 'i'),
            ("hard_failures", 'i'),
            ("paused_at", 'i'),
            ("created_at", 'i'),
        ],
        key: &["id"],
        identity: true,
    },
    // With its state: a message sent is not sent again; one claimed by a source node is claimed
    // again by the target's workers once that claim's lease ends.
    Table {
        name: "outbox",
        columns: &[
            ("id", 'i'),
            ("key", 't'),
            ("subscriber_id", 'i'),
            ("to_addr", 't'),
            ("subject", 't'),
            ("text_body", 't'),
            ("html_body", 't'),
            ("unsubscribe_url", 't'),
            ("status", 't'),
            ("attempts", 'i'),
            ("next_attempt_at", 'i'),
            ("claimed_by", 't'),
            ("claimed_until", 'i'),
            ("last_error", 't'),
            ("created_at", 'i'),
            ("sent_at", 'i'),
        ],
        key: &["id"],
        identity: true,
    },
    // A day of CPU at arXiv scale to compute again.
    Table {
        name: "embeddings",
        columns: &[
            ("paper_id", 't'),
            ("model", 't'),
            ("text_hash", 't'),
            ("dims", 'i'),
            ("vector", 't'),
            ("created_at", 'i'),
        ],
        key: &["paper_id", "model"],
        identity: false,
    },
];

/// Tables carried by the paper copy itself (`migrate` copies them through the store's own writes).
pub const CARRIED_WITH_PAPERS: &[(&str, &str)] = &[
    ("papers", "copied in change order, resumable, verified by checksum"),
    ("paper_categories", "written with each copied paper"),
    ("hf_daily", "the Hugging Face listings, copied whole"),
    ("fetched_days", "the announcement days fetched, copied whole"),
    ("meta", "the instance's settings, copied whole"),
];

/// Tables deliberately not copied, and why.
pub const NOT_COPIED: &[(&str, &str)] = &[
    ("rate_limits", "rate-limit counters expire within the hour"),
    ("leases", "held by the source's running nodes; the target's nodes take their own"),
    ("resume_points", "positions of interrupted imports on the source; the migration keeps its own in the target"),
    ("counters", "a cache generation: the target's caches start empty"),
    ("schema_migrations", "the target records the migrations it ran itself"),
    ("embedding_claims", "held by the source's embedding nodes for a minute or two; the vectors themselves are copied"),
    (
        "account_tokens",
        "password-reset and address-verification links last an hour or two; ask for another after the move",
    ),
    ("form_nonces", "each guards one form against being sent twice within moments; kept a day"),
];

/// The primary key of a row, as statement parameters.
pub type Key = Vec<Val>;

fn column_list(columns: Columns) -> String {
    columns.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
}

fn typed(ty: char, row: &Row, i: usize) -> Val {
    match ty {
        'i' => Val::Int(row.opt_int(i)),
        'r' => Val::Real(row.opt_real(i)),
        _ => Val::Text(row.opt_text(i)),
    }
}

/// A row as typed values, the same whichever backend it came from.
pub fn canonical(table: &Table, row: &Row) -> Vec<Val> {
    table.columns.iter().enumerate().map(|(i, (_, ty))| typed(*ty, row, i)).collect()
}

/// The key of a row read by [`page`].
pub fn key_of(table: &Table, row: &Row) -> Key {
    table.columns[..table.key.len()].iter().enumerate().map(|(i, (_, ty))| typed(*ty, row, i)).collect()
}

/// Up to `limit` rows after `after` (all from the start when `None`), in key order: a keyset page, as cheap at the
/// millionth row as at the first.
pub fn page(db: &mut dyn Db, table: &Table, after: Option<&Key>, limit: i64) -> Result<Vec<Row>> {
    let key = table.key.join(", ");
    let (columns, name) = (column_list(table.columns), table.name);
    match after {
        None => db.query(&format!("SELECT {columns} FROM {name} ORDER BY {key} LIMIT $1"), &[limit.into()]),
        Some(after) => {
            let n = after.len();
            let sql = format!(
                "SELECT {columns} FROM {name} WHERE ({key}) > ({}) ORDER BY {key} LIMIT ${}",
                placeholders(1, n),
                n + 1
            );
            let mut params = after.clone();
            params.push(limit.into());
            db.query(&sql, &params)
        }
    }
}

/// Writes rows read by [`page`]: a row the target already holds under the same key takes the source's values, so a
/// copy run again after an interruption ends the same as one that was not interrupted.
pub fn upsert(db: &mut dyn Db, table: &Table, rows: &[Row]) -> Result<u64> {
    const ROWS_PER_STATEMENT: usize = 100;
    let width = table.columns.len();
    let rest: Vec<String> =
        table.columns[table.key.len()..].iter().map(|(c, _)| format!("{c} = excluded.{c}")).collect();
    let on_conflict = if rest.is_empty() {
        format!("ON CONFLICT ({}) DO NOTHING", table.key.join(", "))
    } else {
        format!("ON CONFLICT ({}) DO UPDATE SET {}", table.key.join(", "), rest.join(", "))
    };
    let mut written = 0;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let values: Vec<String> =
            (0..chunk.len()).map(|r| format!("({})", placeholders(1 + r * width, width))).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {} {on_conflict}",
            table.name,
            column_list(table.columns),
            values.join(", ")
        );
        let params: Vec<Val> = chunk.iter().flat_map(|row| canonical(table, row)).collect();
        written += db.execute(&sql, &params)?;
    }
    Ok(written)
}

pub fn count(db: &mut dyn Db, table: &Table) -> Result<i64> {
    Ok(db.query_one(&format!("SELECT COUNT(*) FROM {}", table.name), &[])?.map(|r| r.int(0)).unwrap_or(0))
}

/// A row's contribution to its table's checksum. The table's checksum adds these up, so it does not depend on the
/// order the backends sort text keys in (their collations differ).
pub fn row_hash(table: &Table, row: &Row) -> u64 {
    let mut h = DefaultHasher::new();
    for v in canonical(table, row) {
        match v {
            Val::Int(v) => (0u8, v).hash(&mut h),
            Val::Real(v) => (1u8, v.map(f64::to_bits)).hash(&mut h),
            Val::Text(v) => (2u8, v).hash(&mut h),
        }
    }
    h.finish()
}

/// After rows were copied in with their ids, PostgreSQL's identity sequences must move past
/// them (SQLite needs nothing: it takes the largest id plus one).
pub fn advance_identities(db: &mut dyn Db) -> Result<()> {
    for table in COPIED.iter().filter(|t| t.identity).map(|t| t.name) {
        db.query(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            ),
            &[],
        )?;
    }
    Ok(())
}

/// Every table of the database with its columns in order, as the migrations made them.
pub fn schema(db: &mut dyn Db, postgres: bool) -> Result<Vec<(String, Vec<String>)>> {
    let sql = if postgres {
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()
         ORDER BY table_name, ordinal_position"
    } else {
        "SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid"
    };
    let mut tables: Vec<(String, Vec<String>)> = Vec::new();
    for row in db.query(sql, &[])? {
        let (table, column) = (row.text(0), row.text(1));
        match tables.last_mut() {
            Some((t, columns)) if *t == table => columns.push(column),
            _ => tables.push((table, vec![column])),
        }
    }
    Ok(tables)
}
