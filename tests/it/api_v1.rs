//! paperboy's own JSON API (`/api/v1`), personal API tokens, rate limits, the OpenAPI
//! document (checked by schemathesis against a live server), and the search and
//! recommendations feeds — against the real app on the bundled sample.

use crate::helpers::*;
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

const P1: &str = "2508.04010";
const P2: &str = "2508.04005";
const P3: &str = "2508.03983";

/// A JSON client with an optional bearer token.
pub struct Api {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, token: Option<&str>) -> Self {
        Self { base: base.into(), token: token.map(str::to_string), http: reqwest::Client::new() }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, HeaderMap, Value) {
        let mut r = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.header("content-type", "application/json").body(b.to_string());
        }
        let r = r.send().await.unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        let text = r.text().await.unwrap();
        let value = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() };
        (status, headers, value)
    }

    pub async fn get(&self, path: &str) -> (u16, HeaderMap, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let (s, _, v) = self.call(reqwest::Method::POST, path, Some(body)).await;
        (s, v)
    }
    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        let (s, _, v) = self.call(reqwest::Method::PATCH, path, Some(body)).await;
        (s, v)
    }
    pub async fn put(&self, path: &str) -> (u16, Value) {
        let (s, _, v) = self.call(reqwest::Method::PUT, path, None).await;
        (s, v)
    }
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let (s, _, v) = self.call(reqwest::Method::DELETE, path, None).await;
        (s, v)
    }
}

/// `path`'s recommendations once the member's latest votes are taken in (right after a vote the
/// kept ranking answers, with a notice, while the new one is made).
pub async fn settled(api: &Api, path: &str) -> Value {
    for _ in 0..200 {
        let (_, _, r) = api.get(path).await;
        if !r["notices"].to_string().contains("being taken in") {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the new ranking was never made");
}

/// Makes an API token on the settings page, as a member would; returns it and the page.
pub async fn make_token(member: &Visitor, name: &str) -> (String, Answer) {
    make_scoped_token(member, name, "api").await
}

/// Makes a token of a scope (`api` or `feed`) on the settings page.
pub async fn make_scoped_token(member: &Visitor, name: &str, scope: &str) -> (String, Answer) {
    let page = member.submit("/settings/tokens", "/settings/tokens", &[("name", name), ("scope", scope)]).await;
    assert_eq!(page.status, 201, "{}", page.body);
    let marker = "id=\"new-token\" readonly value=\"";
    let at = page.body.find(marker).expect("the new token on the page") + marker.len();
    let token = page.body[at..].split('"').next().unwrap().to_string();
    (token, page)
}

#[tokio::test]
async fn tokens_are_shown_once_stored_hashed_and_revocable() {
    let s = spawn_app(|_| {}).await;
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let (token, page) = make_token(&ada, "my script").await;
    assert!(token.len() > 40, "{token}");
    assert_eq!(page.headers["cache-control"], "no-store");
    assert!(token.starts_with("pb_") && !page.body.contains("/feeds/recommendations.rss?token="), "no feed address");
    // Listed by name afterwards, never shown again.
    let list = ada.get("/settings/tokens").await.body;
    assert!(list.contains("my script") && !list.contains(&token));
    // Only the SHA-256 is stored.
    let stored: Vec<String> = s
        .store
        .read(|db| Ok(db.query("SELECT token_hash FROM api_tokens", &[])?.iter().map(|r| r.text(0)).collect()))
        .await
        .unwrap();
    assert_eq!(stored, vec![paperboy::accounts::token_hash(&token)]);

    let (status, headers, me) = Api::new(&s.base, Some(&token)).get("/api/v1/me").await;
    assert_eq!((status, me["username"].as_str()), (200, Some("ada")));
    assert!(headers["ratelimit"].to_str().unwrap().starts_with("limit=3000, "), "per-token budget");
    let (status, _, err) = Api::new(&s.base, Some("pb_nope")).get("/api/v1/me").await;
    assert_eq!((status, err["code"].as_str()), (401, Some("invalid_token")));
    let (status, _, err) = Api::new(&s.base, None).get("/api/v1/me").await;
    assert_eq!((status, err["code"].as_str()), (401, Some("token_required")));

    // Revoked: refused at once, and its feed closes.
    let id: i64 = s.store.read(|db| Ok(db.query_one("SELECT id FROM api_tokens", &[])?.unwrap().int(0))).await.unwrap();
    assert_eq!(ada.submit("/settings/tokens", &format!("/settings/tokens/{id}/revoke"), &[]).await.status, 303);
    let (status, _, _) = Api::new(&s.base, Some(&token)).get("/api/v1/me").await;
    assert_eq!(status, 401);
    // A feed token's feed closes when it is revoked.
    let (feed_token, page) = make_scoped_token(&ada, "reader", "feed").await;
    assert!(page.body.contains(&format!("/feeds/recommendations.rss?token={feed_token}")));
    let feed = format!("{}/feeds/recommendations.rss?token={feed_token}", s.base);
    assert_eq!(crate::feeds::fetch(&feed).await.0, 200);
    let id: i64 =
        s.store.read(|db| Ok(db.query_one("SELECT MAX(id) FROM api_tokens", &[])?.unwrap().int(0))).await.unwrap();
    ada.submit("/settings/tokens", &format!("/settings/tokens/{id}/revoke"), &[]).await;
    assert_eq!(crate::feeds::fetch(&feed).await.0, 404);
    // Another member cannot revoke ada's tokens.
    let (token2, _) = make_token(&ada, "second").await;
    let eve = Visitor::new(&s.base);
    eve.signup("eve", "correct horse").await;
    let id2: i64 =
        s.store.read(|db| Ok(db.query_one("SELECT MAX(id) FROM api_tokens", &[])?.unwrap().int(0))).await.unwrap();
    eve.submit("/settings", &format!("/settings/tokens/{id2}/revoke"), &[]).await;
    assert_eq!(Api::new(&s.base, Some(&token2)).get("/api/v1/me").await.0, 200);
}

#[tokio::test]
async fn members_write_through_the_api_with_a_token() {
    let s = spawn_app(|_| {}).await;
    let ada_web = Visitor::new(&s.base);
    ada_web.signup("ada", "correct horse").await;
    let (token, _) = make_token(&ada_web, "script").await;
    let ada = Api::new(&s.base, Some(&token));
    let guest = Api::new(&s.base, None);

    // Upvotes: idempotent either way, counted once.
    let up = format!("/api/v1/papers/{P1}/upvote");
    assert_eq!(ada.post(&up, json!({})).await, (200, json!({"paperId": P1, "voted": true, "upvotes": 1})));
    assert_eq!(ada.post(&up, json!({})).await.1["upvotes"], 1);
    assert_eq!(ada.delete(&up).await, (200, json!({"paperId": P1, "voted": false, "upvotes": 0})));
    assert_eq!(ada.delete(&up).await.1["upvotes"], 0);
    ada.post(&up, json!({})).await;
    let (status, err) = guest.post(&up, json!({})).await;
    assert_eq!((status, err["code"].as_str()), (401, Some("token_required")));
    // A logged-in browser's cookie is not a credential here.
    let r = reqwest::Client::new()
        .post(format!("{}{up}", s.base))
        .header("cookie", format!("pb_session={}", ada_web.cookie("pb_session").unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Comments and replies, read back as a thread.
    let comments = format!("/api/v1/papers/{P1}/comments");
    let (status, c1) = ada.post(&comments, json!({"body": "Nice <b>work</b>"})).await;
    assert_eq!(status, 201);
    assert_eq!((c1["author"].as_str(), c1["body"].as_str()), (Some("ada"), Some("Nice <b>work</b>")));
    let (status, c2) = ada.post(&comments, json!({"body": "A reply", "parentId": c1["id"]})).await;
    assert_eq!((status, &c2["parentId"]), (201, &c1["id"]));
    let (status, err) =
        ada.post(&format!("/api/v1/papers/{P2}/comments"), json!({"body": "x", "parentId": c1["id"]})).await;
    assert_eq!((status, err["code"].as_str()), (400, Some("invalid_parent")));
    let (status, err) = ada.post(&comments, json!({"body": "   "})).await;
    assert_eq!((status, err["code"].as_str()), (400, Some("invalid_body")));
    let (status, err) = ada.post(&comments, json!({"text": "wrong field"})).await;
    assert_eq!((status, err["code"].as_str()), (400, Some("invalid_body")));
    let (status, _, thread) = guest.get(&comments).await;
    assert_eq!(status, 200);
    let list = thread["comments"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!((list[0]["id"].clone(), list[1]["parentId"].clone()), (c1["id"].clone(), c1["id"].clone()));
    let (_, _, paper) = guest.get(&format!("/api/v1/papers/{P1}")).await;
    assert_eq!((paper["upvotes"].as_i64(), paper["comments"].as_i64()), (Some(1), Some(2)));
    assert_eq!(paper["arxivUrl"], format!("https://arxiv.org/abs/{P1}"));

    // Submissions, once per paper.
    let (status, sub) = ada.post("/api/v1/submissions", json!({"paper": "https://arxiv.org/abs/2508.00041v1"})).await;
    assert_eq!(
        (status, sub["paper"]["id"].as_str(), sub["paper"]["submittedBy"].as_str()),
        (201, Some("2508.00041"), Some("ada"))
    );
    let (status, err) = ada.post("/api/v1/submissions", json!({"paper": "2508.00041"})).await;
    assert_eq!((status, err["code"].as_str()), (409, Some("already_submitted")));
    let (status, err) = ada.post("/api/v1/submissions", json!({"paper": "not a paper"})).await;
    assert_eq!((status, err["code"].as_str()), (400, Some("invalid_id")));

    // Collections: private until made public; only the owner edits them.
    let (status, c) = ada.post("/api/v1/collections", json!({"name": "Reading list"})).await;
    assert_eq!((status, c["public"].as_bool(), c["papers"].as_i64()), (201, Some(false), Some(0)));
    let cid = c["id"].as_i64().unwrap();
    assert_eq!(ada.put(&format!("/api/v1/collections/{cid}/papers/{P2}")).await.1["papers"], 1);
    assert_eq!(ada.put(&format!("/api/v1/collections/{cid}/papers/{P3}")).await.1["papers"], 2);
    assert_eq!(ada.put(&format!("/api/v1/collections/{cid}/papers/{P3}")).await.1["papers"], 2, "idempotent");
    assert_eq!(guest.get(&format!("/api/v1/collections/{cid}")).await.0, 404, "private");
    let (status, _, mine) = ada.get(&format!("/api/v1/collections/{cid}")).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = mine["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&P2) && ids.contains(&P3));
    assert_eq!(guest.get("/api/v1/users/ada/collections").await.2, json!([]));
    assert_eq!(ada.get("/api/v1/users/ada/collections").await.2[0]["id"], cid);
    let bob_web = Visitor::new(&s.base);
    bob_web.signup("bob", "correct horse").await;
    let bob = Api::new(&s.base, Some(&make_token(&bob_web, "b").await.0));
    assert_eq!(bob.put(&format!("/api/v1/collections/{cid}/papers/{P1}")).await.0, 404);
    assert_eq!(bob.delete(&format!("/api/v1/collections/{cid}")).await.0, 404);
    assert_eq!(ada.delete(&format!("/api/v1/collections/{cid}/papers/{P2}")).await.1["papers"], 1);
    assert_eq!(ada.delete(&format!("/api/v1/collections/{cid}")).await.0, 204);
    assert_eq!(ada.get(&format!("/api/v1/collections/{cid}")).await.0, 404);

    // A member's upvotes, newest first.
    ada.post(&format!("/api/v1/papers/{P3}/upvote"), json!({})).await;
    let (_, _, votes) = guest.get("/api/v1/users/ada/upvotes").await;
    let ids: Vec<&str> = votes["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&P1) && ids.contains(&P3));
    assert_eq!(guest.get("/api/v1/users/nobody/upvotes").await.0, 404);
}

#[tokio::test]
async fn listings_trending_and_errors() {
    let s = spawn_app(|_| {}).await;
    let guest = Api::new(&s.base, None);
    let (status, headers, page1) = guest.get("/api/v1/papers?date=2025-08-07&limit=5").await;
    assert_eq!(status, 200);
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert_eq!(headers["ratelimit-policy"], "600;w=60");
    assert_eq!(page1["items"].as_array().unwrap().len(), 5);
    assert_eq!(page1["items"][0]["id"], P1);
    assert_eq!((page1["page"].as_u64(), page1["nextPage"].as_u64()), (Some(1), Some(2)));
    let total = page1["total"].as_u64().unwrap();
    assert!(total > 5);
    let (_, _, page2) = guest.get("/api/v1/papers?date=2025-08-07&limit=5&page=2").await;
    assert_ne!(page2["items"][0]["id"], page1["items"][0]["id"]);
    // The last page has no next page.
    let last = total.div_ceil(5);
    let (_, _, end) = guest.get(&format!("/api/v1/papers?date=2025-08-07&limit=5&page={last}")).await;
    assert!(end["nextPage"].is_null());
    // Categories filter.
    let (_, _, sd) = guest.get("/api/v1/papers?week=2025-W32&cat=cs.SD&limit=100").await;
    let items = sd["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|p| p["categories"].as_array().unwrap().iter().any(|c| c == "cs.SD")));
    assert_eq!(sd["total"].as_u64(), Some(items.len() as u64));
    // Trending, with a vote in it.
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    ada.upvote_json(P3).await;
    paperboy::community::ranking::refresh(&s.store, 3, chrono::Utc::now().timestamp()).await.unwrap();
    let (status, _, trending) = guest.get("/api/v1/trending?limit=3").await;
    assert_eq!(status, 200);
    assert_eq!(trending["items"][0]["id"], P3);
    assert_eq!(trending["items"][0]["upvotes"], 1);

    for (path, status, code) in [
        ("/api/v1/papers?limit=0", 400, "invalid_limit"),
        ("/api/v1/papers?page=0", 400, "invalid_page"),
        ("/api/v1/papers?date=2025-02-30", 400, "invalid_period"),
        ("/api/v1/papers?date=2025-08-07&week=2025-W32", 400, "invalid_period"),
        ("/api/v1/papers?cat=cs.NOPE", 400, "invalid_category"),
        ("/api/v1/papers?page=1&page=2", 400, "invalid_query"),
        ("/api/v1/trending?limit=500", 400, "invalid_limit"),
        ("/api/v1/papers/nonsense", 400, "invalid_id"),
        ("/api/v1/papers/2501.99999", 404, "not_found"),
        ("/api/v1/papers/2501.99999/comments", 404, "not_found"),
        ("/api/v1/collections/x", 400, "invalid_id"),
        ("/api/v1/collections/999", 404, "not_found"),
        ("/api/v1/nothing/here", 404, "not_found"),
    ] {
        let (got, _, body) = guest.get(path).await;
        assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{path}: {body}");
        assert_eq!(body["status"], status);
    }
    // CORS: browsers may read, not write.
    let r = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}/api/v1/papers", s.base))
        .header("origin", "https://example.org")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(r.headers()["access-control-allow-methods"], "GET, HEAD, OPTIONS");
}

#[tokio::test]
async fn rate_limits_are_announced_and_enforced_per_address_and_per_token() {
    let s = spawn_app(|settings| {
        settings.community.limits.api_anonymous = [3, 60];
        settings.community.limits.api_token = [5, 60];
    })
    .await;
    let guest = Api::new(&s.base, None);
    let mut remaining = Vec::new();
    let mut refused = None;
    // A window can end between two requests: allow for one restart.
    for _ in 0..8 {
        let (status, headers, body) = guest.get("/api/v1/papers?limit=1").await;
        let rl = headers["ratelimit"].to_str().unwrap().to_string();
        assert_eq!(headers["ratelimit-policy"], "3;w=60");
        if status == 429 {
            assert_eq!(body["code"], "rate_limited");
            let retry: i64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&retry), "{retry}");
            refused = Some(rl);
            break;
        }
        remaining.push(rl);
    }
    let refused = refused.expect("the fourth request in a window is refused");
    assert!(refused.starts_with("limit=3, remaining=0, reset="), "{refused}");
    assert!(remaining.iter().any(|r| r.starts_with("limit=3, remaining=2,")), "{remaining:?}");
    // A token has its own budget.
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let (token, _) = make_token(&ada, "t").await;
    let (status, headers, _) = Api::new(&s.base, Some(&token)).get("/api/v1/papers?limit=1").await;
    assert_eq!(status, 200);
    assert_eq!(headers["ratelimit-policy"], "5;w=60");
}

#[tokio::test]
async fn recommendations_learn_from_what_a_member_liked_and_have_a_private_feed() {
    let s = spawn_app(|_| {}).await;
    let ada_web = Visitor::new(&s.base);
    ada_web.signup("ada", "correct horse").await;
    let (token, _) = make_token(&ada_web, "feed reader").await;
    let ada = Api::new(&s.base, Some(&token));
    let (status, _, none) = ada.get("/api/v1/me/recommendations").await;
    assert_eq!(status, 200);
    assert_eq!((none["method"].as_str(), none["items"].as_array().map(Vec::len)), (Some("none"), Some(0)));
    // The page says how to get recommendations; the header links to it for members only.
    let empty = ada_web.get("/for-you").await;
    assert_eq!(empty.status, 200);
    assert!(
        empty.body.contains("Nothing to recommend yet") && empty.body.contains(r#"<a href="/for-you">For you</a>"#)
    );
    let guest = Visitor::new(&s.base);
    assert!(!guest.get("/").await.body.contains(r#"href="/for-you""#));
    assert_eq!(guest.get("/for-you").await.location(), "/login?next=%2Ffor-you");

    // Ada likes two sound papers (cs.SD): what is recommended shares their categories.
    let (_, _, sd) = Api::new(&s.base, None).get("/api/v1/papers?week=2025-W32&cat=cs.SD&limit=100").await;
    let sound: Vec<String> =
        sd["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect();
    assert!(sound.len() >= 4);
    ada.post(&format!("/api/v1/papers/{}/upvote", sound[0]), json!({})).await;
    ada.post(&format!("/api/v1/papers/{}/upvote", sound[1]), json!({})).await;
    let (_, _, rec) = ada.get("/api/v1/me/recommendations?limit=5").await;
    assert_eq!(rec["method"], "words", "no model here: tf-idf and an SVM, arxiv-sanity's recipe");
    let items = rec["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(items.iter().all(|p| p["id"] != sound[0].as_str() && p["id"] != sound[1].as_str()), "liked ones left out");
    // Sound papers are a few percent of the sample; by words alone, they lead.
    let is_sound = |p: &serde_json::Value| p["categories"].as_array().unwrap().iter().any(|c| c == "cs.SD");
    let (_, _, week) = Api::new(&s.base, None).get("/api/v1/papers?week=2025-W32&limit=100").await;
    let share = week["items"].as_array().unwrap().iter().filter(|p| is_sound(p)).count() as f64 / 100.0;
    let sound_ones = items.iter().filter(|p| is_sound(p)).count();
    assert!(is_sound(&items[0]) && sound_ones as f64 / 5.0 >= 3.0 * share, "{share} {items:?}");
    let scores: Vec<f64> = items.iter().map(|p| p["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // Each says which liked paper it is most like.
    let reason = &items[0]["reason"];
    assert!(sound[..2].iter().any(|id| reason["paperId"] == id.as_str()), "{reason}");
    assert_eq!(reason["how"], "upvoted");
    assert!(reason["text"].as_str().unwrap().starts_with("Like “"), "{reason}");
    // Paged: the second page goes on where the first stopped.
    let total = rec["total"].as_u64().unwrap();
    assert!(total > 10 && rec["nextPage"] == 2, "{rec}");
    let (_, _, first10) = ada.get("/api/v1/me/recommendations?limit=10").await;
    let (_, _, second) = ada.get("/api/v1/me/recommendations?limit=5&page=2").await;
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!([ids(&rec), ids(&second)].concat(), ids(&first10));
    let (status, _, bad) = ada.get("/api/v1/me/recommendations?page=0").await;
    assert_eq!((status, bad["code"].as_str()), (400, Some("invalid_page")));

    // The site's page: the same order, each with its reason, paged by 20.
    let page = ada_web.get("/for-you").await;
    let first_id = items[0]["id"].as_str().unwrap();
    assert!(
        page.body.find(&format!("data-id=\"{first_id}")) < page.body.find(&format!("data-id=\"{}", ids(&second)[0]))
    );
    assert!(
        page.body.contains("which you upvoted")
            && page.body.contains(r#"<p class="meta reason">Like <a href="/papers/"#)
    );
    assert!(page.body.contains(r#"href="/for-you?page=2""#));
    let page2 = ada_web.get("/for-you?page=2").await;
    assert!(page2.body.contains(r#"href="/for-you?page=1""#) && !page2.body.contains(&format!("data-id=\"{first_id}")));

    // "Not interested" on the site: the paper leaves the recommendations and the member's lists.
    let gone = items[0]["id"].as_str().unwrap().to_string();
    let day = items[0]["announcedOn"].as_str().unwrap().to_string();
    let mut day_page = String::new();
    for n in 1..=5 {
        let path = format!("/papers/date/{day}?page={n}");
        if ada_web.get(&path).await.body.contains(&format!("data-id=\"{gone}")) {
            day_page = path;
            break;
        }
    }
    let listing = ada_web.get(&day_page).await;
    assert!(listing.body.contains(&format!("action=\"/papers/{gone}/not-interested\"")), "{day_page}");
    let done = ada_web.submit("/for-you", &format!("/papers/{gone}/not-interested"), &[("next", "/for-you")]).await;
    assert_eq!((done.status.as_u16(), done.location()), (303, "/for-you"));
    let (_, _, after) = ada.get("/api/v1/me/recommendations?limit=100").await;
    assert!(!ids(&after).contains(&gone), "dismissed papers are not recommended");
    let listing = ada_web.get(&day_page).await;
    assert!(!listing.body.contains(&format!("data-id=\"{gone}")), "nor listed for her");
    assert!(listing.body.contains("1 paper hidden: you marked them not interested"));
    let page = ada_web.get(&format!("/papers/{gone}")).await;
    assert!(page.body.contains("You marked this paper not interested"));
    let from = format!("/papers/{gone}");
    ada_web.submit(&from, &format!("/papers/{gone}/not-interested"), &[("dismiss", "0")]).await;
    let listing = ada_web.get(&day_page).await;
    assert!(listing.body.contains(&format!("data-id=\"{gone}")), "undone");
    // A guest sees the day as before.
    let guest = Visitor::new(&s.base).get(&day_page).await;
    assert!(guest.body.contains(&format!("data-id=\"{gone}")) && !guest.body.contains("not-interested"));

    // The same, as a private feed with a feed token in its address.
    settled(&ada, "/api/v1/me/recommendations").await;
    let (token, _) = make_scoped_token(&ada_web, "feed reader", "feed").await;
    let (status, headers, body) =
        crate::feeds::fetch(&format!("{}/feeds/recommendations.atom?token={token}", s.base)).await;
    assert_eq!(status, 200);
    assert!(headers["cache-control"].to_str().unwrap().starts_with("private"));
    assert!(!headers.contains_key("access-control-allow-origin"));
    let feed = crate::feeds::feedparser(&body);
    assert_eq!(feed["bozo"], false, "{feed}");
    assert_eq!(feed["title"], "Recommended for ada");
    let entries = feed["entries"].as_array().unwrap();
    assert_eq!(entries[0]["id"], format!("urn:arxiv:{}", items[0]["id"].as_str().unwrap()));
    assert!(!String::from_utf8_lossy(&body).contains(&token), "the token stays out of the document");
    let (status, _, _) = crate::feeds::fetch(&format!("{}/feeds/recommendations.rss?token=pb_wrong", s.base)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn search_feeds_follow_a_query() {
    let s = spawn_app(|_| {}).await;
    crate::search::wait_ready(&s.base, 0).await;
    for ext in ["rss", "atom", "json"] {
        let (status, _, body) =
            crate::feeds::fetch(&format!("{}/feeds/search.{ext}?q=HarmonyGuard+web+agents", s.base)).await;
        assert_eq!(status, 200);
        // feedparser reads RSS and Atom; JSON Feed is read as JSON.
        let (title, ids): (Value, Vec<String>) = if ext == "json" {
            let doc: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(doc["version"], "https://jsonfeed.org/version/1.1");
            (doc["title"].clone(), doc["items"].as_array().unwrap().iter().map(|i| i["id"].to_string()).collect())
        } else {
            let feed = crate::feeds::feedparser(&body);
            assert_eq!(feed["bozo"], false, "{ext}: {feed}");
            (feed["title"].clone(), feed["entries"].as_array().unwrap().iter().map(|e| e["id"].to_string()).collect())
        };
        assert_eq!(title, "Search: HarmonyGuard web agents");
        assert!(ids.iter().any(|id| id.trim_matches('"').ends_with(P1)), "{ext}: {ids:?}");
    }
    let (status, _, _) = crate::feeds::fetch(&format!("{}/feeds/search.rss", s.base)).await;
    assert_eq!(status, 400, "a search feed needs a query");
    // Search result pages point feed readers at the feed.
    let page = Visitor::new(&s.base).get("/search?q=HarmonyGuard").await.body;
    assert!(
        page.contains(r#"rel="alternate" type="application/rss+xml""#)
            && page.contains("/feeds/search.rss?q=HarmonyGuard")
    );
}

#[tokio::test]
async fn the_openapi_document_holds_and_schemathesis_finds_no_fault() {
    let python = std::env::var("PAPERBOY_TEST_HF_PYTHON")
        .expect("PAPERBOY_TEST_HF_PYTHON is not set: run the tests with scripts/test.sh, which installs schemathesis");
    let schemathesis = std::path::Path::new(&python).with_file_name("schemathesis");
    // arXiv is played by the recorded responses (submissions of unknown ids ask it); an id
    // with no recording gets arXiv's recorded answer for an id it does not know.
    let arxiv = FixtureServer::start(|s, _| match crate::arxiv_api::arxiv(s) {
        (axum::http::StatusCode::NOT_FOUND, _) => {
            (axum::http::StatusCode::OK, fixture("arxiv-api/id_0000.0000_s0_m100_8b51d9633a68.xml"))
        }
        found => found,
    })
    .await;
    let arxiv_base = arxiv.base.clone();
    // Limits out of the way: schemathesis sends thousands of requests.
    let s = spawn_app(move |settings| {
        settings.arxiv.api_url = format!("{arxiv_base}/api/query");
        settings.arxiv.min_interval_ms = 0;
        settings.community.limits.api_anonymous = [1_000_000, 60];
        settings.community.limits.api_token = [1_000_000, 60];
        settings.community.limits.vote = [1_000_000, 60];
        settings.community.limits.comment = [1_000_000, 60];
        settings.community.limits.submit = [1_000_000, 60];
        settings.community.submit_daily_cap = 1_000_000;
    })
    .await;
    let (status, _, doc) = Api::new(&s.base, None).get("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in ["/api/daily_papers", "/api/papers/{id}", "/api/papers/search", "/api/v1/papers", "/api/v1/search"] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    // Real data to find: a member with a token, a public collection, votes and comments.
    let ada_web = Visitor::new(&s.base);
    ada_web.signup("ada", "correct horse").await;
    let (token, _) = make_token(&ada_web, "schemathesis").await;
    let ada = Api::new(&s.base, Some(&token));
    let (_, c) = ada.post("/api/v1/collections", json!({"name": "Public", "public": true})).await;
    ada.put(&format!("/api/v1/collections/{}/papers/{P1}", c["id"])).await;
    ada.post(&format!("/api/v1/papers/{P1}/upvote"), json!({})).await;
    ada.post(&format!("/api/v1/papers/{P1}/comments"), json!({"body": "First"})).await;
    crate::search::wait_ready(&s.base, 0).await;

    let url = format!("{}/api/openapi.json", s.base);
    // schemathesis keeps a cache in its working directory: a temporary one, not the checkout.
    let scratch = tempfile::tempdir().unwrap();
    let cwd = scratch.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(schemathesis)
            .current_dir(cwd)
            .args(["run", &url, "--checks"])
            .arg("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance")
            .args(["--max-examples", "25", "--seed", "20261126", "--generation-database", "none", "--no-color"])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .env("SCHEMATHESIS_HOOKS", "")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "schemathesis found faults:\n{report}");
    assert!(report.contains("Tested: 30"), "every operation tested:\n{report}");
}

#[tokio::test]
async fn right_after_a_vote_recommendations_answer_from_the_kept_ranking_while_the_new_one_is_made() {
    let s = spawn_app(|_| {}).await;
    let ada_web = Visitor::new(&s.base);
    ada_web.signup("ada", "correct horse").await;
    let (token, _) = make_token(&ada_web, "laptop").await;
    let ada = Api::new(&s.base, Some(&token));
    let (_, _, sd) = Api::new(&s.base, None).get("/api/v1/papers?week=2025-W32&cat=cs.SD&limit=100").await;
    let sound: Vec<String> =
        sd["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect();
    ada.post(&format!("/api/v1/papers/{}/upvote", sound[0]), json!({})).await;
    let (_, _, first) = ada.get("/api/v1/me/recommendations?limit=100").await;
    assert!(first["notices"].as_array().unwrap().is_empty(), "{first}");
    let ids = |v: &Value| -> Vec<String> {
        v["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect()
    };
    let next = ids(&first).into_iter().find(|id| sound.contains(id)).expect("a sound paper recommended");
    // A vote lands without this node's vote handler (another node took it): the next answer does
    // not wait for a new ranking. It is the kept one, less the paper just voted for, and says so.
    let (ada_id, day) = (
        s.store.read(|db| paperboy::store::accounts::user_by_name(db, "ada")).await.unwrap().unwrap().id,
        sd["items"][0]["announcedOn"].as_str().unwrap().to_string(),
    );
    let voted = next.clone();
    s.store
        .transaction(move |db| paperboy::store::votes::toggle_vote(db, ada_id, &voted, &day, 1_754_500_000))
        .await
        .unwrap();
    let (_, _, stale) = ada.get("/api/v1/me/recommendations?limit=100").await;
    let notices = stale["notices"].to_string();
    assert!(notices.contains("Your latest votes are being taken in"), "{stale}");
    assert!(!ids(&stale).contains(&next), "what was voted for since is left out");
    let mut expected = ids(&first);
    expected.retain(|id| id != &next);
    assert_eq!(ids(&stale)[..expected.len()], expected[..], "the kept order, less the paper voted for");
    // The new ranking, made in the background, answers the next requests.
    let mut fresh = Value::Null;
    for _ in 0..100 {
        let (_, _, r) = ada.get("/api/v1/me/recommendations?limit=100").await;
        if r["notices"].as_array().unwrap().is_empty() {
            fresh = r;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!fresh.is_null(), "the new ranking was never made");
    assert!(!ids(&fresh).contains(&next) && !ids(&fresh).contains(&sound[0]));
    assert_ne!(ids(&fresh)[..expected.len()], expected[..], "a ranking that learned from the new vote");
    // The site's page says the same while it waits.
    let again = sound.iter().find(|id| **id != sound[0] && **id != next).unwrap().clone();
    let (ada_id, day) = (ada_id, sd["items"][0]["announcedOn"].as_str().unwrap().to_string());
    s.store
        .transaction(move |db| paperboy::store::votes::toggle_vote(db, ada_id, &again, &day, 1_754_500_001))
        .await
        .unwrap();
    assert!(ada_web.get("/for-you").await.body.contains("Your latest votes are being taken in"));
}
