//! `paperboy migrate --from URL --to URL`: copies an instance from one store to another (SQLite
//! to PostgreSQL when one machine is no longer enough). Papers are copied in change-cursor order
//! in batches, each written with the source position it reached, so an interrupted migration
//! resumes; the copy is then verified by counts and checksums over every paper.

use crate::store::{ResumePoint, Store, StoreError, UpsertCounts};
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
    /// Community tables (accounts, votes, comments…): (table, rows in the source, rows in the
    /// target after the copy).
    pub community: Vec<(&'static str, i64, i64)>,
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
            && self.community.iter().all(|(_, from, to)| from == to)
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

/// Copies the community tables, table by table in key order; rows the target already holds
/// are kept, so running again after an interruption finishes the copy.
async fn copy_community(from: &Store, to: &Store) -> Result<Vec<(&'static str, i64, i64)>, StoreError> {
    use crate::store::copy::{self, COPIED_TABLES};
    const PAGE: i64 = 1_000;
    let mut out = Vec::new();
    for (table, (name, _, _)) in COPIED_TABLES.iter().enumerate() {
        let mut offset = 0;
        loop {
            let rows = from.read(move |db| copy::table_page(db, table, PAGE, offset)).await?;
            let n = rows.len() as i64;
            if n == 0 {
                break;
            }
            to.transaction(move |db| copy::insert_rows(db, table, &rows)).await?;
            offset += n;
        }
        let source = from.read(move |db| copy::table_count(db, table)).await?;
        let target = to.read(move |db| copy::table_count(db, table)).await?;
        out.push((*name, source, target));
    }
    if let Store::Postgres(_) = to {
        to.transaction(copy::advance_identities).await?;
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
        community: Vec::new(),
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
    report.community = copy_community(from, to).await?;
    to.clear_resume_point(resume_key).await?;
    report.complete = true;
    bar.finish_and_clear();
    report.source = Some(checksum(from).await?);
    report.target = Some(checksum(to).await?);
    Ok(report)
}
