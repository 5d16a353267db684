//! The findings of a black-box probe, each reproduced: redirects that stay on this site,
//! control characters in `next`, the security headers on every answer, extractor rejections
//! drawn as the site's own escaped pages, and feed addresses that carry a read-only token.
//! The browser halves (the redirect followed by Chromium, pages under the CSP) are in browser.rs.

use crate::helpers::*;

const PAPER: &str = "2508.00079";

#[tokio::test]
async fn after_login_vote_and_collect_the_redirect_stays_on_this_site() {
    let s = spawn_app(|_| {}).await;
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let eve = Visitor::new(&s.base);
    eve.signup("eve", "correct horse").await;
    let hostile =
        ["/\t/evil.example/", "/\n/evil.example/", "//evil.example/", "/\\evil.example/", "https://evil.example/"];
    for next in hostile {
        // Login: the value comes back in the form, and again after the login.
        let page = eve.get(&format!("/login?next={}", urlencode(next))).await;
        assert_eq!(page.status, 200);
        assert!(!page.body.contains("evil.example"), "{next:?} is not put in the form");
        let login =
            eve.submit("/login", "/login", &[("username", "eve"), ("password", "correct horse"), ("next", next)]).await;
        assert_eq!((login.status.as_u16(), login.location()), (303, "/"), "{next:?}");
        // The vote and collection forms' `next`.
        let vote = ada.submit(&format!("/papers/{PAPER}"), &format!("/papers/{PAPER}/upvote"), &[("next", next)]).await;
        assert_eq!((vote.status.as_u16(), vote.location()), (303, "/"), "{next:?}");
    }
    let made = ada.submit("/collections", "/collections", &[("name", "Reading")]).await;
    let collection = made.location().to_string();
    let add = ada
        .submit(
            &format!("/papers/{PAPER}"),
            &format!("{collection}/papers"),
            &[("paper_id", PAPER), ("action", "add"), ("next", "/\t/evil.example/")],
        )
        .await;
    assert_eq!((add.status.as_u16(), add.location()), (303, "/"));
    // A path on this site is kept, and one with letters beyond ASCII comes back encoded.
    let login = eve
        .submit("/login", "/login", &[("username", "eve"), ("password", "correct horse"), ("next", "/search?q=Zoë")])
        .await;
    assert_eq!(login.location(), "/search?q=Zo%C3%AB");
}

#[tokio::test]
async fn a_control_character_in_next_is_refused_not_a_500() {
    let s = spawn_app(|_| {}).await;
    let eve = Visitor::new(&s.base);
    eve.signup("eve", "correct horse").await;
    for c in ['\0', '\u{1}', '\u{8}', '\u{1b}', '\u{7f}'] {
        let next = format!("/papers{c}/x");
        let login = eve
            .submit("/login", "/login", &[("username", "eve"), ("password", "correct horse"), ("next", &next)])
            .await;
        assert_eq!((login.status.as_u16(), login.location()), (303, "/"), "{next:?}: {}", login.body);
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let s = spawn_app(|_| {}).await;
    let guest = Visitor::new(&s.base);
    for path in [
        "/",
        &format!("/papers/{PAPER}"),
        "/search?q=audio",
        "/api/v1/papers?limit=1",
        "/static/site.css",
        "/feeds/latest.rss",
        "/healthz",
        "/no/such/page",
        "/collections/abc",
    ] {
        let r = guest.get(path).await;
        let h = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("x-frame-options"), "DENY", "{path}");
        let csp = h("content-security-policy");
        for directive in ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
    }
}

#[tokio::test]
async fn bad_addresses_get_the_sites_own_escaped_error_page() {
    let s = spawn_app(|_| {}).await;
    let guest = Visitor::new(&s.base);
    for (path, status) in [
        ("/collections/%3Cscript%3Ealert(1)%3C%2Fscript%3E", 400),
        ("/papers/trending?page=abc", 400),
        ("/no/such/page", 404),
        ("/logout", 405),
    ] {
        let r = guest.get(path).await;
        assert_eq!(r.status.as_u16(), status, "{path}: {}", r.body);
        let ct = r.headers["content-type"].to_str().unwrap();
        assert!(ct.starts_with("text/html"), "{path}: {ct}");
        assert!(r.body.contains("<nav") && r.body.contains("href=\"/\""), "{path}: the site's page, with a way back");
        assert!(!r.body.contains("<script>alert"), "{path}: escaped");
    }
    let r = guest.get("/collections/%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert!(r.body.contains("&lt;script&gt;") || !r.body.contains("script>"), "{}", r.body);
    // A member sees their own navigation on such a page.
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    assert!(ada.get("/no/such/page").await.body.contains("href=\"/u/ada\""));
    // The API answers in JSON, as before, and counts against its rate limit; the site's pages do not.
    let r = guest.get("/api/v1/nothing").await;
    assert_eq!(r.status.as_u16(), 404);
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("application/json"));
    let remaining =
        |r: &Answer| r.headers["ratelimit"].to_str().unwrap().split("remaining=").nth(1).unwrap().to_string();
    let before = remaining(&r);
    for _ in 0..3 {
        let page = guest.get("/no/such/page").await;
        assert!(!page.headers.contains_key("ratelimit"), "a page is not an API call");
    }
    let after = remaining(&guest.get("/api/v1/nothing").await);
    let n = |s: &str| s.split(',').next().unwrap().trim().parse::<i64>().unwrap();
    assert_eq!(n(&after), n(&before) - 1, "unknown pages did not count against the API's limit");
}

#[tokio::test]
async fn feed_addresses_carry_a_read_only_token() {
    let s = spawn_app(|_| {}).await;
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let (api, _) = crate::api_v1::make_scoped_token(&ada, "script", "api").await;
    let (feed, page) = crate::api_v1::make_scoped_token(&ada, "reader", "feed").await;
    assert!(feed.starts_with("pbf_"), "{feed}");
    assert!(page.body.contains(&format!("/feeds/recommendations.rss?token={feed}")));
    let listed = ada.get("/settings/tokens").await.body;
    assert!(listed.contains("feed (read only)") && listed.contains("API (read and write)"), "both listed by kind");

    // The feed opens with the feed token, not with an API token.
    let url = |t: &str| format!("{}/feeds/recommendations.rss?token={t}", s.base);
    assert_eq!(crate::feeds::fetch(&url(&feed)).await.0, 200);
    let (status, _, body) = crate::feeds::fetch(&url(&api)).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("feed token"));

    // The feed token reads through the API and cannot write.
    let http = reqwest::Client::new();
    let me = http.get(format!("{}/api/v1/me", s.base)).bearer_auth(&feed).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let up = format!("{}/api/v1/papers/{PAPER}/upvote", s.base);
    let write =
        http.post(&up).bearer_auth(&feed).header("content-type", "application/json").body("{}").send().await.unwrap();
    assert_eq!(write.status(), 403);
    let err: serde_json::Value = serde_json::from_str(&write.text().await.unwrap()).unwrap();
    assert_eq!(err["code"], "read_only_token");
    let votes: i64 =
        s.store.read(|db| Ok(db.query_one("SELECT COUNT(*) FROM votes", &[])?.unwrap().int(0))).await.unwrap();
    assert_eq!(votes, 0, "nothing was written");
    assert_eq!(
        http.post(&up)
            .bearer_auth(&api)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
