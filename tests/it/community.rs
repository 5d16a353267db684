//! The site's community features, driven over HTTP against the real app on a real SQLite
//! store: accounts, CSRF, rate limits, votes, comments, submissions, collections, moderation,
//! trending, and escaping.

use crate::helpers::*;
use paperboy::papers::{PaperDraft, Source};

/// Three papers of the sample's last day.
const P1: &str = "2508.04010";
const P2: &str = "2508.04005";
const P3: &str = "2508.03983";

#[tokio::test]
async fn sign_up_log_out_and_in_with_safe_cookies() {
    let s = spawn_app(|_| {}).await;
    let ada = Visitor::new(&s.base);
    let r = ada.signup("ada", "correct horse").await;
    assert_eq!(r.status, 303, "{}", r.body);
    let cookie = r.set_cookie("pb_session").expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain-HTTP instances cannot use Secure cookies: {cookie}");
    let first = ada.cookie("pb_session").unwrap();
    let home = ada.get("/").await.body;
    assert!(home.contains(r#"<a href="/u/ada">ada</a>"#));

    // The password is stored as argon2id, never as typed.
    let hash: String = s
        .store
        .read(|db| Ok(db.query_one("SELECT password_hash FROM users WHERE username = 'ada'", &[])?.unwrap().text(0)))
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("correct horse"));

    // Names are unique ignoring case.
    let eve = Visitor::new(&s.base);
    let r = eve.signup("ADA", "another password").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("That username is taken."));
    let r = eve.signup("<script>", "another password").await;
    assert_eq!(r.status, 422);
    assert!(!r.body.contains("<script>") && r.body.contains("&lt;script&gt;"));

    let r = ada.submit("/", "/logout", &[]).await;
    assert_eq!(r.status, 303);
    assert!(ada.cookie("pb_session").is_none(), "the cookie is cleared");
    assert!(ada.get("/").await.body.contains(r#"<a href="/login">Log in</a>"#));
    // The old token no longer works even if replayed.
    ada.set_cookie_value("pb_session", &first);
    assert!(!ada.get("/").await.body.contains(r#"<a href="/u/ada">"#));

    let r = ada.login("ada", "wrong password").await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("Wrong username or password."));
    let r = ada.login("nobody", "wrong password").await;
    assert_eq!(r.status, 401, "an unknown name gets the same answer");
    assert!(r.body.contains("Wrong username or password."));
    let r = ada
        .submit(
            "/login?next=/papers/trending",
            "/login",
            &[("username", "Ada"), ("password", "correct horse"), ("next", "/papers/trending")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/papers/trending");
    assert_ne!(ada.cookie("pb_session").unwrap(), first, "a new session token at every login");
    // Redirects stay on this site.
    let r = ada
        .submit("/login", "/login", &[("username", "ada"), ("password", "correct horse"), ("next", "//evil.example/")])
        .await;
    assert_eq!(r.location(), "/");
}

#[tokio::test]
async fn a_form_without_a_valid_csrf_token_is_refused() {
    let s = spawn_app(|_| {}).await;
    let ada = Visitor::new(&s.base);
    assert_eq!(ada.signup("ada", "correct horse").await.status, 303);
    // No token at all.
    let r = ada.post(&format!("/papers/{P1}/upvote"), &[]).await;
    assert_eq!(r.status, 403);
    // A forged one.
    let r = ada.post(&format!("/papers/{P1}/comments"), &[("csrf", "AAAA"), ("body", "hi")]).await;
    assert_eq!(r.status, 403);
    // Another visitor's token does not work for this session.
    let eve = Visitor::new(&s.base);
    let eves = csrf_in(&eve.get("/login").await.body);
    let r = ada.post(&format!("/papers/{P1}/comments"), &[("csrf", &eves), ("body", "hi")]).await;
    assert_eq!(r.status, 403);
    // Nothing happened.
    let votes: i64 =
        s.store.read(|db| Ok(db.query_one("SELECT COUNT(*) FROM votes", &[])?.unwrap().int(0))).await.unwrap();
    let comments: i64 =
        s.store.read(|db| Ok(db.query_one("SELECT COUNT(*) FROM comments", &[])?.unwrap().int(0))).await.unwrap();
    assert_eq!((votes, comments), (0, 0));
    // Logging in and signing up need a token too.
    let fresh = Visitor::new(&s.base);
    assert_eq!(fresh.post("/login", &[("username", "ada"), ("password", "correct horse")]).await.status, 403);
    assert_eq!(fresh.post("/signup", &[("username", "bob"), ("password", "correct horse")]).await.status, 403);
}

#[tokio::test]
async fn brute_force_logins_get_429_with_retry_after() {
    let s = spawn_app(|s| s.community.limits.login = [3, 600]).await;
    let v = Visitor::new(&s.base);
    for _ in 0..3 {
        assert_eq!(v.login("ada", "guess guess").await.status, 401);
    }
    let r = v.login("ada", "guess guess").await;
    assert_eq!(r.status, 429);
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&retry));
}

#[tokio::test]
async fn upvotes_toggle_once_per_user_and_show_everywhere() {
    let s = spawn_app(|_| {}).await;
    let (ada, bob) = (Visitor::new(&s.base), Visitor::new(&s.base));
    ada.signup("ada", "correct horse").await;
    bob.signup("bob", "correct horse").await;
    // A guest sees a login link, not a button.
    let guest = Visitor::new(&s.base);
    assert!(guest.get("/").await.body.contains(&format!(r#"href="/login?next=/papers/{P1}""#)));
    let before = guest.get(&format!("/papers/{P1}")).await.body;
    assert!(before.contains(r#"<span class="n">0</span>"#), "no vote yet");

    let r = ada.upvote_json(P1).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.body).unwrap(),
        serde_json::json!({"voted": true, "upvotes": 1})
    );
    let r = bob.upvote_json(P1).await;
    assert_eq!(serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["upvotes"], 2);
    // A second click takes the vote back.
    let r = bob.upvote_json(P1).await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.body).unwrap(),
        serde_json::json!({"voted": false, "upvotes": 1})
    );
    // Without JavaScript, the form posts and comes back.
    let r = bob.submit("/", &format!("/papers/{P2}/upvote"), &[("next", "/papers/date/2025-08-07")]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/papers/date/2025-08-07");

    // The guest's (cached) page moved with the votes.
    let html = guest.get("/").await.body;
    let row = |id: &str| {
        let at = html.find(&format!(r#"<article data-id="{id}"#)).unwrap();
        html[at..].split("</article>").next().unwrap().to_string()
    };
    assert!(row(P1).contains(r#"<span class="n">1</span>"#), "{}", row(P1));
    assert!(row(P2).contains(r#"<span class="n">1</span>"#));
    // So did the guest's (cached) paper page.
    let after = guest.get(&format!("/papers/{P1}")).await.body;
    assert!(after.contains(r#"<span class="n">1</span>"#), "the cached paper page moved with the vote");
    // Ada sees her vote pressed, Bob does not.
    let mine = ada.get(&format!("/papers/{P1}")).await.body;
    assert!(mine.contains(r#"aria-pressed="true""#));
    let his = bob.get(&format!("/papers/{P1}")).await.body;
    assert!(his.contains(r#"aria-pressed="false""#));
    // A guest's JSON vote is a 401, not a redirect.
    let r = reqwest::Client::new()
        .post(format!("{}/papers/{P1}/upvote", s.base))
        .header("accept", "application/json")
        .header("x-csrf-token", csrf_in(&guest.get("/login").await.body))
        .header("cookie", format!("pb_anon={}", guest.cookie("pb_anon").unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // In the API's error shape.
    let body: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!((body["code"].as_str(), body["status"].as_u64()), (Some("login_required"), Some(401)));
}

/// The site's vote forms say which state they ask for, so that a form sent twice (a double
/// click without JavaScript, a resent POST) does not undo itself; as the API's verbs.
#[tokio::test]
async fn a_vote_form_sent_twice_counts_once() {
    let s = spawn_app(|_| {}).await;
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let page = format!("/papers/{P1}");
    let upvotes = |html: &str| {
        let at = html.find(r#"<span class="n">"#).unwrap() + r#"<span class="n">"#.len();
        html[at..].split('<').next().unwrap().to_string()
    };
    // The button a member sees asks for the vote they do not have yet.
    let html = ada.get(&page).await.body;
    assert!(html.contains(r#"name="vote" value="up""#), "{html}");
    for _ in 0..2 {
        let r = ada.submit(&page, &format!("{page}/upvote"), &[("vote", "up")]).await;
        assert_eq!(r.status, 303);
    }
    let html = ada.get(&page).await.body;
    assert_eq!(upvotes(&html), "1");
    assert!(html.contains(r#"name="vote" value="down""#), "{html}");
    for _ in 0..2 {
        ada.submit(&page, &format!("{page}/upvote"), &[("vote", "down")]).await;
    }
    assert_eq!(upvotes(&ada.get(&page).await.body), "0");
    let r = ada.submit(&page, &format!("{page}/upvote"), &[("vote", "sideways")]).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn comments_thread_and_render_sanitised() {
    let s = spawn_app(|_| {}).await;
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let page = format!("/papers/{P1}");
    let r = ada
        .submit(
            &page,
            &format!("{page}/comments"),
            &[("body", "Great **result**. <script>alert(1)</script> [x](javascript:alert(1)) $x^2$")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with(&format!("{page}#c")));
    let first: i64 = r.location().rsplit("#c").next().unwrap().parse().unwrap();
    let r =
        ada.submit(&page, &format!("{page}/comments"), &[("body", "A reply"), ("parent_id", &first.to_string())]).await;
    assert_eq!(r.status, 303);
    // A reply to a comment on another paper is refused.
    let r = ada
        .submit(&page, &format!("/papers/{P2}/comments"), &[("body", "Misplaced"), ("parent_id", &first.to_string())])
        .await;
    assert_eq!(r.status, 400);
    let r = ada.submit(&page, &format!("{page}/comments"), &[("body", "   ")]).await;
    assert_eq!(r.status, 422);
    // A refused reply comes back as typed, ready to send again.
    assert!(r.body.contains("Comment not posted") && r.body.contains(r#"name="body""#), "{}", r.body);

    let html = ada.get(&page).await.body;
    assert!(html.contains("Comments (2)"));
    assert!(html.contains("<strong>result</strong>"));
    assert!(!html.contains("<script>alert(1)</script>"), "raw HTML in a comment is text");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("javascript:alert"), "unsafe links lose their target");
    // The reply nests inside the first comment's item.
    let first_item = html.find(&format!(r#"id="c{first}""#)).unwrap();
    let reply = html.find("A reply").unwrap();
    let first_end = html[first_item..].find("</li></ul>").unwrap() + first_item;
    assert!(reply > first_item && reply < first_end + 20, "the reply is threaded under its parent");
    // Listings count comments.
    let day = Visitor::new(&s.base).get("/papers/date/2025-08-07").await.body;
    assert!(day.contains(&format!(r##"<a href="/papers/{P1}#comments">2 comments</a>"##)));
}

/// The app with arXiv's API played by its recorded answers and `tweak` applied, with ada and
/// bob signed up.
async fn with_arxiv(
    tweak: impl FnOnce(&mut paperboy::settings::Settings) + Send + 'static,
) -> (FixtureServer, TestApp, Visitor, Visitor) {
    let arxiv = FixtureServer::start(|s, _| crate::arxiv_api::arxiv(s)).await;
    let base = arxiv.base.clone();
    let s = spawn_app(move |s| {
        s.arxiv.api_url = format!("{base}/api/query");
        s.arxiv.min_interval_ms = 0;
        tweak(s);
    })
    .await;
    let (ada, bob) = (Visitor::new(&s.base), Visitor::new(&s.base));
    ada.signup("ada", "correct horse").await;
    bob.signup("bob", "correct horse").await;
    (arxiv, s, ada, bob)
}

#[tokio::test]
async fn submissions_follow_the_rules_and_join_the_days_list() {
    let (arxiv, s, ada, bob) = with_arxiv(|s| s.community.submit_daily_cap = 2).await;
    // A paper of an earlier day joins the latest day's list, with who submitted it.
    let first_day = s
        .store
        .list_papers(paperboy::store::Listing {
            period: paperboy::papers::Period::parse("2025-08-04").unwrap(),
            categories: vec![],
            limit: 1,
            offset: 0,
        })
        .await
        .unwrap()
        .remove(0);
    let old_id = first_day.id.as_str().to_string();
    let r = ada.submit("/submit", "/submit", &[("paper", &format!("arXiv:{old_id}v1"))]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let day = Visitor::new(&s.base).get("/").await.body;
    let section = day
        .split("Submitted by the community")
        .nth(1)
        .expect("a community section")
        .split("All papers")
        .next()
        .unwrap();
    assert!(section.contains(&format!(r#"data-id="{old_id}"#)), "submitted paper is on today's list");
    assert!(section.contains(r#"submitted by <a href="/u/ada">ada</a>"#));

    // Each paper once.
    let r = bob.submit("/submit", "/submit", &[("paper", &old_id)]).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("already submitted by ada"));
    // An unknown paper is fetched from arXiv through the ingestion code.
    let r = ada.submit("/submit", "/submit", &[("paper", "1605.08386")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(s.store.paper(&paperboy::papers::ArxivId::parse("1605.08386").unwrap()).await.unwrap().is_some());
    assert!(arxiv.seen().iter().any(|q| q.query.get("id_list").map(String::as_str) == Some("1605.08386")));
    // The daily cap.
    let r = ada.submit("/submit", "/submit", &[("paper", P3)]).await;
    assert_eq!(r.status, 429);
    assert!(r.body.contains("daily limit"));
    // Nonsense is refused with a reason.
    let r = bob.submit("/submit", "/submit", &[("paper", "https://example.org/paper")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("not an arXiv id"));
}

#[tokio::test]
async fn recency_is_measured_from_the_day_a_submission_joins_and_an_old_id_needs_no_arxiv() {
    // The defaults, on a fresh instance holding the sample (announced 2025-08-04 … 07).
    let (arxiv, _app, ada, _) = with_arxiv(|s| s.community.submit_max_age_days = 30).await;
    let form = ada.get("/submit").await.body;
    assert!(
        form.contains("it joins the list of <a href=\"/papers/date/2025-08-07\">Thursday 7 August 2025</a>"),
        "{form}"
    );
    // A sample paper is recent for the day it joins, however long ago that is today.
    let r = ada.submit("/submit", "/submit", &[("paper", "2508.00037")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    // An id of January 2023 is too old by its number alone: arXiv is not asked.
    let r = ada.submit("/submit", "/submit", &[("paper", "2301.00001")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Only recent papers"));
    let r = ada.submit("/submit", "/submit", &[("paper", "1605.08386")]).await;
    assert_eq!(r.status, 422);
    assert!(arxiv.seen().is_empty(), "arXiv was asked about a paper its number shows to be old");
}

#[tokio::test]
async fn a_submission_arxiv_is_slow_to_answer_waits_and_is_finished_in_the_background() {
    let (arxiv, s, ada, bob) = with_arxiv(|s| {
        s.community.submit_fetch_secs = 1;
        s.community.submit_retry_secs = 1;
    })
    .await;
    let id = paperboy::papers::ArxivId::parse("1605.08386").unwrap();
    // arXiv answers nothing until released: past the 1 s deadline.
    arxiv.hold();
    let r = ada.submit("/submit", "/submit", &[("paper", "1605.08386")]).await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert!(r.body.contains("arXiv is slow to answer, so your submission of 1605.08386 waits"), "{}", r.body);
    assert!(r.body.contains("joins the list of Thursday 7 August 2025"));
    assert!(r.body.contains("waiting for arXiv; paperboy asks again"));
    let r = bob.submit("/submit", "/submit", &[("paper", "1605.08386")]).await;
    assert_eq!(r.status, 202, "{}", r.body);
    // Nobody else sees another member's pending submission.
    assert!(!Visitor::new(&s.base).get("/").await.body.contains("1605.08386"));
    arxiv.release();
    // The background job fetches it: ada's is listed, bob's refused with why.
    let mut settled = false;
    for _ in 0..120 {
        let (a, b) = (ada.get("/submit").await.body, bob.get("/submit").await.body);
        if !a.contains("Waiting for arXiv") && b.contains("not listed: This paper was already submitted by ada.") {
            settled = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(settled, "the pending submissions were not settled");
    assert!(s.store.paper(&id).await.unwrap().is_some());
    let profile = ada.get("/u/ada").await.body;
    assert!(profile.contains("1605.08386"), "{profile}");
}

#[tokio::test]
async fn collections_are_private_until_published() {
    let s = spawn_app(|_| {}).await;
    let (ada, bob) = (Visitor::new(&s.base), Visitor::new(&s.base));
    ada.signup("ada", "correct horse").await;
    bob.signup("bob", "correct horse").await;
    let r =
        ada.submit("/collections", "/collections", &[("name", "Reading <group>"), ("description", "Week 32")]).await;
    assert_eq!(r.status, 303);
    let path = r.location().to_string();
    let r =
        ada.submit(&format!("/papers/{P1}"), &format!("{path}/papers"), &[("paper_id", P1), ("action", "add")]).await;
    assert_eq!(r.status, 303);
    ada.submit(&path, &format!("{path}/papers"), &[("paper_id", P2), ("action", "add")]).await;
    let mine = ada.get(&path).await.body;
    assert!(mine.contains("Reading &lt;group&gt;") && mine.contains("2 papers"));
    assert!(mine.contains(&format!(r#"data-id="{P1}"#)));
    // Private: others get the same answer as for nothing at all.
    assert_eq!(bob.get(&path).await.status, 404);
    assert_eq!(Visitor::new(&s.base).get(&path).await.status, 404);
    // Bob cannot add to it.
    let r = bob.submit("/collections", &format!("{path}/papers"), &[("paper_id", P3), ("action", "add")]).await;
    assert_eq!(r.status, 404);
    // Rename, describe, publish.
    let r = ada
        .submit(
            &path,
            &path,
            &[("name", "Week 32 picks"), ("description", "Our *reading* on $L^2$ <b>x</b>"), ("public", "1")],
        )
        .await;
    assert_eq!(r.status, 303);
    let public = bob.get(&path).await;
    assert_eq!(public.status, 200);
    // The description is Markdown, rendered like a comment: emphasis, math for KaTeX, raw HTML as text.
    assert!(
        public.body.contains("Week 32 picks") && public.body.contains("Our <em>reading</em> on $L^2$"),
        "{}",
        public.body
    );
    assert!(public.body.contains(r#"class="description text math""#) && !public.body.contains("<b>x</b>"));
    assert!(!public.body.contains("Delete this collection"), "only the owner edits");
    ada.submit(&path, &format!("{path}/papers"), &[("paper_id", P2), ("action", "remove")]).await;
    let after = bob.get(&path).await.body;
    assert!(!after.contains(&format!(r#"data-id="{P2}"#)) && after.contains(&format!(r#"data-id="{P1}"#)));
    // On Ada's profile.
    assert!(bob.get("/u/ada").await.body.contains("Week 32 picks"));
    let r = ada.submit(&path, &format!("{path}/delete"), &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(ada.get(&path).await.status, 404);
}

#[tokio::test]
async fn admins_moderate_and_every_action_is_logged() {
    let s = spawn_app(|_| {}).await;
    let (admin, troll) = (Visitor::new(&s.base), Visitor::new(&s.base));
    admin.signup("root", "correct horse").await;
    troll.signup("troll", "correct horse").await;
    s.store
        .transaction(|db| paperboy::store::accounts::set_role(db, "root", paperboy::accounts::Role::Admin))
        .await
        .unwrap();
    let page = format!("/papers/{P1}");
    let r = troll.submit(&page, &format!("{page}/comments"), &[("body", "spam spam spam")]).await;
    let cid = r.location().rsplit("#c").next().unwrap().to_string();
    troll.submit("/submit", "/submit", &[("paper", P2)]).await;

    // Members cannot moderate.
    assert_eq!(troll.get("/admin").await.status, 403);
    assert_eq!(troll.submit("/", &format!("/admin/comments/{cid}/hide"), &[]).await.status, 403);

    let r = admin.submit("/admin", &format!("/admin/comments/{cid}/hide"), &[("reason", "spam")]).await;
    assert_eq!(r.status, 303);
    let html = Visitor::new(&s.base).get(&page).await.body;
    assert!(html.contains("[hidden by a moderator]") && !html.contains("spam spam spam"));
    assert!(html.contains("Comments (0)"));
    admin.submit("/admin", &format!("/admin/submissions/{P2}/remove"), &[("reason", "off topic")]).await;
    let day = Visitor::new(&s.base).get("/").await.body;
    assert!(!day.contains("Submitted by the community"));

    let troll_id: i64 = s
        .store
        .read(|db| Ok(db.query_one("SELECT id FROM users WHERE username = 'troll'", &[])?.unwrap().int(0)))
        .await
        .unwrap();
    admin.submit("/admin", &format!("/admin/users/{troll_id}/suspend"), &[("reason", "repeated spam")]).await;
    // The suspended user's session ended and they cannot log in again.
    assert!(!troll.get("/").await.body.contains(r#"<a href="/u/troll">"#));
    assert_eq!(troll.login("troll", "correct horse").await.status, 403);

    let log = admin.get("/admin").await.body;
    for entry in ["comments/hide", "submissions/remove", "users/suspend", "repeated spam", "off topic"] {
        assert!(log.contains(entry), "{entry} in the log");
    }
}

#[tokio::test]
async fn trending_ranks_by_the_documented_formula() {
    let s = spawn_app(|_| {}).await;
    let voters: Vec<Visitor> = (0..3).map(|_| Visitor::new(&s.base)).collect();
    for (i, v) in voters.iter().enumerate() {
        v.signup(&format!("voter{i}"), "correct horse").await;
    }
    // P3 gets three votes, P2 one; everything else none.
    for v in &voters {
        v.upvote_json(P3).await;
    }
    voters[0].upvote_json(P2).await;
    paperboy::community::ranking::refresh(&s.store, 7, chrono::Utc::now().timestamp()).await.unwrap();
    let html = Visitor::new(&s.base).get("/papers/trending").await.body;
    assert!(html.contains("ln(points + 2) / (hours + 2)^0.5"), "the page explains the formula");
    let pos = |id: &str| html.find(&format!(r#"<article data-id="{id}"#)).unwrap_or(usize::MAX);
    assert!(pos(P3) < pos(P2) && pos(P2) < pos(P1), "more votes rank higher on the same day");
    // Among papers without votes, newer days come first.
    let older = html.find(r#"2025-08-04</a>"#).unwrap_or(usize::MAX);
    let newer = html.find(r#"2025-08-07</a>"#).unwrap();
    assert!(newer < older);
    assert_eq!(html.matches("<article ").count(), 50);
    let filtered = Visitor::new(&s.base).get("/papers/trending?cat=cs.SD").await.body;
    assert!(filtered.matches("<article ").count() > 0);
    assert!(filtered.split("<article ").skip(1).all(|a| a.contains(">cs.SD<")));
}

#[tokio::test]
async fn script_payloads_render_inert() {
    let s = spawn_app(|_| {}).await;
    let evil = PaperDraft {
        id: Some("2508.09999".into()),
        title: Some(r#"<script>alert("t")</script> & $\alpha<\beta$"#.into()),
        abstract_text: Some(r#"<img src=x onerror=alert(1)> "quoted" 'single'"#.into()),
        authors: vec![r#"Mallory <b>Bold</b>"#.into()],
        categories: "cs.LG".into(),
        announced_on: "2025-08-07".parse().ok(),
        ..Default::default()
    }
    .validate(Source::Snapshot)
    .unwrap();
    s.store.upsert_papers(vec![evil], None).await.unwrap();
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    ada.submit(
        "/papers/2508.09999",
        "/papers/2508.09999/comments",
        &[("body", r#"<iframe src="javascript:alert(1)"></iframe>"#)],
    )
    .await;
    for path in ["/", "/papers/2508.09999", "/papers/date/2025-08-07?cat=<script>alert(1)</script>", "/u/ada"] {
        let html = ada.get(path).await.body;
        for bad in ["<script>alert", "<img src=x", "<b>Bold", "<iframe", "onerror=alert(1)>"] {
            assert!(!html.contains(bad), "{bad} on {path}");
        }
    }
    let html = ada.get("/papers/2508.09999").await.body;
    assert!(html.contains("&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; $\\alpha&lt;\\beta$"));
    let r = ada.get("/u/%3Cscript%3E").await;
    assert_eq!(r.status, 404);
    assert!(!r.body.contains("<script>"));
}

#[tokio::test]
async fn settings_mute_words_set_default_categories_and_change_the_password() {
    let s = spawn_app(|_| {}).await;
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let p1 = s.store.paper(&paperboy::papers::ArxivId::parse(P1).unwrap()).await.unwrap().unwrap();
    let word = p1.title.split_whitespace().find(|w| w.len() > 6).unwrap().to_lowercase();
    let r = ada
        .submit(
            "/settings",
            "/settings",
            &[
                ("action", "profile"),
                ("email", "ada@example.org"),
                ("muted_words", &word),
                ("default_categories", "cs.SD"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Saved."));
    let home = ada.get("/").await.body;
    assert!(home.contains("Categories: cs.SD"), "default categories apply to the front page");
    let all = ada.get("/papers/date/2025-08-07").await.body;
    assert!(!all.contains(&format!(r#"data-id="{P1}"#)), "muted papers are hidden");
    assert!(all.contains("hidden by your muted words"));
    let r = ada
        .submit("/settings", "/settings", &[("action", "profile"), ("email", "ada@example.org\r\nBcc: x@y.org")])
        .await;
    assert_eq!(r.status, 422);
    let r = ada.submit("/settings", "/settings", &[("action", "profile"), ("default_categories", "cs.NOPE")]).await;
    assert_eq!(r.status, 422);

    // A second session, then a password change ends it.
    let other = Visitor::new(&s.base);
    assert_eq!(other.login("ada", "correct horse").await.status, 303);
    let r = ada
        .submit(
            "/settings",
            "/settings",
            &[("action", "password"), ("current_password", "wrong one!"), ("new_password", "battery staple")],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = ada
        .submit(
            "/settings",
            "/settings",
            &[("action", "password"), ("current_password", "correct horse"), ("new_password", "battery staple")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(ada.get("/").await.body.contains(r#"<a href="/u/ada">"#), "this session stays");
    assert!(!other.get("/").await.body.contains(r#"<a href="/u/ada">"#), "the other one ended");
    assert_eq!(Visitor::new(&s.base).login("ada", "battery staple").await.status, 303);
    // Pages that need an account send guests to log in, and back.
    let r = Visitor::new(&s.base).get("/settings").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/login?next=%2Fsettings");
}

/// A guest sent to log in comes back where they were: to the page they asked for, or to the
/// page a form was sent from (its `Referer`, when it names a path on this site).
#[tokio::test]
async fn guests_sent_to_log_in_come_back_where_they_were() {
    let s = spawn_app(|_| {}).await;
    let guest = Visitor::new(&s.base);
    let r = guest.get("/collections").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/login?next=%2Fcollections");
    let csrf = csrf_in(&guest.get("/login").await.body);
    let anon = guest.cookie("pb_anon").unwrap();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let post_from = |referer: Option<String>| {
        let mut req = http
            .post(format!("{}/collections", s.base))
            .header("x-csrf-token", &csrf)
            .header("cookie", format!("pb_anon={anon}"))
            .form(&[("name", "Reading")]);
        if let Some(r) = referer {
            req = req.header("referer", r);
        }
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.headers()["location"].to_str().unwrap().to_string())
        }
    };
    let back = post_from(Some(format!("{}/papers/{P1}?x=1", s.base))).await;
    assert_eq!(back, (303, format!("/login?next=%2Fpapers%2F{P1}%3Fx%3D1")));
    // No Referer, or one that would lead off this site: the front page.
    assert_eq!(post_from(None).await, (303, "/login?next=%2F".to_string()));
    assert_eq!(
        post_from(Some("https://evil.example//evil.example/x".into())).await,
        (303, "/login?next=%2F".to_string())
    );
}

#[tokio::test]
async fn sign_up_mistakes_do_not_count_against_the_limit_but_attempts_do() {
    let s = spawn_app(|s| s.community.limits.signup = [2, 3600]).await;
    let v = Visitor::new(&s.base);
    // A lab behind one address mistypes names and passwords: refused, not counted.
    for (name, password) in
        [("a", "correct horse"), ("-ada", "correct horse"), ("ada lovelace", "correct horse"), ("ada", "short")]
    {
        assert_eq!(v.signup(name, password).await.status, 422, "{name}");
    }
    assert_eq!(v.signup("ada", "correct horse").await.status, 303);
    let w = Visitor::new(&s.base);
    // A taken name hashes a password: it counts, and past the limit the next is refused.
    assert_eq!(w.signup("ada", "correct horse").await.status, 422);
    assert_eq!(w.signup("bob", "correct horse").await.status, 429);
}

#[tokio::test]
async fn a_comment_refused_by_the_limit_keeps_what_was_typed() {
    let s = spawn_app(|s| s.community.limits.comment = [1, 600]).await;
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let page = format!("/papers/{P1}");
    assert_eq!(ada.submit(&page, &format!("{page}/comments"), &[("body", "First thought")]).await.status, 303);
    let typed = "A long second thought with <b>markup</b> & $x^2$";
    let r = ada.submit(&page, &format!("{page}/comments"), &[("body", typed)]).await;
    assert_eq!(r.status, 429);
    assert!(r.headers.contains_key("retry-after"));
    assert!(
        r.body.contains("A long second thought with &lt;b&gt;markup&lt;/b&gt; &amp; $x^2$</textarea>"),
        "{}",
        r.body
    );
    assert!(r.body.contains("Try again in"), "{}", r.body);
}

/// Usernames in any one alphabet: "Zoë" signs up and has her page; "zoe" and a look-alike with a
/// Cyrillic "о" are the same name (taken), and a name mixing alphabets is refused saying what is allowed.
#[tokio::test]
async fn unicode_usernames_are_names_and_look_alikes_are_one_name() {
    let s = spawn_app(|_| {}).await;
    let zoe = Visitor::new(&s.base);
    let done = zoe.signup("Zoë", "correct horse").await;
    assert_eq!(done.status.as_u16(), 303, "{}", done.body);
    let page = Visitor::new(&s.base).get("/u/Zo%C3%AB").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Zoë"));
    // The same name written without the accent, or in capitals, is taken.
    for twin in ["zoe", "ZOË"] {
        let again = Visitor::new(&s.base).signup(twin, "correct horse").await;
        assert!(again.body.contains("That username is taken."), "{twin}: {}", again.body);
    }
    // A whole-Cyrillic look-alike of a Latin name is that name; mixing alphabets is refused.
    Visitor::new(&s.base).signup("opa", "correct horse").await;
    let spoof = Visitor::new(&s.base).signup("ора", "correct horse").await;
    assert!(spoof.body.contains("That username is taken."), "{}", spoof.body);
    let mixed = Visitor::new(&s.base).signup("Zоe", "correct horse").await;
    assert!(mixed.body.contains("letters (of any one alphabet, accents welcome)"), "{}", mixed.body);
    // She logs in with her name as typed, or without the accent.
    let back = Visitor::new(&s.base);
    assert_eq!(back.login("zoe", "correct horse").await.status.as_u16(), 303);
}
