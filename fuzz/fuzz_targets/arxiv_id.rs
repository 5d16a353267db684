//! arXiv ids as typed, pasted or linked: a parsed id reads back as itself.
#![no_main]
#[path = "../checks.rs"]
mod checks;
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check("arxiv_id", data));
