//! One line of a JSON-lines import (Kaggle's snapshot and the announcement corpus), read and
#![no_main]
#[path = "../checks.rs"]
mod checks;
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check("json_lines", data));
