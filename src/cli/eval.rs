//! `paperboy eval …`: search quality, on SciFact and on known-item queries over arXiv papers.

use super::index::{load_embedder, progress_bar};
use super::*;
use crate::search::eval::{self, known_item, scifact, QueryRun};
use crate::search::fusion::Fusion;
use std::collections::{HashMap, HashSet};

pub(super) async fn eval_command(cmd: EvalCommand, settings: Settings) -> anyhow::Result<ExitCode> {
    match cmd {
        EvalCommand::Scifact { data, split, cache, weights, candidates } => {
            tokio::task::block_in_place(|| scifact_command(&settings, &data, &split, cache, &weights, candidates))
        }
        EvalCommand::Recommend { corpus, cache, profiles, skip } => {
            recommend_command(settings, corpus, cache, profiles, skip).await
        }
        EvalCommand::KnownItem { file, corpus, cache, misses, weights, candidates } => {
            known_item_command(settings, &file, corpus, cache, misses, &weights, candidates).await
        }
    }
}

fn scifact_command(
    settings: &Settings,
    data: &std::path::Path,
    split: &str,
    cache: Option<PathBuf>,
    weights: &[f32],
    candidates: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let collection = scifact::load(data, split)?;
    println!("SciFact {split}: {} documents, {} judged queries", collection.docs.len(), collection.queries.len());
    let embedder = load_embedder(settings);
    let vectors = match &embedder {
        Some(e) => {
            let started = std::time::Instant::now();
            let bar = progress_bar(collection.docs.len() as u64, "embedding");
            let v = scifact::doc_vectors(&collection, e, cache.as_deref(), &bar)?;
            bar.finish_and_clear();
            println!("document vectors ready in {:.1?}", started.elapsed());
            Some(v)
        }
        None => None,
    };
    let runs = scifact::run(&collection, embedder.as_deref(), vectors.as_ref(), settings.search.title_boost)?;
    if let Some(path) = &candidates {
        eval::write_candidates(path, &scifact::judgements(&collection), &runs)?;
        println!("candidates written to {}", path.display());
    }
    println!("title boost {}", settings.search.title_boost);
    let row =
        |name: &str, (ndcg, recall): (f64, f64)| println!("{name:<24} nDCG@10 {ndcg:.4}   Recall@100 {recall:.4}");
    let fusion = settings.search.fusion();
    let [keyword, semantic, hybrid] = scifact::score(&collection, &runs, &fusion);
    row("keyword (BM25)", keyword);
    if vectors.is_some() {
        row("semantic", semantic);
        row(&format!("hybrid ({})", describe(&fusion)), hybrid);
        for &w in weights {
            let at = Fusion { keyword_weight: w, ..fusion };
            row(&format!("  hybrid at {w}"), scifact::score(&collection, &runs, &at)[2]);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(fusion: &Fusion) -> String {
    format!("keyword weight {}, confidence {}", fusion.keyword_weight, fusion.confidence)
}

/// Papers and their vectors: the instance's (stored embeddings; a paper without one, or whose text changed since, is
/// embedded for this run only), or a corpus file's (from `cache`, else embedded and kept there).
async fn papers_and_vectors(
    settings: &Settings,
    corpus: Option<&std::path::Path>,
    cache: Option<&std::path::Path>,
    embedder: Option<&crate::search::embed::Embedder>,
) -> anyhow::Result<(Vec<crate::papers::Paper>, Option<HashMap<String, Vec<f32>>>)> {
    use crate::search::embed::paper_text;
    let texts = |papers: &[crate::papers::Paper]| -> Vec<(String, String)> {
        papers.iter().map(|p| (p.id.as_str().to_string(), paper_text(&p.title, &p.abstract_text))).collect()
    };
    if let Some(path) = corpus {
        let (papers, unreadable) = known_item::read_corpus(path)?;
        if unreadable > 0 {
            println!("{unreadable} lines of {} are not papers and were left out", path.display());
        }
        let Some(embedder) = embedder else { return Ok((papers, None)) };
        let bar = progress_bar(papers.len() as u64, "embedding");
        let vectors = tokio::task::block_in_place(|| eval::doc_vectors(&texts(&papers), embedder, cache, &bar))?;
        bar.finish_and_clear();
        return Ok((papers, Some(vectors)));
    }
    let state = AppState::build(settings.clone()).await?;
    let mut papers = Vec::new();
    loop {
        let after = papers.last().map(|p: &crate::papers::Paper| p.id.as_str().to_string()).unwrap_or_default();
        let page = state.store.papers_after_id(&after, 5_000).await?;
        if page.is_empty() {
            break;
        }
        papers.extend(page);
    }
    let Some(embedder) = embedder else { return Ok((papers, None)) };
    let docs = texts(&papers);
    let mut vectors = HashMap::with_capacity(docs.len());
    for chunk in docs.chunks(5_000) {
        let ids = chunk.iter().map(|(id, _)| id.clone()).collect();
        let stored = crate::search::embeddings::cached(&state.store, embedder.name(), ids).await?;
        for (id, text) in chunk {
            if let Some((hash, v)) = stored.get(id) {
                if *hash == crate::search::embeddings::text_hash(text) && v.len() == embedder.dims() {
                    vectors.insert(id.clone(), v.clone());
                }
            }
        }
    }
    let missing: Vec<(String, String)> = docs.into_iter().filter(|(id, _)| !vectors.contains_key(id)).collect();
    if !missing.is_empty() {
        println!("{} of {} papers have no stored embedding: embedding them for this run", missing.len(), papers.len());
        let bar = progress_bar(missing.len() as u64, "embedding");
        vectors.extend(tokio::task::block_in_place(|| eval::doc_vectors(&missing, embedder, None, &bar))?);
        bar.finish_and_clear();
    }
    Ok((papers, Some(vectors)))
}

async fn known_item_command(
    settings: Settings,
    file: &std::path::Path,
    corpus: Option<PathBuf>,
    cache: Option<PathBuf>,
    misses: usize,
    weights: &[f32],
    candidates: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let items = known_item::load(file)?;
    let embedder = load_embedder(&settings);
    let (papers, vectors) =
        papers_and_vectors(&settings, corpus.as_deref(), cache.as_deref(), embedder.as_deref()).await?;
    let index = crate::search::keyword::KeywordIndex::in_memory()?.with_title_boost(settings.search.title_boost);
    for chunk in papers.chunks(10_000) {
        index.upsert(chunk, None)?;
    }
    let present: HashSet<String> = papers.iter().map(|p| p.id.as_str().to_string()).collect();
    let texts: Vec<&str> = items.iter().map(|i| i.query.as_str()).collect();
    let runs: Vec<QueryRun> =
        tokio::task::block_in_place(|| eval::run_queries(&index, &texts, embedder.as_deref(), vectors.as_ref()))?;
    if let Some(path) = &candidates {
        eval::write_candidates(path, &known_item::judgements(&items), &runs)?;
        println!("candidates written to {}", path.display());
    }
    let fusion = settings.search.fusion();
    let semantic = vectors.is_some();
    let report = known_item::evaluate(&items, &runs, &fusion, &present, semantic);
    println!(
        "{}: {} queries over {} papers{}; title boost {}, hybrid {}",
        file.display(),
        items.len(),
        crate::search::thousands(papers.len() as u64),
        if semantic { "" } else { " (no embedding model: keyword only)" },
        settings.search.title_boost,
        describe(&fusion)
    );
    print_table(&report, "MRR@10", |k| k.mrr, semantic);
    print_table(&report, "recall@10", |k| k.recall, semantic);
    if semantic {
        for &w in weights {
            let at = Fusion { keyword_weight: w, ..fusion };
            let r = known_item::evaluate(&items, &runs, &at, &present, true);
            let cells: Vec<String> = r.kinds.iter().map(|k| format!("{} {:.3}", k.kind, k.mrr[2])).collect();
            println!("hybrid at {w}: MRR@10 {}", cells.join(", "));
        }
    }
    if !report.absent.is_empty() {
        let ids: Vec<&str> = report.absent.iter().map(|i| i.target.as_str()).collect();
        println!("{} queries left out: their papers are not among those searched ({})", ids.len(), ids.join(", "));
    }
    let mut missed = report.misses.clone();
    missed.sort_by_key(|m| std::cmp::Reverse(m.ranks[if semantic { 2 } else { 0 }].unwrap_or(usize::MAX)));
    if !missed.is_empty() && misses > 0 {
        let shown = if semantic { 3 } else { 1 };
        println!(
            "\nmisses ({} of {}, worst first), rank by {} (- = not among the first {}):",
            missed.len(),
            items.len() - report.absent.len(),
            known_item::MODES[..shown].join(" / "),
            eval::DEPTH
        );
        for m in missed.iter().take(misses) {
            let r: Vec<String> = m.ranks[..shown]
                .iter()
                .map(|r| format!("{:>4}", r.map(|r| r.to_string()).unwrap_or_else(|| "-".into())))
                .collect();
            println!("  {}  {} [{}] {}", r.join(" / "), m.item.target, m.item.kind, m.item.query);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(
    report: &known_item::Report,
    measure: &str,
    value: impl Fn(&known_item::KindScore) -> [f64; 3],
    semantic: bool,
) {
    let heads: Vec<String> = report.kinds.iter().map(|k| format!("{} ({})", k.kind, k.queries)).collect();
    let width = heads.iter().map(String::len).max().unwrap_or(0) + 2;
    let head: Vec<String> = heads.iter().map(|h| format!("{h:>width$}")).collect();
    println!("\n{measure:<10}{}", head.join(""));
    let modes = if semantic { &known_item::MODES[..] } else { &known_item::MODES[..1] };
    for (m, mode) in modes.iter().enumerate() {
        let cells: Vec<String> = report.kinds.iter().map(|k| format!("{:>width$.3}", value(k)[m])).collect();
        println!("{mode:<10}{}", cells.join(""));
    }
}

async fn recommend_command(
    settings: Settings,
    corpus: Option<PathBuf>,
    cache: Option<PathBuf>,
    profiles: usize,
    skip: usize,
) -> anyhow::Result<ExitCode> {
    use crate::recommend::eval::{self as rec, System};
    let embedder = load_embedder(&settings);
    let (papers, vectors) =
        papers_and_vectors(&settings, corpus.as_deref(), cache.as_deref(), embedder.as_deref()).await?;
    let vectors = vectors.map(|mut v| papers.iter().map(|p| v.remove(p.id.as_str())).collect::<Vec<_>>());
    let started = std::time::Instant::now();
    let features = tokio::task::block_in_place(|| rec::Features::new(&papers, vectors));
    let single = rec::authorship_profiles(&papers, skip, profiles);
    let mixed = rec::mixed_profiles(&single);
    let sets = [("authorship", &single), ("mixed (two authors)", &mixed)];
    let candidates: Vec<Vec<Vec<usize>>> =
        sets.iter().map(|(_, ps)| ps.iter().map(|p| rec::candidates(&papers, p)).collect()).collect();
    let mean = |c: &[Vec<usize>]| c.iter().map(Vec::len).sum::<usize>() / c.len().max(1);
    println!(
        "{} papers ({} tf-idf features for arxiv-sanity's recipe, {} for paperboy's; ready in {:.1?}); \
         {} authorship profiles, {} mixed; about {} candidates each",
        crate::search::thousands(papers.len() as u64),
        features.baseline.features,
        features.paperboy.features,
        started.elapsed(),
        single.len(),
        mixed.len(),
        mean(&candidates[0])
    );
    for ((name, ps), cands) in sets.iter().zip(&candidates) {
        let mut reciprocal: Vec<(System, Vec<f64>)> = Vec::new();
        println!(
            "\n{name:<30} {:>7} {:>10} {:>10} {:>11} {:>8}",
            "MRR", "recall@10", "recall@50", "recall@100", "nDCG@10"
        );
        for system in System::ALL {
            if system.needs_vectors() && features.vectors.is_none() {
                continue;
            }
            let rankings: Vec<Vec<usize>> = tokio::task::block_in_place(|| {
                crate::parallel::map(ps.len(), crate::parallel::cores(), |i| {
                    rec::rank(system, &papers, &features, &ps[i], &cands[i])
                })
            });
            let s = rec::score(ps, &rankings);
            reciprocal.push((system, rec::reciprocal_ranks(ps, &rankings)));
            println!(
                "{:<30} {:>7.3} {:>10.3} {:>10.3} {:>11.3} {:>8.3}",
                system.name(),
                s.mrr,
                s.recall[0],
                s.recall[1],
                s.recall[2],
                s.ndcg10
            );
        }
        let of = |which: System| reciprocal.iter().find(|(s, _)| *s == which).map(|(_, r)| r);
        if let (Some(ours), Some(theirs)) = (of(System::Fused), of(System::TfidfSvm)) {
            let (ratio, low, high) = rec::mrr_ratio(ours, theirs, 2_000);
            println!(
                "paperboy's MRR / arxiv-sanity's: {ratio:.2}× (95 % interval {low:.2}–{high:.2}, the profiles resampled)"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
