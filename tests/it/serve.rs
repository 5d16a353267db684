use crate::helpers::*;
use paperboy::papers::{PaperDraft, Source};

/// The app as `serve` starts it, in `dir`.
async fn served(dir: &std::path::Path) -> (String, paperboy::store::Store) {
    let app = spawn_app_in(dir, |_| {}).await;
    (app.base, app.store)
}

#[tokio::test]
async fn a_new_instance_shows_the_bundled_sample_labelled_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let (base, store) = served(dir.path()).await;
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.papers, 400);
    assert_eq!(stats.last_day.unwrap().to_string(), "2025-08-07");

    let page = reqwest::get(format!("{base}/")).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"id="sample-notice""#));
    assert!(html.contains("Papers announced on 2025-08-07"));
    assert!(html.contains("100 papers, 1–50 shown"));
    assert_eq!(html.matches("<article ").count(), 50);
    assert!(html.contains(r#"href="/papers/date/2025-08-06""#), "previous-day link");

    let day = reqwest::get(format!("{base}/papers/date/2025-08-05?cat=cs.SD,bogus,cs.SD"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(day.contains("Categories: cs.SD ·"), "unknown and repeated codes are dropped");
    assert!(day.contains("?cat=cs.SD\""), "day links keep the filter");
    // A day larger than a page is paged.
    let many: Vec<_> = (0..250)
        .map(|i| listed_paper(&format!("2508.{:05}", 5000 + i), &format!("Paper {i}"), "2025-08-08", "cs.LG"))
        .collect();
    store.upsert_papers(many, None).await.unwrap();
    let one = reqwest::get(format!("{base}/papers/date/2025-08-08")).await.unwrap().text().await.unwrap();
    assert!(one.contains("250 papers, 1–50 shown") && one.contains("page=2"));
    assert_eq!(one.matches("<article ").count(), 50);
    let last = reqwest::get(format!("{base}/papers/date/2025-08-08?page=5")).await.unwrap().text().await.unwrap();
    assert!(last.contains("250 papers, 201–250 shown"));
    assert_eq!(last.matches("<article ").count(), 50);
    assert!(!last.contains("next page"));
    // Past the end: said so, with the way to the last page (not "49901–49900 shown").
    let past = reqwest::get(format!("{base}/papers/date/2025-08-08?page=999")).await.unwrap().text().await.unwrap();
    assert!(past.contains("There is no page 999: the 250 papers fill 5 pages."), "{past}");
    assert!(past.contains(r#"href="/papers/date/2025-08-08?page=5""#) && !past.contains("shown"), "{past}");
    let huge = reqwest::get(format!("{base}/papers/date/+262142-12-31")).await.unwrap();
    assert_eq!(huge.status(), 400);
    let bad = reqwest::get(format!("{base}/papers/date/2025-13-01")).await.unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(reqwest::get(format!("{base}/healthz")).await.unwrap().status(), 200);
}

#[tokio::test]
async fn arxiv_text_is_escaped_on_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let (base, store) = served(dir.path()).await;
    let paper = PaperDraft {
        id: Some("2508.09999".into()),
        title: Some("Reasoning with <think> & <script>alert(1)</script> tokens".into()),
        abstract_text: Some("We bound $\\ell_p$ for x < y & \"z\".".into()),
        authors: vec!["O'Brien <b>".into()],
        categories: "cs.CL".into(),
        announced_on: "2025-08-07".parse().ok(),
        ..Default::default()
    }
    .validate(Source::Snapshot)
    .unwrap();
    store.upsert_papers(vec![paper], None).await.unwrap();
    let html = reqwest::get(format!("{base}/papers/date/2025-08-07")).await.unwrap().text().await.unwrap();
    assert!(html.contains("Reasoning with &lt;think&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt; tokens"));
    assert!(!html.contains("<script>"));
    assert!(html.contains("O&#39;Brien &lt;b&gt;"));
    assert!(html.contains("x &lt; y &amp; &quot;z&quot;"));
}

/// `paperboy serve --offline` on a data dir and a port, logging warnings, without the model.
fn serve_command(dir: &std::path::Path, port: u16) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_paperboy"));
    command
        .args(["--data-dir", dir.to_str().unwrap(), "serve", "--offline", "--bind", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .env("PAPERBOY_SEARCH__FETCH_MODEL", "false");
    command
}

#[test]
fn the_binary_serves_on_the_configured_address() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = serve_command(dir.path(), port).spawn().unwrap();
    let mut body = String::new();
    for _ in 0..200 {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
            s.read_to_string(&mut body).unwrap();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(body.contains("Sample data."));
    let _ = shared();
}

#[tokio::test]
async fn index_status_answers_while_serve_holds_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bin = env!("CARGO_BIN_EXE_paperboy");
    let data = dir.path().to_str().unwrap();
    let mut serve = std::process::Command::new(bin)
        .args(["--data-dir", data, "serve", "--offline", "--bind", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .env("PAPERBOY_SEARCH__FETCH_MODEL", "false")
        .spawn()
        .unwrap();
    for _ in 0..400 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    crate::search::wait_ready(&format!("http://127.0.0.1:{port}"), 0).await;
    let out = std::process::Command::new(bin).args(["--data-dir", data, "index", "status"]).output().unwrap();
    serve.kill().unwrap();
    serve.wait().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("keyword index (this node): 400 papers"), "{stdout}");
    assert!(
        stdout.contains("embeddings (all-MiniLM-L6-v2, shared by every node): 0 of 400 papers (0.0 %)"),
        "{stdout}"
    );
    assert!(stdout.contains("400 papers not embedded yet"), "{stdout}");
    assert!(!stderr.contains("LockBusy") && !stderr.contains("lock"), "{stderr}");
}

#[tokio::test]
async fn internal_errors_are_opaque_and_carry_a_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _store) = served(dir.path()).await;
    let ok = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert!(ok.headers().contains_key("x-request-id"));
    // Break the store under the running app.
    let conn = rusqlite::Connection::open(dir.path().join("paperboy.db")).unwrap();
    conn.execute_batch("DROP TABLE paper_categories; DROP TABLE papers;").unwrap();
    let resp = reqwest::get(format!("{base}/papers/date/2025-08-07")).await.unwrap();
    assert_eq!(resp.status(), 500);
    let id = resp.headers()["x-request-id"].to_str().unwrap().to_string();
    let body = resp.text().await.unwrap();
    assert!(body.contains(&format!("Request id: <code>{id}</code>")), "{body}");
    assert!(!body.contains("no such table") && !body.contains("SELECT"), "no internals leak: {body}");
}

#[tokio::test]
async fn a_paper_page_has_everything_and_serves_its_own_katex() {
    let dir = tempfile::tempdir().unwrap();
    let (base, store) = served(dir.path()).await;
    // An old-style id with TeX, a journal reference and a DOI.
    let old = PaperDraft {
        id: Some("hep-th/9901001v2".into()),
        title: Some("Bounds on $\\ell_p$ & <b>tags</b>".into()),
        abstract_text: Some("We show $x<y$ for all $x$.".into()),
        authors: vec!["Ann Author".into(), "Bob Writer".into()],
        categories: "hep-th gr-qc".into(),
        journal_ref: Some("Phys. Rev. D 60 (1999)".into()),
        doi: Some("10.1103/PhysRevD.60.000001".into()),
        submitted_on: "1999-01-04".parse().ok(),
        announced_on: "1999-01-05".parse().ok(),
        ..Default::default()
    }
    .validate(Source::ArxivApi)
    .unwrap();
    store.upsert_papers(vec![old], None).await.unwrap();
    let (status, html) = {
        let r = reqwest::get(format!("{base}/papers/hep-th/9901001")).await.unwrap();
        (r.status(), r.text().await.unwrap())
    };
    assert_eq!(status, 200);
    assert!(html.contains("Bounds on $\\ell_p$ &amp; &lt;b&gt;tags&lt;/b&gt;"));
    // Each author links to their page.
    assert!(html
        .contains(r#"<a href="/authors/Ann%20Author">Ann Author</a>, <a href="/authors/Bob%20Writer">Bob Writer</a>"#));
    assert!(html.contains("We show $x&lt;y$ for all $x$."));
    assert!(html.contains(r#"href="https://arxiv.org/pdf/hep-th/9901001v2""#));
    assert!(html.contains(r#"href="https://doi.org/10.1103/PhysRevD.60.000001""#));
    assert!(html.contains("High Energy Physics - Theory"), "category names");
    assert!(html.contains("@article{author1999bounds,"), "BibTeX: {html}");
    assert!(html.contains("Phys. Rev. D 60 (1999)"));
    assert!(html.contains(r#"<script defer src="/static/katex/katex.min.js"></script>"#));
    assert!(!html.contains("cdn"), "no CDN");

    // A sample paper, linked from the day's list.
    let day = reqwest::get(format!("{base}/papers/date/2025-08-07")).await.unwrap().text().await.unwrap();
    let first =
        day.split(r#"<h2 class="math"><a href="/papers/"#).nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = reqwest::get(format!("{base}/papers/{first}")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("@misc{"));

    assert_eq!(reqwest::get(format!("{base}/papers/2508.99999")).await.unwrap().status(), 404);
    assert_eq!(reqwest::get(format!("{base}/papers/not-an-id")).await.unwrap().status(), 400);

    // The KaTeX files are served by paperboy itself.
    let css = reqwest::get(format!("{base}/static/katex/katex.min.css")).await.unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    let css = css.text().await.unwrap();
    let font = css.split("url(fonts/").nth(1).unwrap().split(')').next().unwrap().to_string();
    assert!(font.ends_with(".woff2"));
    let f = reqwest::get(format!("{base}/static/katex/fonts/{font}")).await.unwrap();
    assert_eq!((f.status().as_u16(), f.headers()["content-type"].to_str().unwrap()), (200, "font/woff2"));
    for js in ["katex/katex.min.js", "katex/contrib/auto-render.min.js", "render-math.js"] {
        assert_eq!(reqwest::get(format!("{base}/static/{js}")).await.unwrap().status(), 200, "{js}");
    }
    assert_eq!(reqwest::get(format!("{base}/static/../Cargo.toml")).await.unwrap().status(), 404);
}

#[tokio::test]
async fn week_and_month_pages_list_their_days() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _store) = served(dir.path()).await;
    let get = |path: &str| {
        let url = format!("{base}{path}");
        async move {
            let r = reqwest::get(url).await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    // The sample's four days (2025-08-04 … 07) are all in ISO week 32 of August 2025.
    let (status, week) = get("/papers/week/2025-W32").await;
    assert_eq!(status, 200);
    assert!(week.contains("Papers announced in week 2025-W32 (2025-08-04 – 2025-08-10)"));
    assert!(week.contains("400 papers, 1–50 shown"));
    assert!(week.contains(r#"href="/papers/week/2025-W31""#) && week.contains(r#"href="/papers/week/2025-W33""#));
    let (_, month) = get("/papers/month/2025-08?cat=cs.SD").await;
    assert!(month.contains("Papers announced in 2025-08") && month.contains("Categories: cs.SD"));
    assert!(month.contains(r#"href="/papers/month/2025-07?cat=cs.SD""#));
    let (_, day) = get("/papers/date/2025-08-05").await;
    assert!(day.contains(r#"href="/papers/week/2025-W32""#) && day.contains(r#"href="/papers/month/2025-08""#));
    assert_eq!(get("/papers/week/2025-W99").await.0, 400);
    assert_eq!(get("/papers/month/2025-13").await.0, 400);
    assert_eq!(get("/papers/month/2025-08-01").await.0, 400);
}

#[tokio::test]
async fn metrics_count_responses_and_describe_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _store) = served(dir.path()).await;
    for _ in 0..3 {
        reqwest::get(format!("{base}/")).await.unwrap();
    }
    reqwest::get(format!("{base}/papers/date/not-a-day")).await.unwrap();
    let r = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = r.text().await.unwrap();
    let value = |name: &str| -> f64 {
        text.lines().find(|l| l.starts_with(name)).and_then(|l| l.rsplit(' ').next()).unwrap().parse().unwrap()
    };
    assert_eq!(value("paperboy_http_responses_total{class=\"2xx\"}"), 3.0);
    assert_eq!(value("paperboy_http_responses_total{class=\"4xx\"}"), 1.0);
    assert_eq!(value("paperboy_http_response_seconds_count"), 4.0);
    assert_eq!(value("paperboy_store_papers"), 400.0);
    assert_eq!(value("paperboy_store_up"), 1.0);
    // Every sample line is `name{labels} value` or `name value`.
    for l in text.lines().filter(|l| !l.starts_with('#')) {
        assert!(l.rsplit(' ').next().unwrap().parse::<f64>().is_ok(), "{l}");
    }
}

#[tokio::test]
async fn cached_listings_never_outlive_a_change_to_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let (base, store) = served(dir.path()).await;
    let url = format!("{base}/papers/week/2025-W32?cat=cs.CL");
    let first = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert_eq!(first, reqwest::get(&url).await.unwrap().text().await.unwrap(), "served again");
    assert!(!first.contains("Fresh after the cache"));
    let paper = listed_paper("2508.09997", "Fresh after the cache", "2025-08-07", "cs.CL");
    store.upsert_papers(vec![paper], None).await.unwrap();
    let after = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(after.contains("Fresh after the cache"));
}

#[test]
fn serve_warns_at_start_when_mail_cannot_be_delivered() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let smtp = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = serve_command(dir.path(), port)
        .env("PAPERBOY_MAIL__SMTP_HOST", "127.0.0.1")
        .env("PAPERBOY_MAIL__SMTP_PORT", smtp.to_string())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    for out in [
        Box::new(child.stderr.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stdout.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let warned = (0..600)
        .filter_map(|_| rx.recv_timeout(std::time::Duration::from_millis(50)).ok())
        .find(|l| l.contains("mail cannot be delivered"));
    child.kill().unwrap();
    child.wait().unwrap();
    let warned = warned.expect("a warning at start");
    assert!(warned.contains(&format!("127.0.0.1:{smtp}")), "{warned}");
}
