//! What each fuzz target checks, shared by the targets (`fuzz_targets/`) and by the test that
//! replays every kept input (`tests/it/fuzz_regressions.rs`): a parser of outside input never
//! panics, and where it has an invariant (a parsed id reads back as itself, rendered Markdown
//! holds no script, `next` stays on this site) the invariant holds.

use paperboy::papers::{ArxivId, Period};

pub const TARGETS: &[&str] = &[
    "arxiv_atom",
    "oai_pmh",
    "rss",
    "json_lines",
    "hf_json",
    "search_query",
    "markdown",
    "arxiv_id",
    "periods",
    "next_path",
];

pub fn check(target: &str, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match target {
        "arxiv_atom" => {
            let _ = paperboy::ingest::arxiv_api::parse_feed(text, 0);
        }
        "oai_pmh" => {
            let _ = paperboy::ingest::oai_pmh::parse_list_records(text);
        }
        "rss" => {
            let _ = paperboy::ingest::rss::parse_feed(text);
        }
        "json_lines" => {
            if let Ok(draft) = paperboy::ingest::snapshot::line_to_draft(text) {
                let _ = draft.validate(paperboy::papers::Source::Snapshot);
            }
        }
        "hf_json" => {
            let _ = paperboy::ingest::hf_daily::parse(text);
        }
        "search_query" => {
            use paperboy::search::keyword::KeywordIndex;
            static INDEX: std::sync::OnceLock<KeywordIndex> = std::sync::OnceLock::new();
            let index = INDEX.get_or_init(|| KeywordIndex::in_memory().expect("an index in memory"));
            let _ = index.parse(text);
        }
        "markdown" => {
            let html = paperboy::web::markdown::render(text).to_ascii_lowercase();
            assert!(!html.contains("<script"), "a script survived: {html}");
            // Text may say "javascript:" or `href="…"` (it is shown as text, its `<` escaped); a real link, a tag
            // the renderer wrote, may only go to http(s).
            for tag in html.split("<a ").skip(1).map(|t| t.split('>').next().unwrap_or_default()) {
                let target = tag.split("href=\"").nth(1).unwrap_or_default();
                assert!(target.starts_with("http://") || target.starts_with("https://"), "a link to {target}");
            }
        }
        "arxiv_id" => {
            for id in [ArxivId::parse(text), ArxivId::from_input(text)].into_iter().flatten() {
                // Its written form (with the version, when it has one) reads back as the same id.
                assert_eq!(ArxivId::parse(&id.to_string()).ok(), Some(id.clone()), "{text:?}");
                assert_eq!(
                    ArxivId::parse(id.as_str()).map(|i| i.as_str().to_string()).ok().as_deref(),
                    Some(id.as_str())
                );
            }
        }
        "periods" => {
            if let Some(p) = Period::parse(text) {
                assert_eq!(Period::parse(&p.to_string()), Some(p), "{text:?}");
                let _ = p.range();
            }
        }
        "next_path" => {
            let path = paperboy::web::session::safe_next(Some(text));
            assert!(path.starts_with('/') && !path.starts_with("//"), "{text:?} -> {path:?}");
            assert!(!path.contains('\\') && path.bytes().all(|b| b.is_ascii_graphic()), "{text:?} -> {path:?}");
            assert!(axum::http::HeaderValue::try_from(path.as_str()).is_ok());
        }
        other => panic!("no fuzz target {other}"),
    }
}
