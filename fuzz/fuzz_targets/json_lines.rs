//! One line of a JSON-lines import (Kaggle's snapshot and the announcement corpus), read and
//! validated as an import does.
#![no_main]
libfuzzer_sys::fuzz_target!(|line: &str| {
    if let Ok(draft) = paperboy::ingest::snapshot::line_to_draft(line) {
        let _ = draft.validate(paperboy::papers::Source::Snapshot);
    }
});
