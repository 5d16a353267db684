//! The main pages rendered from fixed data (no store, no clock), compared with the committed
//! snapshots in `tests/snapshots/pages/` (run with `UPDATE_SNAPSHOTS=1` to rewrite them after a
//! deliberate change), and hostile text escaped in every one of them.

use super::*;
use crate::accounts::{Role, User};
use crate::papers::{AnnounceType, Paper, PaperDraft, Period, Source};
use crate::search::{Hit, Mode, SearchRequest, SearchResults, Window};
use crate::store::collections::Collection;
use crate::store::comments::Comment;
use crate::store::moderation::ModerationEntry;
use crate::store::votes::PaperActivity;
use crate::web::listings::{PeriodPage, RowContext};
use std::collections::{HashMap, HashSet};

/// Text from arXiv or a member that would break the markup if it went out unescaped.
const HOSTILE: &str = r#"<script>alert("x")</script> & 'quotes'"#;
const HOSTILE_ESCAPED: &str = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;";

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

fn paper(id: &str, title: &str, abstract_text: &str) -> Paper {
    PaperDraft {
        id: Some(id.into()),
        version: Some(2),
        title: Some(title.into()),
        abstract_text: Some(abstract_text.into()),
        authors: vec!["Ada Lovelace".into(), "Charles Babbage".into()],
        categories: "cs.LG stat.ML".into(),
        categories_listed: false,
        comments: Some("12 pages, 3 figures".into()),
        journal_ref: None,
        doi: Some("10.1000/xyz123".into()),
        license: Some("http://creativecommons.org/licenses/by/4.0/".into()),
        submitted_on: Some(day("2025-08-01")),
        updated_on: Some(day("2025-08-04")),
        announced_on: Some(day("2025-08-05")),
        announced_exact: true,
        announce_type: Some(AnnounceType::New),
    }
    .validate(Source::Snapshot)
    .unwrap()
}

/// Three papers of 2025-08-05: one with a hostile title, one long, one the member mutes.
fn papers() -> Vec<Paper> {
    vec![
        paper("2508.01001", &format!("Scaling {HOSTILE}"), "We study $x^2$ & friends."),
        paper("2508.01002", "Diffusion language models", &"A long abstract about diffusion. ".repeat(12)),
        paper("2508.01003", "Quantum walks", "Muted by the member."),
    ]
}

fn user(id: i64, name: &str, role: Role) -> User {
    User {
        id,
        username: name.into(),
        email: Some(format!("{name}@example.org")),
        role,
        suspended: false,
        muted_words: vec!["quantum".into()],
        default_categories: vec!["cs.LG".into()],
        created_at: 1_754_000_000,
        email_verified: true,
    }
}

fn viewer(u: User) -> Viewer {
    Viewer { user: Some(u), session: Some("session".into()), csrf: "csrf-token".into(), updates: 2 }
}

fn member() -> Viewer {
    viewer(user(1, "ada", Role::Member))
}

fn rows(viewer: &Viewer, papers: &[Paper]) -> RowContext {
    let mut activity = HashMap::new();
    activity.insert(
        papers[0].id.as_str().to_string(),
        PaperActivity {
            upvotes: 7,
            comments: 1,
            submitted_by: Some("grace".into()),
            submitted_on: Some("2025-08-05".into()),
        },
    );
    activity.insert(papers[1].id.as_str().to_string(), PaperActivity { upvotes: 2, comments: 3, ..Default::default() });
    RowContext {
        activity,
        voted: HashSet::from([papers[0].id.as_str().to_string()]),
        csrf: viewer.user.as_ref().map(|_| viewer.csrf.clone()),
        muted: viewer.user.clone(),
        snippets: HashMap::new(),
        ..Default::default()
    }
}

fn day_listing() -> String {
    let v = member();
    let all = papers();
    let page = PeriodPage {
        period: Period::Day(day("2025-08-05")),
        categories: vec!["cs.LG".into()],
        page_no: 1,
        papers: all.clone(),
        total: 60,
        prev: Some(Period::Day(day("2025-08-04"))),
        next: Some(Period::Day(day("2025-08-06"))),
        sample: true,
        highlights: vec![all[0].clone()],
        rows: rows(&v, &all),
    };
    crate::web::listings::render_period_page(&v, &page)
}

fn paper_page() -> String {
    let v = member();
    let p = papers().remove(0);
    let comment = |id, parent_id, username: &str, body: &str, hidden| Comment {
        id,
        paper_id: p.id.as_str().to_string(),
        parent_id,
        username: username.into(),
        body: body.into(),
        created_at: 1_754_400_000 + id * 60,
        hidden,
        user_id: if username == "ada" { 1 } else { 100 + id },
        edited_at: (id == 2).then_some(1_754_500_000),
        deleted: false,
    };
    let comments = vec![
        comment(1, None, "grace", "Does this hold for $x^2$? **Nice** result.", false),
        comment(2, Some(1), "ada", &format!("It does. {HOSTILE}"), false),
        comment(3, None, "mallory", "spam", true),
        comment(4, Some(3), "grace", "A reply to a hidden comment.", false),
    ];
    let collection = |id, name: &str| Collection {
        id,
        owner_id: 1,
        owner: "ada".into(),
        name: name.into(),
        description: String::new(),
        public: true,
        created_at: 0,
        updated_at: 0,
        papers: 1,
    };
    let similar = super::super::search::Similar::Found(vec![(papers().remove(1), 0.8123)]);
    let page = crate::web::paper::PaperPage {
        hf: Some(crate::store::HfListing {
            paper_id: p.id.clone(),
            listed_on: day("2025-08-06"),
            upvotes: 42,
            num_comments: 5,
            submitted_by: None,
            github_repo: Some("https://github.com/example/scaling".into()),
            project_page: Some("javascript:alert(1)".into()),
        }),
        voted: true,
        dismissed: false,
        activity: PaperActivity {
            upvotes: 7,
            comments: 3,
            submitted_by: Some("grace".into()),
            submitted_on: Some("2025-08-05".into()),
        },
        collections: vec![collection(10, "Reading list"), collection(11, HOSTILE)],
        holding: HashSet::from([10]),
        similar,
        comments,
        paper: p,
    };
    crate::web::paper::render_paper_page(&v, &page)
}

fn search_results() -> String {
    let v = member();
    let found = papers();
    let req = SearchRequest {
        text: format!("scaling {HOSTILE}"),
        mode: Mode::Hybrid,
        window: Window { categories: vec!["cs.LG".into()], from: Some(day("2025-08-01")), to: None },
        offset: 20,
        limit: 20,
    };
    let hit = |p: &Paper, title_html: Option<&str>| Hit {
        id: p.id.as_str().to_string(),
        score: 1.0,
        title_html: title_html.map(str::to_string),
        abstract_html: None,
    };
    let results = SearchResults {
        hits: vec![
            hit(&found[0], Some("<b>Scaling</b> &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")),
            hit(&found[1], None),
        ],
        total: 45,
        total_exact: false,
        word_matches: Some(crate::search::keyword::Total { count: 10_000, exact: false }),
        mode: Mode::Hybrid,
        notices: vec![format!("Read as plain words: {HOSTILE}")],
    };
    let mut rows = rows(&v, &found);
    rows.snippets =
        results.hits.iter().map(|h| (h.id.clone(), (h.title_html.clone(), h.abstract_html.clone()))).collect();
    let page = crate::web::search::SearchPage::Results { req, semantic: false, results, papers: found, rows };
    crate::web::search::render_search(&v, &page)
}

fn collection() -> String {
    let v = member();
    let found = papers();
    let c = Collection {
        id: 10,
        owner_id: 1,
        owner: "ada".into(),
        name: format!("Reading {HOSTILE}"),
        description: format!("Papers to read. {HOSTILE}"),
        public: true,
        created_at: 0,
        updated_at: 0,
        papers: 3,
    };
    crate::web::collections::render_collection(&v, &c, &found, &rows(&v, &found), true)
}

fn settings() -> String {
    let v = member();
    let mut u = v.user.clone().unwrap();
    u.muted_words.push(HOSTILE.into());
    crate::web::account::render_settings(&v, &u, Some("Saved."), None)
}

fn admin() -> String {
    let root = user(2, "root", Role::Admin);
    let v = viewer(root.clone());
    let comments = vec![
        Comment {
            id: 5,
            paper_id: "2508.01001".into(),
            parent_id: None,
            username: "mallory".into(),
            body: format!("Buy now {HOSTILE} {}", "x".repeat(200)),
            created_at: 1_754_400_000,
            hidden: false,
            user_id: 7,
            edited_at: None,
            deleted: false,
        },
        Comment {
            id: 6,
            paper_id: "2508.01002".into(),
            parent_id: None,
            username: "grace".into(),
            body: "Hidden one.".into(),
            created_at: 1_754_400_060,
            hidden: true,
            user_id: 8,
            edited_at: None,
            deleted: false,
        },
    ];
    let submissions = vec![
        ("2508.01001".to_string(), "grace".to_string(), "2025-08-05".to_string(), false),
        ("2508.01002".to_string(), "mallory".to_string(), "2025-08-05".to_string(), true),
    ];
    let mut suspended = user(3, "mallory", Role::Member);
    suspended.suspended = true;
    let users = vec![root, user(1, "ada", Role::Member), suspended];
    let log = vec![ModerationEntry {
        admin: "root".into(),
        action: "comments/hide".into(),
        target: "6".into(),
        reason: HOSTILE.into(),
        at: 1_754_400_120,
    }];
    let mail = crate::web::admin::Mail {
        state: crate::digest::health::MailState::Failing {
            since: 1_754_400_000,
            error: format!("connecting to localhost:25: Connection refused {HOSTILE}"),
        },
        server: "localhost:25".into(),
        queue: crate::store::digests::QueueSummary {
            by_status: vec![("pending".into(), 3), ("sent".into(), 12)],
            recent_failures: vec![("confirm:1".into(), "ada@example.org".into(), "connection refused".into())],
            paused_addresses: 0,
        },
    };
    crate::web::admin::render_admin(&v, &mail, &comments, &submissions, &users, &log)
}

fn rendered() -> Vec<(&'static str, String)> {
    vec![
        ("day", day_listing()),
        ("paper", paper_page()),
        ("search", search_results()),
        ("collection", collection()),
        ("settings", settings()),
        ("admin", admin()),
    ]
}

/// A page's `<main>` element, with the lines around it.
fn main_of(page: &str) -> String {
    let start = page.find("<main>").expect("a <main>");
    let end = page.find("</main>").expect("a </main>") + "</main>".len();
    format!("{}\n", &page[start..end])
}

#[test]
fn pages_match_their_snapshots() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/pages");
    let update = ["UPDATE_SNAPSHOTS", "PAPERBOY_UPDATE_SNAPSHOTS"].iter().any(|v| std::env::var_os(v).is_some());
    for (name, page) in rendered() {
        // The layout once (the day's page whole); every other page by its `<main>`.
        let got = if name == "day" { page } else { main_of(&page) };
        let path = dir.join(format!("{name}.html"));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &got).unwrap();
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_SNAPSHOTS=1", path.display()));
        assert_eq!(got, want, "{name} changed (if on purpose, run with UPDATE_SNAPSHOTS=1)");
    }
}

#[test]
fn hostile_text_is_escaped_in_every_page() {
    for (name, html) in rendered() {
        assert!(html.contains(HOSTILE_ESCAPED), "{name} shows the hostile text escaped");
        assert!(!html.contains("<script>alert"), "{name} has no script from the data");
        // Outside Markdown (which leaves quotes in text as they are), quotes are escaped too.
        let outside_comments = html.split(r#"<div class="text math">"#).next().unwrap();
        let outside_comments = outside_comments.split(r#"<div class="description text math">"#).next().unwrap();
        assert!(!outside_comments.contains(r#"alert("x")"#), "{name} has no unescaped quote");
        assert!(html.starts_with("<!doctype html>") && html.ends_with("</body></html>"), "{name} is a whole page");
    }
}

#[test]
fn pages_show_what_their_data_holds() {
    let day = day_listing();
    assert!(day.contains(r#"<p class="meta muted-note">1 papers hidden by your muted words"#), "{day}");
    assert!(day.contains(r#"<section class="highlights"><h3>Submitted by the community</h3>"#));
    assert!(day.contains(r#"<a rel="next" href="/papers/date/2025-08-05?cat=cs.LG&amp;page=2">next page →</a>"#));
    assert!(day.contains(r#"<link rel="alternate" type="application/rss+xml" title="Papers of 2025-08-05 (RSS)" href="/feeds/date/2025-08-05.rss?cat=cs.LG">"#));
    assert!(day.contains(r#"aria-pressed="true""#));
    let paper = paper_page();
    assert!(paper.contains(r#"<p class="abstract math">We study $x^2$ &amp; friends.</p>"#), "{paper}");
    assert!(paper.contains(r#"<p class="hidden-comment">[hidden by a moderator]</p>"#));
    assert!(!paper.contains("spam"), "a hidden comment's text is not shown");
    assert!(paper.contains("<strong>Nice</strong>"), "Markdown is rendered");
    assert!(paper.contains("<h2>Comments (3)</h2>"));
    assert!(paper.contains(r#"<ul><li class="comment" id="c2">"#), "a reply nests under its comment");
    assert!(paper.contains(r#"<a href="https://github.com/example/scaling" rel="nofollow">Code</a>"#));
    assert!(!paper.contains("javascript:"), "only http(s) links from Hugging Face");
    assert!(paper.contains("Remove from “Reading list”") && paper.contains("Add to “&lt;script&gt;"));
    assert!(paper.contains(" · 0.81</span>"));
    let search = search_results();
    assert!(search.contains("<b>Scaling</b> &lt;script&gt;"), "highlights are kept as they are");
    assert!(search.contains("10000+ papers match the words; 45 ranked by words and meaning · hybrid"), "{search}");
    assert!(search.contains(r#"<a rel="prev" href="/search?q=scaling"#));
    let admin = admin();
    assert!(admin.contains(r#"<form method="post" action="/admin/users/1/suspend" class="inline">"#));
    assert!(admin.contains(r#"<form method="post" action="/admin/users/3/reinstate" class="inline">"#));
    assert!(!admin.contains("/admin/users/2/"), "no action on an admin");
}

#[test]
fn a_failing_template_is_an_error_page_not_a_panic() {
    let html = render("no-such-template.html", context! {});
    assert!(html.contains("Something went wrong on our side."));
}

#[test]
fn every_template_parses() {
    for (name, _) in TEMPLATES {
        env().get_template(name).unwrap_or_else(|e| panic!("{name}: {e:#}"));
    }
}

#[test]
fn values_are_escaped_as_escape_does() {
    let html = render_message(&Layout::guest("a/b"), &Message::plain(r#"<think> & "x" 'y' a/b"#));
    assert!(html.contains(r#"<p>&lt;think&gt; &amp; &quot;x&quot; &#39;y&#39; a/b</p>"#), "{html}");
    assert!(html.contains("<title>a/b</title>"), "{html}");
}
