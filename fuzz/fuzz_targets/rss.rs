//! arXiv's RSS announcement feeds.
#![no_main]
libfuzzer_sys::fuzz_target!(|body: &str| {
    let _ = paperboy::ingest::rss::parse_feed(body);
});
