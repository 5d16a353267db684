//! How well recommendations find what a researcher would want (`paperboy eval recommend`).
//!
//! Profiles come from authorship, a researcher's interests being close to their own papers:
//! authors with 4–12 papers on at least two announcement days; liked = all but their newest
//! paper, target = the newest. Mixed profiles join two such authors (both targets are sought).
//! Every system ranks the same candidates: the papers of the 30 days up to the latest target's
//! day, less the liked ones. The measure is where each target lands.

use super::svm::Svm;
use super::tfidf::{Options, Sparse, Tfidf};
use crate::papers::Paper;
use std::collections::{BTreeMap, HashSet};

/// One member as the evaluation sees them: indexes into the papers.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub liked: Vec<usize>,
    pub targets: Vec<usize>,
}

fn day(p: &Paper) -> Option<chrono::NaiveDate> {
    p.announced_on.or(p.submitted_on)
}

/// Up to `count` authorship profiles, chosen by a hash of the author's name (repeatable), after
/// passing over the first `skip` eligible authors in that order (so that two draws can be disjoint).
pub fn authorship_profiles(papers: &[Paper], skip: usize, count: usize) -> Vec<Profile> {
    let mut by_author: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in papers.iter().enumerate() {
        if day(p).is_some() {
            for a in &p.authors {
                by_author.entry(a.as_str()).or_default().push(i);
            }
        }
    }
    let mut eligible: Vec<(u64, &str, Vec<usize>)> = by_author
        .into_iter()
        .filter(|(_, ps)| (4..=12).contains(&ps.len()))
        .filter(|(_, ps)| ps.iter().filter_map(|&i| day(&papers[i])).collect::<HashSet<_>>().len() >= 2)
        .map(|(a, ps)| (xxhash_rust::xxh3::xxh3_64(a.as_bytes()), a, ps))
        .collect();
    eligible.sort();
    eligible
        .into_iter()
        .skip(skip)
        .take(count)
        .map(|(_, name, mut ps)| {
            ps.sort_by_key(|&i| (day(&papers[i]), papers[i].id.as_str().to_string()));
            let target = ps.pop().expect("four or more papers");
            Profile { name: name.to_string(), liked: ps, targets: vec![target] }
        })
        .collect()
}

/// Profiles of two authors each (the first with the second, the third with the fourth, …).
pub fn mixed_profiles(profiles: &[Profile]) -> Vec<Profile> {
    profiles
        .chunks_exact(2)
        .map(|pair| {
            let liked: Vec<usize> = pair[0].liked.iter().chain(&pair[1].liked).copied().collect();
            let targets = pair.iter().flat_map(|p| p.targets.iter().copied()).filter(|t| !liked.contains(t)).collect();
            Profile { name: format!("{} + {}", pair[0].name, pair[1].name), liked, targets }
        })
        .collect()
}

/// The papers every system ranks for `profile`: those of the 30 days up to its latest target's
/// day, and its targets, less what it liked.
pub fn candidates(papers: &[Paper], profile: &Profile) -> Vec<usize> {
    let latest = profile.targets.iter().filter_map(|&t| day(&papers[t])).max();
    let Some(latest) = latest else { return Vec::new() };
    let since = latest - chrono::Duration::days(super::WINDOW_DAYS);
    let liked: HashSet<usize> = profile.liked.iter().copied().collect();
    (0..papers.len())
        .filter(|i| !liked.contains(i))
        .filter(|&i| profile.targets.contains(&i) || day(&papers[i]).is_some_and(|d| d > since && d <= latest))
        .collect()
}

/// Papers' tf-idf vectors under one fitted vocabulary.
pub struct Words {
    pub vectors: Vec<Sparse>,
    pub features: usize,
}

impl Words {
    fn fit(texts: &[String], options: Options) -> Self {
        let tfidf = Tfidf::fit(texts.iter().map(String::as_str), options);
        Self { vectors: texts.iter().map(|t| tfidf.vector(t)).collect(), features: tfidf.features() }
    }
}

/// What the systems need of the papers: tf-idf vectors, arxiv-sanity-lite's and paperboy's, and (when there are)
/// embeddings.
pub struct Features {
    /// With arxiv-sanity-lite's settings, for its recipe.
    pub baseline: Words,
    /// With paperboy's ([`Options::PAPERBOY`]), for paperboy's model and its parts.
    pub paperboy: Words,
    pub vectors: Option<Vec<Option<Vec<f32>>>>,
}

impl Features {
    pub fn new(papers: &[Paper], vectors: Option<Vec<Option<Vec<f32>>>>) -> Self {
        Self::with(papers, vectors, Options::ARXIV_SANITY, Options::PAPERBOY)
    }

    pub fn with(
        papers: &[Paper],
        vectors: Option<Vec<Option<Vec<f32>>>>,
        baseline: Options,
        paperboy: Options,
    ) -> Self {
        let texts: Vec<String> = papers.iter().map(super::window::text).collect();
        // The two vocabularies are fitted side by side.
        let (baseline, paperboy) = std::thread::scope(|scope| {
            let other = scope.spawn(|| Words::fit(&texts, baseline));
            let paperboy = Words::fit(&texts, paperboy);
            (other.join().expect("the tf-idf fit panicked"), paperboy)
        });
        Self { baseline, paperboy, vectors }
    }
}

/// The systems compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    /// Newest first: what a member sees without recommendations.
    Newest,
    /// paperboy until now: the nearest papers to the mean of the liked papers' embeddings.
    MeanEmbedding,
    /// arxiv-sanity-lite: tf-idf (words and pairs, 20,000 features) and a linear SVM, C = 0.01.
    TfidfSvm,
    /// The mean of each candidate's 3 highest cosines with a liked paper: one neighbour per interest.
    Neighbours,
    /// A linear SVM over tf-idf and the (weighted) embedding together, paperboy's cost.
    Combined,
    /// What paperboy serves ([`super::model`]): the combined SVM's and the neighbours' scores,
    /// each standardised, summed (neighbours at half weight).
    Fused,
}

impl System {
    pub const ALL: [System; 6] =
        [System::Newest, System::MeanEmbedding, System::TfidfSvm, System::Neighbours, System::Combined, System::Fused];

    pub fn name(self) -> &'static str {
        match self {
            System::Newest => "newest first",
            System::MeanEmbedding => "mean embedding (before)",
            System::TfidfSvm => "tf-idf + SVM (arxiv-sanity)",
            System::Neighbours => "nearest liked (top 3)",
            System::Combined => "SVM, tf-idf + embedding",
            System::Fused => "paperboy: SVM + nearest liked",
        }
    }

    pub fn needs_vectors(self) -> bool {
        // paperboy's model runs without embeddings too (tf-idf alone, as the site does then).
        matches!(self, System::MeanEmbedding | System::Neighbours | System::Combined)
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The embedding appended to the tf-idf vector, weighted as paperboy's model weighs it.
fn combined(tfidf: &Sparse, offset: usize, vector: Option<&Vec<f32>>) -> Sparse {
    let mut out = tfidf.clone();
    if let Some(v) = vector {
        let w = super::model::EMBEDDING_WEIGHT;
        out.extend(v.iter().enumerate().map(|(i, x)| ((offset + i) as u32, w * *x)));
    }
    out
}

/// Ranks `candidates` for `profile`, best first.
pub fn rank(system: System, papers: &[Paper], f: &Features, profile: &Profile, candidates: &[usize]) -> Vec<usize> {
    let scores = scores(system, papers, f, profile, candidates);
    let mut order: Vec<(usize, f32)> = candidates.iter().copied().zip(scores).collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| papers[a.0].id.as_str().cmp(papers[b.0].id.as_str())));
    order.into_iter().map(|(i, _)| i).collect()
}

fn scores(system: System, papers: &[Paper], f: &Features, profile: &Profile, candidates: &[usize]) -> Vec<f32> {
    let vector = |i: usize| f.vectors.as_ref().and_then(|v| v[i].as_ref());
    match system {
        System::Fused => {
            // What production serves: the same model, the same negatives sampling.
            let words = &f.paperboy;
            let item = |i: usize| super::model::Item { words: &words.vectors[i], vector: vector(i).map(Vec::as_slice) };
            let liked: Vec<super::model::Item> = profile.liked.iter().rev().map(|&i| item(i)).collect();
            let items: Vec<super::model::Item> = candidates.iter().map(|&i| item(i)).collect();
            let mut out = vec![f32::MIN; candidates.len()];
            for s in super::model::rank(&liked, &[], &items, words.features) {
                out[s.index] = s.score;
            }
            out
        }
        System::Newest => {
            candidates.iter().map(|&i| day(&papers[i]).map(|d| d.num_days_from_ce() as f32).unwrap_or(0.0)).collect()
        }
        System::MeanEmbedding => {
            let liked: Vec<&Vec<f32>> = profile.liked.iter().filter_map(|&i| vector(i)).collect();
            let dims = liked.first().map(|v| v.len()).unwrap_or(0);
            let mut mean = vec![0f32; dims];
            for v in &liked {
                mean.iter_mut().zip(v.iter()).for_each(|(m, x)| *m += x);
            }
            candidates.iter().map(|&i| vector(i).map(|v| cosine(&mean, v)).unwrap_or(f32::MIN)).collect()
        }
        System::Neighbours => {
            let liked: Vec<&Vec<f32>> = profile.liked.iter().filter_map(|&i| vector(i)).collect();
            candidates
                .iter()
                .map(|&i| {
                    let Some(v) = vector(i) else { return f32::MIN };
                    let mut sims: Vec<f32> = liked.iter().map(|l| cosine(l, v)).collect();
                    sims.sort_by(|a, b| b.total_cmp(a));
                    let top = &sims[..sims.len().min(3)];
                    top.iter().sum::<f32>() / top.len().max(1) as f32
                })
                .collect()
        }
        System::TfidfSvm | System::Combined => {
            // arxiv-sanity-lite's recipe with its own words; the combined SVM, a part of paperboy's model, with paperboy's.
            let words = if system == System::Combined { &f.paperboy } else { &f.baseline };
            let offset = words.features;
            let x = |i: usize| -> Sparse {
                if system == System::Combined {
                    combined(&words.vectors[i], offset, vector(i))
                } else {
                    words.vectors[i].clone()
                }
            };
            let features = if system == System::Combined { offset + 384 } else { offset };
            let rows: Vec<(Sparse, bool)> =
                profile.liked.iter().map(|&i| (x(i), true)).chain(candidates.iter().map(|&i| (x(i), false))).collect();
            let samples: Vec<(&Sparse, bool)> = rows.iter().map(|(x, y)| (x, *y)).collect();
            let dims =
                features.max(rows.iter().flat_map(|(x, _)| x.last().map(|(f, _)| *f as usize + 1)).max().unwrap_or(0));
            // arxiv-sanity-lite's cost for its own; paperboy's model's for the combined features.
            let c = if system == System::Combined { super::model::COST_COMBINED } else { 0.01 };
            let svm = Svm::train(&samples, dims, c);
            rows[profile.liked.len()..].iter().map(|(x, _)| svm.score(x)).collect()
        }
    }
}

use chrono::Datelike;

/// MRR, recall@10/50/100 and nDCG@10 over every target sought.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Scores {
    pub targets: usize,
    pub mrr: f64,
    pub recall: [f64; 3],
    pub ndcg10: f64,
}

/// Scores of the rankings, one per profile.
pub fn score(profiles: &[Profile], rankings: &[Vec<usize>]) -> Scores {
    let mut s = Scores::default();
    for (profile, ranking) in profiles.iter().zip(rankings) {
        for t in &profile.targets {
            s.targets += 1;
            let Some(r) = ranking.iter().position(|i| i == t).map(|p| p + 1) else { continue };
            s.mrr += 1.0 / r as f64;
            for (k, cut) in [10, 50, 100].iter().enumerate() {
                s.recall[k] += f64::from(u8::from(r <= *cut));
            }
            if r <= 10 {
                s.ndcg10 += 1.0 / ((r + 1) as f64).log2();
            }
        }
    }
    let n = s.targets.max(1) as f64;
    Scores { targets: s.targets, mrr: s.mrr / n, recall: s.recall.map(|x| x / n), ndcg10: s.ndcg10 / n }
}

/// Each profile's summed reciprocal ranks of its targets (0 for a target not ranked).
pub fn reciprocal_ranks(profiles: &[Profile], rankings: &[Vec<usize>]) -> Vec<f64> {
    profiles
        .iter()
        .zip(rankings)
        .map(|(profile, ranking)| {
            profile
                .targets
                .iter()
                .filter_map(|t| ranking.iter().position(|i| i == t))
                .map(|p| 1.0 / (p + 1) as f64)
                .sum()
        })
        .collect()
}

/// The ratio of two systems' MRR on the same profiles (`a` over `b`, each profile's summed
/// reciprocal ranks) with a 95 % interval from resampling the profiles, paired, `rounds` times
/// with a fixed seed: how far another draw of researchers could move it.
pub fn mrr_ratio(a: &[f64], b: &[f64], rounds: usize) -> (f64, f64, f64) {
    let ratio = |idx: &mut dyn Iterator<Item = usize>| {
        let (mut x, mut y) = (0.0, 0.0);
        for i in idx {
            x += a[i];
            y += b[i];
        }
        if y > 0.0 {
            x / y
        } else {
            f64::NAN
        }
    };
    let n = a.len().min(b.len());
    let whole = ratio(&mut (0..n));
    if n == 0 {
        return (whole, whole, whole);
    }
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut draws: Vec<f64> = (0..rounds)
        .map(|_| {
            ratio(&mut (0..n).map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % n as u64) as usize
            }))
        })
        .filter(|r| r.is_finite())
        .collect();
    draws.sort_by(f64::total_cmp);
    let at = |q: f64| draws.get(((draws.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(whole);
    (whole, at(0.025), at(0.975))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::papers::{PaperDraft, Source};

    fn paper(n: usize, day: &str, authors: &[&str], text: &str) -> Paper {
        PaperDraft {
            id: Some(format!("2501.{n:05}")),
            title: Some(text.split('.').next().unwrap_or(text).into()),
            abstract_text: Some(text.into()),
            authors: authors.iter().map(|a| a.to_string()).collect(),
            categories: "cs.LG".into(),
            announced_on: Some(day.parse().unwrap()),
            ..Default::default()
        }
        .validate(Source::Snapshot)
        .unwrap()
    }

    /// An author of graph papers, one of protein papers, and a crowd of others on other subjects.
    fn corpus() -> Vec<Paper> {
        let mut papers = Vec::new();
        let graph = "Graph neural networks message passing over molecular graphs. Message passing layers on graphs.";
        let protein = "Protein folding with structure prediction. Folding proteins from sequence alignments.";
        for (i, d) in ["2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07"].iter().enumerate() {
            papers.push(paper(200 + i, d, &["Grace Graph"], &format!("{graph} Variant {i}.")));
            papers.push(paper(210 + i, d, &["Pat Protein"], &format!("{protein} Variant {i}.")));
        }
        let others = [
            "Galaxy rotation curves and dark matter halos",
            "Speech codecs at low bitrates for phones",
            "Auction design with budget constrained bidders",
            "Quantum error correction with surface codes",
            "Rainfall nowcasting from radar images",
            "Legal contract clause extraction from scans",
        ];
        for i in 0..60 {
            let t = others[i % others.len()];
            // Announced with the targets, and listed before them: newest first ranks them first.
            papers.push(paper(100 + i, "2025-01-07", &["Crowd"], &format!("{t}. {t} study number {i}.")));
        }
        papers
    }

    #[test]
    fn profiles_hold_an_authors_papers_but_the_newest_which_is_sought() {
        let papers = corpus();
        let profiles = authorship_profiles(&papers, 0, 10);
        // "Crowd" has 60 papers (over 12): only the two authors qualify.
        assert_eq!(profiles.len(), 2);
        // Passing over the first author draws the rest, in the same order.
        assert_eq!(authorship_profiles(&papers, 1, 10), profiles[1..]);
        let grace = profiles.iter().find(|p| p.name == "Grace Graph").unwrap();
        assert_eq!(grace.liked.len(), 3);
        assert_eq!(papers[grace.targets[0]].id.as_str(), "2501.00203", "the newest is the target");
        let mixed = mixed_profiles(&profiles);
        assert_eq!(mixed.len(), 1);
        assert_eq!((mixed[0].liked.len(), mixed[0].targets.len()), (6, 2));
        // Candidates: the window's papers and the targets, never what was liked.
        let c = candidates(&papers, grace);
        assert!(c.contains(&grace.targets[0]) && grace.liked.iter().all(|l| !c.contains(l)));
        assert_eq!(c.len(), papers.len() - 3);
    }

    #[test]
    fn the_systems_that_learn_from_what_was_liked_find_the_target_first_and_newest_first_does_not() {
        let papers = corpus();
        // A corpus this small needs looser document-frequency cuts than 5 and 10 %.
        let small = Options { max_features: 1_000, min_df: 2, max_df: 0.2 };
        let features = Features::with(&papers, None, small, small);
        let profiles = authorship_profiles(&papers, 0, 10);
        let rankings = |system| -> Vec<Vec<usize>> {
            profiles.iter().map(|p| rank(system, &papers, &features, p, &candidates(&papers, p))).collect()
        };
        let svm = score(&profiles, &rankings(System::TfidfSvm));
        assert_eq!((svm.targets, svm.mrr, svm.recall[0], svm.ndcg10), (2, 1.0, 1.0, 1.0));
        let newest = score(&profiles, &rankings(System::Newest));
        assert!(newest.mrr < 0.5, "{newest:?}");
        // The ratio of two systems' MRR, paired by profile: exact on the whole, an interval around it.
        let rr = |system| reciprocal_ranks(&profiles, &rankings(system));
        let (ratio, low, high) = mrr_ratio(&rr(System::TfidfSvm), &rr(System::Newest), 500);
        assert!(ratio > 2.0 && low <= ratio && ratio <= high, "{ratio} {low} {high}");
        assert_eq!(mrr_ratio(&[1.0, 0.5], &[0.5, 0.25], 100), (2.0, 2.0, 2.0));
        // Rank r counts 1/r in MRR and 1/log2(r + 1) in nDCG@10.
        let s = score(&profiles[..1], &[vec![7, 8, profiles[0].targets[0]]]);
        assert!((s.mrr - 1.0 / 3.0).abs() < 1e-9 && (s.ndcg10 - 0.5).abs() < 1e-9, "{s:?}");
    }
}
