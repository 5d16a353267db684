//! Listing pages: the latest announcement day and any given day.

use super::error::PageError;
use super::html::{escape, page_for, page_with_head};
use super::session::Viewer;
use crate::app::AppState;
use crate::papers::{Paper, Period};
use crate::server::cache::{cached, freshness, CachedPage};
use crate::server::request::RequestId;
use crate::server::site::Site;
use crate::store::{submissions, votes};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

#[derive(Debug, Deserialize, Default)]
pub struct Filter {
    /// Comma-separated categories, e.g. `cs.LG,cs.CL`.
    #[serde(default)]
    pub(super) cat: Option<String>,
    /// Page of the day's list, from 1.
    #[serde(default)]
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
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> Response {
    // A guest's front page is served from the cache without asking which day is the latest:
    // that changes only with the papers, and so with the freshness pair.
    let alias = match viewer.user {
        None => {
            let key = format!("latest|{}|{}", filter.categories().join(","), filter.page.unwrap_or(1).clamp(1, 10_000));
            let fresh = match freshness(&site.pages, &site.app).await {
                Ok(f) => f,
                Err(e) => return internal(&rid, e),
            };
            if let Some(page) = site.pages.get(&key, fresh) {
                return page.respond(&headers);
            }
            Some(key)
        }
        Some(_) => None,
    };
    match site.app.store.latest_day(None).await {
        Ok(Some(day)) => {
            // A member's default categories apply to the front page when no filter is given.
            let mut filter = filter;
            if filter.cat.is_none() {
                if let Some(u) = viewer.user.as_ref().filter(|u| !u.default_categories.is_empty()) {
                    filter.cat = Some(u.default_categories.join(","));
                }
            }
            render_period(&site, &rid, &viewer, &headers, Period::Day(day), &filter, alias).await
        }
        Ok(None) => Html(page_for(
            &viewer,
            "paperboy",
            "<h2>No papers yet</h2><p>This instance has no papers. As its operator, fetch some: <code>paperboy ingest rss</code> for today's announcements, <code>paperboy ingest arxiv-api --category cs.LG --from 2025-08-01</code> for a range, or <code>paperboy import FILE</code> for a snapshot (see the README). <code>paperboy serve</code> also follows arXiv by itself when it can reach it.</p>",
        ))
        .into_response(),
        Err(e) => internal(&rid, e),
    }
}

fn bad_period(viewer: &Viewer, input: &str, expected: &str) -> Response {
    let body = format!("<p>{} is not {expected}.</p>", escape(input));
    (StatusCode::BAD_REQUEST, Html(page_for(viewer, "Bad date", &body))).into_response()
}

/// Which kind of period a listing URL names.
#[derive(Clone, Copy)]
enum Kind {
    Day,
    Week,
    Month,
}

/// Parses the period in a listing URL and renders it, or says what was expected.
async fn listing(
    site: &Site,
    rid: &RequestId,
    viewer: &Viewer,
    headers: &HeaderMap,
    input: &str,
    kind: Kind,
    filter: &Filter,
) -> Response {
    match (Period::parse(input), kind) {
        (Some(p @ Period::Day(_)), Kind::Day)
        | (Some(p @ Period::Week { .. }), Kind::Week)
        | (Some(p @ Period::Month { .. }), Kind::Month) => {
            render_period(site, rid, viewer, headers, p, filter, None).await
        }
        (_, Kind::Day) => bad_period(viewer, input, "a date: use YYYY-MM-DD"),
        (_, Kind::Week) => bad_period(viewer, input, "an ISO week: use YYYY-Www, e.g. 2025-W32"),
        (_, Kind::Month) => bad_period(viewer, input, "a month: use YYYY-MM"),
    }
}

pub async fn by_day(
    State(site): State<Site>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    headers: HeaderMap,
    Path(day): Path<String>,
    Query(filter): Query<Filter>,
) -> Response {
    listing(&site, &rid, &viewer, &headers, &day, Kind::Day, &filter).await
}

pub async fn by_week(
    State(site): State<Site>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    headers: HeaderMap,
    Path(week): Path<String>,
    Query(filter): Query<Filter>,
) -> Response {
    listing(&site, &rid, &viewer, &headers, &week, Kind::Week, &filter).await
}

pub async fn by_month(
    State(site): State<Site>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    headers: HeaderMap,
    Path(month): Path<String>,
    Query(filter): Query<Filter>,
) -> Response {
    listing(&site, &rid, &viewer, &headers, &month, Kind::Month, &filter).await
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
    rid: &RequestId,
    viewer: &Viewer,
    headers: &HeaderMap,
    period: Period,
    filter: &Filter,
    alias: Option<String>,
) -> Response {
    let state = &site.app;
    let categories = filter.categories();
    let page_no = filter.page.unwrap_or(1).clamp(1, 10_000);
    if viewer.user.is_some() {
        // Personal: votes shown as given, muted words applied. Not cached.
        return match build_period_page(state, viewer, period, &categories, page_no).await {
            Ok(html) => Html(html).into_response(),
            Err(e) => internal(rid, e),
        };
    }
    // A guest's page depends on papers and community counters only, so it stays valid while
    // neither moves.
    let key = format!("{period}|{}|{page_no}", categories.join(","));
    let build = || async {
        let html = build_period_page(state, viewer, period, &categories, page_no).await?;
        Ok::<_, PageError>(CachedPage::new(axum::body::Bytes::from(html)))
    };
    match cached(&site.pages, &site.app, key, alias, build).await {
        Ok(page) => page.respond(headers),
        Err(e) => e.into_response(),
    }
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
    let ctx = RowContext::load(state, viewer, &all).await?;
    let mut body = String::new();
    if sample.is_some() && papers.iter().any(|p| p.source == crate::papers::Source::Sample) {
        body.push_str(
            r#"<p class="notice" id="sample-notice"><strong>Sample data.</strong> These are real arXiv papers bundled with paperboy so that a new instance has something to show. New announcement days are fetched from arXiv as soon as it can be reached.</p>"#,
        );
    }
    let here = period_path(period);
    let last = end.pred_opt().unwrap_or(end);
    match period {
        Period::Day(day) => {
            let _ = write!(
                body,
                r#"<h2>Papers announced on {day}</h2><p class="meta">See the <a href="{}">week</a> or the <a href="{}">month</a>, or <a href="/papers/trending">what is trending</a>.</p>"#,
                period_path(Period::week_of(day)),
                period_path(Period::month_of(day))
            );
        }
        Period::Week { .. } => {
            let _ = write!(body, "<h2>Papers announced in week {period} ({start} – {last})</h2>");
        }
        Period::Month { .. } => {
            let _ = write!(body, "<h2>Papers announced in {period}</h2>");
        }
    }
    if !categories.is_empty() {
        let _ = write!(
            body,
            r#"<p class="meta">Categories: {} · <a href="{here}">all</a></p>"#,
            escape(&categories.join(", "))
        );
    }
    // Category codes are [A-Za-z.-] only: safe in a URL and in HTML as they are.
    let q = if categories.is_empty() { String::new() } else { format!("?cat={}", categories.join(",")) };
    body.push_str(r#"<nav class="days" aria-label="periods">"#);
    if let Some(p) = prev {
        let _ = write!(body, r#"<a rel="prev" href="{}{q}">← {p}</a>"#, period_path(p));
    }
    if let Some(n) = next {
        let _ = write!(body, r#"<a rel="next" href="{}{q}">{n} →</a>"#, period_path(n));
    }
    let _ = write!(
        body,
        r#"<form action="/papers/go" class="inline"><label class="sr-only" for="day-picker">Go to a day</label><input type="date" id="day-picker" name="day" value="{start}"> <button type="submit">Go</button></form>"#
    );
    body.push_str("</nav>");
    if !highlights.is_empty() {
        let heading = match period {
            Period::Day(_) => "Submitted by the community",
            Period::Week { .. } => "Top of the week",
            Period::Month { .. } => "Top of the month",
        };
        let _ = write!(body, r#"<section class="highlights"><h3>{heading}</h3>"#);
        render_rows(&mut body, &highlights, &ctx);
        body.push_str("</section><h3>All papers</h3>");
    }
    let first = (page_no - 1) * PAGE_SIZE;
    if total as u32 > PAGE_SIZE {
        let _ =
            write!(body, r#"<p class="meta">{total} papers, {}–{} shown</p>"#, first + 1, first + papers.len() as u32);
    } else {
        let _ = write!(body, r#"<p class="meta">{total} papers</p>"#);
    }
    render_rows(&mut body, &papers, &ctx);
    let sep = if q.is_empty() { "?" } else { "&amp;" };
    body.push_str(r#"<nav class="days" aria-label="pages">"#);
    if page_no > 1 {
        let _ = write!(body, r#"<a rel="prev" href="{here}{q}{sep}page={}">← previous page</a>"#, page_no - 1);
    }
    if (first as u64 + papers.len() as u64) < total {
        let _ = write!(body, r#"<a rel="next" href="{here}{q}{sep}page={}">next page →</a>"#, page_no + 1);
    }
    body.push_str("</nav>");
    let feed_path = period_path(period).trim_start_matches("/papers/").to_string();
    let head = super::feeds::alternates(&feed_path, &format!("Papers of {period}"), &categories);
    Ok(page_with_head(viewer, &format!("Papers of {period} · paperboy"), &head, &body))
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
    activity: HashMap<String, votes::PaperActivity>,
    voted: HashSet<String>,
    /// The CSRF field for vote forms; `None` for guests, who get a link to log in.
    csrf_field: Option<String>,
    muted: Option<crate::accounts::User>,
    /// Highlighted (title, abstract) HTML from a search, by paper id.
    pub snippets: HashMap<String, (Option<String>, Option<String>)>,
}

impl RowContext {
    pub async fn load(state: &AppState, viewer: &Viewer, papers: &[Paper]) -> Result<Self, crate::store::StoreError> {
        let ids: Vec<String> = papers.iter().map(|p| p.id.as_str().to_string()).collect();
        let user_id = viewer.user.as_ref().map(|u| u.id);
        let (activity, voted) = state
            .store
            .read(move |db| {
                let activity = votes::activity(db, &ids)?;
                let voted = match user_id {
                    Some(uid) => votes::voted_by(db, uid, &ids)?,
                    None => HashSet::new(),
                };
                Ok((activity, voted))
            })
            .await?;
        Ok(Self {
            activity,
            voted,
            csrf_field: viewer.user.as_ref().map(|_| viewer.csrf_field()),
            muted: viewer.user.clone().filter(|u| !u.muted_words.is_empty()),
            snippets: HashMap::new(),
        })
    }
}

/// Renders listing rows; papers with a viewer's muted words are left out and counted.
pub fn render_rows(out: &mut String, papers: &[Paper], ctx: &RowContext) {
    let mut hidden = 0;
    for p in papers {
        if ctx.muted.as_ref().is_some_and(|u| u.mutes(&p.title, &p.abstract_text)) {
            hidden += 1;
            continue;
        }
        render_paper(out, p, ctx);
    }
    if hidden > 0 {
        let _ = write!(
            out,
            r#"<p class="meta muted-note">{hidden} papers hidden by your muted words (<a href="/settings">settings</a>).</p>"#
        );
    }
}

/// The upvote control: a form for members (enhanced by site.js), a login link for guests.
pub fn vote_button(paper_id: &str, upvotes: i64, voted: bool, csrf_field: Option<&str>) -> String {
    let id = escape(paper_id);
    match csrf_field {
        Some(csrf) => format!(
            r#"<form method="post" action="/papers/{id}/upvote" class="vote">{csrf}<button type="submit" aria-pressed="{voted}" aria-label="Upvote"><span aria-hidden="true">▲</span><span class="n">{upvotes}</span></button></form>"#
        ),
        None => format!(
            r#"<a class="vote" href="/login?next=/papers/{id}" aria-label="Log in to upvote"><span aria-hidden="true">▲</span><span class="n">{upvotes}</span></a>"#
        ),
    }
}

fn render_paper(out: &mut String, p: &Paper, ctx: &RowContext) {
    let id = p.id.with_version(p.version);
    let key = p.id.as_str();
    let activity = ctx.activity.get(key).cloned().unwrap_or_default();
    let (title_html, abstract_html) = ctx.snippets.get(key).cloned().unwrap_or_default();
    let teaser = match abstract_html {
        // A search snippet, already escaped, with the matched words in <b>.
        Some(html) => html,
        None => escape(&p.abstract_text.chars().take(280).collect::<String>()),
    };
    let mut extra = String::new();
    if let Some(by) = &activity.submitted_by {
        let _ = write!(extra, r#" · submitted by <a href="/u/{0}">{0}</a>"#, escape(by));
    }
    if let Some(day) = p.announced_on {
        let _ = write!(extra, r#" · <a href="/papers/date/{day}">{day}</a>"#);
    }
    let _ = write!(
        out,
        r#"<article data-id="{id}">{vote}<div class="body"><h2 class="math"><a href="/papers/{key}">{title}</a></h2>
<p class="meta">{authors}</p>
<details class="math"><summary>{teaser}{more}</summary><p>{abstract_text}</p></details>
<p class="cats">{cats}</p>
<p class="meta">{kind} · <a href="{abs}">arXiv:{id}</a> · <a href="{pdf}">PDF</a> · <a href="/papers/{key}#comments">{comments}</a>{extra}</p></div></article>"#,
        vote = vote_button(key, activity.upvotes, ctx.voted.contains(key), ctx.csrf_field.as_deref()),
        key = escape(key),
        id = escape(&id.to_string()),
        abs = escape(&id.abs_url()),
        pdf = escape(&id.pdf_url()),
        title = title_html.unwrap_or_else(|| escape(&p.title)),
        authors = escape(&short_authors(&p.authors)),
        more = if p.abstract_text.chars().count() > 280 { "…" } else { "" },
        abstract_text = escape(&p.abstract_text),
        cats = p
            .categories
            .iter()
            .map(|c| format!(r#"<span title="{}">{}</span>"#, escape(c.name()), escape(c.code())))
            .collect::<String>(),
        kind = p.announce_type.map(|t| t.as_str()).unwrap_or("listed"),
        comments = match activity.comments {
            1 => "1 comment".to_string(),
            n => format!("{n} comments"),
        },
    );
}
