//! Members edit and delete their own comments, on the site and through the API.

use crate::api_v1::{make_token, Api};
use crate::helpers::*;
use serde_json::{json, Value};

const P1: &str = "2508.04010";

#[tokio::test]
async fn authors_edit_and_delete_their_comments_and_replies_stay() {
    let s = spawn_app(|_| {}).await;
    let (ada, bob) = (Visitor::new(&s.base), Visitor::new(&s.base));
    ada.signup("ada", "correct horse").await;
    bob.signup("bob", "correct horse").await;
    let page = format!("/papers/{P1}");
    let r = ada.submit(&page, &format!("{page}/comments"), &[("body", "Teh result holds for $n > 2$.")]).await;
    let first: i64 = r.location().rsplit("#c").next().unwrap().parse().unwrap();
    let r =
        bob.submit(&page, &format!("{page}/comments"), &[("body", "Why?"), ("parent_id", &first.to_string())]).await;
    let reply: i64 = r.location().rsplit("#c").next().unwrap().parse().unwrap();
    let edit = format!("/comments/{first}/edit");

    // Only the author is offered the edit, and only the author may use it.
    assert!(ada.get(&page).await.body.contains(&format!(r#"href="{edit}""#)));
    assert!(!bob.get(&page).await.body.contains(&format!(r#"href="{edit}""#)));
    let form = ada.get(&edit).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Teh result holds for $n &gt; 2$.</textarea>"), "{}", form.body);
    assert_eq!(bob.get(&edit).await.status, 404);
    let r = bob.submit(&page, &edit, &[("body", "vandalised")]).await;
    assert_eq!(r.status, 404);
    assert_eq!(Visitor::new(&s.base).get(&edit).await.status, 303, "a guest is sent to log in");

    // An edit changes the text and marks it; a refused one comes back as typed.
    let r = ada.submit(&edit, &edit, &[("body", "The result holds for $n > 2$ (typo fixed).")]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), format!("{page}#c{first}"));
    let html = ada.get(&page).await.body;
    assert!(html.contains("typo fixed") && !html.contains("Teh result"));
    assert!(html.contains(r#"<span class="edited">edited</span>"#));
    let long = "x".repeat(10_001);
    let r = ada.submit(&edit, &edit, &[("body", &long)]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains(&format!("{long}</textarea>")), "what was typed is kept");
    assert!(ada.get(&page).await.body.contains("typo fixed"), "a refused edit changes nothing");

    // Deleting keeps the place, so the reply stays; the count follows; the text is gone.
    let r = ada.submit(&edit, &format!("/comments/{first}/delete"), &[]).await;
    assert_eq!(r.status, 303);
    let html = Visitor::new(&s.base).get(&page).await.body;
    assert!(html.contains("[deleted by its author]") && !html.contains("typo fixed"), "{html}");
    assert!(html.contains("Why?") && html.contains(&format!(r#"id="c{reply}""#)));
    assert!(html.contains("Comments (1)"));
    assert_eq!(ada.get(&edit).await.status, 404, "a deleted comment cannot be edited");
    let api: Value =
        serde_json::from_str(&Visitor::new(&s.base).get(&format!("/api/v1{page}/comments")).await.body).unwrap();
    let gone = api["comments"].as_array().unwrap().iter().find(|c| c["id"] == first).unwrap();
    assert_eq!(
        (gone["deleted"].as_bool(), gone["body"].is_null(), gone["author"].as_str()),
        (Some(true), true, Some(""))
    );
    let day = Visitor::new(&s.base).get("/papers/date/2025-08-07").await.body;
    let row = &day[day.find(&format!(r#"data-id="{P1}"#)).unwrap()..];
    assert!(row[..row.find("</article>").unwrap()].contains("1 comment<"), "listings count the comments left");
}

#[tokio::test]
async fn the_api_edits_and_deletes_a_members_own_comments_only() {
    let s = spawn_app(|_| {}).await;
    let (ada, bob) = (Visitor::new(&s.base), Visitor::new(&s.base));
    ada.signup("ada", "correct horse").await;
    bob.signup("bob", "correct horse").await;
    let (ada, bob) = (
        Api::new(&s.base, Some(&make_token(&ada, "a").await.0)),
        Api::new(&s.base, Some(&make_token(&bob, "b").await.0)),
    );
    let (status, c) = ada.post(&format!("/api/v1/papers/{P1}/comments"), json!({"body": "first"})).await;
    assert_eq!(status, 201);
    let path = format!("/api/v1/comments/{}", c["id"]);
    let (status, edited) = ada.patch(&path, json!({"body": "first, edited"})).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["body"], "first, edited");
    assert!(edited["editedAt"].is_string());
    let (status, refused) = bob.patch(&path, json!({"body": "not mine"})).await;
    assert_eq!((status, refused["code"].as_str()), (404, Some("not_found")), "{refused}");
    assert_eq!(ada.patch(&path, json!({"body": ""})).await.0, 400);
    assert_eq!(bob.delete(&path).await.0, 404);
    assert_eq!(ada.delete(&path).await.0, 204);
    assert_eq!(ada.delete(&path).await.0, 404, "deleted already");
    assert_eq!(ada.delete("/api/v1/comments/abc").await.0, 400);
    let (_, _, list) = ada.get(&format!("/api/v1/papers/{P1}/comments")).await;
    assert_eq!(list["comments"][0]["deleted"], true);
    assert!(list["comments"][0]["body"].is_null());
}

/// The nonce in a page's form (`name="nonce"`), after `after`.
fn nonce_in(html: &str, after: &str) -> String {
    let from = html.find(after).unwrap();
    let marker = r#"name="nonce" value=""#;
    let at = html[from..].find(marker).unwrap() + from + marker.len();
    html[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn a_form_sent_twice_is_done_once_and_collection_names_are_unique() {
    let s = spawn_app(|_| {}).await;
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let page = format!("/papers/{P1}");
    let html = ada.get(&page).await.body;
    let nonce = nonce_in(&html, r#"id="comment-form""#);
    assert_eq!(nonce.len(), 32);
    assert_ne!(nonce_in(&ada.get(&page).await.body, r#"id="comment-form""#), nonce, "a new nonce each time");
    // Sent twice (a double click, a resent request): one comment, and both answers point at it.
    let form = [("body", "Sent once."), ("nonce", nonce.as_str())];
    let post = format!("{page}/comments");
    let (a, b) = tokio::join!(ada.submit(&page, &post, &form), ada.submit(&page, &post, &form));
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (303, 303));
    assert_eq!(a.location(), b.location());
    let html = ada.get(&page).await.body;
    assert_eq!(html.matches("Sent once.").count(), 1, "{html}");
    // The same page shown again from the history and written anew is a new comment.
    let r = ada.submit(&page, &format!("{page}/comments"), &[("body", "Another thought."), ("nonce", &nonce)]).await;
    assert_ne!(r.location(), a.location());
    assert!(ada.get(&page).await.body.contains("Comments (2)"));

    // "Create" sent twice makes one collection.
    let html = ada.get("/collections").await.body;
    let nonce = nonce_in(&html, r#"action="/collections""#);
    let form = [("name", "Reading group"), ("description", ""), ("nonce", nonce.as_str())];
    let (a, b) = tokio::join!(
        ada.submit("/collections", "/collections", &form),
        ada.submit("/collections", "/collections", &form)
    );
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (303, 303), "{}", b.body);
    assert_eq!(a.location(), b.location());
    let list = ada.get("/collections").await.body;
    assert_eq!(list.matches(">Reading group<").count(), 1, "{list}");
    // A name is the member's once, whatever its case and spacing; so is a rename.
    let r = ada.submit("/collections", "/collections", &[("name", "reading  GROUP"), ("description", "")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("You already have a collection named"), "{}", r.body);
    let r = ada.submit("/collections", "/collections", &[("name", "Later"), ("description", "")]).await;
    let later = r.location();
    let r = ada.submit(later, later, &[("name", "Reading Group"), ("description", "")]).await;
    assert_eq!(r.status, 422);
    assert!(ada.get(later).await.body.contains("Later"));
    // Another member may use the name.
    let bob = Visitor::new(&s.base);
    bob.signup("bob", "correct horse").await;
    assert_eq!(
        bob.submit("/collections", "/collections", &[("name", "Reading group"), ("description", "")]).await.status,
        303
    );
}
