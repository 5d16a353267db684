//! The site in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`,
//! installed by scripts/test.sh) driven over WebDriver. Screenshots of every step are kept in
//! `target/browser-artifacts/` (the README's screenshot is one of them).

use crate::helpers::*;
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A chromedriver of our own on a free port, stopped when dropped.
pub(crate) struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (Debian package chromium-driver; scripts/test.sh installs it)");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{url}/status")).await.is_ok() {
            return Driver { child, url };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

pub(crate) async fn browser(driver: &Driver, dark: bool) -> Client {
    sized(driver, dark, None).await
}

/// A Chromium session; with `phone`, one that emulates a phone `phone` CSS pixels wide (touch, a
/// device pixel ratio of 3, the viewport meta tag honoured).
pub(crate) async fn sized(driver: &Driver, dark: bool, phone: Option<u32>) -> Client {
    let mut args =
        vec!["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,1000"];
    if dark {
        args.push("--force-dark-mode");
    }
    let mut options = serde_json::json!({ "binary": "/usr/bin/chromium", "args": args });
    if let Some(width) = phone {
        options["mobileEmulation"] = serde_json::json!({
            "deviceMetrics": { "width": width, "height": 780, "pixelRatio": 3.0, "touch": true },
            "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
        });
    }
    let caps = serde_json::json!({ "goog:chromeOptions": options });
    let serde_json::Value::Object(caps) = caps else { unreachable!() };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

pub(crate) fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(artifacts().join(format!("{name}.png")), png).unwrap();
}

pub(crate) async fn wait_for(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

pub(crate) async fn fill(c: &Client, css: &str, text: &str) {
    let el = wait_for(c, css).await;
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

pub(crate) async fn js(c: &Client, script: &str) -> serde_json::Value {
    c.execute(script, vec![]).await.unwrap()
}

#[tokio::test]
async fn a_member_signs_up_votes_comments_submits_and_collects_in_chromium() {
    let arxiv = FixtureServer::start(|s, _| crate::arxiv_api::arxiv(s)).await;
    let api = format!("{}/api/query", arxiv.base);
    let s = spawn_app(move |s| {
        s.arxiv.api_url = api;
        s.arxiv.min_interval_ms = 0;
    })
    .await;
    let driver = start_driver().await;
    let c = browser(&driver, false).await;
    let base = s.base.clone();

    // Sign up.
    c.goto(&format!("{base}/signup")).await.unwrap();
    fill(&c, "#username", "ada").await;
    fill(&c, "#password", "correct horse").await;
    wait_for(&c, "form[action='/signup'] button").await.click().await.unwrap();
    wait_for(&c, "a[href='/u/ada']").await;
    shot(&c, "01-signed-up").await;

    // Log out and in again.
    wait_for(&c, "form[action='/logout'] button").await.click().await.unwrap();
    wait_for(&c, "a[href='/login']").await.click().await.unwrap();
    fill(&c, "#username", "ada").await;
    fill(&c, "#password", "correct horse").await;
    wait_for(&c, "form[action='/login'] button").await.click().await.unwrap();
    wait_for(&c, "a[href='/u/ada']").await;

    // Upvote on the daily page without a reload: a marker set on the page survives the click.
    c.goto(&format!("{base}/")).await.unwrap();
    let first = wait_for(&c, "article form.vote button").await;
    js(&c, "window.__stillHere = true;").await;
    first.click().await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("article form.vote button[aria-pressed='true']"))
        .await
        .expect("the button shows the vote");
    let n =
        js(&c, "return document.querySelector(\"article form.vote button[aria-pressed='true'] .n\").textContent").await;
    assert_eq!(n, "1");
    assert_eq!(js(&c, "return window.__stillHere === true").await, true, "no page reload");
    shot(&c, "02-upvoted").await;
    let voted: i64 =
        s.store.read(|db| Ok(db.query_one("SELECT COUNT(*) FROM votes", &[])?.unwrap().int(0))).await.unwrap();
    assert_eq!(voted, 1);

    // Math renders on a paper page (KaTeX served by paperboy).
    c.goto(&format!("{base}/papers/2508.00079")).await.unwrap();
    wait_for(&c, ".abstract .katex").await;
    shot(&c, "03-math").await;

    // Comment, then reply.
    fill(&c, "#comment-body", "Does the benchmark include **optics**?").await;
    wait_for(&c, "#comment-form button").await.click().await.unwrap();
    wait_for(&c, ".comment .text strong").await;
    wait_for(&c, ".comment details.reply summary").await.click().await.unwrap();
    fill(&c, ".comment details.reply textarea", "It does, see section 3.").await;
    wait_for(&c, ".comment details.reply button").await.click().await.unwrap();
    let nested = wait_for(&c, ".comment .comment .text").await;
    assert!(nested.text().await.unwrap().contains("It does, see section 3."));
    shot(&c, "04-comments").await;

    // Submit a paper paperboy does not know: fetched from (the recorded) arXiv.
    c.goto(&format!("{base}/submit")).await.unwrap();
    fill(&c, "#paper", "https://arxiv.org/abs/1605.08386").await;
    wait_for(&c, "form[action='/submit'] button").await.click().await.unwrap();
    wait_for(&c, "article.paper[data-id^='1605.08386']").await;
    c.goto(&format!("{base}/")).await.unwrap();
    wait_for(&c, ".highlights article[data-id^='1605.08386']").await;
    shot(&c, "05-submitted").await;

    // A collection, and a paper added to it from its page.
    c.goto(&format!("{base}/collections")).await.unwrap();
    fill(&c, "#name", "Audio week").await;
    wait_for(&c, "form[action='/collections'] button").await.click().await.unwrap();
    wait_for(&c, "form[action$='/delete']").await;
    let collection_url = c.current_url().await.unwrap().to_string();
    c.goto(&format!("{base}/papers/2508.00079")).await.unwrap();
    wait_for(&c, "#collect form button").await.click().await.unwrap();
    // The form's answer (back on the paper, which now offers to remove it) before going on.
    wait_for(&c, "#collect form input[name='action'][value='remove']").await;
    c.goto(&collection_url).await.unwrap();
    wait_for(&c, "article[data-id^='2508.00079']").await;
    shot(&c, "06-collection").await;
    c.close().await.unwrap();

    // The daily page as a guest, light and dark (the README's screenshot).
    let light = browser(&driver, false).await;
    light.goto(&format!("{base}/")).await.unwrap();
    wait_for(&light, "article").await;
    shot(&light, "daily-page").await;
    let bg = js(&light, "return getComputedStyle(document.body).backgroundColor").await;
    assert_eq!(bg, "rgb(255, 255, 255)");
    light.close().await.unwrap();

    let dark = browser(&driver, true).await;
    dark.goto(&format!("{base}/")).await.unwrap();
    wait_for(&dark, "article").await;
    assert_eq!(js(&dark, "return matchMedia('(prefers-color-scheme: dark)').matches").await, true);
    let bg = js(&dark, "return getComputedStyle(document.body).backgroundColor").await;
    assert_eq!(bg, "rgb(17, 17, 17)", "the dark theme follows prefers-color-scheme");
    shot(&dark, "daily-page-dark").await;
    dark.close().await.unwrap();
}

/// `paperboy_csp_violations_total` from `/metrics`.
async fn csp_violations(base: &str) -> u64 {
    let metrics = reqwest::get(format!("{base}/metrics")).await.unwrap().text().await.unwrap();
    let line = metrics.lines().find(|l| l.starts_with("paperboy_csp_violations_total ")).expect("the counter");
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn chromium_stays_on_this_site_after_login_and_every_page_works_under_the_csp() {
    let s = spawn_app(|_| {}).await;
    Visitor::new(&s.base).signup("ada", "correct horse").await;
    let driver = start_driver().await;
    let c = browser(&driver, false).await;
    let base = s.base.clone();

    // The open redirect as reported: `/<TAB>/evil.example/` reads as `//evil.example/` in a browser.
    c.goto(&format!("{base}/login?next=%2F%09%2Fevil.example%2F")).await.unwrap();
    fill(&c, "#username", "ada").await;
    fill(&c, "#password", "correct horse").await;
    wait_for(&c, "form[action='/login'] button").await.click().await.unwrap();
    wait_for(&c, "a[href='/u/ada']").await;
    let url = c.current_url().await.unwrap();
    assert_eq!(url.host_str(), Some("127.0.0.1"), "{url}");
    assert_eq!(url.path(), "/", "{url}");

    // Pages a member and a guest see, math and scripts included, under the CSP.
    for (path, ready) in [
        ("/", "article form.vote"),
        ("/papers/2508.00079", ".abstract .katex"),
        ("/search?q=audio", "main"),
        ("/papers/trending", "main"),
        ("/collections", "#name"),
        ("/settings/tokens", "#scope"),
        ("/settings", "main"),
        ("/subscribe", "main"),
        ("/for-you", "main"),
        ("/submit", "#paper"),
        ("/password/forgot", "#email"),
        ("/no/such/page", "main"),
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        wait_for(&c, ready).await;
    }
    // The upvote script works (a fetch to this site).
    c.goto(&format!("{base}/")).await.unwrap();
    wait_for(&c, "article form.vote button").await.click().await.unwrap();
    wait_for(&c, "article form.vote button[aria-pressed='true']").await;

    // A control that the check can see a violation: an inline script is blocked and reported.
    js(
        &c,
        "var s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.appendChild(s);",
    )
    .await;
    assert_eq!(js(&c, "return window.__ran === undefined").await, true, "inline script blocked");
    let mut seen = 0;
    for _ in 0..100 {
        seen = csp_violations(&base).await;
        if seen > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!((seen, csp_violations(&base).await), (1, 1), "only the control was blocked: no page broke the CSP");
    c.close().await.unwrap();
}

#[tokio::test]
async fn after_logout_back_does_not_show_a_members_page_in_chromium() {
    let s = spawn_app(|_| {}).await;
    let v = Visitor::new(&s.base);
    let r = v
        .submit(
            "/signup",
            "/signup",
            &[("username", "ada"), ("password", "correct horse"), ("email", "ada@example.org")],
        )
        .await;
    assert_eq!(r.status, 303);
    let driver = start_driver().await;
    let c = browser(&driver, false).await;
    let base = s.base.clone();
    c.goto(&format!("{base}/login?next=/settings")).await.unwrap();
    fill(&c, "#username", "ada").await;
    fill(&c, "#password", "correct horse").await;
    wait_for(&c, "form[action='/login'] button").await.click().await.unwrap();
    wait_for(&c, "form[action='/logout'] button").await;
    let settings = c.source().await.unwrap();
    assert!(settings.contains("ada@example.org"), "the settings page shows the email");
    wait_for(&c, "form[action='/logout'] button").await.click().await.unwrap();
    wait_for(&c, "a[href='/login']").await;
    c.back().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = c.source().await.unwrap();
    let url = c.current_url().await.unwrap();
    assert!(
        !after.contains("ada@example.org"),
        "Back after logout shows the member page again: {url} {}",
        &after[..after.len().min(3000)]
    );
    shot(&c, "back-after-logout").await;
    c.close().await.unwrap();
}

/// The focused paper's id, and the live region's words.
async fn current(c: &Client) -> (serde_json::Value, serde_json::Value) {
    let id = js(c, "var a = document.querySelector('article.current'); return a && a.getAttribute('data-id')").await;
    let said = js(c, "return document.getElementById('triage-status').textContent").await;
    (id, said)
}

async fn press(c: &Client, key: &str) {
    // To the page, as a person types with nothing but the page focused.
    let focused = js(c, "return document.activeElement && document.activeElement.tagName").await;
    let target = if focused == "A" { c.active_element().await.unwrap() } else { wait_for(c, "body").await };
    target.send_keys(key).await.unwrap();
}

#[tokio::test]
async fn a_member_triages_a_list_with_the_keyboard_and_gets_recommendations_in_chromium() {
    let s = spawn_app(|_| {}).await;
    Visitor::new(&s.base).signup("ada", "correct horse").await;
    let driver = start_driver().await;
    let c = browser(&driver, false).await;
    let base = s.base.clone();
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(&c, "#username", "ada").await;
    fill(&c, "#password", "correct horse").await;
    wait_for(&c, "form[action='/login'] button").await.click().await.unwrap();
    wait_for(&c, "a[href='/for-you']").await;

    // Nothing liked yet: the page says how to get recommendations.
    c.goto(&format!("{base}/for-you")).await.unwrap();
    assert!(wait_for(&c, "main .empty").await.text().await.unwrap().contains("Nothing to recommend yet"));

    c.goto(&format!("{base}/")).await.unwrap();
    wait_for(&c, "article form.vote").await;
    let ids: Vec<String> = serde_json::from_value(
        js(
            &c,
            "return Array.from(document.querySelectorAll('main article[data-id]')).map(a => a.getAttribute('data-id'))",
        )
        .await,
    )
    .unwrap();
    assert!(ids.len() > 5);
    // j, j, k: the second paper, then the first; focus and the announcement follow.
    press(&c, "j").await;
    press(&c, "j").await;
    let (id, said) = current(&c).await;
    assert_eq!(id, ids[1].as_str());
    assert!(said.as_str().unwrap().starts_with(&format!("Paper 2 of {}", ids.len())), "{said}");
    press(&c, "k").await;
    assert_eq!(current(&c).await.0, ids[0].as_str());
    let focused = js(&c, "return document.activeElement.closest('article').getAttribute('data-id')").await;
    assert_eq!(focused, ids[0].as_str(), "the title link has the focus");
    // u upvotes the focused paper (through the page's script: no reload).
    press(&c, "u").await;
    wait_for(&c, "article.current form.vote button[aria-pressed='true']").await;
    // m marks it read; h hides read papers, and j skips them.
    press(&c, "m").await;
    wait_for(&c, "article.current.read").await;
    press(&c, "h").await;
    wait_for(&c, "article.read.gone").await;
    assert!(wait_for(&c, ".read-toggle").await.text().await.unwrap().contains("1 hidden"));
    press(&c, "j").await;
    assert_eq!(current(&c).await.0, ids[1].as_str());
    // ? shows the keys; Escape closes them.
    press(&c, "?").await;
    assert!(wait_for(&c, "dialog.keys[open]").await.text().await.unwrap().contains("not interested"));
    press(&c, &char::from(fantoccini::key::Key::Escape).to_string()).await;
    assert_eq!(js(&c, "return document.querySelector('dialog.keys').open").await, false);
    // Keys are off while typing in a field.
    c.goto(&format!("{base}/search")).await.unwrap();
    let field = wait_for(&c, "input[name='q']").await;
    field.send_keys("jk").await.unwrap();
    assert_eq!(field.prop("value").await.unwrap().as_deref(), Some("jk"));
    shot(&c, "07-keyboard").await;

    // The read mark stays in this browser; h again shows read papers.
    c.goto(&format!("{base}/")).await.unwrap();
    wait_for(&c, "article.read.gone").await;
    press(&c, "h").await;
    assert_eq!(js(&c, "return document.querySelectorAll('article.gone').length").await, 0);
    // x: not interested in the second paper; the list comes back without it.
    press(&c, "j").await;
    press(&c, "j").await;
    assert_eq!(current(&c).await.0, ids[1].as_str());
    press(&c, "x").await;
    wait_for(&c, ".muted-note").await;
    let left = js(&c, &format!("return document.querySelector(\"article[data-id='{}']\") === null", ids[1])).await;
    assert_eq!(left, true);

    // For you: papers like the upvoted one, each with its reason.
    c.goto(&format!("{base}/for-you")).await.unwrap();
    let reason = wait_for(&c, "article .reason").await.text().await.unwrap();
    assert!(reason.starts_with("Like ") && reason.ends_with("which you upvoted"), "{reason}");
    shot(&c, "08-for-you").await;
    // o opens the focused paper.
    press(&c, "j").await;
    let first = current(&c).await.0;
    press(&c, "o").await;
    wait_for(&c, "article.paper").await;
    let url = c.current_url().await.unwrap();
    assert!(first.as_str().unwrap().starts_with(url.path().trim_start_matches("/papers/")), "{url} {first}");
    c.close().await.unwrap();
}
