//! Hugging Face's Daily Papers JSON.
#![no_main]
#[path = "../checks.rs"]
mod checks;
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check("hf_json", data));
