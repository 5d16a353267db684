//! Digests end to end against a real SMTP server (aiosmtpd over TCP on loopback): subscribe,
//! confirm, receive, change preferences, leave in one click; faults; a killed run; bad input.

use crate::helpers::*;
use mail_parser::MessageParser;
use paperboy::digest::compose::{self, Links};
use paperboy::digest::{mailer, Frequency, Preferences};
use paperboy::papers::Period;
use paperboy::settings::Settings;
use paperboy::store::digests as dstore;

fn links(s: &TestApp) -> Links {
    Links { public_url: s.state.settings.public_url.clone(), secret: s.state.secret.clone() }
}

/// Queues the period's digests now, as the schedule does (no search index: words-only "for me").
async fn queue(
    s: &TestApp,
    kind: Frequency,
    period: Period,
) -> Result<compose::QueueReport, paperboy::store::StoreError> {
    compose::queue_period(&s.store, &links(s), &Default::default(), kind, period, chrono::Utc::now().timestamp()).await
}

fn day() -> Period {
    Period::parse("2025-08-07").unwrap()
}

fn with_sink(port: u16) -> impl FnOnce(&mut Settings) {
    move |s: &mut Settings| {
        s.mail.enabled = true;
        s.mail.smtp_port = port;
        s.mail.smtp_host = "127.0.0.1".into();
        s.mail.poll_ms = 100;
        s.mail.retry_base_secs = 1;
        s.mail.from = "paperboy <digest@paperboy.test>".into();
    }
}

fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    MessageParser::default().parse(raw).expect("a parsable message")
}

/// The first `http…` link in a text that contains `needle`.
fn link(text: &str, needle: &str) -> String {
    text.split_whitespace()
        .find(|w| w.starts_with("http") && w.contains(needle))
        .unwrap_or_else(|| panic!("no {needle} link in {text}"))
        .to_string()
}

/// Subscribes `email` with default preferences and confirms it, as the store sees it.
async fn confirmed(s: &TestApp, email: &str, prefs: Preferences) -> i64 {
    let email = email.to_string();
    s.store
        .transaction(move |db| {
            let now = chrono::Utc::now().timestamp();
            dstore::request_subscription(db, &email, None, &prefs, &format!("hash-{email}"), now, now + 3600)?;
            match dstore::confirm(db, &format!("hash-{email}"), now)? {
                dstore::Confirmation::Confirmed(id) => Ok(id),
                other => panic!("{other:?}"),
            }
        })
        .await
        .unwrap()
}

/// `n` confirmed subscribers `reader{i}@example.org` with the default preferences.
async fn confirmed_readers(store: &paperboy::store::Store, n: usize) {
    store
        .transaction(move |db| {
            let now = chrono::Utc::now().timestamp();
            requested_readers(db, n, now)?;
            for i in 0..n {
                dstore::confirm(db, &format!("h{i}"), now)?;
            }
            Ok(())
        })
        .await
        .unwrap();
}

/// `n` subscriptions requested by `reader{i}@example.org` (token `h{i}`), the default
/// preferences, not confirmed yet.
fn requested_readers(db: &mut dyn paperboy::store::db::Db, n: usize, now: i64) -> paperboy::store::Result<()> {
    for i in 0..n {
        let (email, token) = (format!("reader{i}@example.org"), format!("h{i}"));
        dstore::request_subscription(db, &email, None, &Preferences::default(), &token, now, now + 60)?;
    }
    Ok(())
}

/// How many messages each address received.
fn deliveries_per_address(sink: &SmtpSink) -> std::collections::HashMap<String, usize> {
    let mut counts = std::collections::HashMap::new();
    for raw in sink.messages() {
        let to = parse(&raw).to().unwrap().first().unwrap().address().unwrap().to_string();
        *counts.entry(to).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn subscribe_confirm_receive_change_preferences_and_leave_in_one_click() {
    let mail_dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(0, mail_dir.path(), &[]);
    let s = spawn_app(with_sink(sink.port)).await;
    let ada = Visitor::new(&s.base);
    // The footer of every page leads to the form.
    assert!(ada.get("/").await.body.contains(r#"<form method="get" action="/subscribe""#));
    let form = ada.get("/subscribe?email=ada%40example.org").await.body;
    assert!(form.contains(r#"value="ada@example.org""#));
    let r = ada
        .submit(
            "/subscribe",
            "/subscribe",
            &[("email", "ada@example.org"), ("frequency", "daily"), ("mode", "trending")],
        )
        .await;
    assert_eq!(r.status, 200);
    let answer_new = r.body.clone();

    // The confirmation.
    let raw = sink.wait_for(1).await;
    let confirmation = parse(&raw[0]);
    assert_eq!(confirmation.subject(), Some("Confirm your paperboy digest subscription"));
    let text = confirmation.body_text(0).unwrap().to_string();
    let confirm = link(&text, "/digest/confirm?token=");
    // Nothing but the confirmation goes to an unconfirmed address.
    queue(&s, Frequency::Daily, day()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(sink.messages().len(), 1);
    let r = Visitor::new(&s.base).get(confirm.strip_prefix(&s.base).unwrap()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Your subscription is confirmed"));
    // Opened again (a mail scanner opened it first, say): already confirmed, not "expired", and no preferences link.
    let again = Visitor::new(&s.base).get(confirm.strip_prefix(&s.base).unwrap()).await;
    assert_eq!(again.status, 200);
    assert!(again.body.contains("already confirmed") && !again.body.contains("/digest/preferences/"), "{}", again.body);

    // The same answer for an address that is already subscribed (no probing who is on the list).
    let r = Visitor::new(&s.base)
        .submit(
            "/subscribe",
            "/subscribe",
            &[("email", "ada@example.org"), ("frequency", "daily"), ("mode", "trending")],
        )
        .await;
    assert_eq!(r.body.split("<main>").nth(1), answer_new.split("<main>").nth(1));
    let raw = sink.wait_for(2).await;
    assert_eq!(parse(&raw[1]).subject(), Some("You are already subscribed to paperboy digests"));

    // The digest.
    let report = queue(&s, Frequency::Daily, day()).await.unwrap();
    assert_eq!((report.subscribers, report.queued), (1, 1));
    let again = queue(&s, Frequency::Daily, day()).await.unwrap();
    assert_eq!((again.queued, again.already_queued), (0, 1), "never queued twice");
    let raw = sink.wait_for(3).await;
    let digest = parse(&raw[2]);
    let subject = digest.subject().unwrap();
    assert!(subject.starts_with("paperboy daily digest, 2025-08-07: 10 papers — "), "{subject}");
    assert_eq!(digest.to().unwrap().first().unwrap().address(), Some("ada@example.org"));
    let unsubscribe = digest.header_raw("List-Unsubscribe").unwrap().trim().trim_matches(['<', '>']).to_string();
    assert_eq!(digest.header_raw("List-Unsubscribe-Post").unwrap().trim(), "List-Unsubscribe=One-Click");
    assert_eq!((digest.text_bodies().count(), digest.html_bodies().count()), (1, 1), "plain text and HTML");
    let text = digest.body_text(0).unwrap().to_string();
    let html = digest.body_html(0).unwrap().to_string();
    assert!(text.contains("Top papers of 2025-08-07"));
    // Links work: a paper page, the preferences page.
    let paper = link(&text, "/papers/");
    // (minijinja escapes '/' in HTML too: same URL once the entities are read.)
    assert!(html.contains(&format!(r#"href="{}""#, paper.replace('/', "&#x2f;"))), "{html}");
    assert_eq!(Visitor::new(&s.base).get(paper.strip_prefix(&s.base).unwrap()).await.status, 200);
    let prefs = link(&text, "/digest/preferences/");
    let me = Visitor::new(&s.base);
    let page = me.get(prefs.strip_prefix(&s.base).unwrap()).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("You are subscribed."));
    let r = me
        .submit(
            prefs.strip_prefix(&s.base).unwrap(),
            prefs.strip_prefix(&s.base).unwrap(),
            &[("frequency", "weekly"), ("mode", "trending"), ("categories", "cs.SD"), ("max_papers", "3")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Saved."));
    let sub = s.store.read(|db| dstore::subscriber_by_email(db, "ada@example.org")).await.unwrap().unwrap();
    assert_eq!(
        (sub.prefs.frequency, sub.prefs.categories.clone(), sub.prefs.max_papers),
        (Frequency::Weekly, vec!["cs.SD".to_string()], 3)
    );
    // A forged preferences link is a 404.
    let forged = format!("/digest/preferences/{}/AAAA", sub.id);
    assert_eq!(me.get(&forged).await.status, 404);

    // One click, the way a mail client does it (RFC 8058): a POST with no cookie and no token.
    let r = reqwest::Client::new()
        .post(&unsubscribe)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let sub = s.store.read(|db| dstore::subscriber_by_email(db, "ada@example.org")).await.unwrap().unwrap();
    assert!(sub.unsubscribed_at.is_some());
    // The old confirmation link does not subscribe the address again.
    assert_eq!(Visitor::new(&s.base).get(confirm.strip_prefix(&s.base).unwrap()).await.status, 400);
    let sub = s.store.read(|db| dstore::subscriber_by_email(db, "ada@example.org")).await.unwrap().unwrap();
    assert!(sub.unsubscribed_at.is_some());
    let week = Period::parse("2025-W32").unwrap();
    let r = queue(&s, Frequency::Weekly, week).await.unwrap();
    assert_eq!(r.subscribers, 0, "nothing for an address that left");

    // Coming back works: confirm again, then digests again.
    Visitor::new(&s.base)
        .submit(
            "/subscribe",
            "/subscribe",
            &[("email", "ada@example.org"), ("frequency", "weekly"), ("mode", "trending")],
        )
        .await;
    let raw = sink.wait_for(4).await;
    let text = parse(&raw[3]).body_text(0).unwrap().to_string();
    let confirm = link(&text, "/digest/confirm?token=");
    assert_eq!(Visitor::new(&s.base).get(confirm.strip_prefix(&s.base).unwrap()).await.status, 200);
    let r = queue(&s, Frequency::Weekly, week).await.unwrap();
    assert_eq!(r.queued, 1);
    let raw = sink.wait_for(5).await;
    let weekly = parse(&raw[4]);
    assert!(weekly.subject().unwrap().starts_with("paperboy weekly digest, week 2025-W32: "));
    assert_eq!(sink.messages().len(), 5, "nothing else was sent");
}

#[tokio::test]
async fn bad_addresses_are_refused_and_never_reach_smtp() {
    let mail_dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(0, mail_dir.path(), &[]);
    let s = spawn_app(with_sink(sink.port)).await;
    let v = Visitor::new(&s.base);
    let long = format!("{}@example.org", "a".repeat(260));
    for (bad, says) in [
        ("ada@example.org\r\nBcc: everyone@example.org", "line breaks"),
        ("ada@example.org\nX-Injected: 1", "line breaks"),
        ("not-an-address", "has no"),
        ("ada@localhost", "not a valid host name"),
        (long.as_str(), "longer than 254"),
    ] {
        let r =
            v.submit("/subscribe", "/subscribe", &[("email", bad), ("frequency", "daily"), ("mode", "trending")]).await;
        assert_eq!(r.status, 422, "{bad:?}");
        assert!(r.body.contains(says), "{bad:?}: {says}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(sink.messages().is_empty());
    let n: i64 =
        s.store.read(|db| Ok(db.query_one("SELECT COUNT(*) FROM subscribers", &[])?.unwrap().int(0))).await.unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn a_server_that_is_down_then_up_451s_and_550s_are_each_handled() {
    let mail_dir = tempfile::tempdir().unwrap();
    // The SMTP server's port, with nothing listening yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let s = spawn_app(|st| {
        with_sink(port)(st);
        st.mail.enabled = false; // this test drives the worker itself
        st.mail.pause_after_failures = 1;
    })
    .await;
    let settings = s.state.settings.mail.clone();
    let m = mailer::Mailer::new(&settings).unwrap();
    for who in ["ada@example.org", "bob@example.org", "gone@example.org"] {
        confirmed(&s, who, Preferences::default()).await;
    }
    queue(&s, Frequency::Daily, day()).await.unwrap();

    // Down: every message deferred, none lost.
    let r = mailer::drain(&s.store, &m, &settings, "w1").await.unwrap();
    assert_eq!((r.sent, r.retried, r.failed), (0, 3, 0));
    let q = s.store.read(dstore::queue_summary).await.unwrap();
    assert_eq!(q.by_status, vec![("pending".to_string(), 3)]);

    // Up, but answering the first message with 451 and one address with 550.
    let mut sink = SmtpSink::start(port, mail_dir.path(), &["--tempfail", "1", "--reject", "gone@example.org"]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await; // the first retry is due after 1 s
    let r = mailer::drain(&s.store, &m, &settings, "w1").await.unwrap();
    assert_eq!((r.sent, r.retried, r.failed), (1, 1, 1), "{r:?}");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await; // the second retry: after 2 s
    let r = mailer::drain(&s.store, &m, &settings, "w1").await.unwrap();
    assert_eq!((r.sent, r.retried, r.failed), (1, 0, 0), "{r:?}");
    let got: Vec<String> = sink
        .messages()
        .iter()
        .map(|raw| parse(raw).to().unwrap().first().unwrap().address().unwrap().to_string())
        .collect();
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, vec!["ada@example.org", "bob@example.org"]);
    // The 550 is recorded, not retried, and the address is paused.
    let q = s.store.read(dstore::queue_summary).await.unwrap();
    assert_eq!(q.by_status, vec![("failed".to_string(), 1), ("sent".to_string(), 2)]);
    assert!(q.recent_failures.iter().any(|(_, to, e)| to == "gone@example.org" && e.contains("550")));
    assert_eq!(q.paused_addresses, 1);
    let gone = s.store.read(|db| dstore::subscriber_by_email(db, "gone@example.org")).await.unwrap().unwrap();
    assert!(gone.paused_at.is_some());
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(mailer::drain(&s.store, &m, &settings, "w1").await.unwrap(), mailer::DrainReport::default());
    sink.stop();
}

#[tokio::test]
async fn a_send_run_killed_midway_resumes_and_doubles_at_most_the_message_in_flight() {
    let mail_dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(0, mail_dir.path(), &["--delay-ms", "15"]);
    let data = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_paperboy");
    let sample = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample/arxiv-sample.jsonl.gz");
    let out =
        std::process::Command::new(bin).arg("--data-dir").arg(data.path()).arg("import").arg(&sample).output().unwrap();
    assert!(out.status.success());
    let store = paperboy::store::Store::open(data.path().join("paperboy.db").to_str().unwrap()).await.unwrap();
    let subscribers = 120;
    confirmed_readers(&store, subscribers).await;
    let run = |args: &[&str]| mail_command(data.path(), &sink, 10, &[]).args(args).spawn().unwrap();
    let mut first = run(&["digest", "send", "--date", "2025-08-07"]);
    // Kill it once some, not all, were delivered.
    wait_for_mail(&sink, 20, "the run did not start sending");
    first.kill().unwrap();
    first.wait().unwrap();
    let before = sink.messages().len();
    assert!(before < subscribers, "killed mid-run ({before} sent)");
    // Claims of the dead run expire, then a new run delivers the rest.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let mut second = run(&["digest", "send", "--date", "2025-08-07"]);
    assert!(second.wait().unwrap().success());
    let counts = deliveries_per_address(&sink);
    assert_eq!(counts.len(), subscribers, "every subscriber got the digest");
    let doubled = counts.values().filter(|&&n| n > 1).count();
    assert!(doubled <= 1 && counts.values().all(|&n| n <= 2), "at most the message in flight twice: {doubled}");
    let q = store.read(dstore::queue_summary).await.unwrap();
    assert_eq!(q.by_status, vec![("sent".to_string(), subscribers as i64)]);
}

#[tokio::test]
async fn two_workers_racing_on_postgresql_send_each_message_once() {
    let mail_dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(0, mail_dir.path(), &[]);
    let store = pg_store().await;
    let n = 150;
    let messages: Vec<dstore::NewMessage> = (0..n)
        .map(|i| dstore::NewMessage {
            key: format!("digest:{i}:daily:2025-08-07"),
            subscriber_id: Some(0),
            to: format!("reader{i}@example.org"),
            subject: format!("Digest {i}"),
            text: "Top papers".into(),
            html: None,
            unsubscribe_url: None,
        })
        .collect();
    store
        .transaction(move |db| {
            let now = chrono::Utc::now().timestamp();
            requested_readers(db, n, now)?;
            let ids: Vec<i64> =
                db.query("SELECT id FROM subscribers ORDER BY id", &[])?.iter().map(|r| r.int(0)).collect();
            let messages: Vec<_> = messages
                .into_iter()
                .zip(ids)
                .map(|(m, id)| dstore::NewMessage { subscriber_id: Some(id), ..m })
                .collect();
            dstore::enqueue(db, &messages, now)?;
            Ok(())
        })
        .await
        .unwrap();
    let mut settings = Settings::default().mail;
    settings.smtp_host = "127.0.0.1".into();
    settings.smtp_port = sink.port;
    settings.batch = 5;
    let (a, b) = (mailer::Mailer::new(&settings).unwrap(), mailer::Mailer::new(&settings).unwrap());
    let (ra, rb) =
        tokio::join!(mailer::drain(&store, &a, &settings, "node-a"), mailer::drain(&store, &b, &settings, "node-b"));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.sent + rb.sent, n as u64);
    assert!(ra.sent > 0 && rb.sent > 0, "both worked: {ra:?} {rb:?}");
    let mut subjects: Vec<String> =
        sink.messages().iter().map(|raw| parse(raw).subject().unwrap().to_string()).collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), n, "each message exactly once");
    assert_eq!(sink.messages().len(), n);
}

/// The rendered digest, compared with the committed snapshot (`tests/snapshots/`; run with
/// `PAPERBOY_UPDATE_SNAPSHOTS=1` to rewrite them after a deliberate change).
#[tokio::test]
async fn the_rendered_digest_matches_its_snapshot() {
    let t = temp_store().await;
    paperboy::sample::load_if_empty(&t.store).await.unwrap();
    let links =
        Links { public_url: "https://paperboy.example".into(), secret: std::sync::Arc::from(&b"snapshot secret"[..]) };
    let subscriber = paperboy::digest::Subscriber {
        id: 42,
        email: "ada@example.org".into(),
        user_id: None,
        confirmed_at: Some(0),
        unsubscribed_at: None,
        prefs: Preferences {
            categories: vec!["cs.SD".into()],
            max_papers: 3,
            muted_words: vec!["speech".into()],
            ..Default::default()
        },
        hard_failures: 0,
        paused_at: None,
    };
    // A fixed "now": the day after, noon UTC.
    let candidates = compose::candidates(&t.store, day(), 1_754_654_400).await.unwrap();
    let chosen = compose::select(&candidates, &subscriber.prefs, None);
    assert_eq!(chosen.len(), 3);
    assert!(chosen.iter().all(|c| c.paper.categories.iter().any(|x| x.code() == "cs.SD")));
    assert!(chosen
        .iter()
        .all(|c| !format!("{} {}", c.paper.title, c.paper.abstract_text).to_lowercase().contains("speech")));
    let m = compose::compose(&links, &subscriber, Frequency::Daily, day(), &chosen).unwrap();
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    for (name, got) in [
        ("digest.subject", m.subject.clone()),
        ("digest.txt", m.text.clone()),
        ("digest.html", m.html.clone().unwrap()),
    ] {
        let path = dir.join(name);
        if std::env::var_os("PAPERBOY_UPDATE_SNAPSHOTS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &got).unwrap();
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} missing: run with PAPERBOY_UPDATE_SNAPSHOTS=1", path.display()));
        assert_eq!(got, want, "{name} changed");
    }
    // HTML escaping holds in the HTML part (titles are arXiv text).
    assert!(!m.html.unwrap().contains("<script"));
}

#[tokio::test]
async fn for_me_digests_favour_what_the_account_liked() {
    let s = spawn_app(|_| {}).await;
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let uid = s.store.read(|db| Ok(paperboy::store::accounts::user_by_name(db, "ada")?.unwrap().id)).await.unwrap();
    // Ada liked two audio papers (cs.SD) of an earlier day.
    let audio: Vec<String> = s
        .store
        .list_papers(paperboy::store::Listing {
            period: Period::parse("2025-08-05").unwrap(),
            categories: vec!["cs.SD".into()],
            limit: 2,
            offset: 0,
        })
        .await
        .unwrap()
        .iter()
        .map(|p| p.id.as_str().to_string())
        .collect();
    for id in &audio {
        ada.upvote_json(id).await;
    }
    // The same recommender as /for-you (here without embeddings: tf-idf and the SVM).
    let taste = paperboy::recommend::Recommending::default().taste(&s.store, uid).await.unwrap();
    let candidates = compose::candidates(&s.store, day(), 1_754_654_400).await.unwrap();
    let trending = compose::select(&candidates, &Preferences { max_papers: 5, ..Default::default() }, None);
    let for_me = compose::select(
        &candidates,
        &Preferences { mode: paperboy::digest::Mode::ForMe, max_papers: 5, ..Default::default() },
        Some(&taste),
    );
    let is_audio = |c: &compose::Candidate| c.paper.categories.iter().any(|x| x.code() == "cs.SD");
    let audio_count = |list: &[&compose::Candidate]| list.iter().filter(|c| is_audio(c)).count();
    assert!(
        is_audio(for_me[0]) && audio_count(&for_me) > audio_count(&trending),
        "for me: papers like the liked ones first"
    );
    assert!(for_me.iter().all(|c| !audio.contains(&c.paper.id.as_str().to_string())), "not what she liked");
    assert!(audio_count(&trending) < 5, "the trending digest is not all audio");

    // She follows the author of a paper of the digest's day that is not about audio: it comes first.
    let other = candidates.iter().find(|c| !is_audio(c) && !c.paper.authors.is_empty()).unwrap();
    let author = other.paper.authors[0].clone();
    let key = paperboy::papers::authors::key(&author);
    s.store
        .transaction(move |db| paperboy::store::follows::set_following(db, uid, &key, &author, true, 1))
        .await
        .unwrap();
    let taste = paperboy::recommend::Recommending::default().taste(&s.store, uid).await.unwrap();
    let for_me = compose::select(
        &candidates,
        &Preferences { mode: paperboy::digest::Mode::ForMe, max_papers: 5, ..Default::default() },
        Some(&taste),
    );
    assert_eq!(for_me[0].paper.id, other.paper.id, "a followed author's paper first");

    // A member who follows an author and likes nothing gets that author's papers first too.
    let bob = Visitor::new(&s.base);
    bob.signup("bob", "correct horse").await;
    let bob_id = s.store.read(|db| Ok(paperboy::store::accounts::user_by_name(db, "bob")?.unwrap().id)).await.unwrap();
    // The day's least trending paper with authors, so that only following can bring it first.
    let last = candidates.iter().rev().find(|c| !c.paper.authors.is_empty()).unwrap();
    let author = last.paper.authors[0].clone();
    let key = paperboy::papers::authors::key(&author);
    s.store
        .transaction(move |db| paperboy::store::follows::set_following(db, bob_id, &key, &author, true, 1))
        .await
        .unwrap();
    let taste = paperboy::recommend::Recommending::default().taste(&s.store, bob_id).await.unwrap();
    let prefs = Preferences { mode: paperboy::digest::Mode::ForMe, max_papers: 5, ..Default::default() };
    assert_ne!(compose::select(&candidates, &prefs, None)[0].paper.id, last.paper.id);
    assert_eq!(compose::select(&candidates, &prefs, Some(&taste))[0].paper.id, last.paper.id);
}

#[tokio::test]
async fn two_nodes_deliver_on_postgresql_and_one_killed_midway_is_taken_over() {
    let mail_dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(0, mail_dir.path(), &["--delay-ms", "10"]);
    let url = pg_database().await;
    let store = paperboy::store::Store::open(&url).await.unwrap();
    paperboy::sample::load_if_empty(&store).await.unwrap();
    let subscribers = 150;
    confirmed_readers(&store, subscribers).await;
    let node = |args: &[&str]| {
        let data = tempfile::tempdir().unwrap().keep();
        let env = [("PAPERBOY_DATABASE_URL", url.as_str()), ("PAPERBOY_SEARCH__FETCH_MODEL", "false")];
        mail_command(&data, &sink, 5, &env).args(args).spawn().unwrap()
    };
    // Node A queues the day's digests and starts delivering; node B delivers alongside.
    let mut a = node(&["digest", "send", "--date", "2025-08-07"]);
    wait_for_mail(&sink, 10, "node A did not start sending");
    let mut b = node(&["digest", "deliver"]);
    wait_for_mail(&sink, 40, "the nodes stalled");
    // Node A dies mid-run; B finishes, taking over A's claims once they expire.
    a.kill().unwrap();
    a.wait().unwrap();
    assert!(b.wait().unwrap().success());
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let mut again = node(&["digest", "deliver"]);
    assert!(again.wait().unwrap().success());
    let counts = deliveries_per_address(&sink);
    assert_eq!(counts.len(), subscribers, "every subscriber got the digest");
    assert!(counts.values().filter(|&&n| n > 1).count() <= 1, "at most the message A had in flight twice");
    let q = store.read(dstore::queue_summary).await.unwrap();
    assert_eq!(q.by_status, vec![("sent".to_string(), subscribers as i64)]);
}

/// `paperboy --data-dir DIR …` delivering to `sink`, claiming `batch` messages at a time, its
/// output discarded.
fn mail_command(data: &std::path::Path, sink: &SmtpSink, batch: u32, env: &[(&str, &str)]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_paperboy"));
    c.arg("--data-dir")
        .arg(data)
        .envs(env.iter().copied())
        .env("PAPERBOY_MAIL__SMTP_HOST", "127.0.0.1")
        .env("PAPERBOY_MAIL__SMTP_PORT", sink.port.to_string())
        .env("PAPERBOY_MAIL__CLAIM_SECS", "2")
        .env("PAPERBOY_MAIL__BATCH", batch.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

/// Waits (30 s at most) until `sink` holds `n` messages.
fn wait_for_mail(sink: &SmtpSink, n: usize, failure: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while sink.messages().len() < n {
        assert!(std::time::Instant::now() < deadline, "{failure}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[tokio::test]
async fn with_mail_down_subscribers_and_the_admin_are_told_and_the_confirmation_goes_once_it_answers() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let s = spawn_app(with_sink(port)).await; // nothing listens there yet
    let admin = Visitor::new(&s.base);
    admin.signup("root", "correct horse").await;
    s.store
        .transaction(|db| paperboy::store::accounts::set_role(db, "root", paperboy::accounts::Role::Admin))
        .await
        .unwrap();
    let page = wait_for_page(&admin, "/admin", "Mail cannot be delivered").await;
    assert!(page.contains(&format!("the SMTP server (127.0.0.1:{port}) fails since")), "{page}");

    // The subscriber is told the truth, and the confirmation waits in the outbox.
    let ada = Visitor::new(&s.base);
    let form = [("email", "ada@example.org"), ("frequency", "daily"), ("mode", "trending")];
    let r = ada.submit("/subscribe", "/subscribe", &form).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("cannot reach its mail server") && !r.body.contains("is on its way"), "{}", r.body);
    let page = wait_for_page(&admin, "/admin", "Latest errors").await;
    assert!(page.contains("<td>pending</td><td>1</td>") && page.contains("Connection refused"), "{page}");

    // Once the server answers, the confirmation goes and the admin page says mail works.
    let mail_dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(port, mail_dir.path(), &[]);
    let raw = sink.wait_for(1).await;
    assert!(String::from_utf8_lossy(&raw[0]).contains("ada@example.org"));
    wait_for_page(&admin, "/admin", "Mail works: the SMTP server").await;

    // With mail off, nobody is promised a message.
    let off = spawn_app(|s| s.mail.enabled = false).await;
    let r = Visitor::new(&off.base).submit("/subscribe", "/subscribe", &form).await;
    assert!(r.body.contains("This instance does not send mail"), "{}", r.body);
}

/// The page at `path` once it contains `needle` (within 20 s).
async fn wait_for_page(v: &Visitor, path: &str, needle: &str) -> String {
    let mut page = String::new();
    for _ in 0..200 {
        page = v.get(path).await.body;
        if page.contains(needle) {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{path} never said {needle:?}: {page}");
}
