//! Listing pages: the latest announcement day and any given day.

use super::error::{PageError, PageResult};
use super::pages::{self, Layout, Message};
use super::viewer::Viewer;
use crate::app::AppState;
use crate::papers::{Paper, Period};
use crate::server::cache::{cached, freshness, CachedPage};
use crate::server::request::RequestId;
use crate::server::site::Site;
use crate::store::{dismissals, submissions, votes};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use minijinja::{context, Value};
use serde::Deserialize;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct Filter {
    /// Comma-separated categories, e.g. `cs.LG,cs.CL`.
    pub(super) cat: Option<String>,
    /// Page of the day's list, from 1.
    pub(super) page: Option<u32>,
}

/// At most this many categories in one filter.
const MAX_CATEGORIES: usize = 32;
/// Papers on one page of a day's list.
const PAGE_SIZE: u32 = 50;

impl Filter {
    /// Known category codes from `?cat=`, without duplicates; unknown codes are ignored.
    pub(super) fn categories(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for code in self.cat.as_deref().unwrap_or("").split(',') {
            if let Ok(c) = crate::papers::Category::parse(code) {
                if !out.iter().any(|x| x == c.code()) && out.len() < MAX_CATEGORIES {
                    out.push(c.code().to_string());
                }
            }
        }
        out
    }
}

/// An opaque error page: the cause goes to the log, the user gets the request id to report.
/// A store that cannot be reached is a 503 with `Retry-After`; anything else a 500.
pub(super) fn internal(_rid: &RequestId, e: crate::store::StoreError) -> Response {
    PageError::from(e).into_response()
}

pub async fn latest(
    State(site): State<Site>,
    Extension(viewer): Extension<Viewer>,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> PageResult {
    // A guest's front page is served from the cache without asking which day is the latest:
    // that changes only with the papers, and so with the freshness pair.
    let alias = match viewer.user {
        None => {
            let key = format!("latest|{}|{}", filter.categories().join(","), filter.page.unwrap_or(1).clamp(1, 10_000));
            let fresh = freshness(&site.pages, &site.app).await?;
            if let Some(page) = site.pages.get(&key, fresh) {
                return Ok(page.respond(&headers));
            }
            Some(key)
        }
        Some(_) => None,
    };
    let Some(day) = site.app.store.latest_day(None).await? else {
        let html = pages::render_page("empty.html", &Layout::for_viewer(&viewer, "paperboy"), context! {});
        return Ok(Html(html).into_response());
    };
    // A member's default categories apply to the front page when no filter is given.
    let mut filter = filter;
    if filter.cat.is_none() {
        if let Some(u) = viewer.user.as_ref().filter(|u| !u.default_categories.is_empty()) {
            filter.cat = Some(u.default_categories.join(","));
        }
    }
    render_period(&site, &viewer, &headers, Period::Day(day), &filter, alias).await
}

fn bad_period(viewer: &Viewer, input: &str, expected: &str) -> Response {
    let text = format!("{input} is not {expected}.");
    let html = pages::render_message(&Layout::for_viewer(viewer, "Bad date"), &Message::plain(&text));
    (StatusCode::BAD_REQUEST, Html(html)).into_response()
}

/// The kinds of period a listing URL names (`KIND` of [`by_period`]).
pub const DAY: u8 = 0;
pub const WEEK: u8 = 1;
pub const MONTH: u8 = 2;

/// `/papers/date/{day}`, `/papers/week/{week}`, `/papers/month/{month}`: the period's listing,
/// or a page that says what was expected.
pub async fn by_period<const KIND: u8>(
    State(site): State<Site>,
    Extension(viewer): Extension<Viewer>,
    headers: HeaderMap,
    Path(input): Path<String>,
    Query(filter): Query<Filter>,
) -> PageResult {
    match (Period::parse(&input), KIND) {
        (Some(p @ Period::Day(_)), DAY)
        | (Some(p @ Period::Week { .. }), WEEK)
        | (Some(p @ Period::Month { .. }), MONTH) => render_period(&site, &viewer, &headers, p, &filter, None).await,
        (_, DAY) => Ok(bad_period(&viewer, &input, "a date: use YYYY-MM-DD")),
        (_, WEEK) => Ok(bad_period(&viewer, &input, "an ISO week: use YYYY-Www, e.g. 2025-W32")),
        _ => Ok(bad_period(&viewer, &input, "a month: use YYYY-MM")),
    }
}

#[derive(Debug, Deserialize)]
pub struct GoTo {
    day: Option<String>,
}

/// The date picker's target: `/papers/go?day=YYYY-MM-DD` redirects to that day's list.
pub async fn go_to_day(Extension(viewer): Extension<Viewer>, Query(q): Query<GoTo>) -> Response {
    let input = q.day.unwrap_or_default();
    match input.parse::<NaiveDate>() {
        Ok(d) => Redirect::to(&format!("/papers/date/{d}")).into_response(),
        Err(_) => bad_period(&viewer, &input, "a date: use YYYY-MM-DD"),
    }
}

pub(super) fn period_path(p: Period) -> String {
    match p {
        Period::Day(d) => format!("/papers/date/{d}"),
        Period::Week { .. } => format!("/papers/week/{p}"),
        Period::Month { .. } => format!("/papers/month/{p}"),
    }
}

async fn render_period(
    site: &Site,
    viewer: &Viewer,
    headers: &HeaderMap,
    period: Period,
    filter: &Filter,
    alias: Option<String>,
) -> PageResult {
    let state = &site.app;
    let categories = filter.categories();
    let page_no = filter.page.unwrap_or(1).clamp(1, 10_000);
    if viewer.user.is_some() {
        // Personal: votes shown as given, muted words applied. Not cached.
        let html = build_period_page(state, viewer, period, &categories, page_no).await?;
        return Ok(Html(html).into_response());
    }
    // A guest's page depends on papers and community counters only, so it stays valid while
    // neither moves.
    let key = format!("{period}|{}|{page_no}", categories.join(","));
    let build = || async {
        let html = build_period_page(state, viewer, period, &categories, page_no).await?;
        Ok::<_, PageError>(CachedPage::new(axum::body::Bytes::from(html)))
    };
    Ok(cached(&site.pages, &site.app, key, alias, build).await?.respond(headers))
}

/// How many of a week's or month's most upvoted papers head its page.
const TOP_OF_PERIOD: i64 = 10;

async fn build_period_page(
    state: &AppState,
    viewer: &Viewer,
    period: Period,
    categories: &[String],
    page_no: u32,
) -> Result<String, crate::store::StoreError> {
    let categories = categories.to_vec();
    let listing = crate::store::Listing {
        period,
        categories: categories.clone(),
        limit: PAGE_SIZE,
        offset: (page_no - 1) * PAGE_SIZE,
    };
    let neighbours = async {
        match period {
            // Days skip to the nearest days that have papers; weeks and months go by the calendar.
            Period::Day(d) => {
                state.store.neighbour_days(d).await.map(|(p, n)| (p.map(Period::Day), n.map(Period::Day)))
            }
            _ => Ok((period.prev(), period.next())),
        }
    };
    let (start, end) = period.range();
    // A day's list also holds the papers members submitted to it; a week or a month opens with
    // its most upvoted papers.
    let highlights = async {
        if page_no > 1 {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = match period {
            Period::Day(d) => state.store.read(move |db| submissions::submitted_on(db, &d.to_string())).await?,
            _ => {
                let (from, to) = (start.to_string(), end.to_string());
                let top = state.store.read(move |db| votes::top_voted(db, &from, &to, TOP_OF_PERIOD)).await?;
                top.into_iter().map(|(id, _)| id).collect()
            }
        };
        let papers = state.store.papers_by_ids(ids).await?;
        Ok(papers.into_iter().filter(|p| in_categories(p, &categories)).collect::<Vec<_>>())
    };
    let (papers, total, (prev, next), sample, highlights) = tokio::try_join!(
        state.store.list_papers(listing),
        state.store.count_papers(period, categories.clone()),
        neighbours,
        state.store.meta("sample_loaded"),
        highlights,
    )?;
    let all: Vec<Paper> = highlights.iter().chain(papers.iter()).cloned().collect();
    let rows = RowContext::load(state, viewer, &all).await?;
    let sample = sample.is_some() && papers.iter().any(|p| p.source == crate::papers::Source::Sample);
    let page = PeriodPage { period, categories, page_no, papers, total, prev, next, sample, highlights, rows };
    Ok(render_period_page(viewer, &page))
}

/// What a listing page shows, loaded.
pub struct PeriodPage {
    pub period: Period,
    /// The `?cat=` filter.
    pub categories: Vec<String>,
    /// From 1.
    pub page_no: u32,
    pub papers: Vec<Paper>,
    /// Papers in the period (with the filter), on every page.
    pub total: u64,
    /// The periods before and after, to link to.
    pub prev: Option<Period>,
    pub next: Option<Period>,
    /// Whether the sample data's notice heads the page.
    pub sample: bool,
    /// A day's submitted papers, or a week's or month's most upvoted (first page only).
    pub highlights: Vec<Paper>,
    pub rows: RowContext,
}

/// A day's, week's or month's page.
pub fn render_period_page(viewer: &Viewer, page: &PeriodPage) -> String {
    let PeriodPage { period, ref categories, page_no, ref papers, total, prev, next, sample, ref highlights, ref rows } =
        *page;
    let (start, end) = period.range();
    let here = period_path(period);
    let last = end.pred_opt().unwrap_or(end);
    // Category codes are [A-Za-z.-] only: safe in a URL as they are.
    let q = if categories.is_empty() { String::new() } else { format!("?cat={}", categories.join(",")) };
    let link = |p: Period| context! { href => format!("{}{q}", period_path(p)), label => p.to_string() };
    let (kind, week_href, month_href) = match period {
        Period::Day(day) => ("day", period_path(Period::week_of(day)), period_path(Period::month_of(day))),
        Period::Week { .. } => ("week", String::new(), String::new()),
        Period::Month { .. } => ("month", String::new(), String::new()),
    };
    let highlights = (!highlights.is_empty()).then(|| {
        let heading = match period {
            Period::Day(_) => "Submitted by the community",
            Period::Week { .. } => "Top of the week",
            Period::Month { .. } => "Top of the month",
        };
        context! { heading, rows => self::rows(highlights, rows) }
    });
    let first = (page_no - 1) * PAGE_SIZE;
    let shown = (total as u32 > PAGE_SIZE && !papers.is_empty())
        .then(|| context! { first => first + 1, last => first + papers.len() as u32 });
    let sep = if q.is_empty() { "?" } else { "&" };
    // A page past the end says so, with the way to the last one.
    let pages = (total as u32).div_ceil(PAGE_SIZE).max(1);
    let past_end = (papers.is_empty() && total > 0 && page_no > 1)
        .then(|| context! { page => page_no, pages, href => format!("{here}{q}{sep}page={pages}") });
    let prev_page = (page_no > 1).then(|| format!("{here}{q}{sep}page={}", page_no - 1));
    let next_page =
        ((first as u64 + papers.len() as u64) < total).then(|| format!("{here}{q}{sep}page={}", page_no + 1));
    let feed_path = period_path(period).trim_start_matches("/papers/").to_string();
    let layout = Layout::for_viewer(viewer, format!("Papers of {period} · paperboy")).with_feed(pages::Feed::new(
        &feed_path,
        &format!("Papers of {period}"),
        categories,
    ));
    pages::render_page(
        "listing.html",
        &layout,
        context! {
            sample,
            kind,
            label => period.to_string(),
            week_href,
            month_href,
            start => start.to_string(),
            last => last.to_string(),
            categories,
            here,
            prev => prev.map(link),
            next => next.map(link),
            highlights,
            total,
            shown,
            past_end,
            rows => self::rows(papers, rows),
            prev_page,
            next_page,
        },
    )
}

pub(super) fn in_categories(p: &Paper, categories: &[String]) -> bool {
    p.in_any(categories)
}

pub(crate) fn short_authors(authors: &[String]) -> String {
    match authors.len() {
        0 => String::new(),
        1..=4 => authors.join(", "),
        n => format!("{}, … {} ({} authors)", authors[..3].join(", "), authors[n - 1], n),
    }
}

/// What rows show besides the paper: counters, who submitted it, the viewer's votes.
#[derive(Default)]
pub struct RowContext {
    pub(super) activity: HashMap<String, votes::PaperActivity>,
    pub(super) voted: HashSet<String>,
    /// The CSRF token for vote forms; `None` for guests, who get a link to log in.
    pub(super) csrf: Option<String>,
    pub(super) muted: Option<crate::accounts::User>,
    /// Papers the viewer marked "not interested": left out and counted.
    pub(super) dismissed: HashSet<String>,
    /// Highlighted (title, abstract) HTML from a search, by paper id.
    pub snippets: HashMap<String, (Option<String>, Option<String>)>,
    /// Why each paper is recommended (`/for-you`), by paper id.
    pub reasons: HashMap<String, crate::recommend::Reason>,
}

impl RowContext {
    pub async fn load(state: &AppState, viewer: &Viewer, papers: &[Paper]) -> Result<Self, crate::store::StoreError> {
        let ids: Vec<String> = papers.iter().map(|p| p.id.as_str().to_string()).collect();
        let user_id = viewer.user.as_ref().map(|u| u.id);
        let (activity, voted, dismissed) = state
            .store
            .read(move |db| {
                let activity = votes::activity(db, &ids)?;
                let (voted, dismissed) = match user_id {
                    Some(uid) => (votes::voted_by(db, uid, &ids)?, dismissals::dismissed_among(db, uid, &ids)?),
                    None => Default::default(),
                };
                Ok((activity, voted, dismissed))
            })
            .await?;
        Ok(Self {
            activity,
            voted,
            csrf: viewer.user.as_ref().map(|_| viewer.csrf.clone()),
            muted: viewer.user.clone().filter(|u| !u.muted_words.is_empty()),
            dismissed,
            snippets: HashMap::new(),
            reasons: HashMap::new(),
        })
    }
}

/// Listing rows, as `macros.html`'s `rows` shows them.
#[derive(Debug, Serialize)]
pub struct Rows {
    papers: Vec<Row>,
    /// Papers left out for the viewer's muted words.
    hidden: usize,
    /// Papers left out because the viewer marked them "not interested".
    dismissed: usize,
    /// The CSRF token for vote forms; `None` for guests.
    token: Option<String>,
}

/// One paper in a list.
#[derive(Debug, Serialize)]
struct Row {
    /// With its version.
    id: String,
    key: String,
    /// Plain text, or a search's highlighted (safe) HTML.
    title: Value,
    authors: String,
    /// The abstract's first 280 characters, or a search's highlighted snippet.
    teaser: Value,
    more: bool,
    abstract_text: String,
    categories: Vec<Cat>,
    /// The categories are the feeds' it was listed in, not its own.
    categories_listed: bool,
    kind: &'static str,
    abs_url: String,
    pdf_url: String,
    comments: i64,
    upvotes: i64,
    voted: bool,
    submitted_by: Option<String>,
    announced_on: Option<String>,
    /// Why it is recommended: "Like <a>Title</a>, which you upvoted".
    reason: Option<RowReason>,
}

/// A liked paper it is like (`key`, `title`, `how`), or a followed author (`author`).
#[derive(Debug, Serialize, Default)]
struct RowReason {
    key: String,
    title: String,
    how: &'static str,
    author: Option<String>,
    author_url: Option<String>,
}

#[derive(Debug, Serialize)]
struct Cat {
    code: &'static str,
    name: &'static str,
}

/// The rows of `papers`; papers with a viewer's muted words, and those they marked "not
/// interested", are left out and counted.
pub fn rows(papers: &[Paper], ctx: &RowContext) -> Rows {
    let muted = |p: &Paper| ctx.muted.as_ref().is_some_and(|u| u.mutes(&p.title, &p.abstract_text));
    let dismissed = |p: &Paper| ctx.dismissed.contains(p.id.as_str());
    let hidden = papers.iter().filter(|p| muted(p) && !dismissed(p)).count();
    let dismissed_count = papers.iter().filter(|p| dismissed(p)).count();
    let papers = papers.iter().filter(|p| !muted(p) && !dismissed(p)).map(|p| row(p, ctx)).collect();
    Rows { papers, hidden, dismissed: dismissed_count, token: ctx.csrf.clone() }
}

fn row(p: &Paper, ctx: &RowContext) -> Row {
    let id = p.id.with_version(p.version);
    let key = p.id.as_str();
    let activity = ctx.activity.get(key).cloned().unwrap_or_default();
    let (title_html, abstract_html) = ctx.snippets.get(key).cloned().unwrap_or_default();
    Row {
        id: id.to_string(),
        key: key.to_string(),
        title: title_html.map(Value::from_safe_string).unwrap_or_else(|| Value::from(p.title.as_str())),
        authors: short_authors(&p.authors),
        // A search snippet is already escaped, with the matched words in <b>.
        teaser: abstract_html
            .map(Value::from_safe_string)
            .unwrap_or_else(|| Value::from(p.abstract_text.chars().take(280).collect::<String>())),
        more: p.abstract_text.chars().count() > 280,
        abstract_text: p.abstract_text.clone(),
        categories: p.categories.iter().map(|c| Cat { code: c.code(), name: c.name() }).collect(),
        categories_listed: p.categories_listed,
        kind: p.announce_type.map(|t| t.as_str()).unwrap_or("listed"),
        abs_url: id.abs_url(),
        pdf_url: id.pdf_url(),
        comments: activity.comments,
        upvotes: activity.upvotes,
        voted: ctx.voted.contains(key),
        submitted_by: activity.submitted_by,
        announced_on: p.announced_on.map(|d| d.to_string()),
        reason: ctx.reasons.get(key).map(|r| match r {
            crate::recommend::Reason::Like { id, title, how } => {
                RowReason { key: id.clone(), title: title.clone(), how: how.verb(), ..Default::default() }
            }
            crate::recommend::Reason::Follows { author } => RowReason {
                author: Some(author.clone()),
                author_url: Some(crate::papers::authors::url(author)),
                ..Default::default()
            },
        }),
    }
}
