//! arXiv's daily announcement feed (RSS 2.0 at rss.arxiv.org). It says which papers belong to
//! which announcement day, and how (`arxiv:announce_type`: new, cross, replace, replace-cross).

use super::http::PoliteClient;
use super::xml::{self, Element};
use super::{store_drafts, IngestError, Report};
use crate::papers::{AnnounceType, PaperDraft, Source};
use crate::store::Store;
use chrono::{DateTime, NaiveDate};

#[derive(Debug)]
pub struct Feed {
    /// The announcement day the feed is for (its `pubDate`, in arXiv's own time zone).
    pub day: Option<NaiveDate>,
    pub drafts: Vec<(String, Result<PaperDraft, String>)>,
    /// Set when the feed broke off: items after the break are missing.
    pub broken: Option<String>,
}

pub struct ArxivRss<'a> {
    pub http: &'a PoliteClient,
    pub base_url: String,
}

impl ArxivRss<'_> {
    /// Fetches today's feed for `categories` and stores its papers.
    pub async fn ingest(
        &self,
        store: &Store,
        categories: &[String],
    ) -> Result<(Option<NaiveDate>, Report), IngestError> {
        let url = format!("{}/{}", self.base_url.trim_end_matches('/'), categories.join("+"));
        let body = self.http.get(&url, &[]).await?;
        let feed = parse_feed(&body)?;
        let mut report = Report::default();
        store_drafts(store, feed.drafts, Source::Rss, None, &mut report).await?;
        report.interrupted = feed.broken.map(|why| format!("the feed broke off: {why}"));
        Ok((feed.day, report))
    }
}

fn day_of(s: &str) -> Option<NaiveDate> {
    DateTime::parse_from_rfc2822(s.trim()).ok().map(|d| d.date_naive())
}

pub fn parse_feed(body: &str) -> Result<Feed, IngestError> {
    let (root, err) = xml::parse(body);
    let channel = root.child("rss").and_then(|r| r.child("channel")).ok_or_else(|| {
        IngestError::Malformed(err.as_ref().map(|e| e.to_string()).unwrap_or_else(|| "no RSS <channel>".into()))
    })?;
    let day = channel
        .text_of("pubDate")
        .as_deref()
        .and_then(day_of)
        .or_else(|| channel.text_of("lastBuildDate").as_deref().and_then(day_of));
    let mut drafts = Vec::new();
    for (i, item) in channel.children_named("item").enumerate() {
        let position = format!("item {} (line {})", i + 1, item.line);
        if !item.complete {
            let why = err.as_ref().map(|e| e.to_string()).unwrap_or_default();
            drafts.push((position, Err(format!("item cut off: {why}"))));
            continue;
        }
        drafts.push((position, Ok(item_to_draft(item, day))));
    }
    if let Some(e) = &err {
        if drafts.is_empty() {
            return Err(IngestError::Malformed(e.to_string()));
        }
    }
    Ok(Feed { day, drafts, broken: err.map(|e| e.to_string()) })
}

fn item_to_draft(item: &Element, feed_day: Option<NaiveDate>) -> PaperDraft {
    // The guid is `oai:arXiv.org:2508.03699v1`; the description starts with
    // `arXiv:2508.03699v1 Announce Type: new \nAbstract: …`.
    let guid = item.text_of("guid").or_else(|| item.text_of("link"));
    let description = item.text_of("description").unwrap_or_default();
    let abstract_text = match description.split_once("Abstract:") {
        Some((_, rest)) => rest.trim().to_string(),
        None => description.trim().to_string(),
    };
    let kind = item.children.iter().find(|c| c.qname == "arxiv:announce_type").map(|c| c.text.trim().to_string());
    let day = item.text_of("pubDate").as_deref().and_then(day_of).or(feed_day);
    let authors = item
        .children
        .iter()
        .filter(|c| c.qname == "dc:creator")
        .flat_map(|c| c.text.split(','))
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    let categories: Vec<String> = item.children_named("category").map(|c| c.text.trim().to_string()).collect();
    PaperDraft {
        id: guid,
        version: None,
        title: item.text_of("title"),
        abstract_text: Some(abstract_text),
        authors,
        categories: categories.join(" "),
        license: item.children.iter().find(|c| c.qname == "dc:rights").map(|c| c.text.trim().to_string()),
        announced_on: day,
        announced_exact: day.is_some(),
        updated_on: day,
        announce_type: kind.as_deref().and_then(AnnounceType::parse),
        ..Default::default()
    }
}
