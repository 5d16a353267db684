use crate::helpers::*;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use paperboy::ingest::follow::Follower;

fn now(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn serve_fetches_new_days_and_fills_gaps() {
    let rss_xml =
        crate::rss::recorded_feeds().into_iter().find(|f| f.0.ends_with("cs.CL+cs.CV+cs.MM+cs.LG+cs.SI")).unwrap().1;
    // The API answers every window query with one real page (its total set to the page size).
    let page = fixture("arxiv-api/q_testing_s0_m10_bc5a6c384fe9.xml").replace(
        "<opensearch:totalResults>214881</opensearch:totalResults>",
        "<opensearch:totalResults>10</opensearch:totalResults>",
    );
    let server = FixtureServer::start(move |s, _| {
        if s.path.starts_with("/rss/") {
            (StatusCode::OK, rss_xml.clone())
        } else if s.path == "/api/query" {
            (StatusCode::OK, page.clone())
        } else {
            (StatusCode::NOT_FOUND, String::new())
        }
    })
    .await;
    let t = temp_store().await;
    let http = client(0, 0);
    let follower = Follower {
        store: &t.store,
        http: &http,
        api_base_url: format!("{}/api/query", server.base),
        rss_base_url: format!("{}/rss", server.base),
        categories: vec!["cs.CL".into(), "cs.LG".into()],
        lookback_days: 3,
    };
    // Thursday 7 Aug 2025, 08:00 EDT: the latest listing is Thursday's.
    let t0 = now("2025-08-07T12:00:00Z");
    let missing = follower.missing_days(t0).await.unwrap();
    assert_eq!(missing.iter().map(|d| d.to_string()).collect::<Vec<_>>(), ["2025-08-05", "2025-08-06", "2025-08-07"]);
    follower.catch_up(t0).await.unwrap();

    let seen = server.seen();
    let queries: Vec<_> = seen.iter().filter_map(|s| s.query.get("search_query").cloned()).collect();
    assert_eq!(
        queries,
        [
            "(cat:cs.CL OR cat:cs.LG) AND submittedDate:[202508011800 TO 202508041759]",
            "(cat:cs.CL OR cat:cs.LG) AND submittedDate:[202508041800 TO 202508051759]",
        ]
    );
    assert_eq!(seen.last().unwrap().path, "/rss/cs.CL+cs.LG");
    assert!(follower.missing_days(t0).await.unwrap().is_empty());
    let stats = t.store.stats().await.unwrap();
    assert!(stats.papers > 400, "{stats:?}");

    // Nothing new to fetch: no request at all.
    follower.catch_up(t0).await.unwrap();
    assert_eq!(server.seen().len(), seen.len());

    // Down over the weekend until Tuesday morning: Friday and Monday are filled from the API.
    let t1 = now("2025-08-12T12:00:00Z");
    let follower = Follower { lookback_days: 5, ..follower };
    follower.catch_up(t1).await.unwrap();
    let later: Vec<_> =
        server.seen()[seen.len()..].iter().filter_map(|s| s.query.get("search_query").cloned()).collect();
    assert_eq!(
        later,
        [
            "(cat:cs.CL OR cat:cs.LG) AND submittedDate:[202508061800 TO 202508071759]",
            "(cat:cs.CL OR cat:cs.LG) AND submittedDate:[202508071800 TO 202508081759]",
        ]
    );
    let fetched = t.store.fetched_days("2025-08-01".parse().unwrap(), "2025-08-12".parse().unwrap()).await.unwrap();
    let fetched: Vec<_> = fetched.iter().map(|d| d.to_string()).collect();
    for d in ["2025-08-05", "2025-08-06", "2025-08-07", "2025-08-08", "2025-08-11"] {
        assert!(fetched.contains(&d.to_string()), "{d} in {fetched:?}");
    }
}

#[tokio::test]
async fn an_unreachable_arxiv_ends_the_round_after_one_day() {
    let server = FixtureServer::start(|_, _| (StatusCode::SERVICE_UNAVAILABLE, String::new())).await;
    let t = temp_store().await;
    let http = client(0, 1);
    let follower = Follower {
        store: &t.store,
        http: &http,
        api_base_url: format!("{}/api/query", server.base),
        rss_base_url: format!("{}/rss", server.base),
        categories: vec!["cs.LG".into()],
        lookback_days: 5,
    };
    let t0 = now("2025-08-12T12:00:00Z");
    follower.catch_up(t0).await.unwrap();
    let report = follower.catch_up(t0).await.unwrap();
    assert!(report.interrupted.is_some(), "the round says it did not finish");
    assert_eq!(server.seen().len(), 4, "one day tried per round (with its retry), not five");
    assert_eq!(follower.missing_days(t0).await.unwrap().len(), 5, "nothing recorded as fetched");
}
