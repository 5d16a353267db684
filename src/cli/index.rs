//! `paperboy index …` and `paperboy eval`: the search index, and its evaluation.

use super::*;

fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)")
    {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar
}

fn load_embedder(settings: &Settings) -> Option<std::sync::Arc<crate::search::embed::Embedder>> {
    let dir = settings.search.model_dir(&settings.data_dir);
    match crate::search::embed::Embedder::load(&dir, &settings.search.model_name) {
        Ok(e) => Some(std::sync::Arc::new(e)),
        Err(e) => {
            eprintln!("semantic search is off: {e}");
            None
        }
    }
}

pub(super) async fn index_command(cmd: IndexCommand, settings: Settings) -> anyhow::Result<ExitCode> {
    use crate::search::SearchIndex;
    let state = AppState::build(settings).await?;
    let index = SearchIndex::open(&state.settings.index_dir(), state.settings.search.clone())?;
    if let Some(embedder) = load_embedder(&state.settings) {
        index.attach_embedder(embedder)?;
    }
    match cmd {
        IndexCommand::Status => {
            let s = index.status()?;
            let head = state.store.change_cursor().await?;
            println!("store change cursor: {head}");
            println!("keyword index: {} papers, at {}", s.keyword_docs, s.keyword_cursor);
            if s.semantic {
                let stored = crate::search::embeddings::count(&state.store, &state.settings.search.model_name).await?;
                println!(
                    "vector index: {} papers, at {}; {} embeddings in the store",
                    s.vectors, s.vector_cursor, stored
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        IndexCommand::Rebuild => {
            let papers = state.store.stats().await?.papers;
            let started = std::time::Instant::now();
            index.clear()?;
            let bar = progress_bar(papers, "keyword");
            loop {
                let n = index.sync_keyword(&state.store, 2_000).await?;
                if n == 0 {
                    break;
                }
                bar.inc(n as u64);
            }
            bar.finish();
            println!("keyword index: {} papers in {:.1?}", index.keyword().num_docs(), started.elapsed());
            if index.vectors().is_some() {
                let started = std::time::Instant::now();
                let bar = progress_bar(papers, "vectors");
                loop {
                    let n = index.sync_vectors(&state.store, 256).await?;
                    if n == 0 {
                        break;
                    }
                    bar.inc(n as u64);
                }
                index.save_vectors(true)?;
                bar.finish();
                let v = index.vectors().map(|v| v.len()).unwrap_or(0);
                println!("vector index: {v} papers in {:.1?}", started.elapsed());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(super) fn eval_command(
    settings: &Settings,
    data: &std::path::Path,
    split: &str,
    cache: Option<PathBuf>,
    weights: &[f32],
) -> anyhow::Result<ExitCode> {
    use crate::search::eval;
    let collection = eval::load(data, split)?;
    println!("SciFact {split}: {} documents, {} judged queries", collection.docs.len(), collection.queries.len());
    let embedder = load_embedder(settings);
    let vectors = match &embedder {
        Some(e) => {
            let started = std::time::Instant::now();
            let bar = progress_bar(collection.docs.len() as u64, "embedding");
            let v = eval::doc_vectors(&collection, e, cache.as_deref(), &bar)?;
            bar.finish_and_clear();
            println!("document vectors ready in {:.1?}", started.elapsed());
            Some(v)
        }
        None => None,
    };
    let runs = eval::run(&collection, embedder.as_deref(), vectors.as_ref(), settings.search.title_boost)?;
    println!("title boost {}", settings.search.title_boost);
    let row =
        |name: &str, (ndcg, recall): (f64, f64)| println!("{name:<24} nDCG@10 {ndcg:.4}   Recall@100 {recall:.4}");
    row("keyword (BM25)", eval::score(&collection, &eval::keyword_rankings(&runs)));
    if let Some(vectors) = &vectors {
        row("semantic", eval::score(&collection, &eval::dense_rankings(&runs)));
        let w = settings.search.hybrid_keyword_weight;
        row(&format!("hybrid (weight {w})"), eval::score(&collection, &eval::hybrid(&runs, vectors, w)));
        for &w in weights {
            row(&format!("  hybrid at {w}"), eval::score(&collection, &eval::hybrid(&runs, vectors, w)));
        }
    }
    Ok(ExitCode::SUCCESS)
}
