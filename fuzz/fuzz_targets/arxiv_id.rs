//! arXiv ids as typed, pasted or linked: a parsed id reads back as itself.
#![no_main]
use paperboy::papers::ArxivId;
libfuzzer_sys::fuzz_target!(|input: &str| {
    for id in [ArxivId::parse(input), ArxivId::from_input(input)].into_iter().flatten() {
        assert_eq!(ArxivId::parse(id.as_str()).ok(), Some(id.clone()), "{input:?}");
    }
});
