//! SQLite backend: one writer connection, a small pool of readers, WAL so that readers never
//! wait for the writer. Blocking calls run on tokio's blocking pool.

use super::{HfListing, Listing, Result, ResumePoint, Stats, StoreError, UpsertCounts, Write};
use crate::papers::{AnnounceType, ArxivId, Category, Paper, Period, Source};
use chrono::NaiveDate;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, Transaction};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Migrations, in order. Each runs once, in its own transaction.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_papers", include_str!("../../migrations/sqlite/0001_papers.sql")),
    ("0002_leases", include_str!("../../migrations/sqlite/0002_leases.sql")),
    ("0003_announced_exact", include_str!("../../migrations/sqlite/0003_announced_exact.sql")),
    ("0004_community", include_str!("../../migrations/sqlite/0004_community.sql")),
    ("0005_digests", include_str!("../../migrations/sqlite/0005_digests.sql")),
    ("0006_embeddings", include_str!("../../migrations/sqlite/0006_embeddings.sql")),
    ("0007_api_tokens", include_str!("../../migrations/sqlite/0007_api_tokens.sql")),
    ("0008_token_scope", include_str!("../../migrations/sqlite/0008_token_scope.sql")),
    ("0009_dismissals", include_str!("../../migrations/sqlite/0009_dismissals.sql")),
    ("0010_embedding_claims", include_str!("../../migrations/sqlite/0010_embedding_claims.sql")),
    ("0011_author_follows", include_str!("../../migrations/sqlite/0011_author_follows.sql")),
    ("0012_kept_versions", include_str!("../../migrations/sqlite/0012_kept_versions.sql")),
    ("0013_categories_listed", include_str!("../../migrations/sqlite/0013_categories_listed.sql")),
    ("0014_pending_submissions", include_str!("../../migrations/sqlite/0014_pending_submissions.sql")),
    ("0015_comment_edits", include_str!("../../migrations/sqlite/0015_comment_edits.sql")),
    ("0016_form_nonces", include_str!("../../migrations/sqlite/0016_form_nonces.sql")),
    ("0017_account_mail", include_str!("../../migrations/sqlite/0017_account_mail.sql")),
];

const MAX_IDLE_READERS: usize = 8;

#[derive(Clone)]
pub struct SqliteStore {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Mutex<Vec<Connection>>>,
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // Papers are ~1.5 kB rows: 16 kB pages hold ten of them (takes effect on a new database).
    conn.execute_batch(
        "PRAGMA page_size = 16384;
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -65536;
         PRAGMA temp_store = MEMORY;",
    )?;
    Ok(conn)
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut writer = connect(path)?;
        migrate(&mut writer)?;
        Ok(Self {
            path: path.to_path_buf(),
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// Runs `f` in one write transaction; it commits only if `f` succeeds.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
    {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = writer.lock().unwrap_or_else(|e| e.into_inner());
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await?
    }

    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = match this.readers.lock().unwrap_or_else(|e| e.into_inner()).pop() {
                Some(c) => c,
                None => connect(&this.path)?,
            };
            let out = f(&conn);
            let mut idle = this.readers.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < MAX_IDLE_READERS {
                idle.push(conn);
            }
            out
        })
        .await?
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    for (name, sql) in MIGRATIONS {
        // IMMEDIATE: two processes opening a new database at once migrate one after the other.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let done: bool =
            tx.query_row("SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE name = ?1)", [name], |r| r.get(0))?;
        if !done {
            tx.execute_batch(sql).map_err(|source| StoreError::Migration { name, source })?;
            tx.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?1, datetime('now'))", [name])?;
            tracing::info!(migration = name, "applied migration");
        }
        tx.commit()?;
    }
    Ok(())
}

macro_rules! paper_columns {
    () => {
        "p.id, p.version, p.title, p.abstract, p.authors, p.categories, p.comments, p.journal_ref, \
         p.doi, p.license, p.submitted_on, p.updated_on, p.announced_on, p.announce_type, p.source, \
         p.announced_exact, p.categories_listed"
    };
}
const PAPER_COLUMNS: &str = paper_columns!();
const PAPER_BY_ID: &str = concat!("SELECT ", paper_columns!(), " FROM papers p WHERE p.id = ?1");

fn date_str(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

fn parse_date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| s.parse().ok())
}

fn paper_from_row(row: &Row<'_>) -> rusqlite::Result<std::result::Result<Paper, StoreError>> {
    let id: String = row.get(0)?;
    let authors: String = row.get(4)?;
    let categories: String = row.get(5)?;
    let source: String = row.get(14)?;
    let corrupt = |reason: String| StoreError::CorruptRow { id: id.clone(), reason };
    let parsed_id = match ArxivId::parse(&id) {
        Ok(i) => i,
        Err(e) => return Ok(Err(corrupt(e.to_string()))),
    };
    let authors: Vec<String> = match serde_json::from_str(&authors) {
        Ok(a) => a,
        Err(e) => return Ok(Err(corrupt(format!("authors: {e}")))),
    };
    Ok(Ok(Paper {
        id: parsed_id,
        version: row.get(1)?,
        title: row.get(2)?,
        abstract_text: row.get(3)?,
        authors,
        categories: Category::parse_list(&categories).0,
        comments: row.get(6)?,
        journal_ref: row.get(7)?,
        doi: row.get(8)?,
        license: row.get(9)?,
        submitted_on: parse_date(row.get(10)?),
        updated_on: parse_date(row.get(11)?),
        announced_on: parse_date(row.get(12)?),
        announce_type: row.get::<_, Option<String>>(13)?.as_deref().and_then(AnnounceType::parse),
        source: Source::parse(&source).unwrap_or(Source::Snapshot),
        announced_exact: row.get(15)?,
        categories_listed: row.get(16)?,
    }))
}

pub fn paper(conn: &Connection, id: &str) -> Result<Option<Paper>> {
    let mut stmt = conn.prepare_cached(PAPER_BY_ID)?;
    match stmt.query_row([id], paper_from_row).optional()? {
        Some(p) => Ok(Some(p?)),
        None => Ok(None),
    }
}

pub fn papers_by_ids(conn: &Connection, ids: &[String]) -> Result<Vec<Paper>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let mut stmt = conn.prepare_cached(&format!("SELECT {PAPER_COLUMNS} FROM papers p WHERE p.id IN ({marks})"))?;
        let rows = stmt.query_map(params_from_iter(chunk.iter()), paper_from_row)?;
        for row in rows {
            out.push(row??);
        }
    }
    Ok(out)
}

/// Inserts or merges papers (see [`super::plan_upserts`]) in the caller's transaction.
pub fn upsert_papers(tx: &Transaction<'_>, papers: Vec<Paper>, resume: Option<&ResumePoint>) -> Result<UpsertCounts> {
    let mut stored = HashMap::new();
    for p in &papers {
        if !stored.contains_key(p.id.as_str()) {
            if let Some(row) = paper(tx, p.id.as_str())? {
                stored.insert(p.id.as_str().to_string(), row);
            }
        }
    }
    let (writes, counts) = super::plan_upserts(stored, papers);
    let mut seq: i64 = tx.query_row("SELECT COALESCE(MAX(change_seq), 0) FROM papers", [], |r| r.get(0))?;
    let mut upsert = tx.prepare_cached(
        "INSERT INTO papers (id, version, title, abstract, authors, categories, comments, journal_ref, doi, license,
                             submitted_on, updated_on, announced_on, announce_type, source, change_seq,
                             announced_exact, categories_listed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
         ON CONFLICT (id) DO UPDATE SET
            version = excluded.version, title = excluded.title, abstract = excluded.abstract,
            authors = excluded.authors, categories = excluded.categories, comments = excluded.comments,
            journal_ref = excluded.journal_ref, doi = excluded.doi, license = excluded.license,
            submitted_on = excluded.submitted_on, updated_on = excluded.updated_on,
            announced_on = excluded.announced_on, announce_type = excluded.announce_type,
            source = excluded.source, change_seq = excluded.change_seq, announced_exact = excluded.announced_exact,
            categories_listed = excluded.categories_listed",
    )?;
    let mut delete_category =
        tx.prepare_cached("DELETE FROM paper_categories WHERE category = ?1 AND announced_on = ?2 AND paper_id = ?3")?;
    let mut category_rows: Vec<(&'static str, String, String)> = Vec::new();
    for Write { paper: p, previous } in &writes {
        seq += 1;
        let announced = date_str(p.announced_on);
        upsert.execute(params![
            p.id.as_str(),
            p.version,
            p.title,
            p.abstract_text,
            serde_json::to_string(&p.authors).expect("strings serialise"),
            p.categories.iter().map(|c| c.code()).collect::<Vec<_>>().join(" "),
            p.comments,
            p.journal_ref,
            p.doi,
            p.license,
            date_str(p.submitted_on),
            date_str(p.updated_on),
            announced.as_deref(),
            p.announce_type.map(|t| t.as_str()),
            p.source.as_str(),
            seq,
            p.announced_exact,
            p.categories_listed,
        ])?;
        if let Some(old) = previous {
            let old_day = date_str(old.announced_on).unwrap_or_default();
            for c in &old.categories {
                delete_category.execute(params![c.code(), old_day, old.id.as_str()])?;
            }
        }
        let day = announced.unwrap_or_default();
        for c in &p.categories {
            category_rows.push((c.code(), day.clone(), p.id.as_str().to_string()));
        }
    }
    insert_category_rows(tx, &category_rows)?;
    if let Some(r) = resume {
        tx.execute(
            "INSERT INTO resume_points (key, position, token) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET position = excluded.position, token = excluded.token",
            params![r.key, r.position as i64, r.token],
        )?;
    }
    Ok(counts)
}

/// Inserts category rows with multi-row statements (far fewer statement executions than one
/// per row, which matters for bulk imports).
fn insert_category_rows(tx: &Transaction<'_>, rows: &[(&'static str, String, String)]) -> Result<()> {
    const CHUNK: usize = 200;
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "INSERT OR IGNORE INTO paper_categories (category, announced_on, paper_id) VALUES {}",
            vec!["(?, ?, ?)"; chunk.len()].join(", ")
        );
        let mut stmt = tx.prepare_cached(&sql)?;
        let params = chunk.iter().flat_map(|(c, d, id)| [c as &dyn rusqlite::ToSql, d, id]);
        stmt.execute(params_from_iter(params))?;
    }
    Ok(())
}

/// Builds the WHERE clause and parameters for a listing.
fn listing_filter(period: Period, categories: &[String]) -> (String, Vec<String>) {
    let (start, end) = period.range();
    let mut params = vec![start.to_string(), end.to_string()];
    if categories.is_empty() {
        ("FROM papers p WHERE p.announced_on >= ?1 AND p.announced_on < ?2".to_string(), params)
    } else {
        let placeholders: Vec<String> = (0..categories.len()).map(|i| format!("?{}", i + 3)).collect();
        params.extend(categories.iter().cloned());
        (
            format!(
                "FROM papers p WHERE p.announced_on >= ?1 AND p.announced_on < ?2 AND p.id IN (SELECT c.paper_id FROM paper_categories c
                  WHERE c.category IN ({}) AND c.announced_on >= ?1 AND c.announced_on < ?2)",
                placeholders.join(", ")
            ),
            params,
        )
    }
}

pub fn list_papers(conn: &Connection, listing: &Listing) -> Result<Vec<Paper>> {
    let (filter, mut params) = listing_filter(listing.period, &listing.categories);
    let sql = format!(
        "SELECT {PAPER_COLUMNS} {filter} ORDER BY p.announced_on DESC, p.id DESC LIMIT {} OFFSET {}",
        listing.limit, listing.offset
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(params.drain(..)), paper_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// Papers changed after `after` on the change cursor, in cursor order, with their positions.
pub fn changes_since(conn: &Connection, after: i64, limit: u32) -> Result<Vec<(i64, Paper)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PAPER_COLUMNS}, p.change_seq FROM papers p WHERE p.change_seq > ?1 ORDER BY p.change_seq LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![after, limit], |r| Ok((r.get::<_, i64>(17)?, paper_from_row(r)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, paper) = row?;
        out.push((seq, paper?));
    }
    Ok(out)
}

pub fn day_before(conn: &Connection, before: Option<NaiveDate>, after: i64, upto: i64) -> Result<Option<NaiveDate>> {
    // Day by day down the (announced_on, id) index, each step a short range scan.
    let mut stmt = conn.prepare_cached(
        "SELECT MAX(announced_on) FROM papers WHERE announced_on < ?1 AND change_seq > ?2 AND change_seq <= ?3",
    )?;
    let before = before.map(|d| d.to_string()).unwrap_or_else(|| "9999-12-31".into());
    let day: Option<String> = stmt.query_row(params![before, after, upto], |r| r.get(0))?;
    Ok(parse_date(day))
}

pub fn changed_on_day(conn: &Connection, day: Option<NaiveDate>, after: i64, upto: i64) -> Result<Vec<Paper>> {
    let sql = match day {
        Some(_) => format!(
            "SELECT {PAPER_COLUMNS} FROM papers p WHERE p.announced_on = ?1 AND p.change_seq > ?2 AND p.change_seq <= ?3 ORDER BY p.id"
        ),
        None => format!(
            "SELECT {PAPER_COLUMNS} FROM papers p WHERE p.announced_on IS NULL AND ?1 IS NULL AND p.change_seq > ?2 AND p.change_seq <= ?3 ORDER BY p.id"
        ),
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![date_str(day), after, upto], paper_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// Papers in id order after `after` (exclusive), for walking the whole store.
pub fn papers_after_id(conn: &Connection, after: &str, limit: u32) -> Result<Vec<Paper>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {PAPER_COLUMNS} FROM papers p WHERE p.id > ?1 ORDER BY p.id LIMIT ?2"))?;
    let rows = stmt.query_map(params![after, limit], paper_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

pub fn all_hf_listings(conn: &Connection) -> Result<Vec<HfListing>> {
    let mut stmt = conn.prepare("SELECT paper_id FROM hf_daily ORDER BY paper_id")?;
    let ids = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let parsed =
            ArxivId::parse(&id).map_err(|e| StoreError::CorruptRow { id: id.clone(), reason: e.to_string() })?;
        out.extend(hf_listing(conn, &parsed)?);
    }
    Ok(out)
}

pub fn all_fetched_days(conn: &Connection) -> Result<Vec<(NaiveDate, u64, String)>> {
    let mut stmt = conn.prepare("SELECT day, papers, source FROM fetched_days ORDER BY day")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (day, papers, source) = row?;
        if let Some(day) = parse_date(Some(day)) {
            out.push((day, papers as u64, source));
        }
    }
    Ok(out)
}

pub fn change_cursor(conn: &Connection) -> Result<i64> {
    let mut stmt = conn.prepare_cached("SELECT COALESCE(MAX(change_seq), 0) FROM papers")?;
    Ok(stmt.query_row([], |r| r.get(0))?)
}

pub fn all_meta(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare("SELECT key, value FROM meta ORDER BY key")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn count_papers(conn: &Connection, period: Period, categories: &[String]) -> Result<u64> {
    let (filter, params) = listing_filter(period, categories);
    let n: i64 = conn.query_row(&format!("SELECT COUNT(*) {filter}"), params_from_iter(params), |r| r.get(0))?;
    Ok(n as u64)
}

pub fn latest_day(conn: &Connection, on_or_before: Option<NaiveDate>) -> Result<Option<NaiveDate>> {
    let bound = on_or_before.map(|d| d.to_string()).unwrap_or_else(|| "9999-12-31".into());
    let day: Option<String> = conn.query_row(
        "SELECT MAX(announced_on) FROM papers WHERE announced_on IS NOT NULL AND announced_on <= ?1",
        [bound],
        |r| r.get(0),
    )?;
    Ok(parse_date(day))
}

pub fn neighbour_days(conn: &Connection, day: NaiveDate) -> Result<(Option<NaiveDate>, Option<NaiveDate>)> {
    let d = day.to_string();
    let prev: Option<String> =
        conn.query_row("SELECT MAX(announced_on) FROM papers WHERE announced_on < ?1", [&d], |r| r.get(0))?;
    let next: Option<String> =
        conn.query_row("SELECT MIN(announced_on) FROM papers WHERE announced_on > ?1", [&d], |r| r.get(0))?;
    Ok((parse_date(prev), parse_date(next)))
}

pub fn stats(conn: &Connection) -> Result<Stats> {
    let (papers, days, first, last, seq): (i64, i64, Option<String>, Option<String>, i64) = conn.query_row(
        "SELECT COUNT(*), COUNT(DISTINCT announced_on), MIN(announced_on), MAX(announced_on), COALESCE(MAX(change_seq), 0)
         FROM papers",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let pairs = |sql: &str| -> Result<Vec<(String, u64)>> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    let hf: i64 = conn.query_row("SELECT COUNT(*) FROM hf_daily", [], |r| r.get(0))?;
    Ok(Stats {
        papers: papers as u64,
        announcement_days: days as u64,
        first_day: parse_date(first),
        last_day: parse_date(last),
        by_source: pairs("SELECT source, COUNT(*) FROM papers GROUP BY source ORDER BY 2 DESC, 1")?,
        top_categories: pairs(
            "SELECT category, COUNT(*) FROM paper_categories GROUP BY category ORDER BY 2 DESC, 1 LIMIT 10",
        )?,
        hf_listings: hf as u64,
        change_seq: seq,
    })
}

pub fn resume_point(conn: &Connection, key: &str) -> Result<Option<ResumePoint>> {
    Ok(conn
        .query_row("SELECT key, position, token FROM resume_points WHERE key = ?1", [key], |r| {
            Ok(ResumePoint { key: r.get(0)?, position: r.get::<_, i64>(1)? as u64, token: r.get(2)? })
        })
        .optional()?)
}

pub fn clear_resume_point(tx: &Transaction<'_>, key: &str) -> Result<()> {
    tx.execute("DELETE FROM resume_points WHERE key = ?1", [key])?;
    Ok(())
}

pub fn upsert_hf_listings(tx: &Transaction<'_>, listings: &[HfListing]) -> Result<UpsertCounts> {
    let mut counts = UpsertCounts::default();
    let mut select = tx.prepare_cached(
        "SELECT listed_on, upvotes, num_comments, submitted_by, github_repo, project_page FROM hf_daily WHERE paper_id = ?1",
    )?;
    let mut upsert = tx.prepare_cached(
        "INSERT INTO hf_daily (paper_id, listed_on, upvotes, num_comments, submitted_by, github_repo, project_page)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (paper_id) DO UPDATE SET listed_on = excluded.listed_on, upvotes = excluded.upvotes,
            num_comments = excluded.num_comments, submitted_by = excluded.submitted_by,
            github_repo = excluded.github_repo, project_page = excluded.project_page",
    )?;
    for l in listings {
        let row = (
            l.listed_on.to_string(),
            l.upvotes,
            l.num_comments,
            l.submitted_by.clone(),
            l.github_repo.clone(),
            l.project_page.clone(),
        );
        type HfRow = (String, i64, i64, Option<String>, Option<String>, Option<String>);
        let old: Option<HfRow> = select
            .query_row([l.paper_id.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })
            .optional()?;
        match old {
            Some(o) if o == row => counts.unchanged += 1,
            Some(_) => counts.updated += 1,
            None => counts.inserted += 1,
        }
        upsert.execute(params![l.paper_id.as_str(), row.0, row.1, row.2, row.3, row.4, row.5])?;
    }
    Ok(counts)
}

pub fn hf_listing(conn: &Connection, id: &ArxivId) -> Result<Option<HfListing>> {
    Ok(conn
        .query_row(
            "SELECT listed_on, upvotes, num_comments, submitted_by, github_repo, project_page FROM hf_daily WHERE paper_id = ?1",
            [id.as_str()],
            |r| {
                Ok(HfListing {
                    paper_id: id.clone(),
                    listed_on: parse_date(r.get(0)?).unwrap_or_default(),
                    upvotes: r.get(1)?,
                    num_comments: r.get(2)?,
                    submitted_by: r.get(3)?,
                    github_repo: r.get(4)?,
                    project_page: r.get(5)?,
                })
            },
        )
        .optional()?)
}

pub fn record_fetched_day(tx: &Transaction<'_>, day: NaiveDate, papers: u64, source: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO fetched_days (day, papers, source) VALUES (?1, ?2, ?3)
         ON CONFLICT (day) DO UPDATE SET papers = excluded.papers, source = excluded.source",
        params![day.to_string(), papers as i64, source],
    )?;
    Ok(())
}

pub fn fetched_days(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<Vec<NaiveDate>> {
    let mut stmt = conn.prepare_cached("SELECT day FROM fetched_days WHERE day >= ?1 AND day <= ?2 ORDER BY day")?;
    let rows = stmt.query_map([from.to_string(), to.to_string()], |r| r.get::<_, String>(0))?;
    Ok(rows.filter_map(|r| parse_date(r.ok())).collect())
}

pub fn meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

pub fn set_meta(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// Takes or renews the lease `name` for `holder` unless another holder's lease is still live.
pub fn try_lease(tx: &Transaction<'_>, name: &str, holder: &str, ttl_ms: i64) -> Result<bool> {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    let n = tx.execute(
        "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.holder = excluded.holder OR leases.expires_at < ?4",
        params![name, holder, now + ttl_ms, now],
    )?;
    Ok(n == 1)
}

pub fn release_lease(tx: &Transaction<'_>, name: &str, holder: &str) -> Result<()> {
    tx.execute("DELETE FROM leases WHERE name = ?1 AND holder = ?2", [name, holder])?;
    Ok(())
}
