//! Days, ISO weeks and months in listing addresses: a parsed period writes back as itself,
//! and its days can be walked without overflow.
#![no_main]
use paperboy::papers::Period;
libfuzzer_sys::fuzz_target!(|input: &str| {
    if let Some(p) = Period::parse(input) {
        assert_eq!(Period::parse(&p.to_string()), Some(p), "{input:?}");
        let _ = p.range();
    }
});
