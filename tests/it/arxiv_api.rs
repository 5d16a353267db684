use crate::helpers::*;
use axum::http::StatusCode;
use paperboy::ingest::arxiv_api::{ArxivApi, Query};
use paperboy::ingest::IngestError;
use paperboy::papers::{ArxivId, Period};
use paperboy::store::Listing;
use std::time::Duration;

/// Answers like arXiv's API from the recorded responses (`q_testing_s{start}_m{max}`,
/// `id_{ids}`); the id `abc` gets arXiv's real HTTP 400 error feed.
pub fn arxiv(seen: &Seen) -> Reply {
    let dir = shared().join("fixtures/arxiv-api");
    let q = &seen.query;
    let (start, max) = (q.get("start").cloned().unwrap_or_default(), q.get("max_results").cloned().unwrap_or_default());
    let stem = if let Some(ids) = q.get("id_list").filter(|s| !s.is_empty()) {
        format!("id_{}_s{start}_m{max}_", ids.replace(['/', ','], "_"))
    } else if q.get("search_query").map(String::as_str) == Some("all:testing") {
        format!("q_testing_s{start}_m{max}_")
    } else {
        return (StatusCode::NOT_FOUND, "no such fixture".into());
    };
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|f| f.starts_with(&stem) && f.ends_with(".xml"));
    match file {
        Some(f) => {
            let body = std::fs::read_to_string(dir.join(&f)).unwrap();
            let status = if f.starts_with("id_abc") { StatusCode::BAD_REQUEST } else { StatusCode::OK };
            (status, body)
        }
        None => (StatusCode::NOT_FOUND, format!("no fixture for {stem}")),
    }
}

#[tokio::test]
async fn search_pages_through_results_politely() {
    let server = FixtureServer::start(|s, _| arxiv(s)).await;
    let t = temp_store().await;
    let http = client(150, 0);
    let api = ArxivApi { http: &http, base_url: format!("{}/api/query", server.base) };
    let report = api.ingest(&t.store, &Query::Search("all:testing".into()), 10, Some(60)).await.unwrap();

    let seen = server.seen();
    let starts: Vec<_> = seen.iter().map(|s| s.query["start"].clone()).collect();
    assert_eq!(starts, ["0", "10", "20", "30", "40", "50"]);
    assert!(seen.iter().all(|s| s.query["max_results"] == "10" && s.user_agent.starts_with("paperboy-tests/1")));
    // One request at a time, never closer than the configured interval.
    for w in seen.windows(2) {
        assert!(w[1].at.duration_since(w[0].at) >= Duration::from_millis(140), "requests too close");
    }
    assert_eq!(report.processed(), 60);
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let stored = t.store.stats().await.unwrap().papers;
    assert_eq!(stored, report.counts.inserted);
    assert_eq!(report.counts.inserted + report.counts.updated + report.counts.unchanged, 60);

    // The first entry of the first page, field by field.
    let p = t.store.paper(&ArxivId::parse("2202.12139").unwrap()).await.unwrap().unwrap();
    assert_eq!(p.title, "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques");
    assert_eq!(p.authors, ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]);
    assert_eq!(p.categories.iter().map(|c| c.code()).collect::<Vec<_>>(), ["cs.SE", "cs.LG"]);
    assert_eq!(p.doi.as_deref(), Some("10.1109/ICSTW55395.2022.00035"));
    assert_eq!(p.comments.as_deref(), Some("Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"));
    assert_eq!(p.version, 1);
    assert_eq!(p.submitted_on.unwrap().to_string(), "2022-02-24");
    // Thursday 24 Feb 2022 15:05 UTC = 10:05 EST, before the deadline: Friday's listing.
    assert_eq!(p.announced_on.unwrap().to_string(), "2022-02-25");
    let listed = t
        .store
        .list_papers(Listing { period: Period::parse("2022-02-25").unwrap(), categories: vec![], limit: 50, offset: 0 })
        .await
        .unwrap();
    assert!(listed.iter().any(|x| x.id == p.id));

    // Fetching the same pages again changes nothing.
    let again = api.ingest(&t.store, &Query::Search("all:testing".into()), 10, Some(60)).await.unwrap();
    assert_eq!((again.counts.inserted, again.counts.updated, again.counts.unchanged), (0, 0, 60));
}

#[tokio::test]
async fn id_lists_old_and_new_style() {
    let server = FixtureServer::start(|s, _| arxiv(s)).await;
    let t = temp_store().await;
    let http = client(0, 0);
    let api = ArxivApi { http: &http, base_url: format!("{}/api/query", server.base) };
    for (ids, expect) in [
        ("1707.08567", "1707.08567"),
        ("astro-ph/0601001", "astro-ph/0601001"),
        ("quant-ph/0201082v1", "quant-ph/0201082"),
        ("2104.12255v1", "2104.12255"),
    ] {
        let q = Query::Ids(vec![ArxivId::parse(ids).unwrap()]);
        let report = api.ingest(&t.store, &q, 100, None).await.unwrap();
        assert_eq!(report.counts.inserted, 1, "{ids}: {report}");
        let p = t.store.paper(&ArxivId::parse(expect).unwrap()).await.unwrap().expect(expect);
        assert!(!p.title.is_empty() && !p.abstract_text.is_empty() && !p.authors.is_empty());
        assert!(!p.categories.is_empty(), "{ids} has categories");
    }
    assert_eq!(t.store.stats().await.unwrap().papers, 4);
    // Every request asked by id list, paged from 0.
    assert!(server.seen().iter().all(|s| s.query["start"] == "0" && s.query.contains_key("id_list")));
}

#[tokio::test]
async fn an_unknown_id_is_an_empty_result_not_an_error() {
    let server = FixtureServer::start(|s, _| arxiv(s)).await;
    let t = temp_store().await;
    let http = client(0, 0);
    let api = ArxivApi { http: &http, base_url: format!("{}/api/query", server.base) };
    let page = api
        .page(&Query::Search("unused".into()), 0, 100)
        .await
        .expect_err("no fixture for that search → 404 → clear error");
    assert!(page.to_string().contains("HTTP 404"), "{page}");

    // id 0000.0000 is not a valid arXiv id for us, so ask the raw endpoint the way arXiv was asked.
    let body = http
        .get(
            &format!("{}/api/query", server.base),
            &[("id_list", "0000.0000".into()), ("start", "0".into()), ("max_results", "100".into())],
        )
        .await
        .unwrap();
    let parsed = paperboy::ingest::arxiv_api::parse_feed(&body, 0).unwrap();
    assert_eq!((parsed.total, parsed.drafts.len()), (0, 0));
    assert_eq!(t.store.stats().await.unwrap().papers, 0);
}

#[tokio::test]
async fn a_400_error_feed_is_a_clear_error() {
    let server = FixtureServer::start(|s, _| {
        let mut s = s.clone();
        s.query.insert("id_list".into(), "abc".into());
        arxiv(&s)
    })
    .await;
    let http = client(0, 3);
    let api = ArxivApi { http: &http, base_url: format!("{}/api/query", server.base) };
    let t = temp_store().await;
    let err = api.ingest(&t.store, &Query::Search("x".into()), 100, None).await.unwrap_err();
    assert!(matches!(err, IngestError::Api(_)));
    assert!(err.to_string().contains("HTTP 400: incorrect id format for abc"), "{err}");
    assert_eq!(server.seen().len(), 1, "a 4xx is not retried");
}

#[tokio::test]
async fn server_errors_and_timeouts_are_retried_with_backoff() {
    let server = FixtureServer::start(|s, n| match n {
        1 => (StatusCode::SERVICE_UNAVAILABLE, "busy".into()),
        2 => (StatusCode::INTERNAL_SERVER_ERROR, "oops".into()),
        _ => arxiv(s), // the first answer comes too late (see delay_next below)
    })
    .await;
    let http = client(0, 4);
    let api = ArxivApi { http: &http, base_url: format!("{}/api/query", server.base) };
    let t = temp_store().await;
    server.delay_next(Duration::from_millis(2_500)); // longer than the client's 2 s time-out
    let report = api.ingest(&t.store, &Query::Search("all:testing".into()), 10, Some(10)).await.unwrap();
    assert_eq!(report.counts.inserted, 10);
    let seen = server.seen();
    assert_eq!(seen.len(), 4, "time-out, 503, 500, then success");
    // Backoff doubles: the gap before the last try is longer than the one before the second.
    let gap = |i: usize| seen[i + 1].at.duration_since(seen[i].at);
    assert!(gap(2) > gap(1), "{:?} then {:?}", gap(1), gap(2));

    // A server that keeps failing: a clear error after the allowed retries.
    let down = FixtureServer::start(|_, _| (StatusCode::BAD_GATEWAY, "down".into())).await;
    let api = ArxivApi { http: &http, base_url: format!("{}/api/query", down.base) };
    let err = api.ingest(&t.store, &Query::Search("all:testing".into()), 10, None).await.unwrap_err();
    assert!(err.to_string().contains("failed after 5 attempts: HTTP 502"), "{err}");
}

#[tokio::test]
async fn a_broken_page_keeps_the_complete_entries_and_reports_the_rest() {
    let full = fixture("arxiv-api/q_testing_s0_m10_bc5a6c384fe9.xml");
    // Cut the document in the middle of the fourth entry.
    let cut = full.match_indices("<entry>").nth(3).unwrap().0 + 200;
    let broken = full[..cut].to_string();
    let page = paperboy::ingest::arxiv_api::parse_feed(&broken, 0).unwrap();
    let ok = page.drafts.iter().filter(|d| d.1.is_ok()).count();
    let bad: Vec<_> = page.drafts.iter().filter_map(|d| d.1.as_ref().err().map(|e| (d.0.clone(), e.clone()))).collect();
    assert_eq!(ok, 3);
    assert_eq!(bad.len(), 1);
    assert!(bad[0].0.starts_with("entry 4"), "{bad:?}");
    assert!(bad[0].1.contains("broken XML at line"), "{bad:?}");
}

#[tokio::test]
async fn an_empty_page_before_the_end_interrupts_and_is_asked_again() {
    let empty = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let e = empty.clone();
    let server = FixtureServer::start(move |s, _| {
        let (status, body) = arxiv(s);
        if s.query["start"] == "10" && e.load(std::sync::atomic::Ordering::SeqCst) {
            // The real page with its entries taken out, as arXiv sometimes answers.
            let head = body.split("<entry>").next().unwrap().to_string();
            return (status, head + "</feed>\n");
        }
        (status, body)
    })
    .await;
    let t = temp_store().await;
    let http = client(0, 0);
    let api = ArxivApi { http: &http, base_url: format!("{}/api/query", server.base) };
    let q = Query::Search("all:testing".into());
    let r = api.ingest(&t.store, &q, 10, Some(30)).await.unwrap();
    assert!(r.interrupted.as_deref().unwrap().starts_with("an empty page at start=10"), "{r}");
    empty.store(false, std::sync::atomic::Ordering::SeqCst);
    let r = api.ingest(&t.store, &q, 10, Some(30)).await.unwrap();
    assert_eq!(r.resumed_from, Some(10));
    assert!(r.interrupted.is_none());
    assert_eq!(t.store.stats().await.unwrap().papers, 30);
}

#[tokio::test]
async fn an_interrupted_search_resumes_at_the_next_page() {
    let fail_at_30 = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let f = fail_at_30.clone();
    let server = FixtureServer::start(move |s, _| {
        if s.query["start"] == "30" && f.load(std::sync::atomic::Ordering::SeqCst) {
            return (StatusCode::SERVICE_UNAVAILABLE, String::new());
        }
        arxiv(s)
    })
    .await;
    let t = temp_store().await;
    let http = client(0, 0);
    let api = ArxivApi { http: &http, base_url: format!("{}/api/query", server.base) };
    let q = Query::Search("all:testing".into());
    assert!(api.ingest(&t.store, &q, 10, Some(50)).await.is_err());
    fail_at_30.store(false, std::sync::atomic::Ordering::SeqCst);
    let before = server.seen().len();
    let report = api.ingest(&t.store, &q, 10, Some(50)).await.unwrap();
    assert_eq!(report.resumed_from, Some(30));
    let starts: Vec<_> = server.seen()[before..].iter().map(|s| s.query["start"].clone()).collect();
    assert_eq!(starts, ["30", "40"]);
    // Completed: the next run starts from the beginning again.
    let again = api.ingest(&t.store, &q, 10, Some(50)).await.unwrap();
    assert_eq!((again.resumed_from, again.counts.unchanged), (None, 50));
}
