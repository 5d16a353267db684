//! Hugging Face Daily Papers (`/api/daily_papers`): papers with the day they were on the list
//! and their upvotes there, so an instance can start from Hugging Face's daily lists.

use super::http::PoliteClient;
use super::{store_drafts, IngestError, Report};
use crate::papers::schedule::announcement_day_for_submission;
use crate::papers::{ArxivId, PaperDraft, Source};
use crate::store::{HfListing, Store};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiItem {
    paper: HfPaper,
    num_comments: Option<i64>,
    submitted_by: Option<Submitter>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HfPaper {
    id: String,
    title: Option<String>,
    summary: Option<String>,
    #[serde(default)]
    authors: Vec<Author>,
    published_at: Option<String>,
    submitted_on_daily_at: Option<String>,
    upvotes: Option<i64>,
    github_repo: Option<String>,
    project_page: Option<String>,
}

#[derive(Deserialize)]
struct Author {
    name: String,
    #[serde(default)]
    hidden: bool,
}

#[derive(Deserialize)]
struct Submitter {
    name: Option<String>,
}

fn instant(s: &Option<String>) -> Option<DateTime<Utc>> {
    s.as_deref().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|d| d.with_timezone(&Utc))
}

/// One parsed item with its position: the paper and, when it has a day, its listing.
pub type Item = (String, Result<(PaperDraft, Option<HfListing>), String>);

/// Parses a `/api/daily_papers` response (a JSON list of items). Items are parsed one by one so
/// that one malformed item is reported and skipped.
pub fn parse(body: &str) -> Result<Vec<Item>, IngestError> {
    let values: Vec<serde_json::Value> =
        serde_json::from_str(body).map_err(|e| IngestError::Malformed(format!("expected a JSON list: {e}")))?;
    Ok(values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let position = format!("item {}", i + 1);
            let parsed = serde_json::from_value::<ApiItem>(v).map_err(|e| format!("bad item: {e}")).map(|item| {
                let p = item.paper;
                let published = instant(&p.published_at);
                let listed_on = instant(&p.submitted_on_daily_at).map(|d| d.date_naive());
                let listing = match (ArxivId::parse(&p.id), listed_on) {
                    (Ok(id), Some(listed_on)) => Some(HfListing {
                        paper_id: id.without_version(),
                        listed_on,
                        upvotes: p.upvotes.unwrap_or(0),
                        num_comments: item.num_comments.unwrap_or(0),
                        submitted_by: item.submitted_by.and_then(|s| s.name),
                        github_repo: p.github_repo.filter(|s| !s.is_empty()),
                        project_page: p.project_page.filter(|s| !s.is_empty()),
                    }),
                    _ => None,
                };
                let draft = PaperDraft {
                    id: Some(p.id),
                    title: p.title,
                    abstract_text: p.summary,
                    authors: p.authors.into_iter().filter(|a| !a.hidden).map(|a| a.name).collect(),
                    submitted_on: published.map(|d| d.date_naive()),
                    announced_on: published.map(announcement_day_for_submission),
                    announce_type: published.map(|_| crate::papers::AnnounceType::New),
                    ..Default::default()
                };
                (draft, listing)
            });
            (position, parsed)
        })
        .collect())
}

/// Stores parsed items: papers first, then their listings.
pub async fn store_items(store: &Store, items: Vec<Item>) -> Result<Report, IngestError> {
    let mut report = Report::default();
    let mut drafts = Vec::new();
    let mut listings = Vec::new();
    for (pos, item) in items {
        match item {
            Ok((d, l)) => {
                drafts.push((pos, Ok(d)));
                listings.extend(l);
            }
            Err(e) => drafts.push((pos, Err(e))),
        }
    }
    let stored = store_drafts(store, drafts, Source::HuggingFace, None, &mut report).await?;
    listings.retain(|l| stored.contains(&l.paper_id));
    store.upsert_hf_listings(listings).await?;
    Ok(report)
}

pub struct HfDaily<'a> {
    pub http: &'a PoliteClient,
    pub base_url: String,
}

impl HfDaily<'_> {
    pub async fn ingest_day(&self, store: &Store, day: NaiveDate) -> Result<Report, IngestError> {
        let url = format!("{}/api/daily_papers", self.base_url.trim_end_matches('/'));
        let body = self.http.get(&url, &[("date", day.to_string()), ("limit", "100".into())]).await?;
        store_items(store, parse(&body)?).await
    }
}
