//! Every input kept in `fuzz/regressions/TARGET/` (each crash the fuzzers found, and the hostile
//! inputs written by hand beside them) replayed through its target's check, as part of the test
//! command; the fuzzing itself is too long for it (docs/fuzzing.md).

#[path = "../../fuzz/checks.rs"]
mod checks;

#[test]
fn every_kept_fuzz_input_passes_its_check() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for target in checks::TARGETS {
        let dir = root.join(target);
        let inputs = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut here = 0;
        for input in inputs {
            let path = input.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| checks::check(target, &data));
            assert!(outcome.is_ok(), "{target}: {} fails again", path.display());
            here += 1;
        }
        assert!(here > 0, "{target} keeps no input in {}", dir.display());
        replayed += here;
    }
    eprintln!("replayed {replayed} kept fuzz inputs");
}
