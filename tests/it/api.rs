//! The Hugging Face–compatible JSON API, against the real app on the bundled sample.

use crate::helpers::*;
use serde_json::Value;

/// Every field of `want` (the real Hugging Face item) that clients read is in `got`, with the
/// same JSON type unless one side is null (paperboy has no data for it).
fn same_shape(want: &Value, got: &Value, path: &str) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                // Hugging Face-only decorations paperboy does not imitate.
                if ["organization", "githubRepoAddedBy", "thumbnail"].contains(&k.as_str()) {
                    continue;
                }
                let gv = g.get(k).unwrap_or_else(|| panic!("{path}.{k} missing"));
                same_shape(wv, gv, &format!("{path}.{k}"));
            }
        }
        (Value::Array(w), Value::Array(g)) => {
            if let (Some(w0), Some(g0)) = (w.first(), g.first()) {
                same_shape(w0, g0, &format!("{path}[0]"));
            }
        }
        (Value::Null, _) | (_, Value::Null) => {}
        (w, g) => assert_eq!(std::mem::discriminant(w), std::mem::discriminant(g), "{path}: {w} vs {g}"),
    }
}

async fn get_json(url: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let r = reqwest::get(url).await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, headers, serde_json::from_str(&r.text().await.unwrap()).unwrap())
}

#[tokio::test]
async fn daily_papers_speak_hugging_faces_format() {
    let s = spawn_app(|_| {}).await;
    let fixture: Value =
        serde_json::from_str(&fixture("hf-daily-papers/daily_papers_item_2602.23229_from_markdown.json")).unwrap();
    let (status, headers, body) = get_json(&format!("{}/api/daily_papers?date=2025-08-07&limit=5", s.base)).await;
    assert_eq!(status, 200);
    assert_eq!(headers["access-control-allow-origin"], "*");
    let items = body.as_array().unwrap();
    assert_eq!(items.len(), 5);
    same_shape(&fixture[0], &items[0], "item");
    let first = &items[0]["paper"];
    assert_eq!(first["id"], "2508.04010");
    assert_eq!(first["title"], items[0]["title"]);
    assert_eq!(first["authors"][0]["name"], "Yurun Chen");
    assert_eq!(first["upvotes"], 0);
    assert_eq!(items[0]["numComments"], 0);
    // Paging: a Link to the next page, with the same query.
    let link = headers["link"].to_str().unwrap();
    assert!(
        link.contains("date=2025-08-07")
            && link.contains("limit=5")
            && link.contains("p=1")
            && link.ends_with("; rel=\"next\""),
        "{link}"
    );
    let (_, _, page2) = get_json(&format!("{}/api/daily_papers?date=2025-08-07&limit=5&p=1", s.base)).await;
    assert_ne!(page2[0]["paper"]["id"], first["id"]);
    // The last page has no Link.
    let (_, headers, last) = get_json(&format!("{}/api/daily_papers?date=2025-08-07&limit=50&p=1", s.base)).await;
    assert_eq!(last.as_array().unwrap().len(), 50);
    assert!(!headers.contains_key("link"));
    // Weeks and months.
    let (_, _, week) = get_json(&format!("{}/api/daily_papers?week=2025-W32&limit=100", s.base)).await;
    assert_eq!(week.as_array().unwrap().len(), 100);
    let (_, _, month) = get_json(&format!("{}/api/daily_papers?month=2025-07", s.base)).await;
    assert!(month.as_array().unwrap().is_empty(), "the sample has no July papers");
}

#[tokio::test]
async fn votes_comments_and_submissions_show_in_the_api() {
    let s = spawn_app(|_| {}).await;
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let bob = Visitor::new(&s.base);
    bob.signup("bob", "correct horse").await;
    let voted = "2508.03983";
    ada.upvote_json(voted).await;
    bob.upvote_json(voted).await;
    ada.submit(&format!("/papers/{voted}"), &format!("/papers/{voted}/comments"), &[("body", "Nice")]).await;
    let submitted = "2508.00041";
    assert_eq!(ada.submit("/submit", "/submit", &[("paper", submitted)]).await.status, 303);

    let (_, _, top) = get_json(&format!("{}/api/daily_papers?date=2025-08-07&sort=trending&limit=3", s.base)).await;
    assert_eq!(top[0]["paper"]["id"], voted, "trending puts the voted paper first");
    assert_eq!(top[0]["paper"]["upvotes"], 2);
    assert_eq!(top[0]["numComments"], 1);
    let (_, _, mine) = get_json(&format!("{}/api/daily_papers?date=2025-08-04&submitter=ada", s.base)).await;
    let mine = mine.as_array().unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["paper"]["id"], submitted);
    assert_eq!(mine[0]["submittedBy"]["user"], "ada");
    assert_eq!(mine[0]["paper"]["submittedOnDailyBy"]["user"], "ada");

    let (status, _, paper) = get_json(&format!("{}/api/papers/{voted}", s.base)).await;
    assert_eq!(status, 200);
    assert_eq!(paper["id"], voted);
    assert_eq!(paper["upvotes"], 2);
    let fixture: Value =
        serde_json::from_str(&fixture("hf-daily-papers/daily_papers_item_2602.23229_from_markdown.json")).unwrap();
    same_shape(&fixture[0]["paper"], &paper, "paper");
}

#[tokio::test]
async fn bad_requests_get_a_400_that_says_what_to_fix() {
    let s = spawn_app(|_| {}).await;
    for (query, code) in [
        ("limit=0", "invalid_limit"),
        ("limit=101", "invalid_limit"),
        ("limit=ten", "invalid_limit"),
        ("p=-1", "invalid_page"),
        ("date=2025-13-01", "invalid_period"),
        ("week=2025-W99", "invalid_period"),
        ("date=2025-08-07&month=2025-08", "invalid_period"),
        ("sort=votes", "invalid_sort"),
    ] {
        let (status, _, body) = get_json(&format!("{}/api/daily_papers?{query}", s.base)).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["code"], code, "{query}");
        assert_eq!(body["status"], 400);
        assert!(!body["message"].as_str().unwrap().is_empty());
    }
    let (status, _, body) = get_json(&format!("{}/api/papers/not-an-id", s.base)).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_id")));
    let (status, _, body) = get_json(&format!("{}/api/papers/2501.99999", s.base)).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    // No parameters: the latest day.
    let (status, _, body) = get_json(&format!("{}/api/daily_papers", s.base)).await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["paper"]["id"], "2508.04010");
}

#[tokio::test]
async fn the_huggingface_hub_client_reads_paperboy() {
    let python = std::env::var("PAPERBOY_TEST_HF_PYTHON").expect(
        "PAPERBOY_TEST_HF_PYTHON is not set: run the tests with scripts/test.sh, which installs huggingface_hub",
    );
    let s = spawn_app(|_| {}).await;
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    ada.upvote_json("2508.03983").await;
    crate::search::wait_ready(&s.base, 0).await;
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/hf_client.py");
    let base = s.base.clone();
    let out =
        tokio::task::spawn_blocking(move || std::process::Command::new(python).arg(script).arg(base).output().unwrap())
            .await
            .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_date = got["by_date"].as_array().unwrap();
    assert_eq!(by_date.len(), 10);
    assert_eq!(by_date[0]["id"], "2508.04010");
    assert_eq!(by_date[0]["authors"][0], "Yurun Chen");
    assert!(by_date[0]["title"].as_str().unwrap().starts_with("HarmonyGuard"));
    assert!(by_date[0]["published_at"].as_str().unwrap().starts_with("2025-"));
    assert_eq!(got["by_week"].as_array().unwrap().len(), 100);
    assert_eq!(got["trending"][0]["id"], "2508.03983", "the upvoted paper leads");
    assert_eq!(got["trending"][0]["upvotes"], 1);
    assert_eq!(got["paper"]["id"], "2508.03983");
    assert_eq!(got["paper"]["upvotes"], 1);
    assert!(got["paper"]["summary"].as_str().unwrap().len() > 100);
    let found = got["search"].as_array().unwrap();
    assert!(!found.is_empty() && found.len() <= 5, "{found:?}");
    assert_eq!(found[0]["id"], "2508.04010");
    assert_eq!(found[0]["authors"][0], "Yurun Chen");
}
