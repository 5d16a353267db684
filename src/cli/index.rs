//! `paperboy index …`: the search index.

use super::*;

pub(super) fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
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

pub(super) fn load_embedder(settings: &Settings) -> Option<std::sync::Arc<crate::search::embed::Embedder>> {
    let dir = settings.search.model_dir(&settings.data_dir);
    match settings.search.load_embedder(&dir) {
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
    if let IndexCommand::Status = cmd {
        return index_status(&state).await;
    }
    let index = SearchIndex::open(&state.settings.index_dir(), state.settings.search.clone())?;
    if let Some(embedder) = load_embedder(&state.settings) {
        index.attach_embedder(embedder)?;
    }
    match cmd {
        IndexCommand::Status => unreachable!("answered above"),
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
                let mut told = std::time::Instant::now();
                loop {
                    let n = index.sync_vectors(&state.store, 256).await?;
                    if n == 0 {
                        break;
                    }
                    bar.inc(n as u64);
                    // No terminal, no bar: a log line now and then instead.
                    if bar.is_hidden() && told.elapsed() >= std::time::Duration::from_secs(10) {
                        told = std::time::Instant::now();
                        index.log_progress();
                    }
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

/// `paperboy index status`: read only, so it works while `serve` holds the index. The store's papers and embeddings
/// (shared by every node) with the rate of the last minute and what is left at that rate; this node's keyword index.
async fn index_status(state: &AppState) -> anyhow::Result<ExitCode> {
    use crate::search::thousands;
    let model = state.settings.search.embedding_key();
    let head = state.store.change_cursor().await?;
    let papers = state.store.stats().await?.papers;
    let now = chrono::Utc::now().timestamp();
    let m = model.clone();
    let (embedded, last_minute) = state
        .store
        .read(move |db| {
            Ok((crate::store::embeddings::count(db, &m)?, crate::store::embeddings::count_since(db, &m, now - 60)?))
        })
        .await?;
    println!("store: {} papers, change cursor {head}", thousands(papers));
    match crate::search::keyword::KeywordIndex::peek(&state.settings.index_dir().join("keyword")) {
        Ok((docs, cursor)) => println!("keyword index (this node): {} papers, at {cursor}", thousands(docs)),
        Err(e) => println!("keyword index (this node): not readable yet ({e})"),
    }
    let embedded = embedded.max(0) as u64;
    let share = if papers == 0 { 100.0 } else { embedded as f64 * 100.0 / papers as f64 };
    println!(
        "embeddings ({model}, shared by every node): {} of {} papers ({share:.1} %)",
        thousands(embedded),
        thousands(papers)
    );
    let left = papers.saturating_sub(embedded);
    if left > 0 {
        let rate = last_minute as f64 / 60.0;
        if rate > 0.0 {
            let eta = std::time::Duration::from_secs((left as f64 / rate) as u64);
            println!(
                "embedding at {rate:.1} papers/s over the last minute: {} left, about {} to go",
                thousands(left),
                humantime(eta)
            );
        } else {
            println!(
                "{} papers not embedded yet, and none were in the last minute (is a node with the model serving?)",
                thousands(left)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn humantime(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", s / 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}
