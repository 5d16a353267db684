//! The soak driver (run by `benches/soak.sh`): against a served instance, measures its peak
//! with a closed loop of page, API, search, vote and comment traffic, then drives the same mix
//! open-loop at a fraction of that peak for a while, and prints per window: requests, errors,
//! p50 and p99 (from each request's scheduled start, so a stall is not hidden) and the server's
//! resident memory.
//!
//! Usage: cargo bench --bench soak -- BASE_URL SERVER_PID SOAK_SECONDS [PEAK_SECONDS] [FRACTION] [WINDOW_SECONDS]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Requests of the mix, weighted: what people and scripts do on an ordinary day.
#[derive(Clone, Copy)]
enum Kind {
    Daily,
    Paper,
    Trending,
    ApiList,
    SearchPage,
    ApiSearch,
    Vote,
    Comment,
}

/// Per 1,000 requests. Writes are a small share, as on any reading site: 2 % votes, 0.5 % comments.
const MIX: &[(Kind, u32)] = &[
    (Kind::Daily, 280),
    (Kind::Paper, 250),
    (Kind::Trending, 100),
    (Kind::ApiList, 150),
    (Kind::SearchPage, 100),
    (Kind::ApiSearch, 95),
    (Kind::Vote, 20),
    (Kind::Comment, 5),
];

/// Requests in flight at most: a client of this size, not an unbounded one. A request whose time has come while all
/// are busy waits for one, and its latency counts from when it was due.
const MAX_IN_FLIGHT: usize = 256;

const WORDS: &[&str] = &["audio", "graph neural", "diffusion", "retrieval", "protein", "quantum", "speech", "agents"];

struct Driver {
    base: String,
    http: reqwest::Client,
    papers: Vec<String>,
    tokens: Vec<String>,
    n: AtomicU64,
}

impl Driver {
    /// The `i`-th request of the mix: its outcome (true when answered 2xx/3xx) and latency.
    async fn request(&self, i: u64) -> bool {
        let total: u32 = MIX.iter().map(|(_, w)| w).sum();
        let mut pick = (i.wrapping_mul(2_654_435_761) % total as u64) as u32;
        let kind = MIX
            .iter()
            .find(|(_, w)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .unwrap()
            .0;
        let paper = &self.papers[(i as usize).wrapping_mul(7919) % self.papers.len()];
        let token = &self.tokens[i as usize % self.tokens.len()];
        let word = WORDS[i as usize % WORDS.len()];
        let b = &self.base;
        let req = match kind {
            Kind::Daily => self.http.get(format!("{b}/")),
            Kind::Paper => self.http.get(format!("{b}/papers/{paper}")),
            Kind::Trending => self.http.get(format!("{b}/papers/trending")),
            Kind::ApiList => self.http.get(format!("{b}/api/v1/papers?limit=20")),
            Kind::SearchPage => self.http.get(format!("{b}/search?q={word}")),
            Kind::ApiSearch => self.http.get(format!("{b}/api/v1/search?q={word}&limit=10")),
            Kind::Vote => {
                let url = format!("{b}/api/v1/papers/{paper}/upvote");
                if (i / 3) % 2 == 0 { self.http.post(url) } else { self.http.delete(url) }.bearer_auth(token)
            }
            Kind::Comment => self
                .http
                .post(format!("{b}/api/v1/papers/{paper}/comments"))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(format!(r#"{{"body": "Soak comment {i}: does $x^2$ hold for **all** inputs?"}}"#)),
        };
        match req.header("accept-encoding", "gzip").send().await {
            Ok(r) => {
                let ok = r.status().as_u16() < 400;
                let _ = r.bytes().await;
                ok
            }
            Err(_) => false,
        }
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A member with an API token, made through the site as a person would.
async fn member(base: &str, name: &str) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let csrf_and_cookie = |html: &str, headers: &reqwest::header::HeaderMap| {
        let at = html.find(r#"name="csrf" value=""#).expect("a form") + r#"name="csrf" value=""#.len();
        let csrf = html[at..].split('"').next().unwrap().to_string();
        let cookies: Vec<String> = headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap().to_string())
            .collect();
        (csrf, cookies.join("; "))
    };
    let r = http.get(format!("{base}/signup")).send().await.unwrap();
    let headers = r.headers().clone();
    let (csrf, cookie) = csrf_and_cookie(&r.text().await.unwrap(), &headers);
    let form = [("csrf", csrf.as_str()), ("username", name), ("password", "soak test password"), ("email", "")];
    let r = http.post(format!("{base}/signup")).header("cookie", &cookie).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303, "signing up {name}");
    let mut jar = cookie.clone();
    for v in r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()) {
        jar = format!("{jar}; {}", v.split(';').next().unwrap());
    }
    let r = http.get(format!("{base}/settings/tokens")).header("cookie", &jar).send().await.unwrap();
    let html = r.text().await.unwrap();
    let at = html.find(r#"name="csrf" value=""#).unwrap() + r#"name="csrf" value=""#.len();
    let csrf = html[at..].split('"').next().unwrap().to_string();
    let form = [("csrf", csrf.as_str()), ("name", "soak"), ("scope", "api")];
    let r = http.post(format!("{base}/settings/tokens")).header("cookie", &jar).form(&form).send().await.unwrap();
    let html = r.text().await.unwrap();
    let marker = r#"id="new-token" readonly value=""#;
    let at = html.find(marker).expect("a new token") + marker.len();
    html[at..].split('"').next().unwrap().to_string()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let base = args.first().expect("BASE_URL").trim_end_matches('/').to_string();
    let pid: u32 = args.get(1).expect("SERVER_PID").parse().unwrap();
    let soak_secs: u64 = args.get(2).expect("SOAK_SECONDS").parse().unwrap();
    let peak_secs: u64 = args.get(3).map_or(20, |a| a.parse().unwrap());
    let fraction: f64 = args.get(4).map_or(0.8, |a| a.parse().unwrap());
    let window: u64 = args.get(5).map_or(60, |a| a.parse().unwrap());

    let http = reqwest::Client::builder().pool_max_idle_per_host(MAX_IN_FLIGHT).build().unwrap();
    let mut papers: Vec<String> = Vec::new();
    for page in 1..=10 {
        let url = format!("{base}/api/v1/papers?limit=100&page={page}");
        let list: serde_json::Value =
            serde_json::from_str(&http.get(url).send().await.unwrap().text().await.unwrap()).unwrap();
        papers.extend(list["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()));
    }
    let mut tokens = Vec::new();
    for i in 0..8 {
        tokens.push(member(&base, &format!("soak{i}")).await);
    }
    let driver = Arc::new(Driver { base, http, papers, tokens, n: AtomicU64::new(0) });

    // Peak: a closed loop of 32 clients.
    let started = Instant::now();
    let deadline = started + Duration::from_secs(peak_secs);
    let done = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for _ in 0..32 {
        let (d, done) = (driver.clone(), done.clone());
        clients.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let i = d.n.fetch_add(1, Ordering::Relaxed);
                d.request(i).await;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    let peak = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    let rate = peak * fraction;
    println!("peak (closed loop, 32 clients, {peak_secs} s): {peak:.0} requests/s; soak at {:.0}% = {rate:.0} requests/s for {soak_secs} s", fraction * 100.0);
    println!("server memory (RSS) at start: {:.1} MiB", rss_kib(pid) as f64 / 1024.0);
    println!();
    println!("| window ({window} s) | requests | errors | p50 ms | p99 ms | server RSS MiB |");
    println!("|---|---|---|---|---|---|");

    // Soak: open loop, each request started at its scheduled time; the server's memory read every window.
    type Sample = (u64, f64, bool);
    let samples: Arc<Mutex<Vec<Sample>>> = Arc::default();
    let start = Instant::now();
    let memory = tokio::spawn(async move {
        let mut rss = Vec::new();
        for w in 1..=soak_secs.div_ceil(window) {
            tokio::time::sleep_until((start + Duration::from_secs(w * window)).into()).await;
            rss.push(rss_kib(pid));
        }
        rss
    });
    let interval = Duration::from_secs_f64(1.0 / rate);
    let total = (rate * soak_secs as f64) as u64;
    let mut inflight = tokio::task::JoinSet::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    for k in 0..total {
        let at = start + interval.mul_f64(k as f64);
        tokio::time::sleep_until(at.into()).await;
        let slot = slots.clone().acquire_owned().await.unwrap();
        let (d, samples) = (driver.clone(), samples.clone());
        inflight.spawn(async move {
            let _slot = slot;
            let i = d.n.fetch_add(1, Ordering::Relaxed);
            let ok = d.request(i).await;
            let ms = at.elapsed().as_secs_f64() * 1e3;
            samples.lock().unwrap().push((at.duration_since(start).as_secs() / window, ms, ok));
        });
        while inflight.try_join_next().is_some() {}
    }
    while inflight.join_next().await.is_some() {}
    let rss = memory.await.unwrap();
    let samples = samples.lock().unwrap();
    let (mut all, mut all_errors) = (0, 0);
    for w in 0..soak_secs.div_ceil(window) {
        let mut lat: Vec<f64> = samples.iter().filter(|x| x.0 == w).map(|x| x.1).collect();
        let errors = samples.iter().filter(|x| x.0 == w && !x.2).count();
        lat.sort_by(f64::total_cmp);
        all += lat.len();
        all_errors += errors;
        println!(
            "| {} | {} | {errors} | {:.1} | {:.1} | {:.1} |",
            w + 1,
            lat.len(),
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            rss.get(w as usize).copied().unwrap_or(0) as f64 / 1024.0
        );
    }
    println!();
    println!("server memory (RSS) at end: {:.1} MiB", rss_kib(pid) as f64 / 1024.0);
    println!("total: {all} requests, {all_errors} errors");
}
