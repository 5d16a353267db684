//! A search box's query, read by the keyword index's parser and run against a small index.
#![no_main]
use paperboy::search::keyword::KeywordIndex;
use std::sync::OnceLock;

fn index() -> &'static KeywordIndex {
    static INDEX: OnceLock<KeywordIndex> = OnceLock::new();
    INDEX.get_or_init(|| KeywordIndex::in_memory().expect("an index in memory"))
}

libfuzzer_sys::fuzz_target!(|q: &str| {
    let _ = index().parse(q);
});
