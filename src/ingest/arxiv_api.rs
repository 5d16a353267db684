//! arXiv's query API (Atom 1.0 with `opensearch:` and `arxiv:` elements).

use super::http::{HttpError, PoliteClient};
use super::xml::{self, Element};
use super::{store_drafts, IngestError, Report};
use crate::papers::schedule::announcement_day_for_submission;
use crate::papers::{AnnounceType, ArxivId, PaperDraft, Source};
use crate::store::{ResumePoint, Store};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// What to ask the API for.
#[derive(Debug, Clone)]
pub enum Query {
    /// arXiv search syntax, e.g. `all:testing` or `ti:transformer AND cat:cs.CL`.
    Search(String),
    Ids(Vec<ArxivId>),
    /// Papers in any of `categories` submitted between two instants (inclusive, GMT).
    CategoriesSubmitted {
        categories: Vec<String>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
}

impl Query {
    /// Papers in `categories` submitted on the days `from..=to`.
    pub fn categories_between_days(categories: Vec<String>, from: NaiveDate, to: NaiveDate) -> Self {
        Query::CategoriesSubmitted {
            categories,
            from: from.and_time(NaiveTime::MIN).and_utc(),
            to: to.and_hms_opt(23, 59, 0).expect("valid").and_utc(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Query::Search(q) => vec![("search_query", q.clone())],
            Query::Ids(ids) => {
                vec![("id_list", ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","))]
            }
            Query::CategoriesSubmitted { categories, from, to } => {
                let cats = categories.iter().map(|c| format!("cat:{c}")).collect::<Vec<_>>().join(" OR ");
                let q = format!(
                    "({cats}) AND submittedDate:[{} TO {}]",
                    from.format("%Y%m%d%H%M"),
                    to.format("%Y%m%d%H%M")
                );
                vec![("search_query", q), ("sortBy", "submittedDate".into()), ("sortOrder", "ascending".into())]
            }
        }
    }
}

/// One page of results.
#[derive(Debug)]
pub struct Page {
    pub total: u64,
    pub start: u64,
    pub drafts: Vec<(String, Result<PaperDraft, String>)>,
    /// Set when the response broke off; entries after the break are missing.
    pub broken: Option<String>,
}

pub struct ArxivApi<'a> {
    pub http: &'a PoliteClient,
    pub base_url: String,
}

impl ArxivApi<'_> {
    pub async fn page(&self, query: &Query, start: u64, max_results: u64) -> Result<Page, IngestError> {
        let mut params = query.params();
        params.push(("start", start.to_string()));
        params.push(("max_results", max_results.to_string()));
        let body = match self.http.get(&self.base_url, &params).await {
            Ok(b) => b,
            Err(HttpError::Client { status, detail, url, .. }) => {
                return Err(IngestError::Api(format!("{url} answered HTTP {status}: {detail}")))
            }
            Err(e) => return Err(e.into()),
        };
        parse_feed(&body, start)
    }

    /// Fetches one paper by id and stores it: `None` when arXiv does not know it.
    pub async fn fetch_one(&self, store: &Store, id: &ArxivId) -> Result<Option<crate::papers::Paper>, IngestError> {
        let page = self.page(&Query::Ids(vec![id.clone()]), 0, 100).await?;
        let mut report = Report::default();
        store_drafts(store, page.drafts, Source::ArxivApi, None, &mut report).await?;
        if let Some(r) = report.rejected.first() {
            return Err(IngestError::Malformed(r.to_string()));
        }
        Ok(store.paper(id).await?)
    }

    /// Fetches every page of `query` (up to `limit` papers) and stores them page by page, each
    /// with the position reached, so that an interrupted run resumes at the next page.
    pub async fn ingest(
        &self,
        store: &Store,
        query: &Query,
        page_size: u64,
        limit: Option<u64>,
    ) -> Result<Report, IngestError> {
        let key = format!("arxiv-api {} {:?} limit={limit:?}", self.base_url, query.params());
        let mut report = Report::default();
        let mut start = 0;
        if let Some(rp) = store.resume_point(&key).await? {
            start = rp.position;
            report.resumed_from = Some(start);
        }
        loop {
            let want = limit.map(|l| l.saturating_sub(start).min(page_size)).unwrap_or(page_size);
            if want == 0 {
                break;
            }
            let page = self.page(query, start, want).await?;
            let n = page.drafts.len() as u64;
            tracing::info!(start, got = n, total = page.total, "arXiv API page");
            if let Some(why) = page.broken {
                store_drafts(store, page.drafts, Source::ArxivApi, None, &mut report).await?;
                report.interrupted = Some(format!("the page at start={start} broke off: {why}"));
                return Ok(report);
            }
            let resume = ResumePoint { key: key.clone(), position: start + n, token: None };
            store_drafts(store, page.drafts, Source::ArxivApi, Some(resume), &mut report).await?;
            start += n;
            if start >= page.total {
                break;
            }
            if n == 0 {
                // arXiv sometimes answers a page with no entries before the end: stop here and
                // keep the resume point, so that running again asks for this page anew.
                report.interrupted = Some(format!("an empty page at start={start} of {} results", page.total));
                return Ok(report);
            }
        }
        store.clear_resume_point(&key).await?;
        Ok(report)
    }
}

/// Parses an API response. An arXiv error feed (an entry whose id points at
/// `arxiv.org/api/errors`) becomes an error.
pub fn parse_feed(body: &str, start: u64) -> Result<Page, IngestError> {
    let (root, err) = xml::parse(body);
    let feed = root.child("feed").ok_or_else(|| {
        IngestError::Malformed(err.as_ref().map(|e| e.to_string()).unwrap_or_else(|| "no Atom <feed> element".into()))
    })?;
    let total = feed
        .text_of("totalResults")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| IngestError::Malformed("no opensearch:totalResults in the feed".into()))?;
    let mut drafts = Vec::new();
    for (i, entry) in feed.children_named("entry").enumerate() {
        let position = format!("entry {} (result {}, line {})", i + 1, start + i as u64 + 1, entry.line);
        let id = entry.text_of("id").unwrap_or_default();
        if id.contains("arxiv.org/api/errors") {
            let summary = entry.text_of("summary").unwrap_or_else(|| id.clone());
            return Err(IngestError::Api(summary));
        }
        if !entry.complete {
            drafts.push((position, Err(err.as_ref().map(|e| format!("entry cut off: {e}")).unwrap_or_default())));
            continue;
        }
        drafts.push((position, Ok(entry_to_draft(entry))));
    }
    if let Some(e) = &err {
        if drafts.is_empty() {
            return Err(IngestError::Malformed(e.to_string()));
        }
    }
    Ok(Page { total, start, drafts, broken: err.map(|e| e.to_string()) })
}

fn entry_to_draft(entry: &Element) -> PaperDraft {
    let id_url = entry.text_of("id").unwrap_or_default();
    let parsed = ArxivId::parse(&id_url).ok();
    let published = entry.text_of("published").and_then(|p| DateTime::parse_from_rfc3339(&p).ok());
    let updated = entry.text_of("updated").and_then(|p| DateTime::parse_from_rfc3339(&p).ok());
    let mut categories: Vec<String> = Vec::new();
    if let Some(primary) = entry.child("primary_category").and_then(|p| p.attr("term")) {
        categories.push(primary.to_string());
    }
    for c in entry.children_named("category") {
        if let Some(term) = c.attr("term") {
            if !categories.iter().any(|x| x == term) {
                categories.push(term.to_string());
            }
        }
    }
    PaperDraft {
        categories_listed: false,
        id: Some(id_url.clone()),
        version: parsed.as_ref().and_then(|p| p.version()),
        title: entry.text_of("title"),
        abstract_text: entry.text_of("summary"),
        authors: entry.children_named("author").filter_map(|a| a.text_of("name")).collect(),
        categories: categories.join(" "),
        comments: entry.text_of("comment"),
        journal_ref: entry.text_of("journal_ref"),
        doi: entry.text_of("doi"),
        license: None,
        submitted_on: published.map(|p| p.date_naive()),
        updated_on: updated.map(|p| p.date_naive()),
        announced_on: published.map(|p| announcement_day_for_submission(p.with_timezone(&Utc))),
        announced_exact: false, // estimated from the submission time
        announce_type: published.map(|_| AnnounceType::New),
    }
}
