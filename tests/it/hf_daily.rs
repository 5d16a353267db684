use crate::helpers::*;
use axum::http::StatusCode;
use paperboy::ingest::hf_daily::HfDaily;
use paperboy::papers::ArxivId;

#[tokio::test]
async fn daily_papers_bring_their_day_and_upvotes() {
    let server = FixtureServer::start(|s, _| {
        if s.path == "/api/daily_papers" && s.query.get("date").map(String::as_str) == Some("2026-03-06") {
            (StatusCode::OK, fixture("hf-daily-papers/daily_papers_item_2602.23229_from_markdown.json"))
        } else {
            (StatusCode::OK, "[]".into())
        }
    })
    .await;
    let t = temp_store().await;
    let http = client(0, 0);
    let hf = HfDaily { http: &http, base_url: server.base.clone() };
    let report = hf.ingest_day(&t.store, "2026-03-06".parse().unwrap()).await.unwrap();
    assert_eq!(report.counts.inserted, 1);
    let id = ArxivId::parse("2602.23229").unwrap();
    let p = t.store.paper(&id).await.unwrap().unwrap();
    assert_eq!(p.title, "Large Multimodal Models as General In-Context Classifiers");
    assert_eq!(p.authors.len(), 5);
    assert_eq!(p.authors[0], "Marco Garosi");
    assert_eq!(p.submitted_on.unwrap().to_string(), "2026-02-26");
    let l = t.store.hf_listing(&id).await.unwrap().unwrap();
    assert_eq!(l.listed_on.to_string(), "2026-03-06");
    assert_eq!((l.upvotes, l.num_comments), (10, 1));
    assert_eq!(l.github_repo.as_deref(), Some("https://github.com/marco-garosi/CIRCLE"));
    assert_eq!(l.submitted_by.as_deref(), Some("marco-garosi"));

    // A malformed item is reported and skipped; the good one still lands.
    let mut items: serde_json::Value =
        serde_json::from_str(&fixture("hf-daily-papers/daily_papers_item_2602.23229_from_markdown.json")).unwrap();
    items.as_array_mut().unwrap().insert(0, serde_json::json!({"paper": {"title": "no id"}}));
    let parsed = paperboy::ingest::hf_daily::parse(&items.to_string()).unwrap();
    let report = paperboy::ingest::hf_daily::store_items(&t.store, parsed).await.unwrap();
    assert_eq!(report.rejected.len(), 1);
    assert!(report.rejected[0].to_string().starts_with("item 1: bad item: missing field `id`"), "{report}");
    assert_eq!(report.counts.unchanged, 1);
}
