//! The store contract: what every backend must do. Each check takes a `Store`, so a future
//! PostgreSQL backend runs the same functions.

use crate::helpers::*;
use paperboy::papers::{AnnounceType, ArxivId, Paper, PaperDraft, Period, Source};
use paperboy::store::{Listing, ResumePoint, Store};

fn paper(id: &str, version: u16, day: &str, cats: &str) -> Paper {
    PaperDraft {
        id: Some(id.into()),
        version: Some(version),
        title: Some(format!("Paper {id} v{version}")),
        abstract_text: Some("Abstract.".into()),
        authors: vec!["A. Author".into(), "B. Author".into()],
        categories: cats.into(),
        announced_on: day.parse().ok(),
        announce_type: Some(AnnounceType::New),
        ..Default::default()
    }
    .validate(Source::Snapshot)
    .unwrap()
}

async fn upsert_is_idempotent_and_version_aware(store: &Store) {
    let c = store
        .upsert_papers(
            vec![paper("2501.00001", 1, "2025-01-06", "cs.LG"), paper("hep-th/9901001", 2, "1999-01-04", "hep-th")],
            None,
        )
        .await
        .unwrap();
    assert_eq!((c.inserted, c.updated, c.unchanged), (2, 0, 0));
    let c = store.upsert_papers(vec![paper("2501.00001", 1, "2025-01-06", "cs.LG")], None).await.unwrap();
    assert_eq!((c.inserted, c.updated, c.unchanged), (0, 0, 1));
    let c = store.upsert_papers(vec![paper("2501.00001", 2, "2025-01-20", "cs.LG cs.AI")], None).await.unwrap();
    assert_eq!(c.updated, 1);
    let p = store.paper(&ArxivId::parse("2501.00001v1").unwrap()).await.unwrap().unwrap();
    assert_eq!(p.version, 2);
    assert_eq!(p.announced_on.unwrap().to_string(), "2025-01-06", "first announcement kept");
    assert_eq!(p.categories.len(), 2);
    let c = store.upsert_papers(vec![paper("2501.00001", 1, "2025-01-06", "cs.CV")], None).await.unwrap();
    assert_eq!(c.unchanged, 1, "an older version never replaces a newer one");
    assert_eq!(store.paper(&p.id).await.unwrap().unwrap(), p);
    // The old-style id round-trips.
    let old = store.paper(&ArxivId::parse("hep-th/9901001").unwrap()).await.unwrap().unwrap();
    assert_eq!(old.version, 2);
}

async fn listings_follow_periods_and_categories(store: &Store) {
    store
        .upsert_papers(
            vec![
                paper("2502.00001", 1, "2025-02-03", "cs.LG"),
                paper("2502.00002", 1, "2025-02-03", "cs.CL cs.LG"),
                paper("2502.00003", 1, "2025-02-04", "cs.CV"),
                paper("2502.00004", 1, "2025-02-10", "cs.CL"),
                paper("2503.00001", 1, "2025-03-03", "cs.CL"),
            ],
            None,
        )
        .await
        .unwrap();
    let ids = |v: Vec<Paper>| v.into_iter().map(|p| p.id.to_string()).collect::<Vec<_>>();
    let list = |p: &str, cats: &[&str]| Listing {
        period: Period::parse(p).unwrap(),
        categories: cats.iter().map(|s| s.to_string()).collect(),
        limit: 100,
        offset: 0,
    };
    assert_eq!(ids(store.list_papers(list("2025-02-03", &[])).await.unwrap()), ["2502.00002", "2502.00001"]);
    assert_eq!(
        ids(store.list_papers(list("2025-W06", &[])).await.unwrap()),
        ["2502.00003", "2502.00002", "2502.00001"]
    );
    assert_eq!(store.list_papers(list("2025-02", &[])).await.unwrap().len(), 4);
    assert_eq!(ids(store.list_papers(list("2025-02", &["cs.CL"])).await.unwrap()), ["2502.00004", "2502.00002"]);
    assert_eq!(store.list_papers(list("2025-02", &["cs.CL", "cs.CV"])).await.unwrap().len(), 3);
    let mut paged = list("2025-02", &[]);
    paged.limit = 2;
    paged.offset = 2;
    assert_eq!(ids(store.list_papers(paged).await.unwrap()), ["2502.00002", "2502.00001"]);
    assert_eq!(store.latest_day(None).await.unwrap().unwrap().to_string(), "2025-03-03");
    assert_eq!(store.latest_day("2025-02-09".parse().ok()).await.unwrap().unwrap().to_string(), "2025-02-04");
    let (prev, next) = store.neighbour_days("2025-02-04".parse().unwrap()).await.unwrap();
    assert_eq!((prev.unwrap().to_string(), next.unwrap().to_string()), ("2025-02-03".into(), "2025-02-10".into()));
}

async fn the_change_cursor_lists_each_change_once_in_order(store: &Store) {
    let start = store.stats().await.unwrap().change_seq;
    store
        .upsert_papers(
            vec![paper("2505.00001", 1, "2025-05-01", "cs.LG"), paper("2505.00002", 1, "2025-05-01", "cs.LG")],
            None,
        )
        .await
        .unwrap();
    let changes = store.changes_since(start, 100).await.unwrap();
    let ids: Vec<_> = changes.iter().map(|(_, p)| p.id.to_string()).collect();
    assert_eq!(ids, ["2505.00001", "2505.00002"]);
    assert!(changes[0].0 < changes[1].0 && changes[0].0 > start);
    let mark = changes[1].0;
    // An unchanged record is not a change; a new version is, and moves to the end.
    store.upsert_papers(vec![paper("2505.00002", 1, "2025-05-01", "cs.LG")], None).await.unwrap();
    assert!(store.changes_since(mark, 100).await.unwrap().is_empty());
    store.upsert_papers(vec![paper("2505.00001", 2, "2025-05-01", "cs.LG")], None).await.unwrap();
    let after = store.changes_since(mark, 100).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!((after[0].1.id.to_string(), after[0].1.version), ("2505.00001".to_string(), 2));
    // Paging by id walks everything once.
    let mut seen = 0;
    let mut last = String::new();
    loop {
        let page = store.papers_after_id(&last, 2).await.unwrap();
        let Some(p) = page.last() else { break };
        last = p.id.as_str().to_string();
        seen += page.len();
    }
    assert_eq!(seen as u64, store.stats().await.unwrap().papers);
}

async fn leases_go_to_one_holder_until_they_expire(store: &Store) {
    use std::time::Duration;
    let long = Duration::from_secs(60);
    assert!(store.try_lease("job", "node-a", long).await.unwrap());
    assert!(!store.try_lease("job", "node-b", long).await.unwrap(), "a live lease is not taken");
    assert!(store.try_lease("job", "node-a", long).await.unwrap(), "the holder renews");
    assert!(store.try_lease("other", "node-b", long).await.unwrap(), "leases are per name");
    store.release_lease("job", "node-a").await.unwrap();
    assert!(store.try_lease("job", "node-b", Duration::from_millis(300)).await.unwrap(), "released: free");
    assert!(!store.try_lease("job", "node-a", long).await.unwrap());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(store.try_lease("job", "node-a", long).await.unwrap(), "expired: taken over");
    assert!(!store.try_lease("job", "node-b", long).await.unwrap());
    // Racing nodes: exactly one wins.
    let (a, b) = tokio::join!(store.try_lease("race", "a", long), store.try_lease("race", "b", long));
    assert!(a.unwrap() ^ b.unwrap());
}

async fn resume_points_commit_with_their_batch(store: &Store) {
    let rp = ResumePoint { key: "k".into(), position: 42, token: Some("t|1".into()) };
    store.upsert_papers(vec![paper("2504.00001", 1, "2025-04-01", "cs.LG")], Some(rp.clone())).await.unwrap();
    assert_eq!(store.resume_point("k").await.unwrap(), Some(rp));
    store.clear_resume_point("k").await.unwrap();
    assert_eq!(store.resume_point("k").await.unwrap(), None);
    store.set_meta("x", "1").await.unwrap();
    assert_eq!(store.meta("x").await.unwrap().as_deref(), Some("1"));
    store.ping().await.unwrap();
}

/// Accounts, votes, comments, submissions, collections, rate limits and ranks: SQL written
/// once (`store::accounts`, `store::votes`, …), run on each backend.
async fn the_community_tables_behave_alike(store: &Store) {
    use paperboy::store::{accounts, activity, collections, comments, limits, moderation, ranks, submissions, votes};
    store
        .upsert_papers(
            vec![paper("2508.00001", 1, "2025-08-07", "cs.LG"), paper("2508.00002", 1, "2025-08-06", "cs.CL")],
            None,
        )
        .await
        .unwrap();
    let fresh0 = store.read(activity::freshness).await.unwrap();
    let ada = store
        .transaction(|db| accounts::create_user(db, "Ada", Some("ada@example.org"), "$argon2id$x", 100))
        .await
        .unwrap();
    let ada = ada.expect("created");
    let dup = store.transaction(|db| accounts::create_user(db, "ada", None, "h", 100)).await.unwrap();
    assert_eq!(dup, None, "names are unique ignoring case");
    let bob = store.transaction(|db| accounts::create_user(db, "bob", None, "h", 100)).await.unwrap().unwrap();
    let user = store.read(|db| accounts::user_by_name(db, "ADA")).await.unwrap().unwrap();
    assert_eq!((user.id, user.username.as_str(), user.email.as_deref()), (ada, "Ada", Some("ada@example.org")));

    // Sessions: live ones find their user; expired ones and suspended users do not.
    store.transaction(move |db| accounts::create_session(db, "t1", ada, 100, 200)).await.unwrap();
    assert_eq!(store.read(|db| accounts::session_user(db, "t1", 150)).await.unwrap().map(|u| u.id), Some(ada));
    assert!(store.read(|db| accounts::session_user(db, "t1", 250)).await.unwrap().is_none());
    store.transaction(move |db| accounts::create_session(db, "t2", bob, 100, 1000)).await.unwrap();
    store.transaction(move |db| accounts::set_suspended(db, bob, true)).await.unwrap();
    assert!(store.read(|db| accounts::session_user(db, "t2", 150)).await.unwrap().is_none());

    // Votes toggle; counters follow; the activity counter moves.
    let v = store.transaction(move |db| votes::toggle_vote(db, ada, "2508.00001", "2025-08-07", 300)).await.unwrap();
    assert_eq!(v, (true, 1));
    let v = store.transaction(move |db| votes::toggle_vote(db, bob, "2508.00001", "2025-08-07", 301)).await.unwrap();
    assert_eq!(v, (true, 2));
    let v = store.transaction(move |db| votes::toggle_vote(db, bob, "2508.00001", "2025-08-07", 302)).await.unwrap();
    assert_eq!(v, (false, 1));
    let ids = vec!["2508.00001".to_string(), "2508.00002".to_string()];
    let i2 = ids.clone();
    let voted = store.read(move |db| votes::voted_by(db, ada, &i2)).await.unwrap();
    assert_eq!(voted.into_iter().collect::<Vec<_>>(), vec!["2508.00001".to_string()]);
    let top = store.read(|db| votes::top_voted(db, "2025-08-01", "2025-08-08", 10)).await.unwrap();
    assert_eq!(top, vec![("2508.00001".to_string(), 1)]);
    let fresh1 = store.read(activity::freshness).await.unwrap();
    assert!(fresh1.1 > fresh0.1, "activity moves the freshness counter");

    // Comments: replies must be on the same paper; hiding one updates the count.
    let first = match store
        .transaction(move |db| comments::add_comment(db, "2508.00001", "2025-08-07", ada, None, "first", 400))
        .await
        .unwrap()
    {
        comments::CommentOutcome::Added(id) => id,
        other => panic!("{other:?}"),
    };
    let wrong = store
        .transaction(move |db| comments::add_comment(db, "2508.00002", "2025-08-06", ada, Some(first), "x", 401))
        .await
        .unwrap();
    assert_eq!(wrong, comments::CommentOutcome::NoSuchParent);
    store
        .transaction(move |db| comments::add_comment(db, "2508.00001", "2025-08-07", ada, Some(first), "reply", 402))
        .await
        .unwrap();
    let comments = store.read(|db| comments::comments_on(db, "2508.00001")).await.unwrap();
    assert_eq!(
        comments.iter().map(|c| (c.body.as_str(), c.parent_id)).collect::<Vec<_>>(),
        vec![("first", None), ("reply", Some(first))]
    );
    store.transaction(move |db| comments::set_comment_hidden(db, first, true)).await.unwrap();
    let i3 = ids.clone();
    let activity = store.read(move |db| votes::activity(db, &i3)).await.unwrap();
    assert_eq!((activity["2508.00001"].upvotes, activity["2508.00001"].comments), (1, 1));

    // Submissions: once per paper, a cap per user.
    let s = store
        .transaction(move |db| submissions::submit(db, "2508.00002", "2025-08-06", ada, "2025-08-07", 500, 0, 1))
        .await
        .unwrap();
    assert_eq!(s, submissions::SubmitOutcome::Accepted);
    let s = store
        .transaction(move |db| submissions::submit(db, "2508.00002", "2025-08-06", bob, "2025-08-07", 501, 0, 1))
        .await
        .unwrap();
    assert_eq!(s, submissions::SubmitOutcome::Duplicate("Ada".into()));
    let s = store
        .transaction(move |db| submissions::submit(db, "2508.00001", "2025-08-07", ada, "2025-08-07", 502, 0, 1))
        .await
        .unwrap();
    assert_eq!(s, submissions::SubmitOutcome::CapReached);
    assert_eq!(
        store.read(|db| submissions::submitted_on(db, "2025-08-07")).await.unwrap(),
        vec!["2508.00002".to_string()]
    );

    // Collections: owners only; private ones listed for their owner only.
    let col =
        store.transaction(move |db| collections::create_collection(db, ada, "Reading", "", false, 600)).await.unwrap();
    assert!(store
        .transaction(move |db| collections::set_in_collection(db, col, ada, "2508.00001", true, 601))
        .await
        .unwrap());
    assert!(!store
        .transaction(move |db| collections::set_in_collection(db, col, bob, "2508.00002", true, 602))
        .await
        .unwrap());
    assert_eq!(
        store.read(move |db| collections::collection_papers(db, col)).await.unwrap(),
        vec!["2508.00001".to_string()]
    );
    assert!(store.read(move |db| collections::collections_of(db, ada, false)).await.unwrap().is_empty());
    let all = store.read(move |db| collections::collections_of(db, ada, true)).await.unwrap();
    assert_eq!((all.len(), all[0].papers, all[0].owner.as_str()), (1, 1, "Ada"));
    assert!(store
        .transaction(move |db| collections::update_collection(db, col, ada, "Renamed", "d", true, 603))
        .await
        .unwrap());
    assert_eq!(store.read(move |db| collections::collection(db, col)).await.unwrap().unwrap().name, "Renamed");
    assert!(store.transaction(move |db| collections::delete_collection(db, col, ada)).await.unwrap());
    assert!(store.read(move |db| collections::collection(db, col)).await.unwrap().is_none());

    // Rate-limit windows count per key and start over in a new window.
    for expected in 1..=3 {
        assert_eq!(store.transaction(|db| limits::hit(db, "login:1.2.3.4", 1000)).await.unwrap(), expected);
    }
    assert_eq!(store.transaction(|db| limits::hit(db, "login:1.2.3.4", 1060)).await.unwrap(), 1);
    assert_eq!(store.transaction(|db| limits::hit(db, "login:5.6.7.8", 1060)).await.unwrap(), 1);

    // A unit of work that fails leaves nothing behind.
    let failed = store
        .transaction(move |db| {
            accounts::create_user(db, "carol", None, "h", 700)?;
            db.execute("INSERT INTO no_such_table VALUES (1)", &[])?;
            Ok(())
        })
        .await;
    assert!(failed.is_err());
    assert!(store.read(|db| accounts::user_by_name(db, "carol")).await.unwrap().is_none());

    // Ranks: recomputed in a batch, read best first.
    let n = paperboy::community::ranking::refresh(store, 7, 1_754_600_000).await.unwrap();
    assert!(n >= 2);
    let ranked = store.read(|db| ranks::top_ranked(db, 10, 0)).await.unwrap();
    // The voted, newest paper first, then the day before's.
    assert_eq!((ranked[0].0.as_str(), ranked[1].0.as_str()), ("2508.00001", "2508.00002"), "{ranked:?}");
    let expected = paperboy::community::ranking::hot_score(1, 1, (1_754_600_000.0 - 1_754_524_800.0) / 3600.0);
    assert!((ranked[0].1 - expected).abs() < 1e-12, "{} vs {expected}", ranked[0].1);
    assert!(ranked.windows(2).all(|w| w[0].1 >= w[1].1));

    // Moderation is logged; papers come back in the order asked.
    store.transaction(move |db| moderation::log_moderation(db, ada, "comments/hide", "1", "spam", 800)).await.unwrap();
    let log = store.read(|db| moderation::moderation_log(db, 10)).await.unwrap();
    assert_eq!((log[0].admin.as_str(), log[0].reason.as_str()), ("Ada", "spam"));
    let got = store.papers_by_ids(vec!["2508.00002".into(), "nope".into(), "2508.00001".into()]).await.unwrap();
    assert_eq!(got.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), vec!["2508.00002", "2508.00001"]);
}

#[tokio::test]
async fn sqlite_store_contract() {
    let t = temp_store().await;
    upsert_is_idempotent_and_version_aware(&t.store).await;
    listings_follow_periods_and_categories(&t.store).await;
    the_change_cursor_lists_each_change_once_in_order(&t.store).await;
    leases_go_to_one_holder_until_they_expire(&t.store).await;
    resume_points_commit_with_their_batch(&t.store).await;
    the_community_tables_behave_alike(&t.store).await;
}

#[tokio::test]
async fn postgres_store_contract() {
    let store = pg_store().await;
    upsert_is_idempotent_and_version_aware(&store).await;
    listings_follow_periods_and_categories(&store).await;
    the_change_cursor_lists_each_change_once_in_order(&store).await;
    leases_go_to_one_holder_until_they_expire(&store).await;
    resume_points_commit_with_their_batch(&store).await;
    the_community_tables_behave_alike(&store).await;
}

/// The same real data imported into both backends reads back the same.
#[tokio::test]
async fn both_backends_agree_on_a_real_import() {
    let sqlite = temp_store().await;
    let pg = pg_store().await;
    let file = crate::import::corpus_head(sqlite.dir.path(), 3_000);
    let mut reports = Vec::new();
    for store in [&sqlite.store, &pg] {
        reports.push(paperboy::ingest::snapshot::import_file(store, &file, Source::Snapshot, false).await.unwrap());
    }
    assert_eq!(reports[0].counts, reports[1].counts);
    let (a, b) = (sqlite.store.stats().await.unwrap(), pg.stats().await.unwrap());
    assert_eq!(
        (a.papers, a.announcement_days, a.first_day, a.last_day),
        (b.papers, b.announcement_days, b.first_day, b.last_day)
    );
    assert_eq!(a.top_categories, b.top_categories);
    for (period, cats) in [
        ("2025-04-04", vec![]),
        ("2025-W15", vec!["cs.SD".to_string()]),
        ("2025-04", vec!["eess.AS".into(), "cs.CL".into()]),
    ] {
        let listing =
            Listing { period: Period::parse(period).unwrap(), categories: cats.clone(), limit: 40, offset: 5 };
        let x = sqlite.store.list_papers(listing.clone()).await.unwrap();
        let y = pg.list_papers(listing).await.unwrap();
        assert!(!x.is_empty(), "{period}");
        assert_eq!(x, y, "{period} {cats:?}");
    }
    // Re-importing into PostgreSQL changes nothing either.
    let again = paperboy::ingest::snapshot::import_file(&pg, &file, Source::Snapshot, false).await.unwrap();
    assert_eq!((again.counts.inserted, again.counts.updated), (0, 0));
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_and_migrations_once() {
    let t = temp_store().await;
    let db = t.dir.path().join("paperboy.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    drop(conn);
    // Re-opening runs no migration twice.
    let _again = Store::open(db.to_str().unwrap()).await.unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap().count();
    assert_eq!(n as usize, files, "every migration file applied, once");
    assert!(Store::open("mysql://localhost/x").await.is_err());
}
