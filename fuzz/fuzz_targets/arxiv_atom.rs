//! arXiv's API answers (Atom): any body parses to a page or an error, never a panic.
#![no_main]
#[path = "../checks.rs"]
mod checks;
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check("arxiv_atom", data));
