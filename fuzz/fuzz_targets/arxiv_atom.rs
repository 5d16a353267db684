//! arXiv's API answers (Atom): any body parses to a page or an error, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|body: &str| {
    let _ = paperboy::ingest::arxiv_api::parse_feed(body, 0);
});
