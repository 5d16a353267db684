//! Listing pages: the latest announcement day and any given day.

use super::html::{escape, page};
use super::RequestId;
use crate::app::AppState;
use crate::papers::{Paper, Period};
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::fmt::Write;

#[derive(Debug, Deserialize, Default)]
pub struct Filter {
    /// Comma-separated categories, e.g. `cs.LG,cs.CL`.
    #[serde(default)]
    cat: Option<String>,
    /// Page of the day's list, from 1.
    #[serde(default)]
    page: Option<u32>,
}

/// At most this many categories in one filter.
const MAX_CATEGORIES: usize = 32;
/// Papers on one page of a day's list.
const PAGE_SIZE: u32 = 200;

impl Filter {
    /// Known category codes from `?cat=`, without duplicates; unknown codes are ignored.
    fn categories(&self) -> Vec<String> {
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
pub(super) fn internal(rid: &RequestId, e: crate::store::StoreError) -> Response {
    if e.is_unavailable() {
        tracing::warn!(request_id = %rid.0, error = %e, "store unavailable");
        let body = format!(
            "<p>paperboy cannot reach its database right now; try again in a moment. Request id: <code>{}</code></p>",
            escape(&rid.0)
        );
        let mut r = (StatusCode::SERVICE_UNAVAILABLE, Html(page("Unavailable", &body))).into_response();
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
        return r;
    }
    tracing::error!(request_id = %rid.0, error = %e, "request failed");
    let body = format!("<p>Something went wrong on our side. Request id: <code>{}</code></p>", escape(&rid.0));
    (StatusCode::INTERNAL_SERVER_ERROR, Html(page("Error", &body))).into_response()
}

pub async fn latest(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Query(filter): Query<Filter>,
) -> Response {
    match state.store.latest_day(None).await {
        Ok(Some(day)) => render_period(&state, &rid, Period::Day(day), &filter).await,
        Ok(None) => Html(page(
            "paperboy",
            "<p>No papers yet. Run <code>paperboy ingest</code> or <code>paperboy import</code>.</p>",
        ))
        .into_response(),
        Err(e) => internal(&rid, e),
    }
}

fn bad_period(input: &str, expected: &str) -> Response {
    let body = format!("<p>{} is not {expected}.</p>", escape(input));
    (StatusCode::BAD_REQUEST, Html(page("Bad date", &body))).into_response()
}

/// Which kind of period a listing URL names.
#[derive(Clone, Copy)]
enum Kind {
    Day,
    Week,
    Month,
}

/// Parses the period in a listing URL and renders it, or says what was expected.
async fn listing(state: &AppState, rid: &RequestId, input: &str, kind: Kind, filter: &Filter) -> Response {
    match (Period::parse(input), kind) {
        (Some(p @ Period::Day(_)), Kind::Day)
        | (Some(p @ Period::Week { .. }), Kind::Week)
        | (Some(p @ Period::Month { .. }), Kind::Month) => render_period(state, rid, p, filter).await,
        (_, Kind::Day) => bad_period(input, "a date: use YYYY-MM-DD"),
        (_, Kind::Week) => bad_period(input, "an ISO week: use YYYY-Www, e.g. 2025-W32"),
        (_, Kind::Month) => bad_period(input, "a month: use YYYY-MM"),
    }
}

pub async fn by_day(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Path(day): Path<String>,
    Query(filter): Query<Filter>,
) -> Response {
    listing(&state, &rid, &day, Kind::Day, &filter).await
}

pub async fn by_week(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Path(week): Path<String>,
    Query(filter): Query<Filter>,
) -> Response {
    listing(&state, &rid, &week, Kind::Week, &filter).await
}

pub async fn by_month(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Path(month): Path<String>,
    Query(filter): Query<Filter>,
) -> Response {
    listing(&state, &rid, &month, Kind::Month, &filter).await
}

fn period_path(p: Period) -> String {
    match p {
        Period::Day(d) => format!("/papers/date/{d}"),
        Period::Week { .. } => format!("/papers/week/{p}"),
        Period::Month { .. } => format!("/papers/month/{p}"),
    }
}

async fn render_period(state: &AppState, rid: &RequestId, period: Period, filter: &Filter) -> Response {
    let categories = filter.categories();
    let page_no = filter.page.unwrap_or(1).clamp(1, 10_000);
    // A page depends on papers only, so it stays valid while the change cursor stands still.
    let key = format!("{period}|{}|{page_no}", categories.join(","));
    let cursor = match state.store.change_cursor().await {
        Ok(c) => c,
        Err(e) => return internal(rid, e),
    };
    if let Some(html) = state.pages.get(&key, cursor) {
        return Html(html).into_response();
    }
    let html = match build_period_page(state, period, &categories, page_no).await {
        Ok(html) => axum::body::Bytes::from(html),
        Err(e) => return internal(rid, e),
    };
    state.pages.put(key, cursor, html.clone());
    Html(html).into_response()
}

async fn build_period_page(
    state: &AppState,
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
    let (papers, total, (prev, next), sample) = tokio::try_join!(
        state.store.list_papers(listing),
        state.store.count_papers(period, categories.clone()),
        neighbours,
        state.store.meta("sample_loaded"),
    )?;
    let mut body = String::new();
    if sample.is_some() && papers.iter().any(|p| p.source == crate::papers::Source::Sample) {
        body.push_str(
            r#"<p class="notice" id="sample-notice"><strong>Sample data.</strong> These are real arXiv papers bundled with paperboy so that a new instance has something to show. New announcement days are fetched from arXiv as soon as it can be reached.</p>"#,
        );
    }
    let here = period_path(period);
    let (start, end) = period.range();
    let last = end.pred_opt().unwrap_or(end);
    match period {
        Period::Day(day) => {
            let _ = write!(
                body,
                r#"<h2>Papers announced on {day}</h2><p class="meta">See the <a href="{}">week</a> or the <a href="{}">month</a>.</p>"#,
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
    body.push_str(r#"<nav class="days">"#);
    if let Some(p) = prev {
        let _ = write!(body, r#"<a rel="prev" href="{}{q}">← {p}</a>"#, period_path(p));
    }
    if let Some(n) = next {
        let _ = write!(body, r#"<a rel="next" href="{}{q}">{n} →</a>"#, period_path(n));
    }
    body.push_str("</nav>");
    let first = (page_no - 1) * PAGE_SIZE;
    if total as u32 > PAGE_SIZE {
        let _ =
            write!(body, r#"<p class="meta">{total} papers, {}–{} shown</p>"#, first + 1, first + papers.len() as u32);
    } else {
        let _ = write!(body, r#"<p class="meta">{total} papers</p>"#);
    }
    for p in &papers {
        render_paper(&mut body, p);
    }
    let sep = if q.is_empty() { "?" } else { "&amp;" };
    body.push_str(r#"<nav class="days">"#);
    if page_no > 1 {
        let _ = write!(body, r#"<a rel="prev" href="{here}{q}{sep}page={}">← previous page</a>"#, page_no - 1);
    }
    if (first as u64 + papers.len() as u64) < total {
        let _ = write!(body, r#"<a rel="next" href="{here}{q}{sep}page={}">next page →</a>"#, page_no + 1);
    }
    body.push_str("</nav>");
    Ok(page(&format!("Papers of {period} · paperboy"), &body))
}

fn short_authors(authors: &[String]) -> String {
    match authors.len() {
        0 => String::new(),
        1..=4 => authors.join(", "),
        n => format!("{}, … {} ({} authors)", authors[..3].join(", "), authors[n - 1], n),
    }
}

fn render_paper(out: &mut String, p: &Paper) {
    let id = p.id.with_version(p.version);
    let teaser: String = p.abstract_text.chars().take(280).collect();
    let _ = write!(
        out,
        r#"<article data-id="{id}"><h2 class="math"><a href="/papers/{id}">{title}</a></h2>
<p class="meta">{authors}</p>
<details class="math"><summary>{teaser}{more}</summary><p>{abstract_text}</p></details>
<p class="cats">{cats}</p>
<p class="meta">{kind} · <a href="{abs}">arXiv:{id}</a> · <a href="{pdf}">PDF</a></p></article>"#,
        id = escape(&id.to_string()),
        abs = escape(&id.abs_url()),
        pdf = escape(&id.pdf_url()),
        title = escape(&p.title),
        authors = escape(&short_authors(&p.authors)),
        teaser = escape(&teaser),
        more = if p.abstract_text.chars().count() > 280 { "…" } else { "" },
        abstract_text = escape(&p.abstract_text),
        cats = p
            .categories
            .iter()
            .map(|c| format!(r#"<span title="{}">{}</span>"#, escape(c.name()), escape(c.code())))
            .collect::<String>(),
        kind = p.announce_type.map(|t| t.as_str()).unwrap_or("listed"),
    );
}
