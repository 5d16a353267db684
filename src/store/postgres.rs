//! PostgreSQL backend: the same behaviour as SQLite (one contract test suite runs against both),
//! for instances that outgrow one machine. Batches are written with a few set-based statements
//! (`= ANY($1)`, `UNNEST`) instead of one round trip per row.

use super::{HfListing, Listing, Result, ResumePoint, Stats, StoreError, UpsertCounts};
use crate::papers::{AnnounceType, ArxivId, Category, Paper, Period, Source};
use chrono::NaiveDate;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::Row;
use std::collections::HashMap;

mod write;
use write::write_papers;

const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_papers", include_str!("../../migrations/postgres/0001_papers.sql")),
    ("0002_leases", include_str!("../../migrations/postgres/0002_leases.sql")),
    ("0003_announced_exact", include_str!("../../migrations/postgres/0003_announced_exact.sql")),
    ("0004_community", include_str!("../../migrations/postgres/0004_community.sql")),
    ("0005_digests", include_str!("../../migrations/postgres/0005_digests.sql")),
    ("0006_embeddings", include_str!("../../migrations/postgres/0006_embeddings.sql")),
    ("0007_api_tokens", include_str!("../../migrations/postgres/0007_api_tokens.sql")),
    ("0008_token_scope", include_str!("../../migrations/postgres/0008_token_scope.sql")),
    ("0009_dismissals", include_str!("../../migrations/postgres/0009_dismissals.sql")),
    ("0010_embedding_claims", include_str!("../../migrations/postgres/0010_embedding_claims.sql")),
    ("0011_author_follows", include_str!("../../migrations/postgres/0011_author_follows.sql")),
    ("0012_kept_versions", include_str!("../../migrations/postgres/0012_kept_versions.sql")),
    ("0013_categories_listed", include_str!("../../migrations/postgres/0013_categories_listed.sql")),
    ("0014_pending_submissions", include_str!("../../migrations/postgres/0014_pending_submissions.sql")),
    ("0015_comment_edits", include_str!("../../migrations/postgres/0015_comment_edits.sql")),
    ("0016_form_nonces", include_str!("../../migrations/postgres/0016_form_nonces.sql")),
    ("0017_account_mail", include_str!("../../migrations/postgres/0017_account_mail.sql")),
];

/// Any fixed key: serialises migrations between nodes starting at once.
const MIGRATION_LOCK: i64 = 0x7061_7065_7262_6f79; // "paperboy"
/// Serialises paper writers (see `upsert_papers`).
const PAPER_WRITE_LOCK: i64 = MIGRATION_LOCK + 1;

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Postgres(e)
    }
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // Fail fast when the database is away: requests get a 503 instead of hanging.
            .acquire_timeout(std::time::Duration::from_secs(3))
            .connect(url)
            .await?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// Runs `f` on a blocking thread over one connection (in a transaction when `tx`), each
    /// statement blocking on this runtime. Used by the SQL shared with SQLite (see `db`).
    pub(crate) async fn run_blocking<T, F>(&self, tx: bool, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn super::db::Db) -> Result<T> + Send + 'static,
    {
        use super::db::{PgConn, PgDb};
        let conn = if tx { PgConn::Tx(self.pool.begin().await?) } else { PgConn::Plain(self.pool.acquire().await?) };
        let handle = tokio::runtime::Handle::current();
        let (conn, out) = tokio::task::spawn_blocking(move || {
            let mut db = PgDb { conn, handle };
            let out = f(&mut db);
            (db.conn, out)
        })
        .await?;
        match (conn, out) {
            (PgConn::Tx(tx), Ok(v)) => {
                tx.commit().await?;
                Ok(v)
            }
            (PgConn::Tx(tx), Err(e)) => {
                let _ = tx.rollback().await;
                Err(e)
            }
            (PgConn::Plain(_), out) => out,
        }
    }

    async fn migrate(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(MIGRATION_LOCK).execute(&mut *tx).await?;
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            .execute(&mut *tx)
            .await?;
        for (name, sql) in MIGRATIONS {
            let done: bool = sqlx::query_scalar("SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE name = $1)")
                .bind(name)
                .fetch_one(&mut *tx)
                .await?;
            if !done {
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO schema_migrations (name) VALUES ($1)").bind(name).execute(&mut *tx).await?;
                tracing::info!(migration = name, "applied migration");
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn upsert_papers(&self, papers: Vec<Paper>, resume: Option<ResumePoint>) -> Result<UpsertCounts> {
        let mut tx = self.pool.begin().await?;
        // One paper writer at a time, as on SQLite: row locks cannot cover papers not stored yet
        // (two writers would both insert and the second would overwrite without merging), and
        // serial writers keep the change cursor in commit order for the nodes that follow it.
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(PAPER_WRITE_LOCK).execute(&mut *tx).await?;
        let ids: Vec<String> = papers.iter().map(|p| p.id.as_str().to_string()).collect();
        let rows =
            sqlx::query(&format!("SELECT {COLUMNS} FROM papers p WHERE p.id = ANY($1) ORDER BY p.id FOR UPDATE"))
                .bind(&ids)
                .fetch_all(&mut *tx)
                .await?;
        let mut stored = HashMap::new();
        for row in rows {
            let p = paper_from_row(&row)?;
            stored.insert(p.id.as_str().to_string(), p);
        }
        let (writes, counts) = super::plan_upserts(stored, papers);
        write_papers(&mut tx, &writes).await?;
        if let Some(r) = resume {
            sqlx::query(
                "INSERT INTO resume_points (key, position, token) VALUES ($1, $2, $3)
                 ON CONFLICT (key) DO UPDATE SET position = excluded.position, token = excluded.token",
            )
            .bind(&r.key)
            .bind(r.position as i64)
            .bind(&r.token)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(counts)
    }

    pub async fn paper(&self, id: &str) -> Result<Option<Paper>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM papers p WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| paper_from_row(&r)).transpose()
    }

    pub async fn papers_by_ids(&self, ids: &[String]) -> Result<Vec<Paper>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM papers p WHERE p.id = ANY($1)"))
            .bind(ids)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(paper_from_row).collect()
    }

    pub async fn list_papers(&self, listing: &Listing) -> Result<Vec<Paper>> {
        let (start, end) = listing.period.range();
        let sql = format!(
            "SELECT {COLUMNS} {} ORDER BY p.announced_on DESC, p.id DESC LIMIT {} OFFSET {}",
            filter(&listing.categories),
            listing.limit,
            listing.offset
        );
        let rows = sqlx::query(&sql).bind(start).bind(end).bind(&listing.categories).fetch_all(&self.pool).await?;
        rows.iter().map(paper_from_row).collect()
    }

    pub async fn count_papers(&self, period: Period, categories: &[String]) -> Result<u64> {
        let (start, end) = period.range();
        let sql = format!("SELECT COUNT(*) {}", filter(categories));
        let n: i64 = sqlx::query_scalar(&sql).bind(start).bind(end).bind(categories).fetch_one(&self.pool).await?;
        Ok(n as u64)
    }

    pub async fn latest_day(&self, on_or_before: Option<NaiveDate>) -> Result<Option<NaiveDate>> {
        Ok(sqlx::query_scalar("SELECT MAX(announced_on) FROM papers WHERE $1::date IS NULL OR announced_on <= $1")
            .bind(on_or_before)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn neighbour_days(&self, day: NaiveDate) -> Result<(Option<NaiveDate>, Option<NaiveDate>)> {
        let row = sqlx::query(
            "SELECT (SELECT MAX(announced_on) FROM papers WHERE announced_on < $1),
                    (SELECT MIN(announced_on) FROM papers WHERE announced_on > $1)",
        )
        .bind(day)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    pub async fn stats(&self) -> Result<Stats> {
        let row = sqlx::query(
            "SELECT COUNT(*), COUNT(DISTINCT announced_on), MIN(announced_on), MAX(announced_on),
                    COALESCE(MAX(change_seq), 0), (SELECT COUNT(*) FROM hf_daily)
             FROM papers",
        )
        .fetch_one(&self.pool)
        .await?;
        let pairs = |rows: Vec<PgRow>| -> Result<Vec<(String, u64)>> {
            rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get::<i64, _>(1)? as u64))).collect()
        };
        let by_source = sqlx::query("SELECT source, COUNT(*) FROM papers GROUP BY source ORDER BY 2 DESC, 1")
            .fetch_all(&self.pool)
            .await?;
        let top = sqlx::query(
            "SELECT category::text, COUNT(*) FROM paper_categories GROUP BY category ORDER BY 2 DESC, 1 LIMIT 10",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(Stats {
            papers: row.try_get::<i64, _>(0)? as u64,
            announcement_days: row.try_get::<i64, _>(1)? as u64,
            first_day: row.try_get(2)?,
            last_day: row.try_get(3)?,
            change_seq: row.try_get(4)?,
            hf_listings: row.try_get::<i64, _>(5)? as u64,
            by_source: pairs(by_source)?,
            top_categories: pairs(top)?,
        })
    }

    pub async fn resume_point(&self, key: &str) -> Result<Option<ResumePoint>> {
        let row = sqlx::query("SELECT key, position, token FROM resume_points WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(ResumePoint { key: r.try_get(0)?, position: r.try_get::<i64, _>(1)? as u64, token: r.try_get(2)? })
        })
        .transpose()
    }

    pub async fn clear_resume_point(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM resume_points WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn upsert_hf_listings(&self, listings: Vec<HfListing>) -> Result<UpsertCounts> {
        let mut tx = self.pool.begin().await?;
        let mut counts = UpsertCounts::default();
        for l in &listings {
            let old = sqlx::query(
                "SELECT listed_on, upvotes, num_comments, submitted_by, github_repo, project_page
                 FROM hf_daily WHERE paper_id = $1 FOR UPDATE",
            )
            .bind(l.paper_id.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            match old {
                Some(o) => {
                    let same = o.try_get::<NaiveDate, _>(0)? == l.listed_on
                        && o.try_get::<i64, _>(1)? == l.upvotes
                        && o.try_get::<i64, _>(2)? == l.num_comments
                        && o.try_get::<Option<String>, _>(3)? == l.submitted_by
                        && o.try_get::<Option<String>, _>(4)? == l.github_repo
                        && o.try_get::<Option<String>, _>(5)? == l.project_page;
                    if same {
                        counts.unchanged += 1;
                        continue;
                    }
                    counts.updated += 1;
                }
                None => counts.inserted += 1,
            }
            sqlx::query(
                "INSERT INTO hf_daily (paper_id, listed_on, upvotes, num_comments, submitted_by, github_repo, project_page)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (paper_id) DO UPDATE SET listed_on = excluded.listed_on, upvotes = excluded.upvotes,
                    num_comments = excluded.num_comments, submitted_by = excluded.submitted_by,
                    github_repo = excluded.github_repo, project_page = excluded.project_page",
            )
            .bind(l.paper_id.as_str())
            .bind(l.listed_on)
            .bind(l.upvotes)
            .bind(l.num_comments)
            .bind(&l.submitted_by)
            .bind(&l.github_repo)
            .bind(&l.project_page)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(counts)
    }

    pub async fn hf_listing(&self, id: &ArxivId) -> Result<Option<HfListing>> {
        let row = sqlx::query(
            "SELECT listed_on, upvotes, num_comments, submitted_by, github_repo, project_page FROM hf_daily WHERE paper_id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(HfListing {
                paper_id: id.clone(),
                listed_on: r.try_get(0)?,
                upvotes: r.try_get(1)?,
                num_comments: r.try_get(2)?,
                submitted_by: r.try_get(3)?,
                github_repo: r.try_get(4)?,
                project_page: r.try_get(5)?,
            })
        })
        .transpose()
    }

    pub async fn record_fetched_day(&self, day: NaiveDate, papers: u64, source: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO fetched_days (day, papers, source) VALUES ($1, $2, $3)
             ON CONFLICT (day) DO UPDATE SET papers = excluded.papers, source = excluded.source",
        )
        .bind(day)
        .bind(papers as i64)
        .bind(source)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn fetched_days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<NaiveDate>> {
        Ok(sqlx::query_scalar("SELECT day FROM fetched_days WHERE day >= $1 AND day <= $2 ORDER BY day")
            .bind(from)
            .bind(to)
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1").bind(key).fetch_optional(&self.pool).await?)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn changes_since(&self, after: i64, limit: u32) -> Result<Vec<(i64, Paper)>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS}, p.change_seq FROM papers p WHERE p.change_seq > $1 ORDER BY p.change_seq LIMIT $2"
        ))
        .bind(after)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get(17)?, paper_from_row(r)?))).collect()
    }

    pub async fn day_before(&self, before: Option<NaiveDate>, after: i64, upto: i64) -> Result<Option<NaiveDate>> {
        let before = before.unwrap_or(NaiveDate::MAX);
        Ok(sqlx::query_scalar(
            "SELECT MAX(announced_on) FROM papers WHERE announced_on < $1 AND change_seq > $2 AND change_seq <= $3",
        )
        .bind(before)
        .bind(after)
        .bind(upto)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn changed_on_day(&self, day: Option<NaiveDate>, after: i64, upto: i64) -> Result<Vec<Paper>> {
        let on = if day.is_some() { "p.announced_on = $1" } else { "p.announced_on IS NULL AND $1::date IS NULL" };
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM papers p WHERE {on} AND p.change_seq > $2 AND p.change_seq <= $3 ORDER BY p.id"
        ))
        .bind(day)
        .bind(after)
        .bind(upto)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(paper_from_row).collect()
    }

    pub async fn papers_after_id(&self, after: &str, limit: u32) -> Result<Vec<Paper>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM papers p WHERE p.id > $1 ORDER BY p.id LIMIT $2"))
            .bind(after)
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(paper_from_row).collect()
    }

    pub async fn all_hf_listings(&self) -> Result<Vec<HfListing>> {
        let rows = sqlx::query(
            "SELECT paper_id, listed_on, upvotes, num_comments, submitted_by, github_repo, project_page
             FROM hf_daily ORDER BY paper_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get(0)?;
                Ok(HfListing {
                    paper_id: ArxivId::parse(&id)
                        .map_err(|e| StoreError::CorruptRow { id: id.clone(), reason: e.to_string() })?,
                    listed_on: r.try_get(1)?,
                    upvotes: r.try_get(2)?,
                    num_comments: r.try_get(3)?,
                    submitted_by: r.try_get(4)?,
                    github_repo: r.try_get(5)?,
                    project_page: r.try_get(6)?,
                })
            })
            .collect()
    }

    pub async fn all_fetched_days(&self) -> Result<Vec<(NaiveDate, u64, String)>> {
        let rows =
            sqlx::query("SELECT day, papers, source FROM fetched_days ORDER BY day").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get::<i64, _>(1)? as u64, r.try_get(2)?))).collect()
    }

    pub async fn change_cursor(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COALESCE(MAX(change_seq), 0) FROM papers").fetch_one(&self.pool).await?)
    }

    pub async fn all_meta(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT key, value FROM meta ORDER BY key").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    pub async fn try_lease(&self, name: &str, holder: &str, ttl_ms: i64) -> Result<bool> {
        let r = sqlx::query(
            "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3::float8 / 1000))
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE leases.holder = excluded.holder OR leases.expires_at < now()",
        )
        .bind(name)
        .bind(holder)
        .bind(ttl_ms as f64)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

const COLUMNS: &str = "p.id, p.version, p.title, p.abstract, p.authors, p.categories, p.comments, p.journal_ref, \
     p.doi, p.license, p.submitted_on, p.updated_on, p.announced_on, p.announce_type, p.source, p.announced_exact, \
     p.categories_listed";

/// `$1`/`$2` are the period's day range, `$3` the categories (ignored when empty).
fn filter(categories: &[String]) -> &'static str {
    if categories.is_empty() {
        "FROM papers p WHERE p.announced_on >= $1 AND p.announced_on < $2 AND cardinality($3::text[]) = 0"
    } else {
        "FROM papers p WHERE p.announced_on >= $1 AND p.announced_on < $2 AND p.id IN (SELECT c.paper_id FROM paper_categories c
          WHERE c.category = ANY($3) AND c.announced_on >= $1 AND c.announced_on < $2)"
    }
}

fn paper_from_row(row: &PgRow) -> Result<Paper> {
    let id: String = row.try_get(0)?;
    let corrupt = |reason: String| StoreError::CorruptRow { id: id.clone(), reason };
    let parsed_id = ArxivId::parse(&id).map_err(|e| corrupt(e.to_string()))?;
    let authors: String = row.try_get(4)?;
    let authors: Vec<String> = serde_json::from_str(&authors).map_err(|e| corrupt(format!("authors: {e}")))?;
    let categories: String = row.try_get(5)?;
    let source: String = row.try_get(14)?;
    Ok(Paper {
        id: parsed_id,
        version: row.try_get::<i32, _>(1)? as u16,
        title: row.try_get(2)?,
        abstract_text: row.try_get(3)?,
        authors,
        categories: Category::parse_list(&categories).0,
        comments: row.try_get(6)?,
        journal_ref: row.try_get(7)?,
        doi: row.try_get(8)?,
        license: row.try_get(9)?,
        submitted_on: row.try_get(10)?,
        updated_on: row.try_get(11)?,
        announced_on: row.try_get(12)?,
        announce_type: row.try_get::<Option<String>, _>(13)?.as_deref().and_then(AnnounceType::parse),
        source: Source::parse(&source).unwrap_or(Source::Snapshot),
        announced_exact: row.try_get(15)?,
        categories_listed: row.try_get(16)?,
    })
}
