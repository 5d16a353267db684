//! Citation export, round-tripped: BibTeX read back by bibtexparser (Debian's
//! python3-bibtexparser), RIS by a reader of its tag lines, CSL-JSON by serde.

use crate::helpers::*;
use paperboy::papers::{PaperDraft, Source};
use serde_json::Value;

fn bibtexparser(text: &str) -> Value {
    use std::io::Write;
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/parse_bibtex.py");
    let mut child = std::process::Command::new("/usr/bin/python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 with bibtexparser (python3-bibtexparser; scripts/test.sh installs it)");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

/// RIS records as lists of (tag, value), checking the line format on the way.
fn read_ris(text: &str) -> Vec<Vec<(String, String)>> {
    let mut records = Vec::new();
    let mut current = Vec::new();
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        assert_eq!(&line[2..6], "  - ", "RIS line {line:?}");
        let (tag, value) = (line[..2].to_string(), line[6..].to_string());
        if tag == "ER" {
            records.push(std::mem::take(&mut current));
        } else {
            current.push((tag, value));
        }
    }
    assert!(current.is_empty(), "every record ends with ER");
    records
}

#[tokio::test]
async fn citations_round_trip_for_a_paper_and_a_collection() {
    let s = spawn_app(|_| {}).await;
    let published = PaperDraft {
        id: Some("2508.09999v2".into()),
        title: Some("Q&A at 100% for $\\ell_p$ norms #1".into()),
        abstract_text: Some("An abstract\nover two lines.".into()),
        authors: vec!["Ada Lovelace".into(), "Kurt Gödel".into()],
        categories: "math.LO cs.LO".into(),
        journal_ref: Some("J. Logic 12 (2025) 1-10".into()),
        doi: Some("10.1000/xyz123".into()),
        submitted_on: "2025-08-06".parse().ok(),
        announced_on: "2025-08-07".parse().ok(),
        ..Default::default()
    }
    .validate(Source::Snapshot)
    .unwrap();
    s.store.upsert_papers(vec![published], None).await.unwrap();
    let v = Visitor::new(&s.base);

    let r = v.get("/papers/2508.09999/cite.bib").await;
    assert_eq!(r.status, 200);
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("application/x-bibtex"));
    let entries = bibtexparser(&r.body);
    let e = &entries[0];
    assert_eq!(e["ENTRYTYPE"], "article");
    assert_eq!(e["ID"], "lovelace2025ellp");
    assert_eq!(e["title"], "{Q\\&A at 100\\% for $\\ell_p$ norms \\#1}");
    assert_eq!(e["author"], "Ada Lovelace and Kurt Gödel");
    assert_eq!(
        (e["eprint"].as_str(), e["archiveprefix"].as_str(), e["primaryclass"].as_str()),
        (Some("2508.09999"), Some("arXiv"), Some("math.LO"))
    );
    assert_eq!(e["doi"], "10.1000/xyz123");
    assert_eq!(e["journal"], "J. Logic 12 (2025) 1-10");

    let ris = read_ris(&v.get("/papers/2508.09999/cite.ris").await.body);
    assert_eq!(ris.len(), 1);
    let get = |tag: &str| ris[0].iter().filter(|(t, _)| t == tag).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
    assert_eq!(get("TY"), vec!["JOUR"]);
    assert_eq!(get("TI"), vec!["Q&A at 100% for $\\ell_p$ norms #1"]);
    assert_eq!(get("AU"), vec!["Ada Lovelace", "Kurt Gödel"]);
    assert_eq!(get("AB"), vec!["An abstract over two lines."], "one line per field");
    assert_eq!(get("DO"), vec!["10.1000/xyz123"]);
    assert_eq!(get("DA"), vec!["2025/08/06"]);

    let csl: Value = serde_json::from_str(&v.get("/papers/2508.09999/cite.json").await.body).unwrap();
    let item = &csl[0];
    assert_eq!(item["type"], "article-journal");
    assert_eq!(item["author"][1], serde_json::json!({"given": "Kurt", "family": "Gödel"}));
    assert_eq!(item["issued"]["date-parts"], serde_json::json!([[2025, 8, 6]]));
    assert_eq!(item["DOI"], "10.1000/xyz123");
    assert_eq!(item["container-title"], "J. Logic 12 (2025) 1-10");

    // A whole collection: a preprint and the published paper.
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let path =
        ada.submit("/collections", "/collections", &[("name", "Logic"), ("public", "1")]).await.location().to_string();
    for id in ["2508.09999", "2508.04010"] {
        ada.submit(&path, &format!("{path}/papers"), &[("paper_id", id), ("action", "add")]).await;
    }
    let entries = bibtexparser(&v.get(&format!("{path}/cite.bib")).await.body);
    let mut kinds: Vec<&str> = entries.as_array().unwrap().iter().map(|e| e["ENTRYTYPE"].as_str().unwrap()).collect();
    kinds.sort();
    assert_eq!(kinds, vec!["article", "misc"], "a preprint is @misc in arXiv's style");
    let preprint = entries.as_array().unwrap().iter().find(|e| e["ENTRYTYPE"] == "misc").unwrap();
    assert_eq!(preprint["eprint"], "2508.04010");
    assert_eq!(read_ris(&v.get(&format!("{path}/cite.ris")).await.body).len(), 2);
    let csl: Value = serde_json::from_str(&v.get(&format!("{path}/cite.json")).await.body).unwrap();
    assert_eq!(csl.as_array().unwrap().len(), 2);
    // Private collections' citations are private too.
    ada.submit(&path, &path, &[("name", "Logic")]).await;
    assert_eq!(v.get(&format!("{path}/cite.bib")).await.status, 404);
    assert_eq!(ada.get(&format!("{path}/cite.bib")).await.status, 200);
    // The paper page links the downloads.
    assert!(v.get("/papers/2508.09999").await.body.contains(r#"href="/papers/2508.09999/cite.ris""#));
}

#[tokio::test]
async fn categories_known_only_per_feed_are_listed_in_not_the_papers_own() {
    // The bundled sample names the feeds each paper was announced in, not its categories.
    let s = spawn_app(|_| {}).await;
    let v = Visitor::new(&s.base);
    let page = v.get("/papers/2508.00037").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<h2>Listed in</h2>"), "{}", page.body);
    assert!(!page.body.contains("<h2>Categories</h2>"));
    let bib = bibtexparser(&v.get("/papers/2508.00037/cite.bib").await.body);
    assert!(bib[0].get("primaryclass").is_none(), "{bib}");
    assert_eq!(bib[0]["eprint"], "2508.00037");
    let ris = read_ris(&v.get("/papers/2508.00037/cite.ris").await.body);
    assert!(!ris[0].iter().any(|(tag, _)| tag == "KW"));
    let api: Value = serde_json::from_str(&v.get("/api/v1/papers/2508.00037").await.body).unwrap();
    assert_eq!(api["categoriesListed"], true);
    assert!(!api["categories"].as_array().unwrap().is_empty());
    let day = v.get(&format!("/papers/date/{}", api["announcedOn"].as_str().unwrap())).await.body;
    assert!(day.contains(r#"<span class="listed""#));

    // A paper's own categories, once known, replace the feeds' list.
    let own = PaperDraft {
        id: Some("2508.00037v1".into()),
        title: Some("Predicting".into()),
        abstract_text: Some("Networked urban systems.".into()),
        categories: "cs.LG physics.soc-ph".into(),
        ..Default::default()
    }
    .validate(Source::ArxivApi)
    .unwrap();
    s.store.upsert_papers(vec![own], None).await.unwrap();
    let bib = bibtexparser(&v.get("/papers/2508.00037/cite.bib").await.body);
    assert_eq!(bib[0]["primaryclass"], "cs.LG");
    assert!(v.get("/papers/2508.00037").await.body.contains("<h2>Categories</h2>"));
}
