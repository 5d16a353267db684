//! RSS 2.0, Atom 1.0 and JSON Feed 1.1, read back by a real parser: feedparser (Debian's
//! python3-feedparser; scripts/test.sh installs it), through `tests/support/parse_feed.py`.

use crate::helpers::*;
use paperboy::papers::{PaperDraft, Source};
use serde_json::Value;

/// What feedparser makes of a feed.
pub fn feedparser(body: &[u8]) -> Value {
    use std::io::Write;
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/parse_feed.py");
    let mut child = std::process::Command::new("/usr/bin/python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 with feedparser (python3-feedparser; scripts/test.sh installs it)");
    child.stdin.take().unwrap().write_all(body).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

pub async fn fetch(url: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let r = reqwest::get(url).await.unwrap();
    (r.status().as_u16(), r.headers().clone(), r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn every_feed_parses_with_the_expected_items() {
    let s = spawn_app(|_| {}).await;
    // A title and an abstract that must survive escaping.
    let tricky = PaperDraft {
        id: Some("2508.09999".into()),
        title: Some(r#"<b>Bold</b> & "quoted" $\alpha<\beta$"#.into()),
        abstract_text: Some("An abstract with <tags> & ampersands.".into()),
        authors: vec!["Ada Lovelace".into(), "Alan Turing".into()],
        categories: "cs.LG stat.ML".into(),
        announced_on: "2025-08-07".parse().ok(),
        ..Default::default()
    }
    .validate(Source::Snapshot)
    .unwrap();
    s.store.upsert_papers(vec![tricky], None).await.unwrap();
    paperboy::community::ranking::refresh(&s.store, 7, chrono::Utc::now().timestamp()).await.unwrap();

    for (path, version, items) in [
        ("latest.rss", "rss20", 101),
        ("latest.atom", "atom10", 101),
        ("latest.json", "json1", 101),
        ("date/2025-08-06.rss", "rss20", 100),
        ("week/2025-W32.atom", "atom10", 401),
        ("trending.rss", "rss20", 50),
        ("latest.atom?cat=cs.SD", "atom10", 0),
    ] {
        let (status, headers, body) = fetch(&format!("{}/feeds/{path}", s.base)).await;
        assert_eq!(status, 200, "{path}");
        if version == "json1" {
            // feedparser does not read JSON Feed: check the document against the 1.1 spec's fields.
            let doc: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(doc["version"], "https://jsonfeed.org/version/1.1");
            assert_eq!(doc["items"].as_array().unwrap().len(), items);
            let it = doc["items"].as_array().unwrap().iter().find(|i| i["id"] == "arXiv:2508.09999").unwrap();
            assert_eq!(it["title"], r#"<b>Bold</b> & "quoted" $\alpha<\beta$"#);
            assert_eq!(it["authors"][1]["name"], "Alan Turing");
            assert_eq!(it["tags"], serde_json::json!(["cs.LG", "stat.ML"]));
            assert!(headers["content-type"].to_str().unwrap().starts_with("application/feed+json"));
            continue;
        }
        let parsed = feedparser(&body);
        assert_eq!(parsed["bozo"], false, "{path}: {}", parsed["error"]);
        assert_eq!(parsed["version"], version, "{path}");
        let entries = parsed["entries"].as_array().unwrap();
        if path.contains("cs.SD") {
            // The sample's cs.SD papers were announced on other days than the latest.
            assert!(entries.iter().all(|e| e["tags"].as_array().unwrap().iter().any(|t| t == "cs.SD")));
            continue;
        }
        assert_eq!(entries.len(), items, "{path}");
        let ids: std::collections::HashSet<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), entries.len(), "{path}: stable, distinct guids");
        if let Some(e) = entries.iter().find(|e| e["id"].as_str().unwrap().ends_with("2508.09999")) {
            assert_eq!(e["title"], r#"<b>Bold</b> & "quoted" $\alpha<\beta$"#, "{path}: text survives escaping");
            assert_eq!(e["link"], format!("{}/papers/2508.09999", s.base));
            assert_eq!(e["tags"], serde_json::json!(["cs.LG", "stat.ML"]));
            let authors = e["authors"].as_array().unwrap();
            assert!(authors.iter().any(|a| a == "Alan Turing"), "{path}: {authors:?}");
            assert!(e["summary"].as_str().unwrap().contains("ampersands"));
        } else {
            assert!(path.starts_with("date/") || path.starts_with("trending"), "{path}: the new paper is listed");
        }
    }
}

#[tokio::test]
async fn feeds_answer_304_to_clients_that_have_them_and_pages_announce_them() {
    let s = spawn_app(|_| {}).await;
    let url = format!("{}/feeds/latest.rss", s.base);
    let (_, headers, _) = fetch(&url).await;
    let etag = headers["etag"].to_str().unwrap().to_string();
    let last_modified = headers["last-modified"].to_str().unwrap().to_string();
    assert_eq!(last_modified, "Thu, 07 Aug 2025 00:00:00 GMT");
    let client = reqwest::Client::new();
    let r = client.get(&url).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 304);
    let r = client.get(&url).header("if-modified-since", &last_modified).send().await.unwrap();
    assert_eq!(r.status(), 304);
    // A new paper changes the feed: the old tag no longer matches.
    s.store.upsert_papers(vec![listed_paper("2508.09998", "New", "2025-08-07", "cs.LG")], None).await.unwrap();
    let r = client.get(&url).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // Autodiscovery on listing pages, trending and public collections.
    let home = Visitor::new(&s.base).get("/papers/week/2025-W32?cat=cs.SD").await.body;
    assert!(home.contains(r#"<link rel="alternate" type="application/rss+xml" title="Papers of 2025-W32 (RSS)" href="/feeds/week/2025-W32.rss?cat=cs.SD">"#), "{}", &home[..1500]);
    assert!(
        home.contains(r#"href="/feeds/week/2025-W32.atom?cat=cs.SD""#)
            && home.contains(r#"href="/feeds/week/2025-W32.json?cat=cs.SD""#)
    );
    assert!(Visitor::new(&s.base).get("/papers/trending").await.body.contains(r#"href="/feeds/trending.atom""#));
    // A collection's feed exists while it is public.
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let path =
        ada.submit("/collections", "/collections", &[("name", "Picks"), ("public", "1")]).await.location().to_string();
    ada.submit(&path, &format!("{path}/papers"), &[("paper_id", "2508.04010"), ("action", "add")]).await;
    let id = path.rsplit('/').next().unwrap();
    let (status, _, body) = fetch(&format!("{}/feeds/collections/{id}.atom", s.base)).await;
    assert_eq!(status, 200);
    let parsed = feedparser(&body);
    assert_eq!(parsed["entries"].as_array().unwrap().len(), 1);
    assert!(parsed["title"].as_str().unwrap().starts_with("Picks — a collection by ada"));
    ada.submit(&path, &path, &[("name", "Picks")]).await; // private again
    assert_eq!(fetch(&format!("{}/feeds/collections/{id}.atom", s.base)).await.0, 404);
    assert_eq!(fetch(&format!("{}/feeds/nonsense.rss", s.base)).await.0, 404);
}
