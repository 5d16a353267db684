//! OAI-PMH ListRecords answers.
#![no_main]
libfuzzer_sys::fuzz_target!(|body: &str| {
    let _ = paperboy::ingest::oai_pmh::parse_list_records(body);
});
