//! Ingestion: every way papers enter the store, and the report each run ends with.

pub mod arxiv_api;
pub mod follow;
pub mod hf_daily;
pub mod http;
pub mod oai_pmh;
pub mod rss;
pub mod snapshot;
mod xml;

use crate::papers::{ArxivId, InvalidPaper, Paper, PaperDraft, Source};
use crate::store::{ResumePoint, Store, StoreError, UpsertCounts};
use std::fmt;

/// A record that was skipped, where it was, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Where the record was: `line 12`, `record 3 of page 2`, `byte 1042`…
    pub position: String,
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position, self.reason)
    }
}

/// The summary every ingestion run ends with.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub counts: UpsertCounts,
    pub rejected: Vec<Rejection>,
    /// Records skipped because an earlier, interrupted run had already stored them.
    pub resumed_from: Option<u64>,
    /// Set when the run stopped early (truncated input, dropped connection); re-running finishes it.
    pub interrupted: Option<String>,
}

impl Report {
    pub fn add(&mut self, counts: UpsertCounts) {
        self.counts.add(counts);
    }

    pub fn reject(&mut self, position: impl Into<String>, reason: impl fmt::Display) {
        let r = Rejection { position: position.into(), reason: reason.to_string() };
        tracing::warn!(position = %r.position, reason = %r.reason, "rejected record");
        self.rejected.push(r);
    }

    pub fn merge(&mut self, other: Report) {
        self.counts.add(other.counts);
        self.rejected.extend(other.rejected);
        self.interrupted = self.interrupted.take().or(other.interrupted);
    }

    pub fn processed(&self) -> u64 {
        self.counts.inserted + self.counts.updated + self.counts.unchanged + self.rejected.len() as u64
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        if let Some(n) = self.resumed_from {
            writeln!(f, "resumed after {n} records stored by an interrupted run")?;
        }
        writeln!(
            f,
            "inserted {}, updated {}, unchanged {}, rejected {}",
            c.inserted,
            c.updated,
            c.unchanged,
            self.rejected.len()
        )?;
        if c.inserted == 0 && c.updated == 0 && self.rejected.is_empty() && c.unchanged > 0 {
            writeln!(f, "nothing changed: the store already held all {} papers", c.unchanged)?;
        }
        const SHOWN: usize = 20;
        for r in self.rejected.iter().take(SHOWN) {
            writeln!(f, "  rejected {r}")?;
        }
        if self.rejected.len() > SHOWN {
            writeln!(f, "  … and {} more rejections", self.rejected.len() - SHOWN)?;
        }
        if let Some(why) = &self.interrupted {
            writeln!(f, "interrupted: {why}; run the same command again to finish")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Http(#[from] http::HttpError),
    #[error("arXiv API error: {0}")]
    Api(String),
    #[error("OAI-PMH error {code}: {message}")]
    Oai { code: String, message: String },
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("malformed response: {0}")]
    Malformed(String),
}

/// Records as read from a source: each with its position, validated or with the reason it
/// was rejected.
pub(crate) type Parsed = Vec<(String, Result<Paper, String>)>;

pub(crate) fn validate(drafts: Vec<(String, Result<PaperDraft, String>)>, source: Source) -> Parsed {
    drafts
        .into_iter()
        .map(|(position, draft)| {
            let paper = draft.and_then(|d| d.validate(source).map_err(|e: InvalidPaper| e.to_string()));
            (position, paper)
        })
        .collect()
}

/// Stores the valid papers in one transaction together with an optional resume point, and
/// reports the rejected ones with their positions. Returns the ids stored.
pub(crate) async fn store_parsed(
    store: &Store,
    parsed: Parsed,
    resume: Option<ResumePoint>,
    report: &mut Report,
) -> Result<Vec<ArxivId>, IngestError> {
    let mut papers = Vec::with_capacity(parsed.len());
    for (position, paper) in parsed {
        match paper {
            Ok(p) => papers.push(p),
            Err(reason) => report.reject(position, reason),
        }
    }
    let ids = papers.iter().map(|p| p.id.clone()).collect();
    let counts = store.upsert_papers(papers, resume).await?;
    report.add(counts);
    Ok(ids)
}

pub(crate) async fn store_drafts(
    store: &Store,
    drafts: Vec<(String, Result<PaperDraft, String>)>,
    source: Source,
    resume: Option<ResumePoint>,
    report: &mut Report,
) -> Result<Vec<ArxivId>, IngestError> {
    store_parsed(store, validate(drafts, source), resume, report).await
}
