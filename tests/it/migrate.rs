use crate::helpers::*;
use indicatif::ProgressBar;
use paperboy::migrate::{checksum, migrate};
use paperboy::papers::Source;

#[tokio::test]
async fn sqlite_to_postgres_is_resumable_and_verified() {
    let sqlite = temp_store().await;
    let file = crate::import::corpus_head(sqlite.dir.path(), 3_000);
    paperboy::ingest::snapshot::import_file(&sqlite.store, &file, Source::Snapshot, false).await.unwrap();
    let hf =
        paperboy::ingest::hf_daily::parse(&fixture("hf-daily-papers/daily_papers_item_2602.23229_from_markdown.json"))
            .unwrap();
    paperboy::ingest::hf_daily::store_items(&sqlite.store, hf).await.unwrap();
    sqlite.store.set_meta("sample_loaded", "0").await.unwrap();
    sqlite.store.record_fetched_day("2025-04-04".parse().unwrap(), 420, "rss").await.unwrap();
    sqlite.store.record_fetched_day("2025-04-07".parse().unwrap(), 380, "arxiv-api").await.unwrap();
    // A community: a member, a vote, a comment and its reply, a collection, ranks.
    use paperboy::store::{accounts, collections, comments, ranks, votes};
    let some = sqlite.store.papers_after_id("", 2).await.unwrap();
    let (p1, p2) = (some[0].id.as_str().to_string(), some[1].id.as_str().to_string());
    let (q1, q2) = (p1.clone(), p2.clone());
    sqlite
        .store
        .transaction(move |db| {
            let ada = accounts::create_user(db, "ada", Some("ada@example.org"), "$argon2id$h", 10)?.unwrap();
            votes::toggle_vote(db, ada, &q1, "2025-04-04", 11)?;
            let comments::CommentOutcome::Added(first) =
                comments::add_comment(db, &q1, "2025-04-04", ada, None, "first", 12)?
            else {
                unreachable!()
            };
            comments::add_comment(db, &q1, "2025-04-04", ada, Some(first), "reply", 13)?;
            let col = collections::create_collection(db, ada, "Reading", "", true, 14)?;
            collections::set_in_collection(db, col, ada, &q2, true, 15)?;
            Ok(())
        })
        .await
        .unwrap();
    paperboy::community::ranking::refresh(&sqlite.store, 7, 1_750_000_000).await.unwrap();
    let pg = pg_store().await;

    // Stopped early: a third of the way.
    let r = migrate(&sqlite.store, &pg, "migrate test", 400, Some(1_000), &ProgressBar::hidden()).await.unwrap();
    assert!(!r.complete);
    assert_eq!(r.papers.inserted, 1_000);
    assert_eq!(pg.stats().await.unwrap().papers, 1_000);

    // Run again: it resumes where it stopped and finishes.
    let r = migrate(&sqlite.store, &pg, "migrate test", 400, None, &ProgressBar::hidden()).await.unwrap();
    assert!(r.resumed_from.is_some());
    assert_eq!(r.papers.inserted, 3_001 - 1_000, "3,000 corpus papers and one from Hugging Face, less those copied");
    assert!(r.verified(), "{r:?}");
    assert_eq!(r.source.unwrap().papers, 3_001);
    assert_eq!((r.hf_listings, r.meta), (1, 1));
    let id = paperboy::papers::ArxivId::parse("2602.23229").unwrap();
    assert_eq!(pg.hf_listing(&id).await.unwrap(), sqlite.store.hf_listing(&id).await.unwrap());
    assert_eq!(pg.meta("sample_loaded").await.unwrap().as_deref(), Some("0"));
    assert_eq!(r.fetched_days, 2);
    assert_eq!(pg.all_fetched_days().await.unwrap(), sqlite.store.all_fetched_days().await.unwrap());
    assert_eq!(pg.stats().await.unwrap().top_categories, sqlite.store.stats().await.unwrap().top_categories);
    // The community came along, and new rows get fresh ids on PostgreSQL.
    assert!(r.community.iter().all(|(_, from, to)| from == to), "{:?}", r.community);
    assert!(r.community.iter().any(|(t, n, _)| *t == "comments" && *n == 2));
    let comments = pg.read(move |db| comments::comments_on(db, &p1)).await.unwrap();
    assert_eq!(comments.iter().map(|c| c.body.as_str()).collect::<Vec<_>>(), vec!["first", "reply"]);
    assert_eq!(comments[1].parent_id, Some(comments[0].id));
    let bob = pg.transaction(|db| accounts::create_user(db, "bob", None, "h", 20)).await.unwrap().unwrap();
    let ada = pg.read(|db| accounts::user_by_name(db, "ada")).await.unwrap().unwrap();
    assert!(bob > ada.id, "identity sequences moved past the copied ids");
    assert_eq!(
        pg.read(|db| ranks::top_ranked(db, 5, 0)).await.unwrap(),
        sqlite.store.read(|db| ranks::top_ranked(db, 5, 0)).await.unwrap()
    );
    let _ = p2;

    // A changed target no longer verifies.
    let mut p = pg.papers_after_id("", 1).await.unwrap().remove(0);
    p.version += 1;
    p.title.push_str(" (revised)");
    pg.upsert_papers(vec![p], None).await.unwrap();
    assert_ne!(checksum(&pg).await.unwrap(), checksum(&sqlite.store).await.unwrap());
}

#[tokio::test]
async fn the_migrate_command_reports_a_verified_copy() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bin = env!("CARGO_BIN_EXE_paperboy");
    let file = shared().join("fixtures/kaggle-snapshot/wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl");
    let out = std::process::Command::new(bin).arg("--data-dir").arg(&data).arg("import").arg(&file).output().unwrap();
    assert!(out.status.success());
    let url = pg_database().await;
    let out =
        std::process::Command::new(bin).arg("--data-dir").arg(&data).args(["migrate", "--to", &url]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("papers: inserted 200, updated 0, unchanged 0"), "{stdout}");
    assert!(stdout.contains("verified: the target holds exactly the source's papers and community rows"), "{stdout}");
    // Again: nothing to copy, still verified.
    let out =
        std::process::Command::new(bin).arg("--data-dir").arg(&data).args(["migrate", "--to", &url]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("verified"), "{stdout}");
}
