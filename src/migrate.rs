//! `paperboy migrate --from URL --to URL`: copies an instance from one store to another (SQLite
//! to PostgreSQL when one machine is no longer enough). Papers are copied in change-cursor order
//! in batches, each written with the source position it reached, so an interrupted migration
//! resumes. Every other table is then copied row by row or named as left behind (see [`copy`]), and the whole copy
//! is verified by counts and checksums over every paper and every copied row.

use crate::store::{copy, ResumePoint, Store, StoreError, UpsertCounts};
use indicatif::ProgressBar;
use std::hash::{DefaultHasher, Hash, Hasher};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checksum {
    pub papers: u64,
    pub digest: u64,
}

#[derive(Debug)]
pub struct MigrationReport {
    pub papers: UpsertCounts,
    pub hf_listings: u64,
    pub fetched_days: u64,
    pub meta: u64,
    /// The tables copied row by row (accounts, community, subscribers, outbox, embeddings…),
    /// each verified by count and checksum.
    pub tables: Vec<TableCopy>,
    /// Source change-cursor position an earlier, interrupted run had reached.
    pub resumed_from: Option<u64>,
    /// False when `max_papers` stopped the run early: run it again to go on.
    pub complete: bool,
    pub source: Option<Checksum>,
    pub target: Option<Checksum>,
}

impl MigrationReport {
    pub fn verified(&self) -> bool {
        self.complete
            && self.source.is_some()
            && self.source == self.target
            && self.tables.len() == copy::COPIED.len()
            && self.tables.iter().all(TableCopy::matches)
    }
}

/// Counts and hashes every paper, in id order.
pub async fn checksum(store: &Store) -> Result<Checksum, StoreError> {
    let mut hasher = DefaultHasher::new();
    let mut papers = 0;
    let mut after = String::new();
    loop {
        let page = store.papers_after_id(&after, 5_000).await?;
        let Some(last) = page.last() else { break };
        after = last.id.as_str().to_string();
        for p in &page {
            p.hash(&mut hasher);
        }
        papers += page.len() as u64;
    }
    Ok(Checksum { papers, digest: hasher.finish() })
}

/// One table copied row by row: its rows and checksum on each side after the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    pub table: &'static str,
    pub source: TableSum,
    pub target: TableSum,
}

/// A table's rows and the sum of their hashes (see [`copy::row_hash`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSum {
    pub rows: i64,
    pub digest: u64,
}

impl TableCopy {
    pub fn matches(&self) -> bool {
        self.source == self.target
    }
}

const PAGE: i64 = 1_000;

/// Counts and hashes every row of a copied table.
pub async fn table_sum(store: &Store, table: &'static copy::Table) -> Result<TableSum, StoreError> {
    let (mut sum, mut after) = (TableSum { rows: 0, digest: 0 }, None);
    loop {
        let from = after.clone();
        let rows = store.read(move |db| copy::page(db, table, from.as_ref(), PAGE)).await?;
        let Some(last) = rows.last() else { break };
        after = Some(copy::key_of(table, last));
        sum.rows += rows.len() as i64;
        sum.digest = rows.iter().fold(sum.digest, |d, r| d.wrapping_add(copy::row_hash(table, r)));
    }
    Ok(sum)
}

/// Copies every table of [`copy::COPIED`], table by table in key order. Each page is written as an upsert, so running
/// again after an interruption finishes the copy with the same result.
async fn copy_tables(from: &Store, to: &Store, bar: &ProgressBar) -> Result<Vec<TableCopy>, StoreError> {
    let mut out = Vec::new();
    for table in copy::COPIED {
        bar.set_message(table.name);
        let mut after = None;
        loop {
            let start = after.clone();
            let rows = from.read(move |db| copy::page(db, table, start.as_ref(), PAGE)).await?;
            let Some(last) = rows.last() else { break };
            after = Some(copy::key_of(table, last));
            to.transaction(move |db| copy::upsert(db, table, &rows)).await?;
        }
    }
    if let Store::Postgres(_) = to {
        to.transaction(copy::advance_identities).await?;
    }
    for table in copy::COPIED {
        out.push(TableCopy {
            table: table.name,
            source: table_sum(from, table).await?,
            target: table_sum(to, table).await?,
        });
    }
    Ok(out)
}

pub async fn migrate(
    from: &Store,
    to: &Store,
    resume_key: &str,
    batch: u32,
    max_papers: Option<u64>,
    bar: &ProgressBar,
) -> Result<MigrationReport, StoreError> {
    let mut report = MigrationReport {
        papers: UpsertCounts::default(),
        hf_listings: 0,
        fetched_days: 0,
        meta: 0,
        tables: Vec::new(),
        resumed_from: None,
        complete: false,
        source: None,
        target: None,
    };
    let mut position = 0i64;
    if let Some(rp) = to.resume_point(resume_key).await? {
        position = rp.position as i64;
        report.resumed_from = Some(rp.position);
    }
    bar.set_length(from.stats().await?.papers);
    let mut copied = 0u64;
    loop {
        let want = max_papers.map(|m| m.saturating_sub(copied).min(batch as u64) as u32).unwrap_or(batch);
        if want == 0 {
            return Ok(report);
        }
        let page = from.changes_since(position, want).await?;
        let Some(&(last, _)) = page.last() else { break };
        position = last;
        copied += page.len() as u64;
        bar.inc(page.len() as u64);
        let papers = page.into_iter().map(|(_, p)| p).collect();
        let resume = ResumePoint { key: resume_key.to_string(), position: position as u64, token: None };
        report.papers.add(to.upsert_papers(papers, Some(resume)).await?);
    }
    let listings = from.all_hf_listings().await?;
    report.hf_listings = listings.len() as u64;
    to.upsert_hf_listings(listings).await?;
    let days = from.all_fetched_days().await?;
    report.fetched_days = days.len() as u64;
    for (day, papers, source) in days {
        to.record_fetched_day(day, papers, &source).await?;
    }
    for (key, value) in from.all_meta().await? {
        to.set_meta(&key, &value).await?;
        report.meta += 1;
    }
    report.tables = copy_tables(from, to, bar).await?;
    to.clear_resume_point(resume_key).await?;
    report.complete = true;
    bar.finish_and_clear();
    report.source = Some(checksum(from).await?);
    report.target = Some(checksum(to).await?);
    Ok(report)
}
