//! Comment Markdown: rendered HTML never carries a script or an event handler.
#![no_main]
#[path = "../checks.rs"]
mod checks;
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check("markdown", data));
