//! Digest throughput and peak memory: `cargo bench --bench digest`.
//!
//! 10,000 confirmed subscribers (set `PAPERBOY_BENCH_SUBSCRIBERS` to change), each with their
//! own preferences (categories, keywords, muted words and sizes rotated), get the digest of the
//! busiest day of the real 2025 corpus (36,789 papers in a temporary SQLite store). Measured:
//! composing and queuing every digest into the outbox, then delivering the outbox over SMTP to
//! a local sink (aiosmtpd, as in the tests), one connection. Baseline in the same run: as many
//! messages of the same size (copies of one real digest) sent straight through the same SMTP
//! connection to the same sink, with no outbox — what the sink and the transport allow.

use paperboy::digest::compose::{self, Links};
use paperboy::digest::{mailer, Frequency, Preferences};
use paperboy::papers::Period;
use paperboy::store::digests as dstore;
use paperboy::store::Store;
use std::io::BufRead;
use std::time::Instant;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn start_sink(dir: &std::path::Path) -> (std::process::Child, u16) {
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
    let mut child = std::process::Command::new("/usr/bin/python3")
        .arg(script)
        .arg("--out")
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3 with aiosmtpd (python3-aiosmtpd)");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (child, line.trim().strip_prefix("ready ").unwrap().parse().unwrap())
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("PAPERBOY_BENCH_SUBSCRIBERS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("paperboy.db").to_str().unwrap()).await.unwrap();
    let corpus =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/arxiv-2025-snapshot.jsonl.gz");
    paperboy::ingest::snapshot::import_file(&store, &corpus, paperboy::papers::Source::Snapshot, false).await.unwrap();
    let day = Period::parse("2025-08-07").unwrap();

    let cats = ["", "cs.CL", "cs.CV", "cs.LG", "cs.SD", "cs.CL,cs.LG", "eess.AS"];
    let keywords = ["", "", "", "language", "diffusion", "speech", "agent"];
    store
        .transaction(move |db| {
            let now = chrono::Utc::now().timestamp();
            for i in 0..n {
                let prefs = Preferences {
                    categories: cats[i % cats.len()].split(',').filter(|c| !c.is_empty()).map(String::from).collect(),
                    keywords: keywords[i % keywords.len()]
                        .split(',')
                        .filter(|c| !c.is_empty())
                        .map(String::from)
                        .collect(),
                    muted_words: if i % 5 == 0 { vec!["survey".into()] } else { vec![] },
                    max_papers: 5 + (i % 11) as u32,
                    ..Default::default()
                };
                let email = format!("reader{i}@example.org");
                dstore::request_subscription(db, &email, None, &prefs, &format!("t{i}"), now, now + 60)?;
                dstore::confirm(db, &format!("t{i}"), now)?;
            }
            Ok(())
        })
        .await
        .unwrap();

    let sink_dir = tempfile::tempdir().unwrap();
    let (mut sink, port) = start_sink(sink_dir.path());
    let mut settings = paperboy::settings::Settings::default().mail;
    settings.smtp_host = "127.0.0.1".into();
    settings.smtp_port = port;
    settings.batch = 200;
    let m = mailer::Mailer::new(&settings).unwrap();

    let links = Links { public_url: "https://paperboy.example".into(), secret: std::sync::Arc::from(&b"bench"[..]) };
    let t = Instant::now();
    let report = compose::queue_period(
        &store,
        &links,
        &Default::default(),
        Frequency::Daily,
        day,
        chrono::Utc::now().timestamp(),
    )
    .await
    .unwrap();
    let queue_secs = t.elapsed().as_secs_f64();

    // Baseline: the transport and the sink alone, with messages of the same size (copies of the
    // first queued digest to other addresses), no outbox.
    let sample = store
        .read(|db| {
            Ok(db.query_one("SELECT subject, text_body, html_body FROM outbox ORDER BY id LIMIT 1", &[])?.unwrap())
        })
        .await
        .unwrap();
    let baseline_n = report.queued as usize;
    let t = Instant::now();
    for i in 0..baseline_n {
        let msg = dstore::Claimed {
            id: i as i64,
            key: format!("baseline:{i}"),
            subscriber_id: Some(0),
            to: format!("baseline{i}@example.org"),
            subject: sample.text(0),
            text: sample.text(1),
            html: sample.opt_text(2),
            unsubscribe_url: Some("https://paperboy.example/digest/unsubscribe/1/x".into()),
            attempts: 0,
        };
        m.send(&msg).await.unwrap();
    }
    let baseline = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let sent = mailer::drain(&store, &m, &settings, "bench").await.unwrap();
    let deliver_secs = t.elapsed().as_secs_f64();
    let _ = sink.kill();
    let _ = sink.wait();

    let q = report.queued as f64;
    println!("subscribers: {n}; digests queued: {} (nothing matching: {})", report.queued, report.empty);
    println!(
        "baseline (the same messages sent straight, transport + sink only): {:.0} messages/s",
        baseline_n as f64 / baseline
    );
    println!("compose + queue: {:.1} s, {:.0} digests/s", queue_secs, q / queue_secs);
    println!(
        "deliver from the outbox: {:.1} s, {:.0} messages/s (sent {}, deferred {}, failed {})",
        deliver_secs,
        sent.sent as f64 / deliver_secs,
        sent.sent,
        sent.retried,
        sent.failed
    );
    println!(
        "end to end: {:.0} digests/s; delivery vs baseline: {:.2}",
        q / (queue_secs + deliver_secs),
        (sent.sent as f64 / deliver_secs) / (baseline_n as f64 / baseline)
    );
    println!("peak memory: {:.0} MiB", peak_rss_mib());
}
