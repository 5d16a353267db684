//! A linear support vector machine (L2-regularised, squared hinge loss, with a bias), trained by
//! dual coordinate descent as liblinear trains scikit-learn's `LinearSVC` — the classifier
//! arxiv-sanity-lite ranks papers with, one per member, liked papers against the rest.

use super::tfidf::Sparse;

/// A trained model: feature weights and the bias.
pub struct Svm {
    weights: Vec<f32>,
    bias: f32,
}

fn dot(w: &[f32], x: &Sparse) -> f32 {
    x.iter().map(|(f, v)| w[*f as usize] * v).sum()
}

impl Svm {
    /// Trains on `samples` (`true` = liked) over `features` dimensions with cost `c`, each class's
    /// cost scaled by how rare it is (`class_weight='balanced'`).
    pub fn train(samples: &[(&Sparse, bool)], features: usize, c: f32) -> Self {
        let n = samples.len();
        let positives = samples.iter().filter(|(_, y)| *y).count();
        let weight = |y: bool| {
            let count = if y { positives } else { n - positives };
            if count == 0 {
                0.0
            } else {
                c * n as f32 / (2.0 * count as f32)
            }
        };
        // The bias is one more feature, always 1 (liblinear's intercept_scaling = 1).
        let bias_feature = features as u32;
        let mut w = vec![0f32; features + 1];
        let mut alpha = vec![0f32; n];
        let diag: Vec<f32> = samples.iter().map(|(_, y)| 0.5 / weight(*y).max(f32::MIN_POSITIVE)).collect();
        let q: Vec<f32> =
            samples.iter().zip(&diag).map(|((x, _), d)| x.iter().map(|(_, v)| v * v).sum::<f32>() + 1.0 + d).collect();
        let mut order: Vec<usize> = (0..n).collect();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200 {
            // A fixed-seed shuffle each pass, as liblinear does, so a training is repeatable.
            for i in (1..n).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                order.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let (mut most, mut least) = (f32::NEG_INFINITY, f32::INFINITY);
            for &i in &order {
                let (x, y) = samples[i];
                let y = if y { 1.0 } else { -1.0 };
                let g = y * (dot(&w, x) + w[bias_feature as usize]) - 1.0 + diag[i] * alpha[i];
                let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
                most = most.max(pg);
                least = least.min(pg);
                if pg.abs() > 1e-12 {
                    let old = alpha[i];
                    alpha[i] = (alpha[i] - g / q[i]).max(0.0);
                    let step = (alpha[i] - old) * y;
                    for (f, v) in x.iter() {
                        w[*f as usize] += step * v;
                    }
                    w[bias_feature as usize] += step;
                }
            }
            if most - least < 0.01 {
                break;
            }
        }
        let bias = w.pop().unwrap_or(0.0);
        Self { weights: w, bias }
    }

    /// The decision value of `x`: higher is more like the liked papers.
    pub fn score(&self, x: &Sparse) -> f32 {
        dot(&self.weights, x) + self.bias
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_separates_what_was_liked_from_the_rest_and_ranks_the_nearer_higher() {
        // Feature 0 marks liked papers, feature 1 the others; feature 2 is shared noise.
        let liked: Vec<Sparse> = (0..3).map(|_| vec![(0, 0.8), (2, 0.6)]).collect();
        let others: Vec<Sparse> = (0..30).map(|i| vec![(1, 0.8), (2, if i % 2 == 0 { 0.6 } else { 0.0 })]).collect();
        let samples: Vec<(&Sparse, bool)> =
            liked.iter().map(|x| (x, true)).chain(others.iter().map(|x| (x, false))).collect();
        let svm = Svm::train(&samples, 3, 1.0);
        assert!(liked.iter().all(|x| svm.score(x) > 0.0));
        assert!(others.iter().all(|x| svm.score(x) < 0.0));
        // A paper with some of the liked feature ranks above one with none.
        assert!(svm.score(&vec![(0, 0.5), (1, 0.5)]) > svm.score(&vec![(1, 1.0)]));
    }
}
