//! SIGKILL in the middle of an import, then run it again: the database ends exactly as after
//! an uninterrupted run. Drives the real binary.

use crate::helpers::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn paperboy(data_dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_paperboy"));
    c.arg("--data-dir").arg(data_dir).env("RUST_LOG", "warn").stdin(Stdio::null());
    c
}

fn papers_in(db: &std::path::Path) -> i64 {
    let Ok(conn) = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return 0;
    };
    conn.query_row("SELECT COUNT(*) FROM papers", [], |r| r.get(0)).unwrap_or(0)
}

#[test]
fn an_import_killed_midway_and_rerun_equals_an_uninterrupted_import() {
    let corpus = shared().join("corpus/arxiv-2025-snapshot.jsonl.gz");
    let work = tempfile::tempdir().unwrap();
    let (killed_dir, clean_dir) = (work.path().join("killed"), work.path().join("clean"));

    // Uninterrupted run.
    let out = paperboy(&clean_dir).arg("import").arg(&corpus).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(summary.contains("inserted 36789, updated 0, unchanged 0, rejected 0"), "{summary}");

    // Killed run: wait until some batches are committed, then SIGKILL.
    let mut child =
        paperboy(&killed_dir).arg("import").arg(&corpus).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let db = killed_dir.join("paperboy.db");
    let start = Instant::now();
    while papers_in(&db) < 4_000 {
        assert!(start.elapsed() < Duration::from_secs(120), "import made no progress");
        assert!(child.try_wait().unwrap().is_none(), "the import finished before it could be killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());
    let at_kill = papers_in(&db);
    assert!(at_kill < 36_789, "killed midway, with {at_kill} papers stored");

    // No half-written paper is visible: each stored batch is whole.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let orphans: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM papers p WHERE NOT EXISTS (SELECT 1 FROM paper_categories c WHERE c.paper_id = p.id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    drop(conn);

    let out = paperboy(&killed_dir).arg("import").arg(&corpus).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("resumed after"), "{summary}");

    assert_eq!(dump_papers(&db), dump_papers(&clean_dir.join("paperboy.db")));

    // And `stats` agrees.
    let out = paperboy(&killed_dir).arg("stats").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("papers: 36789"));
}

#[test]
fn the_cli_exits_non_zero_on_a_truncated_file_and_names_it() {
    let work = tempfile::tempdir().unwrap();
    let whole = crate::import::corpus_head(work.path(), 3_000);
    let bytes = std::fs::read(&whole).unwrap();
    let cut = work.path().join("partial.jsonl.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let out = paperboy(&work.path().join("data")).arg("import").arg(&cut).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("interrupted: ") && stdout.contains("partial.jsonl.gz"), "{stdout}");
}
