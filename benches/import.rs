//! Import throughput and peak memory: `cargo bench --bench import`.
//!
//! Imports the real 2025 corpus (36,789 papers) and a 1,000,000-record file made from it by
//! giving each copy of a record a fresh id, through the release binary (`paperboy import`), and
//! compares each against a baseline measured in the same run on the same file: decompressing
//! and parsing every line without storing it. Set `PAPERBOY_BENCH_RECORDS` to change the size
//! of the large file.

use paperboy::ingest::snapshot::line_to_draft;
use paperboy::papers::Source;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/arxiv-2025-snapshot.jsonl.gz")
}

fn lines(path: &Path) -> impl Iterator<Item = String> {
    let f = std::fs::File::open(path).unwrap();
    BufReader::new(flate2::read::MultiGzDecoder::new(f)).lines().map(Result::unwrap)
}

/// Real records, re-keyed: copy `k` of a record gets id `YYMM.NNNNN` with YYMM from copy `k`.
fn make_big(path: &Path, records: usize) {
    let base: Vec<serde_json::Value> = lines(&corpus()).map(|l| serde_json::from_str(&l).unwrap()).collect();
    let out = std::fs::File::create(path).unwrap();
    let mut gz = flate2::write::GzEncoder::new(std::io::BufWriter::new(out), flate2::Compression::fast());
    for n in 0..records {
        let (copy, i) = (n / base.len(), n % base.len());
        let mut v = base[i].clone();
        v["id"] = format!("{:02}{:02}.{:05}", 15 + copy / 12, copy % 12 + 1, i + 1).into();
        serde_json::to_writer(&mut gz, &v).unwrap();
        gz.write_all(b"\n").unwrap();
    }
    gz.finish().unwrap().flush().unwrap();
}

/// Baseline: decompress, parse and validate every line, store nothing.
fn parse_only(path: &Path) -> (usize, f64) {
    let t = Instant::now();
    let mut n = 0;
    for l in lines(path) {
        if let Ok(d) = line_to_draft(&l) {
            if d.validate(Source::Snapshot).is_ok() {
                n += 1;
            }
        }
    }
    (n, t.elapsed().as_secs_f64())
}

fn import(path: &Path, data: &Path) -> (String, f64) {
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_paperboy"))
        .arg("--data-dir")
        .arg(data)
        .arg("import")
        .arg(path)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8_lossy(&out.stdout).into_owned(), t.elapsed().as_secs_f64())
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists benches; nothing to list.
    }
    let records: usize = std::env::var("PAPERBOY_BENCH_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.jsonl.gz");
    eprintln!("making a {records}-record file from the corpus…");
    make_big(&big, records);

    println!(
        "| input | records | parse-only baseline (records/s) | import (records/s) | import / baseline | peak memory |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, path) in [("2025 corpus", corpus()), ("re-keyed", big.clone())] {
        let (n, base_secs) = parse_only(&path);
        let data = dir.path().join(format!("data-{name}"));
        let (summary, secs) = import(&path, &data);
        let peak = summary.lines().find_map(|l| l.split("peak memory ").nth(1)).unwrap_or("?").to_string();
        let (base_rate, rate) = (n as f64 / base_secs, n as f64 / secs);
        println!("| {name} | {n} | {base_rate:.0} | {rate:.0} | {:.2} | {peak} |", rate / base_rate);
        std::fs::remove_dir_all(&data).ok();
    }
}
