//! Where a form sends a person back to (`next`): always a path on this site that is a valid
#![no_main]
#[path = "../checks.rs"]
mod checks;
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check("next_path", data));
