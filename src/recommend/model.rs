//! How a member's taste ranks papers: what production serves and `paperboy eval recommend`
//! measures, the same code for both.
//!
//! Two scores, each standardised over the candidates, summed with the neighbours at half weight:
//! - a linear SVM (arxiv-sanity-lite's classifier) over each paper's tf-idf (50,000 terms:
//!   [`super::tfidf::Options::PAPERBOY`]) and its embedding at [`EMBEDDING_WEIGHT`] side by side,
//!   trained on the liked papers against the dismissed ones and a sample of the rest;
//! - the mean of each candidate's [`NEIGHBOURS`] highest cosines with a liked paper, so that a
//!   member with several interests is served each of them rather than their blurred mean.
//!
//! Without embeddings it is the tf-idf SVM alone: arxiv-sanity-lite's recipe over more terms.

use super::svm::Svm;
use super::tfidf::Sparse;

/// How many of the nearest liked papers a candidate's neighbour score averages.
pub const NEIGHBOURS: usize = 3;
/// Most candidates the SVM trains on as negatives (a fixed stride through them).
pub const MAX_NEGATIVES: usize = 10_000;
/// Most liked papers the neighbour score looks at (the first given: the newest, the interests a
/// member has now).
pub const MAX_NEIGHBOUR_LIKED: usize = 100;
/// The neighbour score's weight beside the SVM's (0.25, 0.5 and 1 were tried).
const NEIGHBOUR_WEIGHT: f32 = 0.5;
/// SVM costs: over tf-idf and embeddings (best of 0.03, 0.05, 0.1, 0.3 and 1 with the embedding weighted below), and
/// over tf-idf alone, arxiv-sanity-lite's own.
pub const COST_COMBINED: f32 = 0.3;
const COST_WORDS: f32 = 0.01;
/// What the unit-length embedding weighs beside the unit-length tf-idf vector in the SVM's features (0.25, 0.35,
/// 0.5, 1 and 2 were tried): at full weight its 384 dense dimensions drown the words' sparse ones.
pub const EMBEDDING_WEIGHT: f32 = 0.35;

/// A paper as the model sees it: its tf-idf vector and, once embedded, its unit embedding.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub words: &'a Sparse,
    pub vector: Option<&'a [f32]>,
}

/// One candidate's standing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// Its index among the candidates.
    pub index: usize,
    pub score: f32,
    /// The liked paper (an index into `liked`) it is nearest to, when both are embedded.
    pub nearest: Option<usize>,
}

/// The sparse dot product of two vectors whose features ascend.
pub fn sparse_dot(a: &Sparse, b: &Sparse) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

/// Standardises scores; `None` (no score) becomes the mean.
fn z(scores: &[Option<f32>]) -> Vec<f32> {
    let known: Vec<f32> = scores.iter().flatten().copied().collect();
    let n = known.len().max(1) as f32;
    let mean = known.iter().sum::<f32>() / n;
    let sd = (known.iter().map(|s| (s - mean).powi(2)).sum::<f32>() / n).sqrt().max(1e-6);
    scores.iter().map(|s| s.map(|s| (s - mean) / sd).unwrap_or(0.0)).collect()
}

/// The tf-idf vector with the embedding appended after `words_dims`.
fn features(item: &Item, words_dims: usize, with_vectors: bool) -> Sparse {
    let mut out = item.words.clone();
    if let (true, Some(v)) = (with_vectors, item.vector) {
        out.extend(v.iter().enumerate().map(|(i, x)| ((words_dims + i) as u32, EMBEDDING_WEIGHT * *x)));
    }
    out
}

/// Scores every candidate for a member who liked `liked` (newest first) and dismissed
/// `dismissed`; `words_dims` is the tf-idf vocabulary's size. Best first.
pub fn rank(liked: &[Item], dismissed: &[Item], candidates: &[Item], words_dims: usize) -> Vec<Scored> {
    if liked.is_empty() || candidates.is_empty() {
        return Vec::new();
    }
    let dims = liked.iter().chain(candidates).find_map(|i| i.vector.map(<[f32]>::len)).unwrap_or(0);
    let with_vectors = dims > 0 && liked.iter().any(|i| i.vector.is_some());
    let x = |i: &Item| features(i, words_dims, with_vectors);
    let stride = candidates.len().div_ceil(MAX_NEGATIVES).max(1);
    let training: Vec<(Sparse, bool)> = liked
        .iter()
        .map(|i| (x(i), true))
        .chain(dismissed.iter().map(|i| (x(i), false)))
        .chain(candidates.iter().step_by(stride).map(|i| (x(i), false)))
        .collect();
    let samples: Vec<(&Sparse, bool)> = training.iter().map(|(x, y)| (x, *y)).collect();
    let all_dims = words_dims + if with_vectors { dims } else { 0 };
    let cost = if with_vectors { COST_COMBINED } else { COST_WORDS };
    let svm = Svm::train(&samples, all_dims, cost);
    let svm_scores: Vec<Option<f32>> = candidates.iter().map(|i| Some(svm.score(&x(i)))).collect();
    let mut fused = z(&svm_scores);
    let mut nearest = vec![None; candidates.len()];
    if with_vectors {
        let neighbour = neighbours(liked, candidates, dims, &mut nearest);
        fused.iter_mut().zip(z(&neighbour)).for_each(|(f, n)| *f += NEIGHBOUR_WEIGHT * n);
    }
    let mut out: Vec<Scored> = fused
        .into_iter()
        .zip(nearest)
        .enumerate()
        .map(|(index, (score, nearest))| Scored { index, score, nearest })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
    out
}

/// Candidates a block of the similarity matrix holds (with 100 liked papers, 1.6 MB).
const BLOCK: usize = 4_096;

/// Each candidate's mean cosine with its [`NEIGHBOURS`] nearest liked papers (`None` when it is
/// not embedded), and in `nearest` the nearest one: one matrix product per block of candidates.
fn neighbours(liked: &[Item], candidates: &[Item], dims: usize, nearest: &mut [Option<usize>]) -> Vec<Option<f32>> {
    let (mut which, mut matrix) = (Vec::new(), Vec::new());
    for (n, v) in liked.iter().enumerate().filter_map(|(n, i)| i.vector.map(|v| (n, v))).take(MAX_NEIGHBOUR_LIKED) {
        which.push(n);
        matrix.extend_from_slice(v);
    }
    let mut out = vec![None; candidates.len()];
    let zero = vec![0f32; dims];
    for (block, start) in candidates.chunks(BLOCK).zip((0..).step_by(BLOCK)) {
        let rows: Vec<f32> = block.iter().flat_map(|c| c.vector.unwrap_or(&zero).iter().copied()).collect();
        let sims = paperboy_bert::dot_products(&rows, &matrix, dims);
        for (i, (c, row)) in block.iter().zip(sims.chunks(which.len().max(1))).enumerate() {
            if c.vector.is_none() {
                continue;
            }
            let mut top = [(f32::NEG_INFINITY, 0usize); NEIGHBOURS];
            for (&n, &s) in which.iter().zip(row) {
                if s > top[NEIGHBOURS - 1].0 {
                    top[NEIGHBOURS - 1] = (s, n);
                    top.sort_by(|a, b| b.0.total_cmp(&a.0));
                }
            }
            let found: Vec<f32> = top.iter().map(|t| t.0).filter(|s| s.is_finite()).collect();
            nearest[start + i] = Some(top[0].1);
            out[start + i] = Some(found.iter().sum::<f32>() / found.len().max(1) as f32);
        }
    }
    out
}

/// The liked paper (an index into `liked`) most like `item` by words: the reason shown when
/// they are not both embedded.
pub fn nearest_by_words(liked: &[Item], item: &Item) -> Option<usize> {
    liked
        .iter()
        .enumerate()
        .map(|(n, l)| (n, sparse_dot(l.words, item.words)))
        .filter(|(_, s)| *s > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn each_interest_is_served_and_the_reason_is_the_nearest_liked_paper() {
        // Two interests (features 0 and 1 in words, axes 0 and 1 in embeddings); candidates on
        // each, and many on neither (feature 2, axis 2).
        let words: Vec<Sparse> = vec![vec![(0, 1.0)], vec![(1, 1.0)], vec![(2, 1.0)]];
        let vectors: Vec<Vec<f32>> = vec![unit(&[1.0, 0.1, 0.0]), unit(&[0.1, 1.0, 0.0]), unit(&[0.0, 0.1, 1.0])];
        let item = |k: usize| Item { words: &words[k], vector: Some(&vectors[k]) };
        let liked = [item(0), item(0), item(1)];
        let mut candidates = vec![item(2); 40];
        candidates.push(item(1));
        candidates.push(item(0));
        let ranked = rank(&liked, &[], &candidates, 3);
        assert_eq!(ranked.len(), 42);
        let top: Vec<usize> = ranked[..2].iter().map(|s| s.index).collect();
        assert!(top.contains(&40) && top.contains(&41), "{ranked:?}");
        // The paper on the second interest is nearest to the liked paper on it.
        assert_eq!(ranked.iter().find(|s| s.index == 40).unwrap().nearest, Some(2));
        assert_eq!(nearest_by_words(&liked, &item(1)), Some(2));
        assert_eq!(nearest_by_words(&liked, &item(2)), None);
    }

    #[test]
    fn a_dismissed_paper_pulls_down_those_like_it() {
        let words: Vec<Sparse> =
            vec![vec![(0, 1.0)], vec![(0, 0.6), (1, 0.8)], vec![(0, 0.6), (2, 0.8)], vec![(3, 1.0)]];
        let item = |k: usize| Item { words: &words[k], vector: None };
        let liked = [item(0)];
        let mut candidates = vec![item(3); 20];
        candidates.extend([item(1), item(2)]);
        let before = rank(&liked, &[], &candidates, 4);
        let pos = |r: &[Scored], i: usize| r.iter().position(|s| s.index == i).unwrap();
        let after = rank(&liked, &[item(1), item(1)], &candidates, 4);
        assert!(pos(&after, 20) > pos(&after, 21), "the paper like the dismissed one falls below its twin");
        assert!(pos(&after, 20) >= pos(&before, 20));
        assert!(rank(&[], &[], &candidates, 4).is_empty());
    }
}
