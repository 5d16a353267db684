//! Days, ISO weeks and months in listing addresses: a parsed period writes back as itself,
#![no_main]
#[path = "../checks.rs"]
mod checks;
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check("periods", data));
