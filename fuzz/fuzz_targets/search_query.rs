//! A search box's query, read by the keyword index's parser and run against a small index.
#![no_main]
#[path = "../checks.rs"]
mod checks;
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check("search_query", data));
