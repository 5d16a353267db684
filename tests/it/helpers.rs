use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use paperboy::ingest::http::{HttpSettings, PoliteClient};
use paperboy::settings::Settings;
use paperboy::store::Store;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

pub fn fixture(rel: &str) -> String {
    let p = shared().join("fixtures").join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub struct TempStore {
    pub dir: tempfile::TempDir,
    pub store: Store,
}

pub async fn temp_store() -> TempStore {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("paperboy.db").to_str().unwrap()).await.unwrap();
    TempStore { dir, store }
}

/// A valid paper with just what listings show: id, title, one-line abstract, categories, day.
pub fn listed_paper(id: &str, title: &str, day: &str, categories: &str) -> paperboy::papers::Paper {
    paperboy::papers::PaperDraft {
        id: Some(id.into()),
        title: Some(title.into()),
        abstract_text: Some("A.".into()),
        categories: categories.into(),
        announced_on: day.parse().ok(),
        ..Default::default()
    }
    .validate(paperboy::papers::Source::Snapshot)
    .unwrap()
}

/// A PostgreSQL store in a database of its own, on the server named by
/// `PAPERBOY_TEST_DATABASE_URL` (scripts/test.sh starts one and sets it).
pub async fn pg_store() -> Store {
    Store::open(&pg_database().await).await.unwrap()
}

/// The URL of a new, empty PostgreSQL database.
pub async fn pg_database() -> String {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let admin = std::env::var("PAPERBOY_TEST_DATABASE_URL")
        .expect("PAPERBOY_TEST_DATABASE_URL is not set: run the tests with scripts/test.sh, which starts PostgreSQL");
    let name = format!("pb_test_{}_{}", std::process::id(), N.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("PostgreSQL reachable");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    let mut url = reqwest::Url::parse(&admin).unwrap();
    url.set_path(&name);
    url.to_string()
}

/// An HTTP client with arXiv's manners but test-sized waits.
pub fn client(min_interval_ms: u64, max_retries: u32) -> PoliteClient {
    PoliteClient::new(HttpSettings {
        user_agent: "paperboy-tests/1 (integration tests)".into(),
        min_interval: Duration::from_millis(min_interval_ms),
        timeout: Duration::from_secs(2),
        max_retries,
        initial_backoff: Duration::from_millis(20),
    })
}

/// A request as the fixture server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub query: HashMap<String, String>,
    pub user_agent: String,
    pub at: Instant,
}

pub type Reply = (StatusCode, String);
type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

#[derive(Clone)]
struct ServerState {
    seen: Arc<Mutex<Vec<Seen>>>,
    handler: Arc<Handler>,
    delay: Arc<Mutex<Option<Duration>>>,
    held: Arc<std::sync::atomic::AtomicBool>,
}

/// A local stand-in for a remote service. `handler` gets each request and how many came before.
pub struct FixtureServer {
    pub base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    delay: Arc<Mutex<Option<Duration>>>,
    held: Arc<std::sync::atomic::AtomicBool>,
}

impl FixtureServer {
    pub async fn start(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        let state = ServerState {
            seen: Arc::default(),
            handler: Arc::new(handler),
            delay: Arc::default(),
            held: Arc::default(),
        };
        let app = axum::Router::new().fallback(serve).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { base, seen: state.seen, delay: state.delay, held: state.held }
    }

    /// Holds every answer (for at most a minute) until [`FixtureServer::release`]: a slow service.
    pub fn hold(&self) {
        self.held.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn release(&self) {
        self.held.store(false, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Makes the next response wait this long before answering.
    pub fn delay_next(&self, d: Duration) {
        *self.delay.lock().unwrap() = Some(d);
    }
}

async fn serve(State(state): State<ServerState>, headers: HeaderMap, req: Request) -> Response {
    let query: HashMap<String, String> = req.uri().query().map(url_decode_pairs).unwrap_or_default();
    let seen = Seen {
        path: req.uri().path().to_string(),
        query,
        user_agent: headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or("").to_string(),
        at: Instant::now(),
    };
    let n = {
        let mut s = state.seen.lock().unwrap();
        s.push(seen.clone());
        s.len() - 1
    };
    let delay = state.delay.lock().unwrap().take();
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let held_since = Instant::now();
    while state.held.load(std::sync::atomic::Ordering::SeqCst) && held_since.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, body) = (state.handler)(&seen, n);
    Response::builder().status(status).body(Body::from(body)).unwrap()
}

fn url_decode_pairs(q: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://x/?{q}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A dump of everything the store holds about papers, for comparing two databases.
pub fn dump_papers(db: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut out = Vec::new();
    let mut stmt = conn
        .prepare(
            "SELECT id, version, title, abstract, authors, categories, comments, journal_ref, doi, license,
                    submitted_on, updated_on, announced_on, announce_type, source, change_seq FROM papers ORDER BY id",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            let mut cols = Vec::new();
            for i in 0..16 {
                let v: rusqlite::types::Value = r.get(i)?;
                cols.push(format!("{v:?}"));
            }
            Ok(cols.join("|"))
        })
        .unwrap();
    out.extend(rows.map(Result::unwrap));
    let mut stmt = conn.prepare("SELECT category, paper_id, announced_on FROM paper_categories ORDER BY 1, 2").unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok(format!("{}|{}|{:?}", r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
        })
        .unwrap();
    out.extend(rows.map(Result::unwrap));
    let pending: i64 = conn.query_row("SELECT COUNT(*) FROM resume_points", [], |r| r.get(0)).unwrap();
    out.push(format!("resume points: {pending}"));
    out
}

/// A browser-like client for the real app: keeps cookies, does not follow redirects, and
/// reads CSRF tokens out of the pages it gets.
pub struct Visitor {
    pub base: String,
    http: reqwest::Client,
    cookies: Mutex<std::collections::BTreeMap<String, String>>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> &str {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    /// The `Set-Cookie` header for cookie `name`, whole.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }
}

/// The first CSRF token in a page.
pub fn csrf_in(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("a form with a CSRF token") + r#"name="csrf" value=""#.len();
    html[at..].split('"').next().unwrap().to_string()
}

impl Visitor {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { base: base.to_string(), http, cookies: Mutex::default() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.lock().unwrap().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie_value(&self, name: &str, value: &str) {
        self.cookies.lock().unwrap().insert(name.into(), value.into());
    }

    async fn finish(&self, r: reqwest::Response) -> Answer {
        let status = r.status();
        let headers = r.headers().clone();
        for v in headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()) {
            let pair = v.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            let mut jar = self.cookies.lock().unwrap();
            if v.contains("Max-Age=0") {
                jar.remove(k);
            } else {
                jar.insert(k.to_string(), val.to_string());
            }
        }
        Answer { status, headers, body: r.text().await.unwrap() }
    }

    pub async fn get(&self, path: &str) -> Answer {
        let r =
            self.http.get(format!("{}{path}", self.base)).header("cookie", self.cookie_header()).send().await.unwrap();
        self.finish(r).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    /// Posts `form` with the CSRF token of the page at `from`.
    pub async fn submit(&self, from: &str, path: &str, form: &[(&str, &str)]) -> Answer {
        let token = csrf_in(&self.get(from).await.body);
        let mut fields = vec![("csrf", token.as_str())];
        fields.extend_from_slice(form);
        self.post(path, &fields).await
    }

    pub async fn signup(&self, username: &str, password: &str) -> Answer {
        self.submit("/signup", "/signup", &[("username", username), ("password", password), ("email", "")]).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Answer {
        self.submit("/login", "/login", &[("username", username), ("password", password)]).await
    }

    /// Upvotes the way the page's script does: a POST with the token in a header, asking JSON.
    pub async fn upvote_json(&self, paper: &str) -> Answer {
        let token = csrf_in(&self.get(&format!("/papers/{paper}")).await.body);
        let r = self
            .http
            .post(format!("{}/papers/{paper}/upvote", self.base))
            .header("cookie", self.cookie_header())
            .header("x-csrf-token", token)
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }
}

/// A real SMTP server (aiosmtpd, Debian's python3-aiosmtpd; scripts/test.sh installs it) in a
/// process of its own, writing each accepted message to a file. Stopped when dropped.
pub struct SmtpSink {
    child: std::process::Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl SmtpSink {
    /// Starts a sink on `port` (0: any free port) with extra arguments (`--tempfail N`,
    /// `--reject ADDR`, `--delay-ms MS`), keeping messages in `dir`.
    pub fn start(port: u16, dir: &std::path::Path, args: &[&str]) -> Self {
        use std::io::BufRead;
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let mut child = std::process::Command::new("/usr/bin/python3")
            .arg(script)
            .arg("--port")
            .arg(port.to_string())
            .arg("--out")
            .arg(dir)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (Debian package python3-aiosmtpd; scripts/test.sh installs it)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port =
            line.trim().strip_prefix("ready ").unwrap_or_else(|| panic!("smtp sink said {line:?}")).parse().unwrap();
        Self { child, port, dir: dir.to_path_buf() }
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The messages received so far, in order, raw.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        received(&self.dir)
    }

    /// Waits until at least `n` messages arrived (or panics after 20 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            assert!(Instant::now() < deadline, "{} of {n} messages arrived", m.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The messages a sink wrote to `dir`, in arrival order.
pub fn received(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .map(|d| d.flatten().collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            Some((name.strip_suffix(".eml")?.parse().ok()?, e.path()))
        })
        .collect();
    files.sort();
    files.into_iter().map(|(_, p)| std::fs::read(p).unwrap()).collect()
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The real app, serving on a port of its own, with its store and state at hand.
pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub state: paperboy::app::AppState,
    _dir: Option<tempfile::TempDir>,
}

/// The real app on a fresh SQLite store holding the bundled sample (400 papers announced
/// 2025-08-04 … 07), with `tweak` applied to its settings. Background work is off (following
/// arXiv, rank refreshes, mail, digest schedule, the model fetch) unless `tweak` turns it on,
/// and the sample's 2025 papers may be submitted.
pub async fn spawn_app(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut app = spawn_app_in(dir.path(), |settings| {
        settings.community.rank_refresh_secs = 0;
        settings.mail.enabled = false;
        settings.digest.schedule = false;
        // The sample is from 2025: let it be submitted.
        settings.community.submit_max_age_days = 100_000;
        tweak(settings);
    })
    .await;
    app._dir = Some(dir);
    app
}

/// The real app in data directory `dir`, with the settings `serve` starts with (only
/// following arXiv and fetching the model are off), and `tweak` applied.
pub async fn spawn_app_in(dir: &std::path::Path, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    // A known port, so that links in mail (public_url) point back here.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut settings = Settings {
        data_dir: dir.to_path_buf(),
        bind: format!("127.0.0.1:{port}"),
        public_url: format!("http://127.0.0.1:{port}"),
        ..Default::default()
    };
    settings.arxiv.follow = false;
    settings.search.fetch_model = false;
    tweak(&mut settings);
    let app = paperboy::server::Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let store = app.state().store.clone();
    let state = app.state().clone();
    tokio::spawn(app.run());
    TestApp { base, store, state, _dir: None }
}
