//! Password reset and address verification, end to end through the outbox and a real SMTP
//! server (aiosmtpd).

use crate::helpers::*;
use mail_parser::MessageParser;

fn with_sink(port: u16) -> impl FnOnce(&mut paperboy::settings::Settings) {
    move |s| {
        s.mail.enabled = true;
        s.mail.smtp_port = port;
        s.mail.smtp_host = "127.0.0.1".into();
        s.mail.poll_ms = 100;
        s.mail.from = "paperboy <accounts@paperboy.test>".into();
    }
}

/// The recipient and the link holding `needle` of message `i`.
fn link_in(raw: &[u8], needle: &str) -> (String, String) {
    let m = MessageParser::default().parse(raw).unwrap();
    let to = m.to().unwrap().first().unwrap().address().unwrap().to_string();
    let text = m.body_text(0).unwrap().to_string();
    let link = text.split_whitespace().find(|w| w.contains(needle)).unwrap_or_else(|| panic!("{text}")).to_string();
    (to, link)
}

fn path_of(link: &str) -> String {
    link[link.find("/password").or_else(|| link.find("/email")).unwrap()..].to_string()
}

/// Opens a verification link the way its owner does: the page, then its button.
async fn verify(v: &Visitor, link: &str) -> Answer {
    let page = v.get(&path_of(link)).await;
    assert!(page.body.contains("Yes, it is my address"), "opening the link verifies nothing by itself: {}", page.body);
    let token = link.split("token=").nth(1).unwrap();
    v.submit(&path_of(link), "/email/verify", &[("token", token)]).await
}

#[tokio::test]
async fn a_verified_address_gets_a_one_time_reset_link_and_an_unverified_one_nothing() {
    let mail_dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(0, mail_dir.path(), &[]);
    let s = spawn_app(with_sink(sink.port)).await;
    let ada = Visitor::new(&s.base);
    let r = ada
        .submit(
            "/signup",
            "/signup",
            &[("username", "ada"), ("email", "ada@example.org"), ("password", "correct horse")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(ada.get("/settings").await.body.contains("not verified yet"));

    // Not verified yet: asking for a reset mails nothing, and says the same as for anyone.
    let guest = Visitor::new(&s.base);
    let answer = |email: &str| {
        let guest = &guest;
        let email = email.to_string();
        async move {
            let r = guest.submit("/password/forgot", "/password/forgot", &[("email", &email)]).await;
            assert_eq!(r.status, 200);
            r.body.replace(&email, "ADDRESS")
        }
    };
    let unverified = answer("ada@example.org").await;
    assert_eq!(unverified, answer("nobody@example.org").await, "the answer says nothing of who has an account");

    // The verification link, opened twice (mail scanners open links first).
    let raw = sink.wait_for(1).await;
    let (to, verify_link) = link_in(&raw[0], "/email/verify?token=");
    assert_eq!(to, "ada@example.org");
    // A scanner that only opens the link verifies nothing.
    assert!(guest.get(&path_of(&verify_link)).await.status == 200);
    assert!(ada.get("/settings").await.body.contains("not verified yet"));
    let first = verify(&guest, &verify_link).await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("ada@example.org is verified"), "{}", first.body);
    assert!(guest.get(&path_of(&verify_link)).await.body.contains("This address is verified already."));
    assert!(ada.get("/settings").await.body.contains("(verified)"));

    // Now a reset link comes, only to the verified address.
    answer("ADA@example.org").await;
    let raw = sink.wait_for(2).await;
    assert_eq!(raw.len(), 2, "no reset mail went out while the address was not verified");
    let (to, reset) = link_in(&raw[1], "/password/reset?token=");
    assert_eq!(to, "ada@example.org");
    let form = guest.get(&path_of(&reset)).await;
    assert_eq!(form.status, 200);
    assert_eq!(form.headers["cache-control"], "no-store");
    assert_eq!(form.headers["referrer-policy"], "no-referrer");
    let token = reset.split("token=").nth(1).unwrap();
    let short = guest.submit(&path_of(&reset), "/password/reset", &[("token", token), ("password", "short")]).await;
    assert_eq!(short.status, 422);
    assert!(short.body.contains(&format!(r#"name="token" value="{token}""#)), "the form comes back with its link");
    let done = guest
        .submit(&path_of(&reset), "/password/reset", &[("token", token), ("password", "a new battery staple")])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Your new password is set"));
    // Every session of the account ended; the new password works, the old one does not.
    assert_eq!(ada.get("/settings").await.status, 303);
    assert_eq!(ada.submit("/login", "/login", &[("username", "ada"), ("password", "correct horse")]).await.status, 401);
    assert_eq!(
        ada.submit("/login", "/login", &[("username", "ada"), ("password", "a new battery staple")]).await.status,
        303
    );
    // The link works once.
    assert_eq!(guest.get(&path_of(&reset)).await.status, 400);
    // Once sent, an account's mail keeps no working link in the store.
    let mut bodies = Vec::new();
    for _ in 0..100 {
        bodies = s
            .store
            .read(|db| {
                let rows = db.query("SELECT status, text_body FROM outbox WHERE subscriber_id IS NULL", &[])?;
                Ok(rows.iter().map(|r| (r.text(0), r.text(1))).collect::<Vec<_>>())
            })
            .await
            .unwrap();
        if bodies.iter().all(|(status, _)| status == "sent") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(bodies.len(), 2);
    assert!(bodies.iter().all(|(status, text)| status == "sent" && text.is_empty()), "{bodies:?}");
    let again =
        guest.submit("/password/forgot", "/password/reset", &[("token", token), ("password", "yet another one")]).await;
    assert_eq!(again.status, 400);
    // Only the hash of a token is stored, and an expired link is refused.
    let hash = paperboy::accounts::token_hash(token);
    let stored: Vec<String> = s
        .store
        .read(|db| Ok(db.query("SELECT token_hash FROM account_tokens", &[])?.iter().map(|r| r.text(0)).collect()))
        .await
        .unwrap();
    assert!(stored.contains(&hash) && !stored.iter().any(|h| h == token));
    s.store
        .transaction(|db| {
            let ada = paperboy::store::accounts::user_by_name(db, "ada")?.unwrap().id;
            let old = paperboy::accounts::token_hash("an-old-link");
            paperboy::store::account_tokens::create(db, &old, ada, "reset", "ada@example.org", 0, 1)
        })
        .await
        .unwrap();
    assert_eq!(guest.get("/password/reset?token=an-old-link").await.status, 400);
}

#[tokio::test]
async fn an_address_another_account_verified_is_not_yours_and_a_new_address_is_unverified() {
    let mail_dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(0, mail_dir.path(), &[]);
    let s = spawn_app(with_sink(sink.port)).await;
    let (ada, bob) = (Visitor::new(&s.base), Visitor::new(&s.base));
    ada.submit(
        "/signup",
        "/signup",
        &[("username", "ada"), ("email", "ada@example.org"), ("password", "correct horse")],
    )
    .await;
    let (_, link) = link_in(&sink.wait_for(1).await[0], "/email/verify?token=");
    assert_eq!(verify(&ada, &link).await.status, 200);
    // Bob gives ada's address: it stays unverified, and his link cannot take it.
    bob.signup("bob", "correct horse").await;
    let r = bob
        .submit(
            "/settings",
            "/settings",
            &[("action", "profile"), ("email", "ada@example.org"), ("muted_words", ""), ("default_categories", "")],
        )
        .await;
    assert!(r.body.contains("A link to verify ada@example.org is on its way"), "{}", r.body);
    let (_, link) = link_in(&sink.wait_for(2).await[1], "/email/verify?token=");
    let r = verify(&bob, &link).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("Another account has verified this address first"));
    // His digest subscription with that address is not linked to his account.
    bob.submit(
        "/subscribe",
        "/subscribe",
        &[("email", "ada@example.org"), ("frequency", "daily"), ("mode", "trending")],
    )
    .await;
    let linked = s
        .store
        .read(|db| {
            Ok(db.query("SELECT user_id FROM subscribers", &[])?.iter().map(|r| r.opt_int(0)).collect::<Vec<_>>())
        })
        .await
        .unwrap();
    assert_eq!(linked, vec![None]);
    // Ada changes her address: the new one is unverified until she opens its link.
    let r = ada
        .submit(
            "/settings",
            "/settings",
            &[("action", "profile"), ("email", "ada@lab.example"), ("muted_words", ""), ("default_categories", "")],
        )
        .await;
    assert!(r.body.contains("not verified yet"), "{}", r.body);
}
