//! Following authors: the author page (papers, co-authors, other spellings, follow), names matched
//! with accents and case folded, and a followed author's new papers first in For you, the API's
//! recommendations and "for me" digests' order, with the reason.

use crate::api_v1::{make_token, Api};
use crate::helpers::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// A name with every accent dropped and in upper case: the same key.
fn folded(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.nfkd().filter(|c| c.is_ascii()).collect::<String>().to_uppercase()
}

#[tokio::test]
async fn members_follow_an_author_and_their_new_papers_come_first_with_the_reason() {
    let s = spawn_app(|_| {}).await;
    let guest = Visitor::new(&s.base);
    // A paper of the latest week, its first author, and another paper of theirs only if they have one.
    let (_, _, week) = Api::new(&s.base, None).get("/api/v1/papers?week=2025-W32&limit=100").await;
    let items = week["items"].as_array().unwrap();
    let paper = &items[37];
    let (id, author) = (paper["id"].as_str().unwrap(), paper["authors"][0].as_str().unwrap().to_string());
    let url = paperboy::papers::authors::url(&author);

    // The paper page links each author to their page, where the paper is listed (once the keyword index has it).
    let page = guest.get(&format!("/papers/{id}")).await;
    assert!(page.body.contains(&format!(r#"<a href="{url}">"#)), "{url}");
    let started = Instant::now();
    let author_page = loop {
        let a = guest.get(&url).await;
        if a.body.contains(&format!("data-id=\"{id}")) {
            break a;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{}", a.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(author_page.status, 200);
    assert!(author_page.body.contains("Log in</a> to follow"));
    // Co-authors link to their own pages.
    if let Some(second) = paper["authors"][1].as_str() {
        assert!(author_page.body.contains(&paperboy::papers::authors::url(second)), "co-authors listed");
    }
    // A feed of their papers, linked from the page.
    let feed = format!("/feeds{url}.atom");
    assert!(author_page.body.contains(&format!(r#"href="{feed}""#)), "{feed}: {}", author_page.body);
    assert!(author_page.body.contains(r#"<link rel="alternate" type="application/atom+xml""#));
    let atom = guest.get(&feed).await;
    assert_eq!(atom.status, 200);
    assert!(atom.body.contains(&format!("Papers by {}", author.replace('&', "&amp;"))) && atom.body.contains(id));
    // Accents, case and punctuation do not matter; the order of the names does.
    let same = guest.get(&paperboy::papers::authors::url(&folded(&author))).await;
    assert!(same.body.contains(&format!("data-id=\"{id}")), "{}", folded(&author));
    // Hostile names are text, and a name without letters is refused with the site's page.
    let hostile = guest.get("/authors/%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert!(!hostile.body.contains("<script>alert") && hostile.body.contains("&lt;script&gt;"));
    assert_eq!(guest.get("/authors/...").await.status, 400);

    // Ada follows the author (a form with CSRF), with nothing liked yet.
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let done = ada.submit(&url, &url, &[]).await;
    assert_eq!((done.status.as_u16(), done.location()), (303, url.as_str()));
    assert!(ada.get(&url).await.body.contains("You follow"));
    let refused = ada.post(&url, &[]).await;
    assert_eq!(refused.status.as_u16(), 403, "no CSRF token, no follow");

    // For you: the author's papers first, each saying why; the API says the same.
    let for_you = ada.get("/for-you").await;
    let first = for_you.body.find("<article").map(|at| &for_you.body[at..]).unwrap();
    assert!(first.contains(&format!("data-id=\"{id}")) || for_you.body.contains(&format!("data-id=\"{id}")));
    assert!(for_you.body.contains(&format!(r#"By <a href="{url}">"#)) && for_you.body.contains("whom you follow"));
    let (token, _) = make_token(&ada, "script").await;
    let api = Api::new(&s.base, Some(&token));
    let (_, _, rec) = api.get("/api/v1/me/recommendations?limit=50").await;
    assert_eq!(rec["method"], "follows", "{rec}");
    let listed = rec["items"].as_array().unwrap();
    assert!(listed.iter().any(|p| p["id"] == id), "{rec}");
    assert!(listed.iter().all(|p| p["reason"]["how"] == "follows" && p["reason"]["author"].is_string()), "{rec}");
    assert!(listed.iter().all(|p| p["authors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| { paperboy::papers::authors::key(a.as_str().unwrap()) == paperboy::papers::authors::key(&author) })));
    let days: Vec<&str> = listed.iter().filter_map(|p| p["announcedOn"].as_str()).collect();
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "newest first: {days:?}");

    // Liking another paper adds the model's recommendations after them.
    let liked = items.iter().find(|p| p["id"] != id).unwrap()["id"].as_str().unwrap();
    api.post(&format!("/api/v1/papers/{liked}/upvote"), json!({})).await;
    let rec = crate::api_v1::settled(&api, "/api/v1/me/recommendations?limit=100").await;
    let items2 = rec["items"].as_array().unwrap();
    assert_eq!(rec["method"], "words");
    let follows = items2.iter().take_while(|p| p["reason"]["how"] == "follows").count();
    assert_eq!(follows, listed.len(), "followed authors' papers first: {rec}");
    assert!(items2[follows..].iter().all(|p| p["reason"]["how"] == "upvoted"));

    // Unfollowing takes them out of the front.
    let done = ada.submit(&url, &url, &[("follow", "0")]).await;
    assert_eq!(done.status.as_u16(), 303);
    let rec = crate::api_v1::settled(&api, "/api/v1/me/recommendations?limit=100").await;
    assert!(rec["items"].as_array().unwrap().iter().all(|p| p["reason"]["how"] != "follows"), "{rec}");
    assert!(ada.get(&url).await.body.contains(">Follow</button>"));

    // The same through the API: follow, list, unfollow (each idempotent), and the author's papers.
    let encoded = url.trim_start_matches("/authors/");
    let (status, _) = api.put(&format!("/api/v1/me/authors/{encoded}")).await;
    assert_eq!(status, 200);
    api.put(&format!("/api/v1/me/authors/{encoded}")).await;
    let (_, _, mine) = api.get("/api/v1/me/authors").await;
    assert_eq!(mine, json!([{"name": author, "key": paperboy::papers::authors::key(&author)}]));
    let rec = crate::api_v1::settled(&api, "/api/v1/me/recommendations?limit=5").await;
    assert_eq!(rec["items"][0]["reason"]["how"], "follows", "{rec}");
    let (status, gone) = api.delete(&format!("/api/v1/me/authors/{encoded}")).await;
    assert_eq!((status, gone["following"].as_bool()), (200, Some(false)));
    assert_eq!(api.get("/api/v1/me/authors").await.2, json!([]));
    let (status, _, theirs) = Api::new(&s.base, None).get(&format!("/api/v1/authors/{encoded}/papers")).await;
    assert_eq!(status, 200);
    assert!(theirs["items"].as_array().unwrap().iter().any(|p| p["id"] == id), "{theirs}");
    assert_eq!(theirs["total"].as_u64(), Some(theirs["items"].as_array().unwrap().len() as u64));
    let (status, _, bad) = Api::new(&s.base, None).get("/api/v1/authors/%20.%20/papers").await;
    assert_eq!((status, bad["code"].as_str()), (400, Some("invalid_path")));
    let (status, _, anon) = Api::new(&s.base, None).get("/api/v1/me/authors").await;
    assert_eq!(status, 401, "{anon}");
}
