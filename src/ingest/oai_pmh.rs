//! arXiv's OAI-PMH interface: `ListRecords` in the `arXivRaw` (with versions) and `arXiv`
//! metadata formats, with resumption tokens. The token and position are stored in the same
//! transaction as each page's papers, so an interrupted harvest resumes where it stopped.

use super::http::{HttpError, PoliteClient};
use super::xml::{self, Element};
use super::{store_drafts, IngestError, Report};
use crate::papers::schedule::announcement_day_for_submission;
use crate::papers::{split_authors, AnnounceType, PaperDraft, Source};
use crate::store::{ResumePoint, Store};
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataFormat {
    ArxivRaw,
    Arxiv,
}

impl MetadataFormat {
    pub fn prefix(self) -> &'static str {
        match self {
            Self::ArxivRaw => "arXivRaw",
            Self::Arxiv => "arXiv",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Harvest {
    pub format: MetadataFormat,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// An OAI set such as `cs` or `physics:hep-th`.
    pub set: Option<String>,
}

impl Harvest {
    fn resume_key(&self, base_url: &str) -> String {
        format!(
            "oai-pmh {base_url} {} from={} until={} set={}",
            self.format.prefix(),
            self.from.map(|d| d.to_string()).unwrap_or_default(),
            self.until.map(|d| d.to_string()).unwrap_or_default(),
            self.set.clone().unwrap_or_default()
        )
    }
}

/// A parsed `ListRecords` page.
#[derive(Debug)]
pub struct Page {
    pub drafts: Vec<(String, Result<PaperDraft, String>)>,
    pub deleted: u64,
    /// `None` or empty when the list is complete.
    pub resumption_token: Option<String>,
    pub complete_list_size: Option<u64>,
    pub cursor: Option<u64>,
    /// Set when the response broke off: the records after the break (and the token) are lost.
    pub broken: Option<String>,
}

pub struct OaiPmh<'a> {
    pub http: &'a PoliteClient,
    pub base_url: String,
}

impl OaiPmh<'_> {
    async fn list_records(&self, harvest: &Harvest, token: Option<&str>) -> Result<Page, IngestError> {
        let mut params = vec![("verb", "ListRecords".to_string())];
        match token {
            Some(t) => params.push(("resumptionToken", t.to_string())),
            None => {
                params.push(("metadataPrefix", harvest.format.prefix().to_string()));
                if let Some(f) = harvest.from {
                    params.push(("from", f.to_string()));
                }
                if let Some(u) = harvest.until {
                    params.push(("until", u.to_string()));
                }
                if let Some(s) = &harvest.set {
                    params.push(("set", s.clone()));
                }
            }
        }
        let body = match self.http.get(&self.base_url, &params).await {
            Ok(b) => b,
            // OAI errors normally come with HTTP 200, but some servers use 4xx: read the body.
            Err(HttpError::Client { body, .. }) if body.contains("<error") => body,
            Err(e) => return Err(e.into()),
        };
        parse_list_records(&body)
    }

    /// Runs (or resumes) a harvest, storing each page with its resume point.
    pub async fn harvest(&self, store: &Store, harvest: &Harvest) -> Result<Report, IngestError> {
        let key = harvest.resume_key(&self.base_url);
        let mut report = Report::default();
        let mut token = None;
        let mut position = 0;
        if let Some(rp) = store.resume_point(&key).await? {
            tracing::info!(position = rp.position, "resuming interrupted harvest");
            report.resumed_from = Some(rp.position);
            position = rp.position;
            token = rp.token;
        }
        let mut page_no = 0;
        loop {
            page_no += 1;
            let page = match self.list_records(harvest, token.as_deref()).await {
                Ok(p) => p,
                Err(IngestError::Oai { code, .. }) if code == "noRecordsMatch" => break,
                Err(IngestError::Oai { code, message })
                    if code == "badResumptionToken" && report.resumed_from.is_some() =>
                {
                    // Tokens expire; a stale one means starting over, which is safe because
                    // storing is idempotent.
                    tracing::warn!(%message, "stored resumption token was refused; restarting the harvest");
                    report.resumed_from = None;
                    token = None;
                    position = 0;
                    store.clear_resume_point(&key).await?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            if let Some(why) = page.broken {
                // Keep the complete records; the resume point stays where it was, so running
                // the harvest again fetches this page anew.
                let drafts = page.drafts.into_iter().map(|(pos, d)| (format!("page {page_no}, {pos}"), d)).collect();
                store_drafts(store, drafts, Source::OaiPmh, None, &mut report).await?;
                report.interrupted = Some(format!("page {page_no} broke off: {why}"));
                return Ok(report);
            }
            let n = page.drafts.len() as u64 + page.deleted;
            let drafts = page.drafts.into_iter().map(|(pos, d)| (format!("page {page_no}, {pos}"), d)).collect();
            position += n;
            let next = page.resumption_token.filter(|t| !t.is_empty());
            let resume = next.as_ref().map(|t| ResumePoint { key: key.clone(), position, token: Some(t.clone()) });
            store_drafts(store, drafts, Source::OaiPmh, resume, &mut report).await?;
            tracing::info!(page = page_no, records = n, total = ?page.complete_list_size, "OAI-PMH page");
            match next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        store.clear_resume_point(&key).await?;
        Ok(report)
    }
}

/// Parses a `ListRecords` (or `GetRecord`) response; OAI `<error>` elements become errors.
pub fn parse_list_records(body: &str) -> Result<Page, IngestError> {
    let (root, err) = xml::parse(body);
    let oai = root.child("OAI-PMH").ok_or_else(|| {
        IngestError::Malformed(err.as_ref().map(|e| e.to_string()).unwrap_or_else(|| "no <OAI-PMH> element".into()))
    })?;
    if let Some(e) = oai.child("error") {
        return Err(IngestError::Oai {
            code: e.attr("code").unwrap_or("unknown").to_string(),
            message: e.text.trim().to_string(),
        });
    }
    let list = oai
        .child("ListRecords")
        .or_else(|| oai.child("GetRecord"))
        .ok_or_else(|| IngestError::Malformed("no <ListRecords> element".into()))?;
    let mut page = Page {
        drafts: Vec::new(),
        deleted: 0,
        resumption_token: None,
        complete_list_size: None,
        cursor: None,
        broken: None,
    };
    for (i, record) in list.children_named("record").enumerate() {
        let position = format!("record {} (line {})", i + 1, record.line);
        if !record.complete {
            let why = err.as_ref().map(|e| e.to_string()).unwrap_or_default();
            page.drafts.push((position, Err(format!("record cut off: {why}"))));
            continue;
        }
        let header = record.child("header");
        if header.and_then(|h| h.attr("status")) == Some("deleted") {
            page.deleted += 1;
            continue;
        }
        let Some(meta) = record.child("metadata").and_then(|m| m.children.first()) else {
            page.drafts.push((position, Err("record has no metadata".into())));
            continue;
        };
        let draft = match meta.name.as_str() {
            "arXivRaw" => Ok(raw_to_draft(meta)),
            "arXiv" => Ok(arxiv_to_draft(meta)),
            other => Err(format!("unsupported metadata format <{other}>")),
        };
        page.drafts.push((position, draft));
    }
    if let Some(t) = list.child("resumptionToken") {
        page.resumption_token = Some(t.text.trim().to_string());
        page.complete_list_size = t.attr("completeListSize").and_then(|v| v.parse().ok());
        page.cursor = t.attr("cursor").and_then(|v| v.parse().ok());
    }
    if let Some(e) = err {
        if !page.drafts.iter().any(|(_, d)| d.is_ok()) {
            return Err(IngestError::Malformed(e.to_string()));
        }
        if !page.drafts.iter().any(|(_, d)| d.is_err()) {
            page.drafts.push((format!("line {}", e.line), Err(e.to_string())));
        }
        page.broken = Some(e.to_string());
    }
    Ok(page)
}

fn rfc2822_date(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(s.trim()).ok().map(|d| d.with_timezone(&Utc))
}

fn raw_to_draft(m: &Element) -> PaperDraft {
    let mut versions: Vec<(u16, Option<DateTime<Utc>>)> = m
        .children_named("version")
        .filter_map(|v| {
            let n = v.attr("version")?.trim_start_matches('v').parse().ok()?;
            Some((n, v.text_of("date").as_deref().and_then(rfc2822_date)))
        })
        .collect();
    versions.sort_by_key(|v| v.0);
    let first = versions.first().and_then(|v| v.1);
    let last = versions.last().and_then(|v| v.1);
    PaperDraft {
        categories_listed: false,
        id: m.text_of("id"),
        version: versions.last().map(|v| v.0),
        title: m.text_of("title"),
        abstract_text: m.text_of("abstract"),
        authors: m.text_of("authors").map(|a| split_authors(&a)).unwrap_or_default(),
        categories: m.text_of("categories").unwrap_or_default(),
        comments: m.text_of("comments"),
        journal_ref: m.text_of("journal-ref"),
        doi: m.text_of("doi"),
        license: m.text_of("license"),
        submitted_on: first.map(|d| d.date_naive()),
        updated_on: last.map(|d| d.date_naive()),
        announced_on: first.map(announcement_day_for_submission),
        announced_exact: false, // estimated from the submission time
        announce_type: first.map(|_| AnnounceType::New),
    }
}

fn arxiv_to_draft(m: &Element) -> PaperDraft {
    let date = |name| m.text_of(name).and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let created = date("created");
    let authors = m
        .child("authors")
        .map(|a| {
            a.children_named("author")
                .map(|au| {
                    let parts = [au.text_of("forenames"), au.text_of("keyname"), au.text_of("suffix")];
                    parts.into_iter().flatten().collect::<Vec<_>>().join(" ")
                })
                .collect()
        })
        .unwrap_or_default();
    PaperDraft {
        categories_listed: false,
        id: m.text_of("id"),
        // The `arXiv` format carries no version numbers; such records count as v1 and never
        // replace a newer version learnt elsewhere.
        version: None,
        title: m.text_of("title"),
        abstract_text: m.text_of("abstract"),
        authors,
        categories: m.text_of("categories").unwrap_or_default(),
        comments: m.text_of("comments"),
        journal_ref: m.text_of("journal-ref"),
        doi: m.text_of("doi"),
        license: m.text_of("license"),
        submitted_on: created,
        updated_on: date("updated").or(created),
        // Only the day is known: taken as a submission at noon US Eastern (before the deadline;
        // a weekend submission goes to Tuesday's listing).
        announced_on: created.map(|d| {
            let noon = chrono::NaiveTime::from_hms_opt(12, 0, 0).expect("valid");
            announcement_day_for_submission(crate::papers::schedule::eastern_to_utc(d, noon))
        }),
        announced_exact: false, // estimated from the submission time
        announce_type: created.map(|_| AnnounceType::New),
    }
}
