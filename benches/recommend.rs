//! Recommendation cost: `cargo bench --bench recommend`.
//!
//! What `/for-you` computes for a member who liked `PAPERBOY_BENCH_LIKED` papers (default 500)
//! among a window of `PAPERBOY_BENCH_WINDOW` papers (default 25,000: arXiv's last 30 days at
//! 2025 rates, which is what the window holds whatever the instance's size, 1 M papers or 3 M).
//! Real titles and abstracts of the 2025 corpus; embeddings are random unit vectors (384
//! dimensions) in a real HNSW index, since only their number matters to the cost.
//!
//! - the window: tf-idf fitted on its papers (once per node and announcement day);
//! - a ranking from cold (after each vote): the production model, and in the same run the tf-idf
//!   SVM alone (arxiv-sanity-lite's recipe) over the same candidates; the window's embeddings
//!   are read from the index once (by the first ranking, timed apart) and shared;
//! - a page cut from a kept ranking (every other request).

use paperboy::recommend::{self, window::Window, How};
use paperboy::search::vectors::{HnswParams, VectorIndex};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn report(name: &str, mut times: Vec<Duration>) -> Duration {
    times.sort();
    let p50 = times[times.len() / 2];
    println!(
        "{name:<52} p50 {:>9.2} ms   max {:>9.2} ms   ({} runs)",
        ms(p50),
        ms(*times.last().unwrap()),
        times.len()
    );
    p50
}

/// A repeatable unit vector for `id`.
fn vector(id: &str) -> Vec<f32> {
    let mut state = xxhash_rust::xxh3::xxh3_64(id.as_bytes()) | 1;
    let v: Vec<f32> = (0..384)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let (window_size, liked_count) =
        (env_usize("PAPERBOY_BENCH_WINDOW", 25_000), env_usize("PAPERBOY_BENCH_LIKED", 500));
    let path = root.join("../shared/corpus/arxiv-2025-snapshot.jsonl.gz");
    let (mut papers, _) = paperboy::search::eval::known_item::read_corpus(&path).expect("the corpus");
    // Re-keyed copies when the corpus is smaller than the window and the liked papers.
    let real = papers.len();
    let mut copy = 1;
    while papers.len() < window_size + liked_count * 6 {
        let mut p = papers[(papers.len()) % real].clone();
        p.id =
            paperboy::papers::ArxivId::parse(&format!("{:04}.{:05}", 3000 + copy / 99_999, copy % 99_999 + 1)).unwrap();
        papers.push(p);
        copy += 1;
    }
    let liked_pool = papers.split_off(window_size);
    let today = chrono::NaiveDate::from_ymd_opt(2025, 12, 1).unwrap();
    let started = Instant::now();
    let window = Arc::new(Window::build(today, 1, papers));
    let built = started.elapsed();
    println!(
        "window: {} papers, {} tf-idf features, fitted in {:.2} s; {} liked papers",
        window.papers.len(),
        window.features(),
        built.as_secs_f64(),
        liked_count
    );
    let index = VectorIndex::new(384, HnswParams::default()).unwrap();
    let items: Vec<(String, Vec<f32>)> =
        window.papers.iter().chain(&liked_pool).map(|p| (p.id.as_str().to_string(), vector(p.id.as_str()))).collect();
    for chunk in items.chunks(5_000) {
        index.upsert(chunk).unwrap();
    }
    // Several members, each with their own liked papers.
    let members: Vec<Vec<(paperboy::papers::Paper, How)>> =
        liked_pool.chunks(liked_count).take(5).map(|c| c.iter().map(|p| (p.clone(), How::Upvoted)).collect()).collect();
    let time = |vectors: Option<(&VectorIndex, (i64, usize))>| -> (Vec<Duration>, recommend::Ranking) {
        let mut times = Vec::new();
        let mut last = None;
        for liked in &members {
            let t = Instant::now();
            let r = recommend::rank(0, window.clone(), liked.clone(), &[], &[], vectors);
            times.push(t.elapsed());
            last = Some(r);
        }
        (times, last.unwrap())
    };
    let t = Instant::now();
    window.vectors(&index, (1, index.len()));
    println!("the window's embeddings read from the index once: {:.1} ms", ms(t.elapsed()));
    let (times, ranking) = time(Some((&index, (1, index.len()))));
    let model = report("ranking from cold: paperboy (tf-idf + embeddings)", times);
    let (times, _) = time(None);
    let svm = report("ranking from cold: tf-idf SVM alone (arxiv-sanity)", times);
    println!("  paperboy / tf-idf SVM: {:.2}", model.as_secs_f64() / svm.as_secs_f64());
    let mut times = Vec::new();
    for i in 0..200 {
        let t = Instant::now();
        let page = recommend::page(&ranking, (i % 50) * 20, 20, &Default::default());
        times.push(t.elapsed());
        assert!(!page.items.is_empty());
    }
    report("a page of 20 from a kept ranking", times);
}
