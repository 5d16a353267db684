use crate::helpers::*;
use paperboy::ingest::snapshot::import_file;
use paperboy::papers::{AnnounceType, ArxivId, Period, Source};
use paperboy::store::Listing;
use std::io::{BufRead, Write};

/// The first `n` lines of the real 2025 corpus, gzipped, in `dir`.
pub fn corpus_head(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let src = std::fs::File::open(shared().join("corpus/arxiv-2025-snapshot.jsonl.gz")).unwrap();
    let lines = std::io::BufReader::new(flate2::read::GzDecoder::new(src)).lines().take(n);
    let path = dir.join(format!("head-{n}.jsonl.gz"));
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&path).unwrap(), flate2::Compression::fast());
    for l in lines {
        writeln!(gz, "{}", l.unwrap()).unwrap();
    }
    gz.finish().unwrap();
    path
}

#[tokio::test]
async fn the_kaggle_snapshot_imports_and_reimporting_changes_nothing() {
    let t = temp_store().await;
    let file = shared().join("fixtures/kaggle-snapshot/wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl");
    let report = import_file(&t.store, &file, Source::Snapshot, false).await.unwrap();
    assert_eq!(report.processed(), 200);
    assert!(report.rejected.is_empty(), "{report}");
    assert_eq!(report.counts.inserted, 200);

    let p = t.store.paper(&ArxivId::parse("0704.0001").unwrap()).await.unwrap().unwrap();
    assert_eq!(p.title, "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies");
    assert_eq!(p.authors, ["C. Bal\\'azs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]);
    assert_eq!(p.journal_ref.as_deref(), Some("Phys.Rev.D76:013009,2007"));
    assert_eq!(p.version, 2);

    let again = import_file(&t.store, &file, Source::Snapshot, false).await.unwrap();
    assert_eq!((again.counts.inserted, again.counts.updated, again.counts.unchanged), (0, 0, 200));
    assert!(again.to_string().contains("nothing changed: the store already held all 200 papers"), "{again}");
}

#[tokio::test]
async fn malformed_lines_are_reported_with_their_line_and_skipped() {
    let t = temp_store().await;
    let good = |id: &str| {
        format!(
            r#"{{"id":"{id}","authors":"A. Author","title":"A title","abstract":"An abstract.","categories":"cs.LG","versions":[{{"version":"v1","created":"Mon, 4 Aug 2025 00:00:00 GMT"}}]}}"#
        )
    };
    let lines = [
        good("2508.00001"),
        "{broken json".to_string(),
        good("not-an-id"),
        r#"{"id":"2508.00003","abstract":"no title"}"#.to_string(),
        String::new(),
        good("2508.00005"),
    ];
    let file = t.dir.path().join("bad.jsonl");
    let mut bytes = lines.join("\n").into_bytes();
    bytes.extend_from_slice(b"\n{\"id\": \"2508.00007\", \"title\": \"\xff\xfe\"}\n");
    bytes.extend_from_slice(good("2508.00008").as_bytes());
    std::fs::write(&file, bytes).unwrap();
    let report = import_file(&t.store, &file, Source::Snapshot, false).await.unwrap();
    assert_eq!(report.counts.inserted, 3);
    assert!(report.interrupted.is_none());
    let rejected: Vec<String> = report.rejected.iter().map(|r| r.to_string()).collect();
    assert_eq!(rejected.len(), 4, "{rejected:?}");
    assert!(rejected[3].starts_with("line 7: not UTF-8"), "{rejected:?}");
    assert!(rejected[0].starts_with("line 2: bad JSON"), "{rejected:?}");
    assert!(rejected[1].starts_with("line 3: invalid arXiv id \"not-an-id\""), "{rejected:?}");
    assert_eq!(rejected[2], "line 4: paper 2508.00003: missing title");
    // Midnight-GMT stamps are announcement days.
    let p = t.store.paper(&ArxivId::parse("2508.00005").unwrap()).await.unwrap().unwrap();
    assert_eq!(p.announced_on.unwrap().to_string(), "2025-08-04");
    assert_eq!(p.announce_type, Some(AnnounceType::New));
}

#[tokio::test]
async fn newer_versions_replace_older_ones_never_the_reverse() {
    let t = temp_store().await;
    let line = |v: u32, title: &str| {
        let versions: Vec<String> = (1..=v)
            .map(|i| format!(r#"{{"version":"v{i}","created":"Mon, {} Aug 2025 00:00:00 GMT"}}"#, i + 3))
            .collect();
        format!(
            r#"{{"id":"2508.01234","authors":"A. B","title":"{title}","abstract":"Abs.","categories":"cs.CL","versions":[{}]}}"#,
            versions.join(",")
        )
    };
    let write = |name: &str, body: String| {
        let f = t.dir.path().join(name);
        std::fs::write(&f, body).unwrap();
        f
    };
    let r = import_file(&t.store, &write("v2.jsonl", line(2, "Second")), Source::Snapshot, false).await.unwrap();
    assert_eq!(r.counts.inserted, 1);
    let r = import_file(&t.store, &write("v1.jsonl", line(1, "First")), Source::Snapshot, false).await.unwrap();
    assert_eq!((r.counts.updated, r.counts.unchanged), (0, 1), "an older version changes nothing");
    let id = ArxivId::parse("2508.01234").unwrap();
    assert_eq!(t.store.paper(&id).await.unwrap().unwrap().title, "Second");
    let r = import_file(&t.store, &write("v3.jsonl", line(3, "Third")), Source::Snapshot, false).await.unwrap();
    assert_eq!(r.counts.updated, 1);
    let p = t.store.paper(&id).await.unwrap().unwrap();
    assert_eq!((p.title.as_str(), p.version), ("Third", 3));
    // The first announcement stays the first.
    assert_eq!(p.announced_on.unwrap().to_string(), "2025-08-04");
}

#[tokio::test]
async fn a_truncated_gzip_is_reported_and_rerunning_with_the_whole_file_finishes() {
    let t = temp_store().await;
    let whole = corpus_head(t.dir.path(), 6_000);
    let bytes = std::fs::read(&whole).unwrap();
    let cut = t.dir.path().join("cut.jsonl.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();

    let report = import_file(&t.store, &cut, Source::Snapshot, false).await.unwrap();
    let why = report.interrupted.clone().expect("a truncated file is reported");
    assert!(why.contains("cut.jsonl.gz"), "{why}");
    let stored = t.store.stats().await.unwrap().papers;
    assert!(stored > 0 && stored < 6_000, "{stored}");
    assert!(report.to_string().contains("run the same command again to finish"));
    // No half-written paper: every stored paper has its categories.
    let db = rusqlite::Connection::open(t.dir.path().join("paperboy.db")).unwrap();
    let orphans: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM papers p WHERE NOT EXISTS (SELECT 1 FROM paper_categories c WHERE c.paper_id = p.id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);

    // The whole file (downloaded again) completes the job.
    std::fs::copy(&whole, &cut).unwrap();
    let report = import_file(&t.store, &cut, Source::Snapshot, false).await.unwrap();
    assert!(report.interrupted.is_none());
    assert_eq!(report.counts.inserted + stored, 6_000);
    assert_eq!(report.counts.unchanged, stored);
}

#[tokio::test]
async fn listings_by_day_week_month_and_category() {
    let t = temp_store().await;
    let file = corpus_head(t.dir.path(), 4_000);
    import_file(&t.store, &file, Source::Snapshot, false).await.unwrap();
    let count = |p: &str, cats: &[&str]| {
        let store = t.store.clone();
        let period = Period::parse(p).unwrap();
        let cats: Vec<String> = cats.iter().map(|c| c.to_string()).collect();
        async move { store.count_papers(period, cats).await.unwrap() }
    };
    // Compare with a direct count over the database.
    let db = rusqlite::Connection::open(t.dir.path().join("paperboy.db")).unwrap();
    let direct = |sql: &str| -> u64 { db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64 };
    let day = direct("SELECT COUNT(*) FROM papers WHERE announced_on = '2025-04-04'");
    assert!(day > 0);
    assert_eq!(count("2025-04-04", &[]).await, day);
    let week = direct("SELECT COUNT(*) FROM papers WHERE announced_on BETWEEN '2025-03-31' AND '2025-04-06'");
    assert_eq!(count("2025-W14", &[]).await, week);
    let month = direct("SELECT COUNT(*) FROM papers WHERE announced_on LIKE '2025-04-%'");
    assert_eq!(count("2025-04", &[]).await, month);
    let sd = direct("SELECT COUNT(*) FROM papers WHERE announced_on LIKE '2025-04-%' AND (' ' || categories || ' ') LIKE '% cs.SD %'");
    assert!(sd > 0 && sd < month);
    assert_eq!(count("2025-04", &["cs.SD"]).await, sd);
    // Listing pages are ordered and limited.
    let page = t
        .store
        .list_papers(Listing {
            period: Period::parse("2025-04").unwrap(),
            categories: vec!["cs.SD".into()],
            limit: 7,
            offset: 0,
        })
        .await
        .unwrap();
    assert_eq!(page.len(), 7);
    assert!(page.iter().all(|p| p.categories.iter().any(|c| c.code() == "cs.SD")));
    // The listing queries use the indexes.
    let plan: String = db
        .query_row(
            "EXPLAIN QUERY PLAN SELECT * FROM paper_categories c WHERE c.category IN ('cs.SD') AND c.announced_on >= '2025-04-01' AND c.announced_on < '2025-05-01'",
            [],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("USING PRIMARY KEY (category=? AND announced_on>? AND announced_on<?)"), "{plan}");
}

#[tokio::test]
async fn an_over_long_line_is_rejected_without_holding_it_in_memory() {
    let t = temp_store().await;
    let good = |id: &str| {
        format!(
            r#"{{"id":"{id}","authors":"A","title":"T","abstract":"A.","categories":"cs.LG","versions":[{{"version":"v1","created":"Mon, 4 Aug 2025 00:00:00 GMT"}}]}}"#
        )
    };
    let mut bytes = good("2508.00011").into_bytes();
    bytes.push(b'\n');
    bytes.extend(std::iter::repeat_n(b'x', 40 << 20));
    bytes.push(b'\n');
    bytes.extend(good("2508.00012").into_bytes());
    let file = t.dir.path().join("long.jsonl");
    std::fs::write(&file, bytes).unwrap();
    let report = import_file(&t.store, &file, Source::Snapshot, false).await.unwrap();
    assert_eq!(report.counts.inserted, 2);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].to_string(), "line 2: line longer than 16 MiB");
}

#[test]
fn importing_a_file_that_holds_no_records_fails_with_one_clear_message_and_plain_logs() {
    let dir = tempfile::tempdir().unwrap();
    let readme = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_paperboy"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("import")
        .arg(&readme)
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("error: none of the").count(), 1, "{stderr}");
    assert!(stderr.contains("records could be read"), "{stderr}");
    // stderr is a pipe here, not a terminal: no colour codes in the log.
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    // A file with some good lines still succeeds.
    let good = shared().join("fixtures/kaggle-snapshot/wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_paperboy"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("import")
        .arg(&good)
        .output()
        .unwrap();
    assert!(out.status.success());
}
