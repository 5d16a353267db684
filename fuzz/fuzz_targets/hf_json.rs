//! Hugging Face's Daily Papers JSON.
#![no_main]
libfuzzer_sys::fuzz_target!(|body: &str| {
    let _ = paperboy::ingest::hf_daily::parse(body);
});
