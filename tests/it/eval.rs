//! `paperboy eval known-item`: on a small made-up corpus with the real model, from a corpus file
//! and from an instance's store; a bad queries file is refused with its line.

use crate::search::model_dir;
use std::io::Write;

/// Six papers on unrelated subjects, each in the announcement corpus's format.
const PAPERS: &[(&str, &str, &str)] = &[
    (
        "2501.00001",
        "Purring frequencies of domestic cats",
        "We record the low-frequency vocal vibrations of house felines while they rest and relate them to contentment.",
    ),
    (
        "2501.00002",
        "Frost resistance of winter wheat",
        "Field trials of cereal cultivars under freezing nights show which grains survive a hard winter.",
    ),
    (
        "2501.00003",
        "Sparse attention for long documents",
        "A transformer whose attention looks at a few selected tokens reads books of a million words.",
    ),
    (
        "2501.00004",
        "Volcanic ash and jet engines",
        "Turbines ingesting fine particles from eruptions lose thrust; we measure how fast blades erode.",
    ),
    (
        "2501.00005",
        "Bayesian inference for marathon pacing",
        "A probabilistic model of runners' split times predicts who will hit the wall before kilometre thirty.",
    ),
    (
        "2501.00006",
        "Coral bleaching under marine heatwaves",
        "Reef surveys after ocean temperature spikes relate the loss of symbiotic algae to water depth.",
    ),
];

fn corpus(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("papers.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    for (id, title, abs) in PAPERS {
        let line = serde_json::json!({
            "arxiv_id": id, "latest_version": 1, "title": title, "authors": ["A. Author"], "abstract": abs,
            "announce_type": "new", "first_announced": "2025-01-02", "last_announced": "2025-01-02",
            "feeds": ["cs.LG"], "announcements": [{"date": "2025-01-02", "type": "new", "feed": "cs.LG"}],
        });
        writeln!(f, "{line}").unwrap();
    }
    path
}

fn eval(data: &std::path::Path, args: &[&std::ffi::OsStr]) -> (bool, String) {
    eval_with(data, args, &model_dir())
}

fn eval_with(data: &std::path::Path, args: &[&std::ffi::OsStr], model: &std::path::Path) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_paperboy"))
        .arg("--data-dir")
        .arg(data)
        .args(["eval", "known-item"])
        .args(args)
        .env("PAPERBOY_SEARCH__MODEL_DIR", model)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// The figures of one mode's row in the table that follows `measure`.
fn row(out: &str, measure: &str, mode: &str) -> Vec<f64> {
    let table = out.split_once(&format!("\n{measure}")).unwrap_or_else(|| panic!("no {measure} table:\n{out}")).1;
    let line = table.lines().find(|l| l.starts_with(mode)).unwrap_or_else(|| panic!("no {mode} row:\n{out}"));
    line.split_whitespace().skip(1).map(|c| c.parse().unwrap()).collect()
}

#[test]
fn known_item_eval_ranks_each_target_per_kind_from_a_corpus_file_and_from_an_instance() {
    let dir = tempfile::tempdir().unwrap();
    let file = corpus(dir.path());
    let queries = dir.path().join("queries.tsv");
    // Two title queries the keyword side finds first; two that share no word with their paper
    // (only meaning finds them); one whose paper is not in the corpus.
    std::fs::write(
        &queries,
        "arxiv_id\tquery\tkind\n\
         2501.00002\tfrost resistance wheat\ttitle\n\
         arXiv:2501.00004v1\tvolcanic ash jet engines\ttitle\n\
         2501.00001\tkitten happiness noises\thard\n\
         2501.00006\tseafloor polyps losing colour during hot spells\thard\n\
         2501.09999\tnot in the corpus\ttitle\n",
    )
    .unwrap();
    let (ok, out) = eval(&dir.path().join("data"), &[queries.as_os_str(), "--corpus".as_ref(), file.as_os_str()]);
    assert!(ok, "{out}");
    assert!(out.contains("5 queries over 6 papers"), "{out}");
    // Columns: all, title, hard.
    assert_eq!(row(&out, "MRR@10", "keyword"), [0.5, 1.0, 0.0], "{out}");
    assert_eq!(row(&out, "recall@10", "keyword"), [0.5, 1.0, 0.0], "{out}");
    let semantic = row(&out, "MRR@10", "semantic");
    assert_eq!(semantic[2], 1.0, "meaning finds both hard queries first:\n{out}");
    let hybrid = row(&out, "MRR@10", "hybrid");
    assert!(hybrid[1] == 1.0 && hybrid[2] > 0.0, "{out}");
    assert!(out.contains("1 queries left out: their papers are not among those searched (2501.09999)"), "{out}");

    // Without the model: keyword only, and its misses listed with their ranks ("-": not found at all).
    let args = [queries.as_os_str(), "--corpus".as_ref(), file.as_os_str()];
    let (ok, keyword_only) = eval_with(&dir.path().join("data"), &args, &dir.path().join("no-model"));
    assert!(ok, "{keyword_only}");
    assert!(keyword_only.contains("keyword only"), "{keyword_only}");
    assert!(!keyword_only.lines().any(|l| l.starts_with("hybrid ")), "no hybrid row without vectors:\n{keyword_only}");
    assert_eq!(row(&keyword_only, "MRR@10", "keyword"), [0.5, 1.0, 0.0]);
    assert!(keyword_only.contains("misses (2 of 4, worst first), rank by keyword"), "{keyword_only}");
    for id in ["2501.00001", "2501.00006"] {
        assert!(keyword_only.lines().any(|l| l.trim_start().starts_with("- ") && l.contains(id)), "{keyword_only}");
    }

    // The same queries against an instance that imported the same papers: the same figures, the
    // papers embedded for the run because the instance has not embedded them yet.
    let data = dir.path().join("instance");
    let import = std::process::Command::new(env!("CARGO_BIN_EXE_paperboy"))
        .arg("--data-dir")
        .arg(&data)
        .arg("import")
        .arg(&file)
        .output()
        .unwrap();
    assert!(import.status.success());
    let (ok, from_instance) = eval(&data, &[queries.as_os_str()]);
    assert!(ok, "{from_instance}");
    assert!(from_instance.contains("6 of 6 papers have no stored embedding"), "{from_instance}");
    for mode in ["keyword", "semantic", "hybrid"] {
        assert_eq!(row(&from_instance, "MRR@10", mode), row(&out, "MRR@10", mode), "{mode}");
    }
}

#[test]
fn a_queries_file_that_cannot_be_read_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = corpus(dir.path());
    let queries = dir.path().join("queries.tsv");
    std::fs::write(&queries, "arxiv_id\tquery\tkind\n2501.00002\tfrost\ttitle\nnonsense\twords\ttitle\n").unwrap();
    let (ok, out) = eval(&dir.path().join("data"), &[queries.as_os_str(), "--corpus".as_ref(), file.as_os_str()]);
    assert!(!ok);
    assert!(out.contains("line 3") && out.contains("nonsense"), "{out}");
}

#[test]
fn recommend_eval_compares_arxiv_sanitys_svm_with_newest_first_on_real_papers() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    // The first 3,000 papers of the announcement corpus: enough authors with 4–12 papers.
    let src = std::fs::File::open(crate::helpers::shared().join("corpus/arxiv-2025-rss.jsonl.gz")).unwrap();
    let path = dir.path().join("head.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    for line in std::io::BufReader::new(flate2::read::GzDecoder::new(src)).lines().take(3_000) {
        writeln!(f, "{}", line.unwrap()).unwrap();
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_paperboy"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["eval", "recommend", "--profiles", "40", "--corpus"])
        .arg(&path)
        .env("PAPERBOY_SEARCH__MODEL_DIR", dir.path().join("no-model"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("3,000 papers") && text.contains("40 authorship profiles, 20 mixed"), "{text}");
    let mrr = |table: &str, system: &str| -> f64 {
        let part = text.split_once(table).unwrap().1;
        let line = part.lines().find(|l| l.starts_with(system)).unwrap_or_else(|| panic!("{system}:\n{text}"));
        line[system.len()..].split_whitespace().next().unwrap().parse().unwrap()
    };
    for table in ["\nauthorship", "\nmixed"] {
        assert!(mrr(table, "tf-idf + SVM (arxiv-sanity)") > mrr(table, "newest first"), "{text}");
    }
    // Without the model, the systems that need embeddings are left out, not scored as zero.
    assert!(!text.contains("mean embedding"), "{text}");
    // Under each table, paperboy's MRR over the recipe's with the interval a resampling gives.
    let ratios: Vec<(f64, f64, f64)> = text
        .lines()
        .filter_map(|l| l.strip_prefix("paperboy's MRR / arxiv-sanity's: "))
        .map(|l| {
            let (ratio, rest) = l.split_once("× (95 % interval ").unwrap();
            let (low, high) = rest.split_once(", ").unwrap().0.split_once('–').unwrap();
            (ratio.parse().unwrap(), low.parse().unwrap(), high.parse().unwrap())
        })
        .collect();
    assert_eq!(ratios.len(), 2, "{text}");
    for (table, (ratio, low, high)) in ["\nauthorship", "\nmixed"].iter().zip(ratios) {
        let exact = mrr(table, "paperboy: SVM + nearest liked") / mrr(table, "tf-idf + SVM (arxiv-sanity)");
        assert!((ratio - exact).abs() < 0.02 && low <= ratio && ratio <= high && low < high, "{text}");
    }
}
