//! Several `serve` nodes on one PostgreSQL database, and a database that goes away for a while.

use crate::helpers::*;
use axum::http::StatusCode;
use paperboy::settings::Settings;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

async fn spawn_node(database_url: &str, configure: impl FnOnce(&mut Settings)) -> (String, paperboy::store::Store) {
    let dir = tempfile::tempdir().unwrap().keep();
    let app = spawn_app_in(&dir, |settings| {
        settings.database_url = Some(database_url.to_string());
        configure(settings);
    })
    .await;
    (app.base, app.store)
}

async fn get(url: &str) -> (u16, String) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let r = client.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn two_nodes_share_one_store_and_one_follower() {
    let db = pg_database().await;
    // arXiv, played by a local server that notes which node asked.
    let rss_xml = crate::rss::recorded_feeds().into_iter().next().unwrap().1;
    let page = fixture("arxiv-api/q_testing_s0_m10_bc5a6c384fe9.xml").replace(
        "<opensearch:totalResults>214881</opensearch:totalResults>",
        "<opensearch:totalResults>10</opensearch:totalResults>",
    );
    let arxiv = FixtureServer::start(move |s, _| {
        if s.path.starts_with("/rss/") {
            (StatusCode::OK, rss_xml.clone())
        } else {
            (StatusCode::OK, page.clone())
        }
    })
    .await;
    let follow = |ua: &'static str, base: String| {
        move |s: &mut Settings| {
            s.arxiv.follow = true;
            s.arxiv.poll_interval_secs = 1;
            s.arxiv.min_interval_ms = 0;
            s.arxiv.max_retries = 0;
            s.arxiv.user_agent = ua.into();
            s.arxiv.api_url = format!("{base}/api/query");
            s.arxiv.rss_url = format!("{base}/rss");
        }
    };
    let (a, store_a) = spawn_node(&db, follow("node-a", arxiv.base.clone())).await;
    let (b, _store_b) = spawn_node(&db, follow("node-b", arxiv.base.clone())).await;

    // Both nodes show the same day (the sample, loaded once into the shared store; 2025-08-05,
    // which the follower's recorded feed does not touch).
    let (sa, pa) = get(&format!("{a}/papers/date/2025-08-05")).await;
    let (sb, pb) = get(&format!("{b}/papers/date/2025-08-05")).await;
    assert_eq!((sa, sb), (200, 200));
    assert_eq!(pa.matches("<article ").count(), pb.matches("<article ").count());
    assert_eq!(pa.matches("<article ").count(), 50, "a full first page");
    let total = |html: &str| html.split(" papers, 1–50 shown").next().unwrap().rsplit('>').next().unwrap().to_string();
    assert_eq!(total(&pa), total(&pb));

    // A paper stored through node A is on node B's page at once.
    let paper = listed_paper("2508.09998", "Written through node A", "2025-08-07", "cs.LG");
    store_a.upsert_papers(vec![paper], None).await.unwrap();
    assert!(get(&format!("{b}/papers/date/2025-08-07")).await.1.contains("Written through node A"));
    // ...and in node B's own search index within seconds (it follows the shared store).
    found_within(&b, "written through node", "2508.09998").await;

    // Following arXiv: give both followers a few rounds; only the lease holder ever asks.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(4) || arxiv.seen().len() < 2 {
        assert!(start.elapsed() < Duration::from_secs(30), "nobody followed arXiv");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let agents: std::collections::BTreeSet<_> = arxiv.seen().iter().map(|s| s.user_agent.clone()).collect();
    assert_eq!(agents.len(), 1, "one node follows arXiv: {agents:?}");
    // Each past day's window was asked for once, not once per node.
    let queries: Vec<_> = arxiv.seen().iter().filter_map(|s| s.query.get("search_query").cloned()).collect();
    let distinct: std::collections::BTreeSet<_> = queries.iter().collect();
    assert_eq!(queries.len(), distinct.len(), "{queries:?}");
}

/// Polls a node's search API until `query` finds `id`.
async fn found_within(base: &str, query: &str, id: &str) {
    let start = Instant::now();
    loop {
        let url = format!(
            "{base}/api/v1/search?mode=keyword&q={}",
            form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
        );
        let (status, body) = get(&url).await;
        if status == 200 && body.contains(&format!("\"id\":\"{id}\"")) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{query} never found {id} on {base}: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A TCP proxy standing in for a database server that goes away and comes back: when down, it
/// cuts every connection and stops listening (new connections are refused, as by a stopped
/// server); when up again, it listens on the same port.
struct Proxy {
    addr: std::net::SocketAddr,
    upstream: String,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    conns: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy =
            Self { addr: listener.local_addr().unwrap(), upstream, tasks: Mutex::default(), conns: Arc::default() };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let (upstream, conns) = (self.upstream.clone(), self.conns.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { return };
                let upstream = upstream.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                conns.lock().unwrap().push(conn);
            }
        });
        self.tasks.lock().unwrap().push(task);
    }

    async fn set_down(&self, down: bool) {
        if down {
            for t in self.tasks.lock().unwrap().drain(..).chain(self.conns.lock().unwrap().drain(..)) {
                t.abort();
            }
            tokio::time::sleep(Duration::from_millis(50)).await; // let the aborted tasks drop their sockets
        } else {
            self.serve(tokio::net::TcpListener::bind(self.addr).await.unwrap());
        }
    }
}

#[tokio::test]
async fn losing_the_database_gives_clean_503s_and_recovers() {
    let db = reqwest::Url::parse(&pg_database().await).unwrap();
    let proxy = Proxy::start(format!("{}:{}", db.host_str().unwrap(), db.port().unwrap())).await;
    let mut via = db.clone();
    via.set_port(Some(proxy.addr.port())).unwrap();
    let (node, _) = spawn_node(via.as_str(), |_| {}).await;
    assert_eq!(get(&format!("{node}/")).await.0, 200);

    proxy.set_down(true).await;
    // A guest's page may come from this node's cache for up to `cache_check_ms` (250 ms) after the
    // store was last asked; past that, every answer needs the store.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..3 {
        let t = Instant::now();
        let (status, body) = get(&format!("{node}/papers/date/2025-08-07")).await;
        assert_eq!(status, 503, "{body}");
        assert!(body.contains("cannot reach its database"));
        assert!(t.elapsed() < Duration::from_secs(10), "answered, not hung: {:?}", t.elapsed());
        assert_eq!(get(&format!("{node}/healthz")).await.0, 503);
    }

    proxy.set_down(false).await;
    let t = Instant::now();
    loop {
        if get(&format!("{node}/papers/date/2025-08-07")).await.0 == 200 {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(30), "did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(get(&format!("{node}/healthz")).await.0, 200);
}

#[tokio::test]
async fn a_login_and_a_vote_on_one_node_hold_on_the_other() {
    let db = pg_database().await;
    let (a, store) = spawn_node(&db, |_| {}).await;
    let (b, _) = spawn_node(&db, |_| {}).await;
    let day = store.latest_day(None).await.unwrap().unwrap();
    let listing = paperboy::store::Listing {
        period: paperboy::papers::Period::Day(day),
        categories: vec![],
        limit: 1,
        offset: 0,
    };
    let id = store.list_papers(listing).await.unwrap().remove(0).id.as_str().to_string();

    let on_a = Visitor::new(&a);
    assert_eq!(on_a.signup("ada", "correct horse").await.status, 303);
    // The same cookies, sent to node B: the session and its CSRF secret are shared.
    let on_b = Visitor::new(&b);
    on_b.set_cookie_value("pb_session", &on_a.cookie("pb_session").unwrap());
    assert!(on_b.get("/").await.body.contains(r#"<a href="/u/ada">ada</a>"#), "logged in on B too");
    // B's guests have their page cached before the vote…
    let guest_b = Visitor::new(&b);
    let before = guest_b.get(&format!("/papers/date/{day}")).await.body;
    assert!(before.contains(&format!(r#"<article data-id="{id}"#)));
    // …the vote lands through A, with a token A's page gave…
    let r = on_a.upvote_json(&id).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // …and a form token from A's page is good on B (one instance secret).
    let token = csrf_in(&on_a.get("/").await.body);
    let r = on_b.post(&format!("/papers/{id}/comments"), &[("csrf", &token), ("body", "Posted through B")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    // B shows the vote and the comment at once.
    let after = guest_b.get(&format!("/papers/date/{day}")).await.body;
    let at = after.find(&format!(r#"<article data-id="{id}"#)).unwrap();
    let row = after[at..].split("</article>").next().unwrap();
    assert!(row.contains(r#"<span class="n">1</span>"#), "{row}");
    assert!(row.contains(">1 comment<"), "{row}");
}

/// A `serve` process, killed when dropped (a failed assertion must not leave it running).
struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET /readyz` of a node as JSON (Null while it does not answer).
async fn readyz(base: &str) -> serde_json::Value {
    match reqwest::get(format!("{base}/readyz")).await {
        Ok(r) => serde_json::from_str(&r.text().await.unwrap_or_default()).unwrap_or(serde_json::Value::Null),
        Err(_) => serde_json::Value::Null,
    }
}

/// Two real `serve` processes on one PostgreSQL store split an embedding backlog through claims in the store, and
/// when one is killed mid-backlog the survivor takes over its claimed papers once the claim runs out: every paper ends
/// with its vector, none is embedded by both, and no claim is left behind.
#[tokio::test]
async fn two_nodes_split_an_embedding_backlog_and_a_survivor_finishes_a_killed_nodes_share() {
    const PAPERS: usize = 480;
    const BATCH: u32 = 16;
    let db = pg_database().await;
    let dir = tempfile::tempdir().unwrap();
    let store = paperboy::store::Store::open(&db).await.unwrap();
    let file = crate::import::corpus_head(dir.path(), PAPERS);
    let report = paperboy::ingest::snapshot::import_file(&store, &file, paperboy::papers::Source::Snapshot, false)
        .await
        .unwrap();
    assert_eq!(report.processed(), PAPERS as u64);
    let node = |name: &str| {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_paperboy"))
            .arg("--data-dir")
            .arg(dir.path().join(name))
            .args(["serve", "--offline", "--bind", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "warn")
            .env("PAPERBOY_DATABASE_URL", &db)
            .env("PAPERBOY_LOAD_SAMPLE", "false")
            .env("PAPERBOY_SEARCH__MODEL_DIR", crate::search::model_dir())
            .env("PAPERBOY_SEARCH__POLL_MS", "100")
            .env("PAPERBOY_SEARCH__EMBED_BATCH", BATCH.to_string())
            // Long enough for a batch while the whole suite loads both cores (10 s was not: a batch
            // outlived its claim once and the other node embedded it again), short enough to wait
            // out a dead node's claim.
            .env("PAPERBOY_SEARCH__EMBED_CLAIM_SECS", "30")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        (Process(child), format!("http://127.0.0.1:{port}"))
    };
    let stored =
        || async { store.read(|db| paperboy::store::embeddings::count(db, "all-MiniLM-L6-v2")).await.unwrap() as u64 };
    let computed = |r: &serde_json::Value| r["embedding"]["computed_here"].as_u64().unwrap_or(0);
    let (a, base_a) = node("a");
    let (b, base_b) = node("b");
    let deadline = Instant::now() + Duration::from_secs(240);

    // Both work on the backlog, and never on the same paper: what each says it embedded adds up to at most what the
    // store holds (a paper embedded by both would count twice).
    let b_computed = loop {
        let (ra, rb) = (readyz(&base_a).await, readyz(&base_b).await);
        let (ca, cb) = (computed(&ra), computed(&rb));
        let held = stored().await;
        assert!(ca + cb <= held, "node a embedded {ca}, node b {cb}, the store holds {held} vectors");
        if ca > 0 && cb > 0 && held >= PAPERS as u64 / 3 {
            break cb;
        }
        assert!(held < PAPERS as u64, "the backlog ran out before both nodes took part ({ca} and {cb})");
        assert!(Instant::now() < deadline, "the nodes did not both embed: {ra} {rb}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    // Node b dies with a batch claimed; node a finishes the backlog, that batch once b's claim has run out.
    drop(b);
    let finished = loop {
        let r = readyz(&base_a).await;
        if r["embedding"]["embedded"].as_u64() == Some(PAPERS as u64) {
            break r;
        }
        assert!(Instant::now() < deadline, "the survivor did not finish: {r}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    drop(a);
    assert_eq!(stored().await, PAPERS as u64, "every paper has exactly one vector");
    let a_computed = computed(&finished);
    assert!(a_computed + b_computed <= PAPERS as u64, "a: {a_computed}, b before it died: {b_computed}");
    assert!(
        a_computed + b_computed + u64::from(BATCH) * 2 >= PAPERS as u64,
        "the vectors came from the two nodes: a {a_computed}, b {b_computed}"
    );
    let claims = store
        .read(|db| Ok(db.query_one("SELECT COUNT(*) FROM embedding_claims", &[])?.map(|r| r.int(0)).unwrap_or(-1)))
        .await
        .unwrap();
    assert_eq!(claims, 0, "claims are dropped with their vectors");
    eprintln!("node a embedded {a_computed}, node b {b_computed} before it was killed");
}
