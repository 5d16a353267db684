//! The encoder's dense layers in f32 and in int8, side by side on one thread: batches of 16
//! texts of `TOKENS` (default 256) made-up token ids, alternating the two, and how far apart
//! their vectors come out; then a 7-token query one at a time in each. `cargo run -p paperboy-bert --release --example precision -- MODEL_DIR [ROUNDS]`
use paperboy_bert::{Bert, BertConfig, Precision};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("usage: precision MODEL_DIR [ROUNDS]"));
    let rounds: usize = args.next().map(|r| r.parse().expect("rounds")).unwrap_or(5);
    let cfg: BertConfig = serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let f32_model = Bert::load_with(&weights, &cfg, Precision::F32).unwrap();
    let mut int8_model = Bert::load_with(&weights, &cfg, Precision::F32).unwrap();
    // KERNEL=avx2 (or portable) measures that kernel where the CPU has a faster one.
    let kernel = match std::env::var("KERNEL").as_deref() {
        Ok("avx2") => paperboy_bert::Kernel::Avx2,
        Ok("portable") => paperboy_bert::Kernel::Portable,
        _ => paperboy_bert::Kernel::detect(),
    };
    int8_model.quantize(kernel);
    println!("int8 kernel: {kernel:?}");
    let tokens: usize = std::env::var("TOKENS").ok().and_then(|t| t.parse().ok()).unwrap_or(256);
    let mut seed = 12345u64;
    let mut next = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as u32
    };
    let seqs: Vec<Vec<u32>> = (0..16)
        .map(|_| {
            let mut s = vec![101u32];
            s.extend((0..tokens - 2).map(|_| 1000 + next() % 28000));
            s.push(102);
            s
        })
        .collect();
    let refs: Vec<&[u32]> = seqs.iter().map(Vec::as_slice).collect();
    let (a, b) = (f32_model.embed(&refs), int8_model.embed(&refs));
    let worst = a.iter().zip(&b).map(|(x, y)| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>()).fold(1f32, f32::min);
    println!("worst cosine f32 vs int8 over 16 texts of {tokens} tokens: {worst:.5}");
    if std::env::var("ONLY_INT8").is_ok() {
        for _ in 0..rounds {
            std::hint::black_box(int8_model.embed(&refs));
        }
        return;
    }
    let (mut tf, mut ti) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        std::hint::black_box(f32_model.embed(&refs));
        tf.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        std::hint::black_box(int8_model.embed(&refs));
        ti.push(t.elapsed().as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    // A search query: one text of 7 tokens (a 3-word query), one at a time.
    let query: Vec<u32> = vec![101, 2653, 4083, 2944, 3001, 4121, 102];
    let (mut qf, mut qi) = (Vec::new(), Vec::new());
    for _ in 0..200 {
        let t = Instant::now();
        std::hint::black_box(f32_model.embed(&[&query]));
        qf.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        std::hint::black_box(int8_model.embed(&[&query]));
        qi.push(t.elapsed().as_secs_f64());
    }
    let (qf, qi) = (median(&mut qf), median(&mut qi));
    println!("a 7-token query: f32 p50 {:.2} ms, int8 p50 {:.2} ms (200 each, alternating)", qf * 1e3, qi * 1e3);
    let (f, i) = (median(&mut tf), median(&mut ti));
    println!(
        "16 texts: f32 {:.1} ms, int8 {:.1} ms (median of {rounds}); int8 is {:.2}× as fast",
        f * 1e3,
        i * 1e3,
        f / i
    );
}
