//! Feeds of any listing, in RSS 2.0, Atom 1.0 and JSON Feed 1.1:
//!
//! ```text
//! /feeds/latest.{rss,atom,json}            the latest announcement day
//! /feeds/date/YYYY-MM-DD.{…}               a day;  /feeds/week/YYYY-Www.{…}, /feeds/month/YYYY-MM.{…}
//! /feeds/trending.{…}                      the trending ranking
//! /feeds/collections/ID.{…}                a public collection
//! ```
//! each with `?cat=cs.LG,cs.CL`. Items carry the title, the paper page's link, the authors, the
//! abstract, the categories, the date and the arXiv id as a stable guid. Responses have an
//! `ETag` (a hash of the body) and a `Last-Modified` (the newest paper's date) and answer 304
//! to a client that already has them. XML is written with quick-xml, which escapes text.

use super::error::PageError;
use super::listings::{in_categories, Filter};
use crate::accounts::TokenScope;
use crate::app::AppState;
use crate::papers::{Paper, Period};
use crate::server::cache::{cached, CachedPage};
use crate::server::request::RequestId;
use crate::server::site::Site;
use crate::store::{collections, ranks, Listing, StoreError};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

/// Most items in one feed.
const MAX_ITEMS: u32 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// What a feed URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Latest,
    Period(Period),
    Trending,
    Collection(i64),
    Search,
    Recommendations,
    /// An author's papers (the name as in the URL).
    Author(String),
    /// New versions of the papers a member keeps (with a feed token).
    Updates,
}

/// The parameters of the search and recommendations feeds.
#[derive(Debug, Default, serde::Deserialize)]
pub struct FeedParams {
    q: Option<String>,
    mode: Option<String>,
    from: Option<String>,
    to: Option<String>,
    token: Option<String>,
}

/// Parses `latest.rss`, `date/2025-08-07.atom`, `collections/3.json`, …
pub fn parse_spec(spec: &str) -> Option<(Source, Format)> {
    let (path, ext) = spec.rsplit_once('.')?;
    let format = match ext {
        "rss" | "xml" => Format::Rss,
        "atom" => Format::Atom,
        "json" => Format::Json,
        _ => return None,
    };
    let source = match path.split_once('/') {
        None if path == "latest" => Source::Latest,
        None if path == "trending" => Source::Trending,
        None if path == "search" => Source::Search,
        None if path == "recommendations" => Source::Recommendations,
        None if path == "updates" => Source::Updates,
        Some(("date", d)) => Source::Period(Period::parse(d).filter(|p| matches!(p, Period::Day(_)))?),
        Some(("week", w)) => Source::Period(Period::parse(w).filter(|p| matches!(p, Period::Week { .. }))?),
        Some(("month", m)) => Source::Period(Period::parse(m).filter(|p| matches!(p, Period::Month { .. }))?),
        Some(("collections", id)) => Source::Collection(id.parse().ok()?),
        Some(("authors", name)) if !crate::papers::authors::key(name).is_empty() => Source::Author(name.to_string()),
        _ => return None,
    };
    Some((source, format))
}

struct Feed {
    title: String,
    /// The HTML page the feed mirrors.
    home: String,
    /// The feed's own URL.
    self_url: String,
    papers: Vec<Paper>,
}

fn paper_time(p: &Paper) -> DateTime<Utc> {
    p.updated_on
        .max(p.announced_on)
        .or(p.submitted_on)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .unwrap_or(DateTime::UNIX_EPOCH)
}

fn item_date(p: &Paper) -> DateTime<Utc> {
    p.announced_on
        .or(p.submitted_on)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .unwrap_or(DateTime::UNIX_EPOCH)
}

fn updated(feed: &Feed) -> DateTime<Utc> {
    feed.papers.iter().map(paper_time).max().unwrap_or(DateTime::UNIX_EPOCH)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

type XmlResult = std::io::Result<()>;

fn text_el(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> XmlResult {
    w.create_element(name).write_text_content(BytesText::new(text))?;
    Ok(())
}

fn rss(feed: &Feed, base: &str) -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new(Vec::new());
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.create_element("rss")
        .with_attribute(("version", "2.0"))
        .with_attribute(("xmlns:atom", "http://www.w3.org/2005/Atom"))
        .with_attribute(("xmlns:dc", "http://purl.org/dc/elements/1.1/"))
        .write_inner_content(|w| {
            w.create_element("channel").write_inner_content(|w| {
                text_el(w, "title", &feed.title)?;
                text_el(w, "link", &format!("{base}{}", feed.home))?;
                text_el(w, "description", &format!("{} — research papers from arXiv, by paperboy", feed.title))?;
                w.create_element("atom:link")
                    .with_attribute(("href", feed.self_url.as_str()))
                    .with_attribute(("rel", "self"))
                    .with_attribute(("type", "application/rss+xml"))
                    .write_empty()?;
                text_el(w, "lastBuildDate", &updated(feed).to_rfc2822())?;
                for p in &feed.papers {
                    let link = format!("{base}/papers/{}", p.id.as_str());
                    w.create_element("item").write_inner_content(|w| {
                        text_el(w, "title", &one_line(&p.title))?;
                        text_el(w, "link", &link)?;
                        w.create_element("guid")
                            .with_attribute(("isPermaLink", "false"))
                            .write_text_content(BytesText::new(&format!("arXiv:{}", p.id.as_str())))?;
                        text_el(w, "description", &p.abstract_text)?;
                        for a in &p.authors {
                            text_el(w, "dc:creator", a)?;
                        }
                        for c in &p.categories {
                            text_el(w, "category", c.code())?;
                        }
                        text_el(w, "pubDate", &item_date(p).to_rfc2822())?;
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(w.into_inner())
}

fn atom(feed: &Feed, base: &str) -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new(Vec::new());
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.create_element("feed").with_attribute(("xmlns", "http://www.w3.org/2005/Atom")).write_inner_content(|w| {
        text_el(w, "title", &feed.title)?;
        text_el(w, "id", &feed.self_url)?;
        text_el(w, "updated", &updated(feed).to_rfc3339())?;
        w.create_element("link")
            .with_attribute(("rel", "self"))
            .with_attribute(("href", feed.self_url.as_str()))
            .write_empty()?;
        let home = format!("{base}{}", feed.home);
        w.create_element("link")
            .with_attribute(("rel", "alternate"))
            .with_attribute(("href", home.as_str()))
            .write_empty()?;
        w.create_element("author").write_inner_content(|w| text_el(w, "name", "paperboy"))?;
        for p in &feed.papers {
            let link = format!("{base}/papers/{}", p.id.as_str());
            w.create_element("entry").write_inner_content(|w| {
                text_el(w, "title", &one_line(&p.title))?;
                text_el(w, "id", &format!("urn:arxiv:{}", p.id.as_str()))?;
                w.create_element("link").with_attribute(("href", link.as_str())).write_empty()?;
                text_el(w, "updated", &paper_time(p).to_rfc3339())?;
                text_el(w, "published", &item_date(p).to_rfc3339())?;
                for a in &p.authors {
                    w.create_element("author").write_inner_content(|w| text_el(w, "name", a))?;
                }
                for c in &p.categories {
                    w.create_element("category")
                        .with_attribute(("term", c.code()))
                        .with_attribute(("label", c.name()))
                        .write_empty()?;
                }
                w.create_element("summary")
                    .with_attribute(("type", "text"))
                    .write_text_content(BytesText::new(&p.abstract_text))?;
                Ok(())
            })?;
        }
        Ok(())
    })?;
    Ok(w.into_inner())
}

fn json_feed(feed: &Feed, base: &str) -> Vec<u8> {
    let items: Vec<serde_json::Value> = feed
        .papers
        .iter()
        .map(|p| {
            serde_json::json!({
                "id": format!("arXiv:{}", p.id.as_str()),
                "url": format!("{base}/papers/{}", p.id.as_str()),
                "external_url": p.id.with_version(p.version).abs_url(),
                "title": one_line(&p.title),
                "content_text": p.abstract_text,
                "summary": p.abstract_text,
                "date_published": item_date(p).to_rfc3339(),
                "date_modified": paper_time(p).to_rfc3339(),
                "authors": p.authors.iter().map(|a| serde_json::json!({"name": a})).collect::<Vec<_>>(),
                "tags": p.categories.iter().map(|c| c.code()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": format!("{base}{}", feed.home),
        "feed_url": feed.self_url,
        "description": format!("{} — research papers from arXiv, by paperboy", feed.title),
        "items": items,
    });
    serde_json::to_vec_pretty(&doc).unwrap_or_default()
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message.to_string())
        .into_response()
}

/// What the search and recommendations feeds need beyond the URL's path.
#[derive(Default)]
struct Extra {
    search: Option<crate::search::SearchRequest>,
    user: Option<crate::accounts::User>,
    /// With `user`: their updates rather than their recommendations.
    updates: bool,
}

/// The papers of a search or recommendations feed: title, home page, papers.
async fn extra_papers(
    state: &AppState,
    rid: &RequestId,
    ctx: &Extra,
) -> Result<Option<(String, String, Vec<Paper>)>, Response> {
    if let Some(req) = &ctx.search {
        let found = crate::search::found::search(state.search.as_deref(), &state.store, req).await.map_err(|e| {
            tracing::error!(request_id = %rid.0, error = %e, "a search feed failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "the search failed").into_response()
        })?;
        let Some((_, mut papers)) = found else {
            return Err((StatusCode::SERVICE_UNAVAILABLE, "search is turned off on this instance").into_response());
        };
        // The best matches, newest first: what a feed reader expects.
        papers.sort_by(|a, b| b.announced_on.cmp(&a.announced_on).then_with(|| a.id.as_str().cmp(b.id.as_str())));
        let home = format!(
            "/search?{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("q", &req.text)
                .append_pair("mode", req.mode.as_str())
                .finish()
        );
        return Ok(Some((format!("Search: {}", req.text), home, papers)));
    }
    if let (Some(user), true) = (&ctx.user, ctx.updates) {
        let found = crate::community::updates::of(&state.store, user.id, 50).await;
        let found = found.map_err(|e| super::listings::internal(rid, e))?;
        let papers = found.into_iter().map(|(p, _)| p).collect();
        return Ok(Some((format!("New versions of papers {} keeps", user.username), "/updates".into(), papers)));
    }
    if let Some(user) = &ctx.user {
        let found = state.recommending().for_user(&state.store, user.id, 0, 50).await;
        let found = found.map_err(|e| super::listings::internal(rid, e))?;
        let papers = found.items.into_iter().map(|r| r.paper).collect();
        return Ok(Some((format!("Recommended for {}", user.username), "/for-you".into(), papers)));
    }
    Ok(None)
}

fn forbidden(message: &str) -> Response {
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message.to_string()).into_response()
}

fn not_found(message: &str) -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message.to_string()).into_response()
}

async fn papers_of(
    state: &AppState,
    source: &Source,
    categories: &[String],
) -> Result<Option<(String, String, Vec<Paper>)>, StoreError> {
    let list = |period: Period| Listing { period, categories: categories.to_vec(), limit: MAX_ITEMS, offset: 0 };
    Ok(match source {
        Source::Latest => match state.store.latest_day(None).await? {
            Some(day) => Some((
                format!("Papers announced on {day}"),
                "/".into(),
                state.store.list_papers(list(Period::Day(day))).await?,
            )),
            None => Some(("Papers".into(), "/".into(), Vec::new())),
        },
        Source::Period(p) => Some((
            format!("Papers announced in {p}"),
            super::listings::period_path(*p),
            state.store.list_papers(list(*p)).await?,
        )),
        Source::Trending => {
            let ranked = state.store.read(|db| ranks::top_ranked(db, 2_000, 0)).await?;
            let mut papers = state.store.papers_by_ids(ranked.into_iter().map(|(id, _)| id).collect()).await?;
            papers.retain(|p| in_categories(p, categories));
            papers.truncate(50);
            Some(("Trending papers".into(), "/papers/trending".into(), papers))
        }
        Source::Collection(id) => {
            let id = *id;
            let found = state
                .store
                .read(move |db| {
                    Ok(match collections::collection(db, id)? {
                        Some(c) if c.public => Some((c, collections::collection_papers(db, id)?)),
                        _ => None,
                    })
                })
                .await?;
            match found {
                Some((c, ids)) => {
                    let mut papers = state.store.papers_by_ids(ids).await?;
                    papers.retain(|p| in_categories(p, categories));
                    Some((format!("{} — a collection by {}", c.name, c.owner), format!("/collections/{id}"), papers))
                }
                None => None,
            }
        }
        Source::Author(name) => {
            let found =
                crate::search::found::by_author(state.search.as_deref(), &state.store, name, MAX_ITEMS as usize).await;
            // Without the index (search off) the feed is empty rather than an error.
            let mut papers = found.ok().flatten().unwrap_or_default();
            papers.retain(|p| in_categories(p, categories));
            Some((format!("Papers by {name}"), crate::papers::authors::url(name), papers))
        }
        // Built by `extra_papers` from the request's parameters.
        Source::Search | Source::Recommendations | Source::Updates => None,
    })
}

/// `GET /feeds/{*spec}`.
pub async fn serve(
    State(site): State<Site>,
    Extension(rid): Extension<RequestId>,
    Path(spec): Path<String>,
    Query(filter): Query<Filter>,
    Query(params): Query<FeedParams>,
    headers: HeaderMap,
) -> Response {
    let state = site.app.clone();
    let Some((source, format)) = parse_spec(&spec) else {
        return not_found("No such feed. Feeds: /feeds/latest.rss, /feeds/date/YYYY-MM-DD.atom, /feeds/week/YYYY-Www.json, /feeds/trending.rss, /feeds/collections/ID.rss, /feeds/authors/NAME.rss, /feeds/search.rss?q=…, /feeds/recommendations.rss?token=…, /feeds/updates.rss?token=… (each also .atom and .json; ?cat=… filters).");
    };
    let categories = filter.categories();
    // A feed depends on the store only (and the index, for searches): cached per node until
    // the store's freshness pair moves.
    let mut key = format!("feed|{spec}|{}", categories.join(","));
    let mut ctx = Extra::default();
    match source {
        Source::Search => {
            let p = crate::search::params::SearchParams {
                q: params.q.clone(),
                mode: Some(params.mode.clone().filter(|m| !m.is_empty()).unwrap_or_else(|| "keyword".into())),
                cat: filter.cat.clone(),
                from: params.from.clone(),
                to: params.to.clone(),
                page: None,
                limit: Some("50".into()),
            };
            let req = match crate::search::params::parse_params(&p, 50, 50) {
                Ok(r) if !r.text.is_empty() => r,
                Ok(_) => return bad_request("A search feed needs a query: /feeds/search.rss?q=…"),
                Err((_, message)) => return bad_request(&message),
            };
            key = format!("{key}|{}|{}|{:?}|{:?}", req.text, req.mode.as_str(), req.window.from, req.window.to);
            ctx.search = Some(req);
        }
        Source::Recommendations | Source::Updates => {
            ctx.updates = matches!(source, Source::Updates);
            match crate::store::accounts::token_user(&state.store, params.token.as_deref().unwrap_or("")).await {
                Ok(Some((_, TokenScope::Feed, user))) => {
                    key = format!("{key}|user:{}", user.id);
                    ctx.user = Some(user);
                }
                Ok(Some((_, TokenScope::Api, _))) => {
                    return forbidden(
                        "This address carries an API token, which can act as you: feed addresses end up in readers \
                         and logs. Make a feed token (read only) at /settings/tokens and use its address instead.",
                    )
                }
                Ok(None) => return not_found("No such feed: the token in this address is unknown or was revoked."),
                Err(e) => return super::listings::internal(&rid, e),
            }
        }
        _ => {}
    }
    let build =
        || async { build(&state, &rid, &spec, source, format, &categories, ctx).await.map_err(PageError::page) };
    let cached = match cached(&site.pages, &site.app, key, None, build).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let etag = cached.header(&header::ETAG).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let last_modified = cached
        .header(&header::LAST_MODIFIED)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(&v.replace("GMT", "+0000")).ok());
    let fresh_copy = match headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        // If-None-Match wins over If-Modified-Since when both are sent (RFC 9110).
        Some(tags) => tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(&v.replace("GMT", "+0000")).ok())
            .zip(last_modified)
            .is_some_and(|(since, modified)| modified <= since),
    };
    if fresh_copy {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        for (name, value) in &cached.headers {
            r.headers_mut().insert(name.clone(), value.clone());
        }
        return r;
    }
    cached.respond(&headers)
}

/// Renders a feed, with the headers that go with it.
async fn build(
    state: &AppState,
    rid: &RequestId,
    spec: &str,
    source: Source,
    format: Format,
    categories: &[String],
    ctx: Extra,
) -> Result<CachedPage, Response> {
    let private = ctx.user.is_some();
    let found = match extra_papers(state, rid, &ctx).await? {
        Some(x) => Ok(Some(x)),
        None => papers_of(state, &source, categories).await,
    };
    let (title, home, mut papers) = match found {
        Ok(Some(x)) => x,
        Ok(None) => return Err(not_found("No such public collection.")),
        Err(e) => return Err(super::listings::internal(rid, e)),
    };
    if ctx.search.is_some() || private {
        papers.retain(|p| in_categories(p, categories));
    }
    let base = state.settings.public_url.trim_end_matches('/').to_string();
    let title = if categories.is_empty() { title } else { format!("{title} in {}", categories.join(", ")) };
    let q = if categories.is_empty() { String::new() } else { format!("?cat={}", categories.join(",")) };
    // The feed's own address: its path and query (a private token stays out of the document).
    let self_query = match &ctx.search {
        Some(req) => {
            let mut s = form_urlencoded::Serializer::new(String::new());
            s.append_pair("q", &req.text).append_pair("mode", req.mode.as_str());
            if !categories.is_empty() {
                s.append_pair("cat", &categories.join(","));
            }
            format!("?{}", s.finish())
        }
        None => q.clone(),
    };
    let home = if ctx.search.is_some() { home } else { format!("{home}{q}") };
    let feed = Feed { title, home, self_url: format!("{base}/feeds/{spec}{self_query}"), papers };
    let body = match format {
        Format::Rss => rss(&feed, &base),
        Format::Atom => atom(&feed, &base),
        Format::Json => Ok(json_feed(&feed, &base)),
    };
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(request_id = %rid.0, error = %e, "writing a feed failed");
            return Err((StatusCode::INTERNAL_SERVER_ERROR, "could not write the feed").into_response());
        }
    };
    let etag = format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&body));
    let last_modified = updated(&feed).format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let mut extra = Vec::new();
    let mut headers = vec![(header::ETAG, etag), (header::LAST_MODIFIED, last_modified)];
    if private {
        headers.push((header::CACHE_CONTROL, "private, max-age=300".to_string()));
    } else {
        headers.push((header::CACHE_CONTROL, "public, max-age=300".to_string()));
        headers.push((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_string()));
    }
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            extra.push((name, v));
        }
    }
    Ok(CachedPage::with_type(axum::body::Bytes::from(body), format.content_type(), extra))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_urls() {
        assert_eq!(parse_spec("latest.rss"), Some((Source::Latest, Format::Rss)));
        assert_eq!(parse_spec("trending.json"), Some((Source::Trending, Format::Json)));
        assert_eq!(parse_spec("date/2025-08-07.atom").map(|s| s.1), Some(Format::Atom));
        assert_eq!(parse_spec("collections/3.rss"), Some((Source::Collection(3), Format::Rss)));
        assert_eq!(parse_spec("search.atom"), Some((Source::Search, Format::Atom)));
        assert_eq!(parse_spec("recommendations.json"), Some((Source::Recommendations, Format::Json)));
        for bad in
            ["latest", "latest.html", "date/2025-W32.rss", "week/2025-08-07.rss", "collections/x.rss", "nope.rss"]
        {
            assert_eq!(parse_spec(bad), None, "{bad}");
        }
    }
}
