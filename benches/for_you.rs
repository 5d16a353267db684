//! `/for-you` end to end, through the store: `cargo bench --bench for_you`.
//!
//! A SQLite store of `PAPERBOY_BENCH_PAPERS` papers (default 1,000,000: the corpus's 36,789
//! real papers, re-keyed), of which `PAPERBOY_BENCH_WINDOW` (25,000, arXiv's 30 days) fall in the
//! last 30 days; a member who upvoted `PAPERBOY_BENCH_LIKED` (500) of them. What a request for
//! a page of recommendations costs (`Recommending::for_user`: reading what the member liked,
//! dismissed and follows, the kept ranking or a new one, the page):
//!
//! - with the ranking kept (most requests);
//! - right after a vote (the kept ranking answers, less the paper voted for, while the new one
//!   is made in the background);
//! - a ranking made from cold, as the background and the first request after a start make it.
//!
//! Without embeddings (words alone): what embeddings add to a cold ranking is measured by
//! `cargo bench --bench recommend` (BENCHMARKS.md).

use paperboy::papers::{ArxivId, Paper};
use paperboy::recommend::Recommending;
use paperboy::store::Store;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let p50 = times[times.len() / 2];
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    println!("{name:<58} p50 {:>8.2} ms   p99 {:>8.2} ms   ({} runs)", ms(p50), ms(p99), times.len());
}

#[tokio::main]
async fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let total = env_usize("PAPERBOY_BENCH_PAPERS", 1_000_000);
    let window = env_usize("PAPERBOY_BENCH_WINDOW", 25_000).min(total);
    let liked = env_usize("PAPERBOY_BENCH_LIKED", 500);
    let (corpus, _) =
        paperboy::search::eval::known_item::read_corpus(&root.join("../shared/corpus/arxiv-2025-snapshot.jsonl.gz"))
            .expect("the corpus");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("bench.db").display())).await.unwrap();
    let latest = chrono::NaiveDate::from_ymd_opt(2025, 12, 1).unwrap();
    let started = Instant::now();
    // Old papers spread over ten years before the window; the window's over its 30 days.
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..total {
        let mut p: Paper = corpus[i % corpus.len()].clone();
        p.id = ArxivId::parse(&format!("{:04}.{:05}", 1501 + i / 99_999, i % 99_999 + 1)).unwrap();
        let back = if i >= total - window { (i % 30) as u64 } else { 31 + (i % 3_650) as u64 };
        p.announced_on = Some(latest - chrono::Days::new(back));
        batch.push(p);
        if batch.len() == 10_000 {
            store.upsert_papers(std::mem::take(&mut batch), None).await.unwrap();
        }
    }
    store.upsert_papers(batch, None).await.unwrap();
    println!(
        "store: {total} papers, {window} in the last 30 days, written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let ids: Vec<String> =
        (0..liked).map(|k| format!("{:04}.{:05}", 1501 + k * 7 / 99_999, k * 7 % 99_999 + 1)).collect();
    let member = store
        .transaction(move |db| {
            let id = paperboy::store::accounts::create_user(db, "ada", None, "$argon2id$x", 1)?.unwrap();
            for (n, paper) in ids.iter().enumerate() {
                paperboy::store::votes::toggle_vote(db, id, paper, "2025-11-01", 10 + n as i64)?;
            }
            Ok(id)
        })
        .await
        .unwrap();
    let rec = Recommending::default();

    let t = Instant::now();
    let first = rec.for_user(&store, member, 0, 20).await.unwrap();
    println!(
        "the first request after a start (the window's tf-idf fitted, then a ranking): {:.2} s, {} recommended",
        t.elapsed().as_secs_f64(),
        first.total
    );
    let mut times = Vec::new();
    for i in 0..200 {
        let t = Instant::now();
        let page = rec.for_user(&store, member, (i % 50) * 20, 20).await.unwrap();
        times.push(t.elapsed());
        assert!(page.notice.is_none() && !page.items.is_empty());
    }
    report("a page, the ranking kept", times);

    // After a vote: the vote lands in the store (as on another node), then the request.
    let window_ids: Vec<String> = first.items.iter().map(|r| r.paper.id.as_str().to_string()).collect();
    let (mut stale, mut cold) = (Vec::new(), Vec::new());
    for (n, paper) in window_ids.iter().take(10).enumerate() {
        let paper = paper.clone();
        store
            .transaction(move |db| {
                paperboy::store::votes::toggle_vote(db, member, &paper, "2025-11-30", 100 + n as i64)
            })
            .await
            .unwrap();
        let t = Instant::now();
        let page = rec.for_user(&store, member, 0, 20).await.unwrap();
        stale.push(t.elapsed());
        assert!(page.notice.is_some(), "the kept ranking answered");
        // The background's ranking, timed the way it is made.
        let t = Instant::now();
        let made = loop {
            let page = rec.for_user(&store, member, 0, 20).await.unwrap();
            if page.notice.is_none() {
                break t.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        cold.push(made);
    }
    report("a page right after a vote (the kept ranking answers)", stale);
    report("a new ranking made in the background after a vote (until ready)", cold);
}
