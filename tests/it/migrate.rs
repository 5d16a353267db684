use crate::helpers::*;
use indicatif::ProgressBar;
use paperboy::migrate::{checksum, migrate};
use paperboy::papers::Source;
use paperboy::store::copy::{self, CARRIED_WITH_PAPERS, COPIED, NOT_COPIED};
use paperboy::store::Store;

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
    let some = sqlite.store.papers_after_id("", 2).await.unwrap();
    let p1 = some[0].id.as_str().to_string();
    fill_every_table(&sqlite.store).await;
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
    // Every table came along, row for row, and new rows get fresh ids on PostgreSQL.
    assert!(r.tables.iter().all(|t| t.matches()), "{:?}", r.tables);
    assert_same_rows(&sqlite.store, &pg).await;
    use paperboy::store::{accounts, comments, ranks};
    let comments = pg.read(move |db| comments::comments_on(db, &p1)).await.unwrap();
    assert_eq!(comments.iter().map(|c| c.body.as_str()).collect::<Vec<_>>(), vec!["first, edited", "reply"]);
    assert!(comments[0].edited_at.is_some() && comments[1].edited_at.is_none());
    assert_eq!(comments[1].parent_id, Some(comments[0].id));
    let cy = pg.transaction(|db| accounts::create_user(db, "cy", None, "h", 20)).await.unwrap().unwrap();
    let ada = pg.read(|db| accounts::user_by_name(db, "ada")).await.unwrap().unwrap();
    assert!(cy > ada.id, "identity sequences moved past the copied ids");
    assert_eq!(
        pg.read(|db| ranks::top_ranked(db, 5, 0)).await.unwrap(),
        sqlite.store.read(|db| ranks::top_ranked(db, 5, 0)).await.unwrap()
    );

    // A changed target no longer verifies.
    let mut p = pg.papers_after_id("", 1).await.unwrap().remove(0);
    p.version += 1;
    p.title.push_str(" (revised)");
    pg.upsert_papers(vec![p], None).await.unwrap();
    assert_ne!(checksum(&pg).await.unwrap(), checksum(&sqlite.store).await.unwrap());
}

fn migrate_command(data: &std::path::Path, url: &str) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_paperboy"));
    c.arg("--data-dir").arg(data).args(["migrate", "--to", url, "--batch", "250"]).env("RUST_LOG", "warn");
    c
}

/// A data dir with `papers` corpus papers and a row in every copied table; its store.
async fn instance_with_everything(dir: &std::path::Path, papers: usize) -> (std::path::PathBuf, Store) {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let store = Store::open(data.join("paperboy.db").to_str().unwrap()).await.unwrap();
    let file = crate::import::corpus_head(dir, papers);
    paperboy::ingest::snapshot::import_file(&store, &file, Source::Snapshot, false).await.unwrap();
    fill_every_table(&store).await;
    (data, store)
}

#[tokio::test]
async fn the_migrate_command_carries_subscribers_and_reports_a_verified_copy() {
    let dir = tempfile::tempdir().unwrap();
    let (data, source) = instance_with_everything(dir.path(), 200).await;
    let url = pg_database().await;
    let out = migrate_command(&data, &url).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("papers: inserted 200, updated 0, unchanged 0"), "{stdout}");
    assert!(stdout.contains("subscribers 1→1, outbox 3→3, embeddings 1→1"), "{stdout}");
    assert!(stdout.contains("not copied: rate_limits (rate-limit counters expire within the hour)"), "{stdout}");
    assert!(
        stdout.contains("verified: the target holds exactly the source's papers and the rows of every copied table"),
        "{stdout}"
    );
    // The confirmed subscriber is there, still confirmed, and the digest sent is not due again.
    let target = Store::open(&url).await.unwrap();
    let reader =
        target.read(|db| paperboy::store::digests::subscriber_by_email(db, "reader@example.org")).await.unwrap();
    assert!(reader.expect("the subscriber was copied").confirmed_at.is_some());
    let due = target.read(|db| paperboy::store::digests::due_count(db, 30)).await.unwrap();
    let due_in_source = source.read(|db| paperboy::store::digests::due_count(db, 30)).await.unwrap();
    assert_eq!((due, due_in_source), (2, 2), "a digest and an account's mail pending, the sent one not");
    assert_same_rows(&source, &target).await;
    // Again: nothing to copy, still verified.
    let out = migrate_command(&data, &url).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("verified"), "{stdout}");
    // A row changed in the target no longer verifies: the checksum covers every copied row.
    target.transaction(|db| paperboy::store::digests::unsubscribe(db, 1, 40).map(|_| ())).await.unwrap();
    let subscribers = COPIED.iter().find(|t| t.name == "subscribers").unwrap();
    let (a, b) = (
        paperboy::migrate::table_sum(&source, subscribers).await.unwrap(),
        paperboy::migrate::table_sum(&target, subscribers).await.unwrap(),
    );
    assert_eq!(a.rows, b.rows);
    assert_ne!(a.digest, b.digest);
}

#[tokio::test]
async fn a_migration_killed_at_a_random_point_and_run_again_ends_as_an_uninterrupted_one() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let (data, source) = instance_with_everything(dir.path(), 3_000).await;

    // Uninterrupted, to learn how long a whole run takes.
    let clean = pg_database().await;
    let start = Instant::now();
    let out = migrate_command(&data, &clean).output().unwrap();
    let whole = start.elapsed();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Killed (SIGKILL) at a random moment of a run, then run again.
    let killed = pg_database().await;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as u128;
    let at = Duration::from_millis((nanos % whole.as_millis().max(1)) as u64);
    let mut child = migrate_command(&data, &killed)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(at);
    child.kill().unwrap();
    child.wait().unwrap();
    eprintln!("killed after {at:?} of a {whole:?} run");
    let out = migrate_command(&data, &killed).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("verified"), "{stdout}");

    let (clean, killed) = (Store::open(&clean).await.unwrap(), Store::open(&killed).await.unwrap());
    assert_eq!(checksum(&killed).await.unwrap(), checksum(&source).await.unwrap());
    assert_same_rows(&source, &killed).await;
    assert_same_rows(&clean, &killed).await;
}

/// One row or more in every table that `migrate` copies, written as the site writes them.
pub async fn fill_every_table(store: &Store) {
    use paperboy::store::{
        accounts, collections, comments, digests, dismissals, embeddings, follows, moderation, submissions, votes,
    };
    let some = store.papers_after_id("", 3).await.unwrap();
    let ids: Vec<String> = some.iter().map(|p| p.id.as_str().to_string()).collect();
    store
        .transaction(move |db| {
            let (q1, q2, q3) = (&ids[0], &ids[1], &ids[2]);
            let ada = accounts::create_user(db, "ada", Some("ada@example.org"), "$argon2id$h", 10)?.unwrap();
            let bob = accounts::create_user(db, "Bob", None, "$argon2id$b", 11)?.unwrap();
            accounts::set_suspended(db, bob, true)?;
            accounts::create_session(db, "session-hash", ada, 12, 99_999)?;
            votes::toggle_vote(db, ada, q1, "2025-04-04", 11)?;
            dismissals::set_dismissed(db, ada, q3, true, 11)?;
            follows::set_following(db, ada, "jose garcia", "José García", true, 11)?;
            let comments::CommentOutcome::Added(first) =
                comments::add_comment(db, q1, "2025-04-04", ada, None, "first", 12)?
            else {
                unreachable!()
            };
            comments::add_comment(db, q1, "2025-04-04", ada, Some(first), "reply", 13)?;
            comments::edit_comment(db, first, ada, "first, edited", 14)?;
            let col = collections::create_collection(db, ada, "Reading", "", true, 14)?;
            collections::set_in_collection(db, col, ada, q2, true, 15)?;
            submissions::submit(db, q3, "2025-04-04", ada, "2025-04-07", 16, 0, 5)?;
            submissions::add_pending(db, "2508.99999", ada, 16)?;
            moderation::log_moderation(db, ada, "suspend", "Bob", "spam", 17)?;
            let token =
                accounts::create_api_token(db, ada, "laptop", "token-hash", paperboy::accounts::TokenScope::Feed, 18)?;
            accounts::touch_api_token(db, token, 19)?;
            let prefs = paperboy::digest::Preferences::default();
            let digests::SubscribeOutcome::ConfirmationDue { subscriber_id } =
                digests::request_subscription(db, "reader@example.org", Some(ada), &prefs, "confirm-hash", 20, 9_999)?
            else {
                unreachable!()
            };
            assert_eq!(digests::confirm(db, "confirm-hash", 21)?, digests::Confirmation::Confirmed(subscriber_id));
            let message = |key: &str| digests::NewMessage {
                key: key.into(),
                subscriber_id: Some(subscriber_id),
                to: "reader@example.org".into(),
                subject: "Today".into(),
                text: "papers".into(),
                html: Some("<p>papers</p>".into()),
                unsubscribe_url: Some("https://paperboy.example/u".into()),
            };
            // Mail about an account has no subscriber.
            let reset = digests::NewMessage { key: "reset:1:0".into(), subscriber_id: None, ..message("reset") };
            digests::enqueue(db, &[message("daily 1"), message("daily 2"), reset], 22)?;
            paperboy::store::account_tokens::set_verified(db, ada, "ada@example.org", 22)?;
            let claimed = digests::claim(db, "node-a", 23, 83, 1)?;
            digests::mark_sent(db, claimed[0].id, "node-a", 24)?;
            embeddings::put(db, "minilm", &[(q1.clone(), "h1".into(), 2, "AACAPwAAAEA=".into())], 25)?;
            Ok(())
        })
        .await
        .unwrap();
    paperboy::community::ranking::refresh(store, 7, 1_750_000_000).await.unwrap();
}

/// Every copied table holds the same rows on both sides, and none is empty (so that the test
/// that filled them covers every table).
pub async fn assert_same_rows(source: &Store, target: &Store) {
    for table in COPIED {
        let all = |store: &Store| {
            let store = store.clone();
            async move {
                let mut rows: Vec<Vec<paperboy::store::db::Val>> = store
                    .read(move |db| copy::page(db, table, None, 1_000_000))
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| copy::canonical(table, r))
                    .collect();
                rows.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
                rows
            }
        };
        let (from, to) = (all(source).await, all(target).await);
        assert!(!from.is_empty(), "the test fills every copied table, but {} is empty", table.name);
        assert_eq!(from, to, "{} differs", table.name);
    }
}

/// The tables the migrations create on both backends are each copied, carried with the papers
/// or named as left behind, exactly once; a copied table's columns are all copied.
#[tokio::test]
async fn every_table_of_the_schema_is_copied_or_named_as_left_behind() {
    let sqlite = temp_store().await;
    let pg = pg_store().await;
    for (store, postgres) in [(&sqlite.store, false), (&pg, true)] {
        let schema = store.read(move |db| copy::schema(db, postgres)).await.unwrap();
        assert!(schema.len() > 10, "{schema:?}");
        for (table, columns) in &schema {
            let copied = COPIED.iter().filter(|t| t.name == table).collect::<Vec<_>>();
            let named = CARRIED_WITH_PAPERS.iter().chain(NOT_COPIED).filter(|(t, _)| t == table).count();
            assert_eq!(
                copied.len() + named,
                1,
                "table {table} (postgres: {postgres}) must be in exactly one of copy::COPIED, CARRIED_WITH_PAPERS, NOT_COPIED"
            );
            if let [t] = copied[..] {
                let mut listed: Vec<&str> = t.columns.iter().map(|(c, _)| *c).collect();
                let mut present: Vec<&str> = columns.iter().map(String::as_str).collect();
                listed.sort_unstable();
                present.sort_unstable();
                assert_eq!(listed, present, "copy::COPIED's columns of {table} (postgres: {postgres})");
                let key: Vec<&str> = t.columns[..t.key.len()].iter().map(|(c, _)| *c).collect();
                assert_eq!(key, t.key, "{table}: the key columns come first");
            }
        }
        for name in COPIED.iter().map(|t| t.name).chain(CARRIED_WITH_PAPERS.iter().chain(NOT_COPIED).map(|(t, _)| *t)) {
            assert!(
                schema.iter().any(|(t, _)| t == name),
                "{name} is listed but not in the schema (postgres: {postgres})"
            );
        }
    }
}
