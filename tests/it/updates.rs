//! New versions of kept papers: ingestion stores a newer version of a paper a member upvoted or
//! collected; the header counts it, `/updates` and the API say what changed, and marking seen
//! clears it. A paper no longer kept is not counted.

use crate::api_v1::{make_token, Api};
use crate::helpers::*;

#[tokio::test]
async fn a_new_version_of_a_kept_paper_is_announced_until_seen() {
    let s = spawn_app(|_| {}).await;
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let some = s.store.papers_after_id("", 3).await.unwrap();
    let (kept, collected, dropped) = (&some[0], &some[1], &some[2]);
    ada.upvote_json(kept.id.as_str()).await;
    ada.upvote_json(dropped.id.as_str()).await;
    ada.upvote_json(dropped.id.as_str()).await; // and taken back
    let (token, _) = make_token(&ada, "script").await;
    let api = Api::new(&s.base, Some(&token));
    let (_, c) = api.post("/api/v1/collections", serde_json::json!({"name": "Reading"})).await;
    api.put(&format!("/api/v1/collections/{}/papers/{}", c["id"], collected.id.as_str())).await;
    let home = ada.get("/").await;
    assert!(home.body.contains(r#"<a href="/updates">Updates</a>"#), "no count while nothing changed");
    assert!(ada.get("/updates").await.body.contains("No new versions"));

    // arXiv announces new versions of all three (ingestion stores them).
    let newer = |p: &paperboy::papers::Paper, comments: &str| {
        let mut p = p.clone();
        p.version += 1;
        p.comments = Some(comments.to_string());
        p.updated_on = chrono::NaiveDate::from_ymd_opt(2025, 8, 20);
        p
    };
    let updates =
        vec![newer(kept, "v2: 14 pages, new experiments"), newer(collected, "v2: camera-ready"), newer(dropped, "v2")];
    s.store.upsert_papers(updates, None).await.unwrap();
    let home = ada.get("/").await;
    assert!(home.body.contains(r#"Updates <span class="count">2</span>"#), "the kept two, not the dropped one");
    let page = ada.get("/updates").await;
    let (kid, v) = (kept.id.as_str(), kept.version);
    assert!(page.body.contains(&format!(r#"<a href="/papers/{kid}">{kid}</a>: v{v} → v{}"#, v + 1)), "{}", page.body);
    assert!(page.body.contains("v2: 14 pages, new experiments") && page.body.contains("v2: camera-ready"));
    assert!(page.body.contains("updated 2025-08-20"));
    assert!(!page.body.contains(&format!(r#"<a href="/papers/{0}">{0}</a>"#, dropped.id.as_str())));
    let (_, _, listed) = api.get("/api/v1/me/updates").await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{listed}");
    let one = items.iter().find(|i| i["paper"]["id"] == kid).unwrap();
    assert_eq!((one["seenVersion"].as_u64(), one["version"].as_u64()), (Some(v as u64), Some(v as u64 + 1)));
    // A private feed of them, with a feed token (read only); an API token is refused there.
    let (feed_token, _) = crate::api_v1::make_scoped_token(&ada, "reader", "feed").await;
    let feed = Visitor::new(&s.base).get(&format!("/feeds/updates.atom?token={feed_token}")).await;
    assert_eq!(feed.status, 200);
    assert!(feed.body.contains("New versions of papers ada keeps") && feed.body.contains(kid), "{}", feed.body);
    assert!(!feed.body.contains(&format!("/papers/{}", dropped.id.as_str())));
    assert_eq!(Visitor::new(&s.base).get(&format!("/feeds/updates.atom?token={token}")).await.status, 403);
    // Her digests tell of each new version once, in the period it came out (2025-08-20, week 34).
    use paperboy::digest::compose;
    let links = compose::Links { public_url: s.state.settings.public_url.clone(), secret: s.state.secret.clone() };
    let uid = s.store.read(|db| Ok(paperboy::store::accounts::user_by_name(db, "ada")?.unwrap().id)).await.unwrap();
    let week = |w: &str| paperboy::papers::Period::parse(w).unwrap();
    assert!(compose::updates_in(&s.store, &links, uid, week("2025-W32")).await.unwrap().is_empty());
    let in_week = compose::updates_in(&s.store, &links, uid, week("2025-W34")).await.unwrap();
    assert_eq!(in_week.len(), 2);
    let candidates = compose::candidates(&s.store, week("2025-W32"), 1_754_654_400).await.unwrap();
    let chosen: Vec<&compose::Candidate> = candidates.iter().take(3).collect();
    let subscriber = paperboy::digest::Subscriber {
        id: 1,
        email: "ada@example.org".into(),
        user_id: Some(uid),
        confirmed_at: Some(1),
        unsubscribed_at: None,
        prefs: Default::default(),
        hard_failures: 0,
        paused_at: None,
    };
    let frequency = paperboy::digest::Frequency::Weekly;
    let mail =
        compose::compose_with_updates(&links, &subscriber, frequency, week("2025-W34"), &chosen, &in_week).unwrap();
    assert!(mail.text.contains("New versions of papers you keep:"), "{}", mail.text);
    assert!(
        mail.text.contains(&format!("v{v} → v{} (2025-08-20) — v2: 14 pages, new experiments", v + 1)),
        "{}",
        mail.text
    );
    assert!(mail.html.unwrap().contains("New versions of papers you keep</h2>"));
    // A guest has no updates page; marking seen needs the form's token.
    assert_eq!(Visitor::new(&s.base).get("/updates").await.location(), "/login?next=%2Fupdates");
    assert_eq!(ada.post("/updates", &[]).await.status.as_u16(), 403);

    // Seen: the count and the page are clear until the next version.
    let done = ada.submit("/updates", "/updates", &[]).await;
    assert_eq!((done.status.as_u16(), done.location()), (303, "/updates"));
    assert!(ada.get("/").await.body.contains(r#"<a href="/updates">Updates</a>"#));
    assert!(ada.get("/updates").await.body.contains("No new versions"));
    assert_eq!(api.get("/api/v1/me/updates").await.2["items"], serde_json::json!([]));
}
