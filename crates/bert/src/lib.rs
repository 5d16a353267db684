//! paperboy's sentence encoder (used by `paperboy::search::embed`): a BERT-family transformer
//! in plain Rust over the `gemm` crate's f32 matrix kernels (the ones candle uses on the CPU).
//!
//! Why not candle's tensors: a profile showed 55 % of the embedding time outside matrix
//! products, in element-wise operations that each allocate a fresh tensor, and in padding.
//! Here a batch's texts are laid end to end without padding, so every dense layer is one
//! product over all the batch's tokens and attention runs per text on its real length; bias
//! and residual are added by the product itself (it accumulates into the residual); layer
//! norm, GELU and softmax run in place, vectorised with AVX2/FMA where the CPU has it.
//! The softmax scale is folded into the query weights when the model loads.

use safetensors::{Dtype, SafeTensors};

/// How the dense layers multiply: in f32, or in 8-bit integers (weights quantized per output
/// row at load, activations per token; see [`quant`]). Attention, layer norm and GELU stay f32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    #[default]
    F32,
    Int8,
}

impl Precision {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "f32" | "fp32" => Some(Precision::F32),
            "int8" => Some(Precision::Int8),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Int8 => "int8",
        }
    }
}

/// How a text's token vectors become its one vector (sentence-transformers' `1_Pooling/config.json`): the mean of
/// all of them (all-MiniLM-L6-v2, e5) or the first, `[CLS]` (bge, gte's CLS variants). Either is then L2-normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pooling {
    #[default]
    Mean,
    Cls,
}

/// Rows (tokens of a batch) up to which a dense layer multiplies with [`short_product`]
/// rather than GEMM: a search query is a handful of tokens, and GEMM's packing of the
/// weights would cost more than the product.
const SHORT_ROWS: usize = 16;

/// The architecture, as `config.json` gives it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    #[serde(default)]
    pub hidden_act: Option<String>,
}

fn default_eps() -> f64 {
    1e-12
}

/// Whether the CPU runs the AVX2/FMA kernels.
fn has_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Element-wise kernels written once as plain loops, compiled twice: for the baseline CPU
/// and with AVX2/FMA enabled, so that the compiler vectorises them 8 lanes wide. The first
/// argument picks the variant (it is [`has_fma`], checked once per model).
macro_rules! vectorised {
    ($($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) $body:block)*) => {$(
        $(#[$doc])*
        fn $name(fma: bool, $($arg: $ty),*) {
            #[inline(always)]
            fn body($($arg: $ty),*) $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            unsafe fn with_fma($($arg: $ty),*) {
                body($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            if fma {
                // SAFETY: `fma` is true only where the CPU has AVX2 and FMA (`has_fma`).
                return unsafe { with_fma($($arg),*) };
            }
            let _ = fma;
            body($($arg),*)
        }
    )*};
}

mod dense;
mod quant;
use dense::Dense;
pub use quant::Kernel;

/// `e^x` for `x` ≤ 88, vectorisable (no libm call, no float-to-int conversion): `2^n · e^r`
/// with `n` rounded by adding 1.5·2²³ (its bits then hold `n`), `r` in ±ln 2 / 2 and a
/// degree-7 polynomial (relative error about 1e-8 before f32 rounding). Below -87 it returns
/// about 1e-38 rather than 0, which no caller can tell apart.
#[inline(always)]
fn exp(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    const ROUND: f32 = 12_582_912.0; // 1.5 · 2^23
    let x = x.clamp(-87.0, 88.0);
    let z = x * std::f32::consts::LOG2_E + ROUND;
    let n = z - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    // z's low bits are n + 0x40_0000; 2^n is (n + 127) << 23.
    f32::from_bits(z.to_bits().wrapping_sub(0x4B40_0000 - 127) << 23) * p
}

/// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7, under the f32 rounding of
/// the activations).
#[inline(always)]
fn erf(x: f32) -> f32 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t * (0.254_829_6 + t * (-0.284_496_74 + t * (1.421_413_8 + t * (-1.453_152_1 + t * 1.061_405_4))));
    (1.0 - poly * exp(-x * x)).copysign(x)
}

/// Sum with eight partial sums, so that it vectorises (a float sum in order cannot).
#[inline(always)]
fn sum8(xs: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let chunks = xs.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for l in 0..8 {
            acc[l] += c[l];
        }
    }
    acc.iter().sum::<f32>() + tail
}

vectorised! {
    /// BERT's exact GELU, `x · Φ(x)`, in place.
    fn gelu(xs: &mut [f32]) {
        for x in xs {
            *x = 0.5 * *x * (1.0 + erf(*x * std::f32::consts::FRAC_1_SQRT_2));
        }
    }

    /// `e^(x - max)` for each row (`width` long) of `xs`, in place; each row's sum goes to
    /// `sums` (the softmax is these values over their sum).
    fn exp_rows(xs: &mut [f32], width: usize, sums: &mut [f32]) {
        for (row, sum) in xs.chunks_exact_mut(width).zip(sums) {
            let mut lanes = [f32::NEG_INFINITY; 8];
            let chunks = row.chunks_exact(8);
            let mut max = chunks.remainder().iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
            for c in chunks {
                for l in 0..8 {
                    lanes[l] = if c[l] > lanes[l] { c[l] } else { lanes[l] };
                }
            }
            max = lanes.iter().fold(max, |m, &x| m.max(x));
            for x in row.iter_mut() {
                *x = exp(*x - max);
            }
            *sum = sum8(row);
        }
    }

    /// Layer norm of each row of `xs` (as long as `gamma`), in place.
    fn layer_norm_rows(xs: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
        let width = gamma.len() as f32;
        for row in xs.chunks_exact_mut(gamma.len()) {
            let mean = sum8(row) / width;
            for x in row.iter_mut() {
                *x -= mean;
            }
            let mut sq = [0f32; 8];
            for c in row.chunks_exact(8) {
                for l in 0..8 {
                    sq[l] += c[l] * c[l];
                }
            }
            let tail: f32 = row.chunks_exact(8).remainder().iter().map(|x| x * x).sum();
            let inv = 1.0 / ((sq.iter().sum::<f32>() + tail) / width + eps).sqrt();
            for ((x, g), b) in row.iter_mut().zip(gamma).zip(beta) {
                *x = *x * inv * g + b;
            }
        }
    }

    /// `dst[i] += src[i]`, row by row: `src` is one row added to every row of `dst`.
    fn add_rows(dst: &mut [f32], src: &[f32]) {
        for row in dst.chunks_exact_mut(src.len()) {
            for (d, s) in row.iter_mut().zip(src) {
                *d += s;
            }
        }
    }
}

/// Every dot product of the rows of `a` with the rows of `b` (both row-major, `dims` columns):
/// `out[i * rows_b + j] = a_i · b_j`, as one matrix product.
pub fn dot_products(a: &[f32], b: &[f32], dims: usize) -> Vec<f32> {
    assert!(dims > 0 && a.len().is_multiple_of(dims) && b.len().is_multiple_of(dims), "rows of {dims} values");
    let (m, n) = (a.len() / dims, b.len() / dims);
    let mut out = vec![0f32; m * n];
    if m == 0 || n == 0 {
        return out;
    }
    // SAFETY: `a` is m × dims (row stride dims), `b` read as its transpose dims × n (row stride
    // 1, column stride dims), `out` m × n (row stride n): every address lies inside its slice,
    // and `out` is a fresh allocation.
    unsafe {
        product((m, n, dims), out.as_mut_ptr(), (n, 1), false, a.as_ptr(), (dims, 1), b.as_ptr(), (1, dims));
    }
    out
}

/// `dst = alpha·dst + lhs · rhs` (`alpha` 0 or 1), single-threaded, for matrices given by
/// pointer and (row, column) strides: `lhs` is `m × k`, `rhs` `k × n`, `dst` `m × n`.
///
/// # Safety
/// Every element the strides address must lie inside its matrix's allocation, and `dst` must
/// not overlap the others.
#[allow(clippy::too_many_arguments)]
unsafe fn product(
    (m, n, k): (usize, usize, usize),
    dst: *mut f32,
    (dst_rs, dst_cs): (usize, usize),
    accumulate: bool,
    lhs: *const f32,
    (lhs_rs, lhs_cs): (usize, usize),
    rhs: *const f32,
    (rhs_rs, rhs_cs): (usize, usize),
) {
    gemm::gemm(
        m,
        n,
        k,
        dst,
        dst_cs as isize,
        dst_rs as isize,
        accumulate,
        lhs,
        lhs_cs as isize,
        lhs_rs as isize,
        rhs,
        rhs_cs as isize,
        rhs_rs as isize,
        if accumulate { 1.0 } else { 0.0 },
        1.0,
        false,
        false,
        false,
        gemm::Parallelism::None,
    )
}

struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
    eps: f32,
}

impl Norm {
    fn apply(&self, xs: &mut [f32], fma: bool) {
        layer_norm_rows(fma, xs, &self.gamma, &self.beta, self.eps);
    }
}

struct Layer {
    /// Query, key and value in one product; the query rows are pre-scaled by 1/√head_dim.
    qkv: Dense,
    attn_out: Dense,
    attn_norm: Norm,
    intermediate: Dense,
    output: Dense,
    out_norm: Norm,
}

/// A loaded encoder.
pub struct Bert {
    words: Vec<f32>,
    positions: Vec<f32>,
    token_type: Vec<f32>,
    norm: Norm,
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
    max_positions: usize,
    fma: bool,
    precision: Precision,
}

/// Why a weights file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error("not a safetensors file: {0}")]
    Format(#[from] safetensors::SafeTensorError),
    #[error("tensor {0} is missing")]
    Missing(String),
    #[error("tensor {name} is {dtype:?}; weights must be F32, F16 or BF16")]
    Dtype { name: String, dtype: Dtype },
    #[error("tensor {name} has shape {got:?}, the config implies {want:?}")]
    Shape { name: String, got: Vec<usize>, want: Vec<usize> },
    #[error("config: {0}")]
    Config(String),
}

struct Weights<'a>(SafeTensors<'a>);

impl Weights<'_> {
    /// The tensor `name` (also looked up under `bert.`, as full BERT checkpoints name it).
    fn get(&self, name: &str, want: &[usize]) -> Result<Vec<f32>, WeightsError> {
        let view = self
            .0
            .tensor(name)
            .or_else(|_| self.0.tensor(&format!("bert.{name}")))
            .map_err(|_| WeightsError::Missing(name.to_string()))?;
        if view.shape() != want {
            return Err(WeightsError::Shape {
                name: name.to_string(),
                got: view.shape().to_vec(),
                want: want.to_vec(),
            });
        }
        let data = view.data();
        Ok(match view.dtype() {
            Dtype::F32 => data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            Dtype::F16 => data.chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
            Dtype::BF16 => data.chunks_exact(2).map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
            dtype => return Err(WeightsError::Dtype { name: name.to_string(), dtype }),
        })
    }

    fn dense(&self, prefix: &str, inputs: usize, outputs: usize) -> Result<Dense, WeightsError> {
        Ok(Dense::new(
            self.get(&format!("{prefix}.weight"), &[outputs, inputs])?,
            self.get(&format!("{prefix}.bias"), &[outputs])?,
        ))
    }

    fn norm(&self, prefix: &str, width: usize, eps: f64) -> Result<Norm, WeightsError> {
        Ok(Norm {
            gamma: self.get(&format!("{prefix}.weight"), &[width])?,
            beta: self.get(&format!("{prefix}.bias"), &[width])?,
            eps: eps as f32,
        })
    }
}

impl Bert {
    /// Loads the weights of a `safetensors` file for the architecture `cfg`, in f32.
    pub fn load(safetensors: &[u8], cfg: &BertConfig) -> Result<Self, WeightsError> {
        Self::load_with(safetensors, cfg, Precision::F32)
    }

    /// Loads the weights, its dense layers multiplying in `precision` (int8 with the fastest
    /// integer kernel this CPU has, see [`Kernel::detect`]).
    pub fn load_with(safetensors: &[u8], cfg: &BertConfig, precision: Precision) -> Result<Self, WeightsError> {
        let mut bert = Self::load_f32(safetensors, cfg)?;
        if precision == Precision::Int8 {
            bert.quantize(Kernel::detect());
        }
        Ok(bert)
    }

    /// Turns every dense layer to 8-bit integers multiplied by `kernel`.
    pub fn quantize(&mut self, kernel: Kernel) {
        for layer in &mut self.layers {
            for dense in [&mut layer.qkv, &mut layer.attn_out, &mut layer.intermediate, &mut layer.output] {
                dense.quantize(kernel);
            }
        }
        self.precision = Precision::Int8;
    }

    pub fn precision(&self) -> Precision {
        self.precision
    }

    fn load_f32(safetensors: &[u8], cfg: &BertConfig) -> Result<Self, WeightsError> {
        let (h, heads) = (cfg.hidden_size, cfg.num_attention_heads);
        if heads == 0 || h % heads != 0 {
            return Err(WeightsError::Config(format!("hidden size {h} is not a multiple of {heads} heads")));
        }
        let weights = Weights(SafeTensors::deserialize(safetensors)?);
        let scale = 1.0 / ((h / heads) as f32).sqrt();
        let mut layers = Vec::with_capacity(cfg.num_hidden_layers);
        for i in 0..cfg.num_hidden_layers {
            let p = format!("encoder.layer.{i}");
            let (q, k, v) = (
                weights.dense(&format!("{p}.attention.self.query"), h, h)?,
                weights.dense(&format!("{p}.attention.self.key"), h, h)?,
                weights.dense(&format!("{p}.attention.self.value"), h, h)?,
            );
            let w = q.w.iter().map(|x| x * scale).chain(k.w).chain(v.w).collect();
            let b = q.b.iter().map(|x| x * scale).chain(k.b).chain(v.b).collect();
            layers.push(Layer {
                qkv: Dense::new(w, b),
                attn_out: weights.dense(&format!("{p}.attention.output.dense"), h, h)?,
                attn_norm: weights.norm(&format!("{p}.attention.output.LayerNorm"), h, cfg.layer_norm_eps)?,
                intermediate: weights.dense(&format!("{p}.intermediate.dense"), h, cfg.intermediate_size)?,
                output: weights.dense(&format!("{p}.output.dense"), cfg.intermediate_size, h)?,
                out_norm: weights.norm(&format!("{p}.output.LayerNorm"), h, cfg.layer_norm_eps)?,
            });
        }
        let mut token_type = weights.get("embeddings.token_type_embeddings.weight", &[cfg.type_vocab_size, h])?;
        token_type.truncate(h); // every token is of type 0
        Ok(Self {
            words: weights.get("embeddings.word_embeddings.weight", &[cfg.vocab_size, h])?,
            positions: weights.get("embeddings.position_embeddings.weight", &[cfg.max_position_embeddings, h])?,
            token_type,
            norm: weights.norm("embeddings.LayerNorm", h, cfg.layer_norm_eps)?,
            layers,
            hidden: h,
            heads,
            max_positions: cfg.max_position_embeddings,
            fma: has_fma(),
            precision: Precision::F32,
        })
    }

    /// Mean-pooled, L2-normalised embeddings of token sequences, computed together: [`Self::embed_pooled`] with
    /// [`Pooling::Mean`].
    pub fn embed(&self, seqs: &[&[u32]]) -> Vec<Vec<f32>> {
        self.embed_pooled(seqs, Pooling::Mean)
    }

    /// Pooled, L2-normalised embeddings of token sequences, computed together. Ids must be
    /// below the config's `vocab_size` (a tokenizer of the same model gives no others); tokens
    /// past `max_position_embeddings` are left out.
    pub fn embed_pooled(&self, seqs: &[&[u32]], pooling: Pooling) -> Vec<Vec<f32>> {
        let h = self.hidden;
        let mut spans = Vec::with_capacity(seqs.len());
        let mut x = Vec::with_capacity(seqs.iter().map(|s| s.len()).sum::<usize>() * h);
        for s in seqs {
            let s = &s[..s.len().min(self.max_positions)];
            spans.push((x.len() / h, s.len()));
            for (p, &id) in s.iter().enumerate() {
                let word = &self.words[(id as usize) * h..(id as usize + 1) * h];
                let pos = &self.positions[p * h..(p + 1) * h];
                x.extend(word.iter().zip(pos).zip(&self.token_type).map(|((w, p), t)| w + p + t));
            }
        }
        self.norm.apply(&mut x, self.fma);
        let tokens = x.len() / h;
        let inner_width = self.layers.first().map_or(0, |l| l.intermediate.outputs());
        let (mut qkv, mut ctx, mut inner) =
            (vec![0f32; tokens * 3 * h], vec![0f32; tokens * h], vec![0f32; tokens * inner_width]);
        let mut scores = Vec::new();
        for layer in &self.layers {
            qkv.fill(0.0);
            layer.qkv.add_to(&x, &mut qkv, self.fma);
            self.attend(&qkv, &spans, &mut ctx, &mut scores);
            // x ← norm(x + ctx·Wᵀ + b), then x ← norm(x + gelu(x·W₁ᵀ + b₁)·W₂ᵀ + b₂)
            layer.attn_out.add_to(&ctx, &mut x, self.fma);
            layer.attn_norm.apply(&mut x, self.fma);
            inner.fill(0.0);
            layer.intermediate.add_to(&x, &mut inner, self.fma);
            gelu(self.fma, &mut inner);
            layer.output.add_to(&inner, &mut x, self.fma);
            layer.out_norm.apply(&mut x, self.fma);
        }
        spans
            .iter()
            .map(|&(start, len)| {
                let rows = match pooling {
                    Pooling::Mean => &x[start * h..(start + len) * h],
                    Pooling::Cls => &x[start * h..(start + len.min(1)) * h],
                };
                let mut pooled = vec![0f32; h];
                for row in rows.chunks_exact(h) {
                    for (m, v) in pooled.iter_mut().zip(row) {
                        *m += v;
                    }
                }
                let norm = pooled.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                pooled.iter_mut().for_each(|m| *m /= norm);
                pooled
            })
            .collect()
    }

    /// Self-attention of each text (`spans`: first token, length) over its own tokens:
    /// `ctx = softmax(Q·Kᵀ)·V` per head, written into the head's columns of `ctx`.
    fn attend(&self, qkv: &[f32], spans: &[(usize, usize)], ctx: &mut [f32], scores: &mut Vec<f32>) {
        let (h, d) = (self.hidden, self.hidden / self.heads);
        for &(start, len) in spans {
            scores.resize(len * len + len, 0.0);
            let (scores, sums) = scores.split_at_mut(len * len);
            let rows = &qkv[start * 3 * h..(start + len) * 3 * h];
            let out = &mut ctx[start * h..(start + len) * h];
            for head in 0..self.heads {
                let (q, k, v) = (&rows[head * d..], &rows[h + head * d..], &rows[2 * h + head * d..]);
                // SAFETY: Q, K and V of this head are `len` rows of `d` values, `3h` apart,
                // inside `rows`; `scores` holds len × len; the head's `d` columns of `out`
                // are `len` rows `h` apart.
                unsafe {
                    product(
                        (len, len, d),
                        scores.as_mut_ptr(),
                        (len, 1),
                        false,
                        q.as_ptr(),
                        (3 * h, 1),
                        k.as_ptr(),
                        (1, 3 * h),
                    );
                }
                exp_rows(self.fma, scores, len, sums);
                unsafe {
                    product(
                        (len, d, len),
                        out[head * d..].as_mut_ptr(),
                        (h, 1),
                        false,
                        scores.as_ptr(),
                        (len, 1),
                        v.as_ptr(),
                        (3 * h, 1),
                    );
                }
                // The softmax's division, on the `d` outputs of each row rather than its `len` weights.
                for (row, sum) in out.chunks_exact_mut(h).zip(sums.iter()) {
                    row[head * d..(head + 1) * d].iter_mut().for_each(|x| *x /= sum);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
