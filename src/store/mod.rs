//! The store: the only place that speaks SQL.
//!
//! `Store` is the seam, with two backends: SQLite (embedded, WAL; the default) and PostgreSQL
//! (for several nodes). Both pass the same contract tests (`tests/it/store_contract.rs`); what
//! an upsert does is decided once, in [`plan_upserts`], for both.

pub mod account_tokens;
pub mod accounts;
pub mod activity;
pub mod collections;
pub mod comments;
pub mod copy;
pub mod db;
pub mod digests;
pub mod dismissals;
pub mod embeddings;
pub mod follows;
pub mod limits;
pub mod moderation;
pub mod nonces;
mod postgres;
pub mod ranks;
mod sqlite;
pub mod submissions;
pub mod updates;
pub mod votes;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use crate::papers::{ArxivId, Paper, Period};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::PathBuf;

/// Writes this process made that can change what listings show (papers, listings, community
/// data), counted so that caches may skip asking the store whether it moved when nothing was
/// written here (`web::cache`). Process-wide: several stores in one process (tests) only make
/// caches ask more often, never less.
static LOCAL_WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn local_writes() -> u64 {
    LOCAL_WRITES.load(std::sync::atomic::Ordering::SeqCst)
}

fn wrote() {
    LOCAL_WRITES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

/// Counts a write when dropped, whether the write succeeded, failed or was cancelled.
struct WroteOnDrop;

impl Drop for WroteOnDrop {
    fn drop(&mut self) {
        wrote();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database error: {0}")]
    Postgres(sqlx::Error),
    #[error("migration {name} failed: {source}")]
    Migration { name: &'static str, source: rusqlite::Error },
    #[error("unsupported database URL {0:?} (expected sqlite://PATH or postgres://…)")]
    UnsupportedUrl(String),
    #[error("corrupt row for paper {id}: {reason}")]
    CorruptRow { id: String, reason: String },
    #[error("store task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("io error: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// The store could not be reached (PostgreSQL down, connection lost, pool exhausted, SQLite
    /// busy): the request may succeed later, so it is answered 503 rather than 500.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Postgres(e) => {
                matches!(
                    e,
                    sqlx::Error::Io(_)
                        | sqlx::Error::PoolTimedOut
                        | sqlx::Error::PoolClosed
                        | sqlx::Error::WorkerCrashed
                ) || e
                    .as_database_error()
                    .and_then(|d| d.code())
                    .is_some_and(|c| c.starts_with("57P") || c.starts_with("08"))
            }
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
                matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            }
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What an upsert did, paper by paper, summed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UpsertCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl UpsertCounts {
    pub fn add(&mut self, other: UpsertCounts) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

/// One row an upsert batch writes: the merged paper and the row it replaces, if any.
#[derive(Debug)]
pub(crate) struct Write {
    pub paper: Paper,
    pub previous: Option<Paper>,
}

/// Decides what a batch does, the same way for every backend: each incoming record is merged
/// into what is stored (or into an earlier record of the same batch) with
/// [`Paper::merged_with`]; a record that changes nothing is counted unchanged. Returns one write
/// per changed paper, in order of first appearance.
pub(crate) fn plan_upserts(stored: HashMap<String, Paper>, incoming: Vec<Paper>) -> (Vec<Write>, UpsertCounts) {
    let mut counts = UpsertCounts::default();
    let mut current: HashMap<String, Paper> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for paper in incoming {
        let key = paper.id.as_str().to_string();
        let before = current.get(&key).or_else(|| stored.get(&key));
        let merged = match before {
            Some(b) => b.merged_with(&paper),
            None => paper,
        };
        match before {
            Some(b) if *b == merged => counts.unchanged += 1,
            Some(_) => counts.updated += 1,
            None => counts.inserted += 1,
        }
        if before != Some(&merged) {
            if !current.contains_key(&key) {
                order.push(key.clone());
            }
            current.insert(key, merged);
        }
    }
    let writes = order
        .into_iter()
        .map(|key| {
            let paper = current.remove(&key).expect("planned");
            Write { previous: stored.get(&key).cloned(), paper }
        })
        .collect();
    (writes, counts)
}

/// A resume point written atomically with a batch of papers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumePoint {
    pub key: String,
    pub position: u64,
    pub token: Option<String>,
}

/// A Hugging Face Daily Papers listing entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HfListing {
    pub paper_id: ArxivId,
    pub listed_on: NaiveDate,
    pub upvotes: i64,
    pub num_comments: i64,
    pub submitted_by: Option<String>,
    pub github_repo: Option<String>,
    pub project_page: Option<String>,
}

/// Which papers to list.
#[derive(Debug, Clone)]
pub struct Listing {
    pub period: Period,
    /// Empty means every category.
    pub categories: Vec<String>,
    pub limit: u32,
    pub offset: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub papers: u64,
    pub announcement_days: u64,
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
    pub by_source: Vec<(String, u64)>,
    pub top_categories: Vec<(String, u64)>,
    pub hf_listings: u64,
    pub change_seq: i64,
}

/// The store seam.
#[derive(Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Store {
    /// Opens (creating if needed) the store at `url` and runs pending migrations.
    /// Accepts `sqlite://PATH`, `postgres://…` or a plain file path.
    pub async fn open(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Store::Postgres(PgStore::connect(url).await?));
        }
        if url.contains("://") && !url.starts_with("sqlite://") {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        }
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        let path = PathBuf::from(path);
        let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path)).await??;
        Ok(Store::Sqlite(store))
    }

    pub async fn upsert_papers(&self, papers: Vec<Paper>, resume: Option<ResumePoint>) -> Result<UpsertCounts> {
        let _wrote = WroteOnDrop;
        match self {
            Store::Sqlite(s) => s.write(move |tx| sqlite::upsert_papers(tx, papers, resume.as_ref())).await,
            Store::Postgres(s) => s.upsert_papers(papers, resume).await,
        }
    }

    pub async fn paper(&self, id: &ArxivId) -> Result<Option<Paper>> {
        let id = id.as_str().to_string();
        match self {
            Store::Sqlite(s) => s.read(move |c| sqlite::paper(c, &id)).await,
            Store::Postgres(s) => s.paper(&id).await,
        }
    }

    /// The papers with these ids, in the order given; unknown ids are left out.
    pub async fn papers_by_ids(&self, ids: Vec<String>) -> Result<Vec<Paper>> {
        let found = match self {
            Store::Sqlite(s) => {
                let ids = ids.clone();
                s.read(move |c| sqlite::papers_by_ids(c, &ids)).await?
            }
            Store::Postgres(s) => s.papers_by_ids(&ids).await?,
        };
        let mut by_id: HashMap<String, Paper> = found.into_iter().map(|p| (p.id.as_str().to_string(), p)).collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    pub async fn list_papers(&self, listing: Listing) -> Result<Vec<Paper>> {
        match self {
            Store::Sqlite(s) => s.read(move |c| sqlite::list_papers(c, &listing)).await,
            Store::Postgres(s) => s.list_papers(&listing).await,
        }
    }

    pub async fn count_papers(&self, period: Period, categories: Vec<String>) -> Result<u64> {
        match self {
            Store::Sqlite(s) => s.read(move |c| sqlite::count_papers(c, period, &categories)).await,
            Store::Postgres(s) => s.count_papers(period, &categories).await,
        }
    }

    /// The most recent announcement day on or before `on_or_before` that has papers.
    pub async fn latest_day(&self, on_or_before: Option<NaiveDate>) -> Result<Option<NaiveDate>> {
        match self {
            Store::Sqlite(s) => s.read(move |c| sqlite::latest_day(c, on_or_before)).await,
            Store::Postgres(s) => s.latest_day(on_or_before).await,
        }
    }

    /// Announcement days adjacent to `day` that have papers: (previous, next).
    pub async fn neighbour_days(&self, day: NaiveDate) -> Result<(Option<NaiveDate>, Option<NaiveDate>)> {
        match self {
            Store::Sqlite(s) => s.read(move |c| sqlite::neighbour_days(c, day)).await,
            Store::Postgres(s) => s.neighbour_days(day).await,
        }
    }

    pub async fn stats(&self) -> Result<Stats> {
        match self {
            Store::Sqlite(s) => s.read(sqlite::stats).await,
            Store::Postgres(s) => s.stats().await,
        }
    }

    pub async fn resume_point(&self, key: &str) -> Result<Option<ResumePoint>> {
        let key = key.to_string();
        match self {
            Store::Sqlite(s) => s.read(move |c| sqlite::resume_point(c, &key)).await,
            Store::Postgres(s) => s.resume_point(&key).await,
        }
    }

    pub async fn clear_resume_point(&self, key: &str) -> Result<()> {
        let key = key.to_string();
        match self {
            Store::Sqlite(s) => s.write(move |tx| sqlite::clear_resume_point(tx, &key)).await,
            Store::Postgres(s) => s.clear_resume_point(&key).await,
        }
    }

    pub async fn upsert_hf_listings(&self, listings: Vec<HfListing>) -> Result<UpsertCounts> {
        let _wrote = WroteOnDrop;
        match self {
            Store::Sqlite(s) => s.write(move |tx| sqlite::upsert_hf_listings(tx, &listings)).await,
            Store::Postgres(s) => s.upsert_hf_listings(listings).await,
        }
    }

    pub async fn hf_listing(&self, id: &ArxivId) -> Result<Option<HfListing>> {
        let id = id.clone();
        match self {
            Store::Sqlite(s) => s.read(move |c| sqlite::hf_listing(c, &id)).await,
            Store::Postgres(s) => s.hf_listing(&id).await,
        }
    }

    pub async fn record_fetched_day(&self, day: NaiveDate, papers: u64, source: &str) -> Result<()> {
        let source = source.to_string();
        match self {
            Store::Sqlite(s) => s.write(move |tx| sqlite::record_fetched_day(tx, day, papers, &source)).await,
            Store::Postgres(s) => s.record_fetched_day(day, papers, &source).await,
        }
    }

    pub async fn fetched_days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<NaiveDate>> {
        match self {
            Store::Sqlite(s) => s.read(move |c| sqlite::fetched_days(c, from, to)).await,
            Store::Postgres(s) => s.fetched_days(from, to).await,
        }
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        let key = key.to_string();
        match self {
            Store::Sqlite(s) => s.read(move |c| sqlite::meta(c, &key)).await,
            Store::Postgres(s) => s.meta(&key).await,
        }
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        let (key, value) = (key.to_string(), value.to_string());
        match self {
            Store::Sqlite(s) => s.write(move |tx| sqlite::set_meta(tx, &key, &value)).await,
            Store::Postgres(s) => s.set_meta(&key, &value).await,
        }
    }

    /// Papers inserted or updated after position `after` of the change cursor, oldest change
    /// first, with their positions. Derived data (indexes, copies) follows the store with it.
    pub async fn changes_since(&self, after: i64, limit: u32) -> Result<Vec<(i64, Paper)>> {
        match self {
            Store::Sqlite(s) => s.read(move |c| sqlite::changes_since(c, after, limit)).await,
            Store::Postgres(s) => s.changes_since(after, limit).await,
        }
    }

    /// The latest announcement day before `before` (any day when `None`) among papers changed in `(after, upto]`:
    /// the next day of a newest-first walk.
    pub async fn day_before(&self, before: Option<NaiveDate>, after: i64, upto: i64) -> Result<Option<NaiveDate>> {
        match self {
            Store::Sqlite(s) => s.read(move |c| sqlite::day_before(c, before, after, upto)).await,
            Store::Postgres(s) => s.day_before(before, after, upto).await,
        }
    }

    /// The papers announced on `day` (with no known day when `None`) changed in `(after, upto]`, in id order.
    pub async fn changed_on_day(&self, day: Option<NaiveDate>, after: i64, upto: i64) -> Result<Vec<Paper>> {
        match self {
            Store::Sqlite(s) => s.read(move |c| sqlite::changed_on_day(c, day, after, upto)).await,
            Store::Postgres(s) => s.changed_on_day(day, after, upto).await,
        }
    }

    /// The latest position of the change cursor: it moves whenever a paper is inserted or
    /// updated, so anything derived from papers (a rendered page) is fresh while it stands still.
    pub async fn change_cursor(&self) -> Result<i64> {
        match self {
            Store::Sqlite(s) => s.read(sqlite::change_cursor).await,
            Store::Postgres(s) => s.change_cursor().await,
        }
    }

    /// Papers in id order after `after` (use "" to start), `limit` at a time.
    pub async fn papers_after_id(&self, after: &str, limit: u32) -> Result<Vec<Paper>> {
        let after = after.to_string();
        match self {
            Store::Sqlite(s) => s.read(move |c| sqlite::papers_after_id(c, &after, limit)).await,
            Store::Postgres(s) => s.papers_after_id(&after, limit).await,
        }
    }

    pub async fn all_hf_listings(&self) -> Result<Vec<HfListing>> {
        match self {
            Store::Sqlite(s) => s.read(sqlite::all_hf_listings).await,
            Store::Postgres(s) => s.all_hf_listings().await,
        }
    }

    /// Every fetched day with its paper count and source.
    pub async fn all_fetched_days(&self) -> Result<Vec<(NaiveDate, u64, String)>> {
        match self {
            Store::Sqlite(s) => s.read(sqlite::all_fetched_days).await,
            Store::Postgres(s) => s.all_fetched_days().await,
        }
    }

    /// The value under `key`, storing `candidate` first when there is none: the first node to
    /// ask sets it, every other reads it (the instance secret).
    pub async fn meta_or_insert(&self, key: &str, candidate: String) -> Result<String> {
        let key = key.to_string();
        self.transaction(move |db| {
            db.execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[key.as_str().into(), candidate.into()],
            )?;
            Ok(db
                .query_one("SELECT value FROM meta WHERE key = $1", &[key.as_str().into()])?
                .map(|r| r.text(0))
                .unwrap_or_default())
        })
        .await
    }

    pub async fn all_meta(&self) -> Result<Vec<(String, String)>> {
        match self {
            Store::Sqlite(s) => s.read(sqlite::all_meta).await,
            Store::Postgres(s) => s.all_meta().await,
        }
    }

    /// Takes or renews the lease `name` for `holder` for `ttl`, unless another holder's lease is
    /// still live. Work that must run on one node at a time runs only while its lease is held.
    pub async fn try_lease(&self, name: &str, holder: &str, ttl: std::time::Duration) -> Result<bool> {
        let (name, holder, ttl_ms) = (name.to_string(), holder.to_string(), ttl.as_millis() as i64);
        match self {
            Store::Sqlite(s) => s.write(move |tx| sqlite::try_lease(tx, &name, &holder, ttl_ms)).await,
            Store::Postgres(s) => s.try_lease(&name, &holder, ttl_ms).await,
        }
    }

    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        let (name, holder) = (name.to_string(), holder.to_string());
        match self {
            Store::Sqlite(s) => s.write(move |tx| sqlite::release_lease(tx, &name, &holder)).await,
            Store::Postgres(s) => s.release_lease(&name, &holder).await,
        }
    }

    /// Runs a unit of work written once for both backends (see [`db`]) in one transaction: it
    /// commits only if `f` succeeds.
    pub async fn transaction<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn db::Db) -> Result<T> + Send + 'static,
    {
        let done = match self {
            Store::Sqlite(s) => s.write(move |tx| f(&mut db::SqliteDb(tx))).await,
            Store::Postgres(s) => s.run_blocking(true, f).await,
        };
        wrote();
        done
    }

    /// Runs read-only work written once for both backends, outside a write transaction.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn db::Db) -> Result<T> + Send + 'static,
    {
        match self {
            Store::Sqlite(s) => s.read(move |c| f(&mut db::SqliteDb(c))).await,
            Store::Postgres(s) => s.run_blocking(false, f).await,
        }
    }

    /// Checks that the store answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        match self {
            Store::Sqlite(s) => s.read(|c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?)).await,
            Store::Postgres(s) => s.ping().await,
        }
    }
}
