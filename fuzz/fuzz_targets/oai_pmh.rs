//! OAI-PMH ListRecords answers.
#![no_main]
#[path = "../checks.rs"]
mod checks;
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check("oai_pmh", data));
