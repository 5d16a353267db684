//! Search speed, recall and memory: `cargo bench --bench search`.
//!
//! - Keyword search (tantivy, top 10) over the real 2025 corpus re-keyed to
//!   `PAPERBOY_BENCH_DOCS` documents (default 1,000,000), against a baseline measured in the
//!   same run: scanning every document for the query's words, as arxiv-sanity-lite does.
//! - The HNSW index (usearch, f16) over `PAPERBOY_BENCH_VECTORS` vectors (default 1,000,000)
//!   synthesised by perturbing real all-MiniLM-L6-v2 embeddings of SciFact abstracts: build
//!   rate, memory per vector, recall@10 and latency against exact search in the same run, and
//!   similar-paper latency.
//! - Hybrid search end to end: query embedding + keyword + ANN + fusion.
//! - Embedding throughput (abstracts per CPU-second) on real corpus abstracts; with
//!   `PAPERBOY_BENCH_ST_PYTHON` pointing at a Python with sentence-transformers, the same
//!   abstracts through sentence-transformers in the same run.
//!
//! Needs the model (`PAPERBOY_TEST_MODEL_DIR`, as `scripts/test.sh` fetches it) and the
//! `PAPERBOY_BENCH_ONLY` picks one part: `embed`, `query`, `keyword`, `vectors` (the HNSW
//! index alone) or `hybrid` (keyword, vectors and hybrid). With `PAPERBOY_BENCH_DIR`, the
//! keyword index is built there and reused by later runs of the same size.
//!
//! SciFact document vectors cache that `paperboy eval scifact --cache target/eval/scifact-minilm.tsv`
//! writes (made here when missing).

use paperboy::search::embed::{dot, paper_text, Embedder, Precision};
use paperboy::search::keyword::KeywordIndex;
use paperboy::search::vectors::{HnswParams, VectorIndex};
use paperboy::search::Window;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

/// CPU time of this process so far (user + system), from /proc.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // Fields 14 and 15 of the stat line (utime, stime), counted after the command name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn percentile(times: &mut [Duration], p: f64) -> Duration {
    times.sort();
    times[((times.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(name: &str, times: &mut [Duration]) -> (Duration, Duration) {
    let (p50, p99) = (percentile(times, 0.5), percentile(times, 0.99));
    println!("{name:<44} p50 {:>9.3} ms   p99 {:>9.3} ms   ({} runs)", ms(p50), ms(p99), times.len());
    (p50, p99)
}

/// (title, abstract) of the real corpus.
fn corpus() -> Vec<(String, String)> {
    let f = std::fs::File::open(root().join("../shared/corpus/arxiv-2025-snapshot.jsonl.gz")).unwrap();
    std::io::BufReader::new(flate2::read::MultiGzDecoder::new(f))
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(&l.unwrap()).unwrap();
            (v["title"].as_str().unwrap_or("").to_string(), v["abstract"].as_str().unwrap_or("").to_string())
        })
        .collect()
}

fn model() -> Embedder {
    let dir = std::env::var("PAPERBOY_TEST_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target/test-models/all-MiniLM-L6-v2"));
    let precision = std::env::var("PAPERBOY_SEARCH__PRECISION")
        .ok()
        .and_then(|p| Precision::parse(&p))
        .unwrap_or(paperboy::search::SearchSettings::default().precision);
    println!("encoder precision: {}", precision.as_str());
    Embedder::load(&dir, "all-MiniLM-L6-v2", precision).expect("the model (run scripts/test.sh once to fetch it)")
}

/// Queries: SciFact claims (long, natural language) and title fragments (short).
fn queries(corpus: &[(String, String)]) -> (Vec<String>, Vec<String>) {
    let claims: Vec<String> = std::fs::read_to_string(root().join("../shared/eval/scifact/queries-test.jsonl"))
        .unwrap()
        .lines()
        .take(200)
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap().to_string())
        .collect();
    let short = corpus
        .iter()
        .step_by(corpus.len() / 200)
        .take(200)
        .map(|(t, _)| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .collect();
    (claims, short)
}

fn keyword_bench(corpus: &[(String, String)], docs: usize, dir: &Path) -> KeywordIndex {
    println!("\n## Keyword search over {docs} documents (real abstracts, re-keyed)");
    let index = KeywordIndex::open(&dir.join("keyword")).unwrap();
    let started = Instant::now();
    let mut batch = Vec::with_capacity(50_000);
    // With PAPERBOY_BENCH_DIR, an index already built there at this size is reused.
    let built = index.num_docs() as usize;
    for n in (if built == docs { docs } else { 0 })..docs {
        let (t, a) = &corpus[n % corpus.len()];
        batch.push((format!("d{n}"), t.clone(), a.clone()));
        if batch.len() == 50_000 {
            index.upsert_plain(&batch).unwrap();
            batch.clear();
        }
    }
    index.upsert_plain(&batch).unwrap();
    let took = started.elapsed();
    let size: u64 = std::fs::read_dir(dir.join("keyword")).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    if built == docs {
        println!(
            "reused the index of {docs} documents in {}, {:.0} MiB on disk",
            dir.display(),
            size as f64 / 1048576.0
        );
    } else {
        println!(
            "built in {:.1} s ({:.0} docs/s), {:.0} MiB on disk",
            took.as_secs_f64(),
            docs as f64 / took.as_secs_f64(),
            size as f64 / 1048576.0
        );
    }
    let (claims, short) = queries(corpus);
    let window = Window::default();
    let segments_now = index.segment_count().unwrap();
    // Each query twice; the top 10 alone, or with the total counted.
    let timed = |qs: &[String], total: bool| -> Vec<Duration> {
        qs.iter()
            .chain(qs)
            .map(|q| {
                let t = Instant::now();
                let parsed = index.parse(q);
                if total {
                    std::hint::black_box(index.search(&parsed, &window, 0, 10).unwrap());
                } else {
                    std::hint::black_box(index.search_top(&parsed, &window, 0, 10).unwrap());
                }
                t.elapsed()
            })
            .collect()
    };
    let measure = |label: &str| {
        for (name, qs) in [("SciFact claims", &claims), ("3-word title queries", &short)] {
            report(&format!("keyword top-10 only, {name}, {label}"), &mut timed(qs, false));
        }
    };
    measure(&format!("{segments_now} segments (straight after the build)"));
    // tantivy merges segments in the background after commits: wait until it has settled.
    let (mut last, mut stable) = (segments_now, 0);
    while stable < 5 {
        std::thread::sleep(std::time::Duration::from_secs(3));
        let n = index.segment_count().unwrap();
        stable = if n == last { stable + 1 } else { 0 };
        last = n;
    }
    measure(&format!("{last} segments (merges settled)"));
    for (name, qs) in [("keyword top-10, SciFact claims", &claims), ("keyword top-10, 3-word title queries", &short)] {
        report(name, &mut timed(qs, true));
        // Top 10 alone, without counting every match (what hybrid search asks for).
        report(&format!("{name}, top only (no total)"), &mut timed(qs, false));
    }
    // Baseline: a scan of every document for the query's words, as arxiv-sanity-lite does on
    // every query (here over the distinct corpus texts, scaled to the documents indexed).
    let mut times = Vec::new();
    for q in short.iter().take(10) {
        let words: Vec<String> = q.to_lowercase().split_whitespace().map(String::from).collect();
        let t = Instant::now();
        let mut hits = 0usize;
        for (title, abs) in corpus {
            let text = format!("{title} {abs}").to_lowercase();
            hits += words.iter().filter(|w| text.contains(w.as_str())).count();
        }
        std::hint::black_box(hits);
        times.push(t.elapsed().mul_f64(docs as f64 / corpus.len() as f64));
    }
    let (scan, _) = report("baseline: scan every document (scaled)", &mut times);
    let mut again = Vec::new();
    for q in &short {
        let t = Instant::now();
        std::hint::black_box(index.search(&index.parse(q), &window, 0, 10).unwrap());
        again.push(t.elapsed());
    }
    let p50 = percentile(&mut again, 0.5);
    println!("ratio scan / keyword p50: {:.0}x", scan.as_secs_f64() / p50.as_secs_f64());
    index
}

/// SciFact document vectors (real embeddings), from the eval cache or computed now.
fn base_vectors(embedder: &Embedder) -> Vec<Vec<f32>> {
    let cache = root().join("target/eval/scifact-minilm.tsv");
    let collection = paperboy::search::eval::scifact::load(&root().join("../shared/eval/scifact"), "test").unwrap();
    let bar = indicatif::ProgressBar::hidden();
    let v = paperboy::search::eval::scifact::doc_vectors(&collection, embedder, Some(&cache), &bar).unwrap();
    let mut ids: Vec<&String> = v.keys().collect();
    ids.sort();
    ids.into_iter().map(|id| v[id].clone()).collect()
}

fn normalised(mut v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= n);
    v
}

/// Vector `n`: a real vector plus Gaussian-ish noise, renormalised (deterministic).
fn synthetic(base: &[Vec<f32>], n: usize, noise: f32) -> Vec<f32> {
    let b = &base[n % base.len()];
    let mut state = (n as u64).wrapping_mul(0x9E3779B97F4A7C15) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        // Sum of uniforms: close enough to a normal for this purpose.
        ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
    };
    normalised(b.iter().map(|x| x + noise * (next() + next() + next())).collect())
}

fn vector_bench(embedder: &Embedder, count: usize) -> (VectorIndex, Vec<Vec<f32>>) {
    println!(
        "\n## HNSW (usearch, f16, M=16, ef_add=128, ef_search={}) over {count} vectors",
        HnswParams::default().expansion_search
    );
    let base = base_vectors(embedder);
    let noise = 0.03;
    let rss_before = rss_mib();
    let index = VectorIndex::new(384, HnswParams::default()).unwrap();
    let started = Instant::now();
    let mut chunk = Vec::with_capacity(10_000);
    for n in 0..count {
        chunk.push((format!("d{n}"), synthetic(&base, n, noise)));
        if chunk.len() == 10_000 {
            index.upsert(&chunk).unwrap();
            chunk.clear();
        }
    }
    index.upsert(&chunk).unwrap();
    let took = started.elapsed();
    println!(
        "built in {:.1} s ({:.0} vectors/s); index memory {:.0} MiB = {:.0} bytes/vector (process RSS +{:.0} MiB)",
        took.as_secs_f64(),
        count as f64 / took.as_secs_f64(),
        index.memory_bytes() as f64 / 1048576.0,
        index.memory_bytes() as f64 / count as f64,
        rss_mib() - rss_before
    );
    let queries: Vec<Vec<f32>> = (0..200).map(|i| synthetic(&base, count + i * 7919, noise)).collect();
    let mut exact_t = Vec::new();
    let exact: Vec<Vec<(String, f32)>> = queries
        .iter()
        .map(|q| {
            let t = Instant::now();
            let found = index.exact_search(q, 10).unwrap();
            exact_t.push(t.elapsed());
            found
        })
        .collect();
    let (exact_p50, _) = report("baseline: exact search (scan)", &mut exact_t);
    // Recall and latency for several search expansions over the same graph; the setting's
    // default last, so that the similar-papers figure below uses it.
    let default_ef = HnswParams::default().expansion_search;
    for ef in [64, 128, 192, 256, default_ef] {
        index.set_expansion_search(ef);
        let (mut ann_t, mut hits) = (Vec::new(), 0usize);
        for (q, exact) in queries.iter().zip(&exact) {
            let t = Instant::now();
            let ann = index.search(q, 10).unwrap();
            ann_t.push(t.elapsed());
            hits += ann.iter().filter(|(id, _)| exact.iter().any(|(e, _)| e == id)).count();
        }
        let (ann_p50, _) = report(&format!("ANN top-10, expansion_search {ef}"), &mut ann_t);
        println!(
            "  recall@10 against exact search: {:.4}; ratio exact / ANN p50: {:.0}x",
            hits as f64 / (queries.len() * 10) as f64,
            exact_p50.as_secs_f64() / ann_p50.as_secs_f64()
        );
    }
    let mut sim = Vec::new();
    for i in 0..200 {
        let id = format!("d{}", (i * 4099) % count);
        let t = Instant::now();
        let v = index.vector(&id).unwrap();
        let found: Vec<_> = index.search(&v, 11).unwrap().into_iter().filter(|(x, _)| *x != id).take(10).collect();
        std::hint::black_box(found);
        sim.push(t.elapsed());
    }
    report("similar papers (10 neighbours)", &mut sim);
    (index, queries)
}

fn embedding_bench(embedder: &Embedder, corpus: &[(String, String)]) {
    let n = env_usize("PAPERBOY_BENCH_EMBED", 256);
    println!("\n## Embedding throughput: {n} real abstracts (title + abstract), 2 cores");
    let texts: Vec<String> = corpus.iter().step_by(97).take(n).map(|(t, a)| paper_text(t, a)).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let (cpu, wall) = (cpu_time(), Instant::now());
    let v = embedder.embed(&refs).unwrap();
    let (cpu, wall) = (cpu_time() - cpu, wall.elapsed());
    assert_eq!(v.len(), n);
    println!(
        "paperboy: {:.1} abstracts/s wall, {:.1} abstracts per CPU-second",
        n as f64 / wall.as_secs_f64(),
        n as f64 / cpu.as_secs_f64()
    );
    let Ok(python) = std::env::var("PAPERBOY_BENCH_ST_PYTHON") else {
        println!("(set PAPERBOY_BENCH_ST_PYTHON to a Python with sentence-transformers for the side-by-side figure)");
        return;
    };
    let input = std::env::temp_dir().join("paperboy-bench-texts.json");
    std::fs::write(&input, serde_json::to_string(&texts).unwrap()).unwrap();
    let dir = std::env::var("PAPERBOY_TEST_MODEL_DIR")
        .unwrap_or_else(|_| root().join("target/test-models/all-MiniLM-L6-v2").display().to_string());
    let out = std::process::Command::new(python)
        .arg(root().join("benches/st_embed.py"))
        .arg(&dir)
        .arg(&input)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        println!("sentence-transformers failed: {}", String::from_utf8_lossy(&out.stderr));
        return;
    }
    let got: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let (st_wall, st_cpu) = (got["wall_s"].as_f64().unwrap(), got["cpu_s"].as_f64().unwrap());
    println!(
        "sentence-transformers {}: {:.1} abstracts/s wall, {:.1} abstracts per CPU-second",
        got["version"],
        n as f64 / st_wall,
        n as f64 / st_cpu
    );
    println!(
        "ratio paperboy / sentence-transformers per CPU-second: {:.2}",
        (n as f64 / cpu.as_secs_f64()) / (n as f64 / st_cpu)
    );
}

fn hybrid_bench(embedder: &Embedder, keyword: &KeywordIndex, vectors: &VectorIndex, corpus: &[(String, String)]) {
    println!("\n## Hybrid search end to end (query embedding + keyword + ANN + fusion)");
    let (_, short) = queries(corpus);
    let window = Window::default();
    let (mut embed_t, mut keyword_t, mut total_t) = (Vec::new(), Vec::new(), Vec::new());
    for q in &short {
        let t = Instant::now();
        // As the site does it: the query is embedded on another thread while the keyword side
        // finds its best 100.
        let (qv, kw) = std::thread::scope(|scope| {
            let embedding = scope.spawn(|| {
                let t = Instant::now();
                let v = embedder.embed(&[q.as_str()]).unwrap().remove(0);
                (v, t.elapsed())
            });
            let k = Instant::now();
            let parsed = keyword.parse(q);
            let kw = keyword.search_top(&parsed, &window, 0, 100).unwrap();
            let strength = keyword.query_strength(&parsed);
            keyword_t.push(k.elapsed());
            let (v, took) = embedding.join().unwrap();
            embed_t.push(took);
            (v, (kw, strength))
        });
        let (kw, strength) = kw;
        let dense = vectors.search(&qv, 100).unwrap();
        let candidates = paperboy::search::fusion::Candidates::gather(
            kw.into_iter().map(|h| (h.id, h.score)).collect(),
            dense,
            |id| vectors.vector(id).map(|v| dot(&v, &qv)),
            strength,
        );
        let fused = paperboy::search::SearchSettings::default().fusion().fuse(&candidates);
        std::hint::black_box(fused);
        total_t.push(t.elapsed());
    }
    report("query embedding (beside the keyword search)", &mut embed_t);
    report("keyword top-100 (beside the embedding)", &mut keyword_t);
    report("hybrid, end to end", &mut total_t);
}

fn main() {
    let docs = env_usize("PAPERBOY_BENCH_DOCS", 1_000_000);
    let count = env_usize("PAPERBOY_BENCH_VECTORS", 1_000_000);
    let only = std::env::var("PAPERBOY_BENCH_ONLY").unwrap_or_default();
    let scratch = tempfile::tempdir().unwrap();
    let dir = std::env::var("PAPERBOY_BENCH_DIR").map(PathBuf::from).unwrap_or_else(|_| scratch.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    println!(
        "# paperboy search benchmark ({} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let corpus = corpus();
    let embedder = model();
    if only.is_empty() || only == "embed" {
        embedding_bench(&embedder, &corpus);
    }
    if only.is_empty() || only == "embed" || only == "query" {
        let (_, short) = queries(&corpus);
        let mut times = Vec::new();
        for q in short.iter().take(100) {
            let t = Instant::now();
            std::hint::black_box(embedder.embed(&[q.as_str()]).unwrap());
            times.push(t.elapsed());
        }
        report("query embedding (3 words), one at a time", &mut times);
    }
    if only == "embed" || only == "query" {
        return;
    }
    let keyword =
        (only.is_empty() || only == "keyword" || only == "hybrid").then(|| keyword_bench(&corpus, docs, &dir));
    if only == "keyword" {
        return;
    }
    let (vectors, _) = vector_bench(&embedder, count);
    if let Some(keyword) = keyword {
        // The keyword documents and the vectors share ids only in count; the timing is what
        // is measured here.
        hybrid_bench(&embedder, &keyword, &vectors, &corpus);
    }
}
