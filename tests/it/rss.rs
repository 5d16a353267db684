//! arXiv's RSS feed. The only recorded sample is one day already parsed by Python's feedparser
//! (`fixtures/arxiv-rss`), so the XML served here is rebuilt from those real entries following
//! arXiv's published RSS 2.0 format (channel pubDate, items with guid `oai:arXiv.org:ID`,
//! description `arXiv:ID Announce Type: T Abstract: …`, `arxiv:announce_type`, `dc:creator`).
//! feedparser kept no per-item categories, so the rebuilt items carry none; one hand-made item
//! below checks that categories are read.

use crate::helpers::*;
use axum::http::StatusCode;
use paperboy::ingest::rss::{parse_feed, ArxivRss};
use paperboy::papers::{AnnounceType, ArxivId};

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// One recorded feed: its URL, the rebuilt RSS XML, and (versioned id, announce type) per entry.
pub type RecordedFeed = (String, String, Vec<(String, String)>);

pub fn recorded_feeds() -> Vec<RecordedFeed> {
    let f = std::fs::File::open(shared().join("fixtures/arxiv-rss/feedparser-cache-2025-08-07.json.gz")).unwrap();
    let parsed: serde_json::Value = serde_json::from_reader(flate2::read::GzDecoder::new(f)).unwrap();
    let mut out = Vec::new();
    for (url, feed) in parsed.as_object().unwrap() {
        let mut xml = String::from(
            r#"<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
"#,
        );
        let meta = &feed["feed"];
        xml += &format!(
            "    <title>{}</title>\n    <link>{}</link>\n    <description>{}</description>\n    <lastBuildDate>{}</lastBuildDate>\n    <pubDate>{}</pubDate>\n",
            xml_escape(meta["title"].as_str().unwrap()),
            xml_escape(meta["link"].as_str().unwrap()),
            xml_escape(meta["title"].as_str().unwrap()),
            meta["updated"].as_str().unwrap(),
            meta["published"].as_str().unwrap(),
        );
        let mut entries = Vec::new();
        for e in feed["entries"].as_array().unwrap() {
            let summary = e["summary"].as_str().unwrap();
            let kind = summary.split("Announce Type:").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
            let guid = e["id"].as_str().unwrap();
            entries.push((guid.trim_start_matches("oai:arXiv.org:").to_string(), kind.clone()));
            xml += &format!(
                "    <item>\n      <title>{}</title>\n      <link>{}</link>\n      <description>{}</description>\n      <guid isPermaLink=\"false\">{}</guid>\n      <pubDate>{}</pubDate>\n      <arxiv:announce_type>{}</arxiv:announce_type>\n      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>\n      <dc:creator>{}</dc:creator>\n    </item>\n",
                xml_escape(e["title"].as_str().unwrap()),
                xml_escape(e["link"].as_str().unwrap()),
                xml_escape(summary),
                guid,
                e["published"].as_str().unwrap(),
                kind,
                xml_escape(e["author"].as_str().unwrap_or("")),
            );
        }
        xml += "  </channel>\n</rss>\n";
        out.push((url.clone(), xml, entries));
    }
    out
}

#[tokio::test]
async fn a_days_feed_defines_its_announcement_day_and_types() {
    let feeds = recorded_feeds();
    let (url, xml, entries) = feeds.iter().find(|f| f.0.ends_with("cs.CL+cs.CV+cs.MM+cs.LG+cs.SI")).unwrap().clone();
    let path = url.trim_start_matches("https://rss.arxiv.org").to_string();
    let server = FixtureServer::start(move |s, _| {
        if s.path == path {
            (StatusCode::OK, xml.clone())
        } else {
            (StatusCode::NOT_FOUND, String::new())
        }
    })
    .await;
    let t = temp_store().await;
    let http = client(0, 0);
    let rss = ArxivRss { http: &http, base_url: format!("{}/rss", server.base) };
    let cats: Vec<String> = ["cs.CL", "cs.CV", "cs.MM", "cs.LG", "cs.SI"].map(String::from).to_vec();
    let (day, report) = rss.ingest(&t.store, &cats).await.unwrap();
    assert_eq!(day.unwrap().to_string(), "2025-08-07");
    assert!(report.rejected.is_empty(), "{report}");
    assert_eq!(report.counts.inserted as usize, entries.len());

    for kind in ["new", "cross", "replace", "replace-cross"] {
        let expected = entries.iter().filter(|e| e.1 == kind).count() as i64;
        let db = rusqlite::Connection::open(t.dir.path().join("paperboy.db")).unwrap();
        let got: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM papers WHERE announce_type = ?1 AND announced_on = '2025-08-07'",
                [kind],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(got, expected, "{kind}");
    }
    let p = t.store.paper(&ArxivId::parse("2508.03699").unwrap()).await.unwrap().unwrap();
    assert_eq!(
        p.title,
        "Text2VR: Automated instruction Generation in Virtual Reality using Large language Models for Assembly Task"
    );
    assert_eq!(p.authors, ["Subin Raj Peter"]);
    assert_eq!(p.announce_type, Some(AnnounceType::New));
    assert!(p.abstract_text.starts_with("Virtual Reality (VR) has emerged"), "{}", p.abstract_text);
    let two = t.store.paper(&ArxivId::parse("2508.03712").unwrap()).await.unwrap().unwrap();
    assert_eq!(two.authors.len(), 6);
}

#[test]
fn item_categories_are_read() {
    let xml = r#"<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>
<pubDate>Thu, 07 Aug 2025 00:00:00 -0400</pubDate>
<item><title>T</title><description>arXiv:2508.00001v2 Announce Type: replace-cross
Abstract: A &lt;think&gt; tag.</description><guid isPermaLink="false">oai:arXiv.org:2508.00001v2</guid>
<category>cs.LG</category><category>stat.ML</category><arxiv:announce_type>replace-cross</arxiv:announce_type>
<dc:creator>A, B</dc:creator></item></channel></rss>"#;
    let feed = parse_feed(xml).unwrap();
    let p = feed.drafts.into_iter().next().unwrap().1.unwrap().validate(paperboy::papers::Source::Rss).unwrap();
    assert_eq!(p.categories.iter().map(|c| c.code()).collect::<Vec<_>>(), ["cs.LG", "stat.ML"]);
    assert_eq!((p.version, p.announce_type), (2, Some(AnnounceType::ReplaceCross)));
    assert_eq!(p.abstract_text, "A <think> tag.");
}
