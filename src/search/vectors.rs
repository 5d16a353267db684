//! The approximate-nearest-neighbour index over paper embeddings: HNSW (usearch), inner
//! product over unit vectors (= cosine), vectors kept as f16 (or i8) to hold millions of
//! papers in a few GB. Keys are a 64-bit hash of the arXiv id; a side file lists the ids so
//! that keys map back, and records the change-cursor position the saved index reflects.

use super::SearchError;
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use usearch::{Index, IndexOptions, MetricKind, ScalarKind};

/// How vectors are stored in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quantization {
    F32,
    F16,
    I8,
}

impl Quantization {
    fn scalar(self) -> ScalarKind {
        match self {
            Quantization::F32 => ScalarKind::F32,
            Quantization::F16 => ScalarKind::F16,
            Quantization::I8 => ScalarKind::I8,
        }
    }
}

/// The HNSW parameters.
#[derive(Debug, Clone, Copy)]
pub struct HnswParams {
    pub connectivity: usize,
    pub expansion_add: usize,
    pub expansion_search: usize,
    pub quantization: Quantization,
}

impl Default for HnswParams {
    fn default() -> Self {
        Self { connectivity: 16, expansion_add: 128, expansion_search: 192, quantization: Quantization::F16 }
    }
}

pub fn key_of(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

struct Inner {
    index: Index,
    ids: HashMap<u64, String>,
}

pub struct VectorIndex {
    inner: RwLock<Inner>,
    dims: usize,
    params: HnswParams,
}

fn cxx(e: impl std::fmt::Display) -> SearchError {
    SearchError::Vectors(e.to_string())
}

fn options(dims: usize, p: &HnswParams) -> IndexOptions {
    IndexOptions {
        dimensions: dims,
        metric: MetricKind::IP,
        quantization: p.quantization.scalar(),
        connectivity: p.connectivity,
        expansion_add: p.expansion_add,
        expansion_search: p.expansion_search,
        multi: false,
    }
}

/// Paths of the saved index and its side file in `dir`.
fn files(dir: &Path) -> (PathBuf, PathBuf) {
    (dir.join("vectors.usearch"), dir.join("vectors.ids"))
}

impl VectorIndex {
    pub fn new(dims: usize, params: HnswParams) -> Result<Self, SearchError> {
        let index = Index::new(&options(dims, &params)).map_err(cxx)?;
        index.reserve(1024).map_err(cxx)?;
        Ok(Self { inner: RwLock::new(Inner { index, ids: HashMap::new() }), dims, params })
    }

    /// Loads the index saved in `dir`, with the cursor it was saved at. `None` when there is
    /// none, or when it does not match its side file, these parameters or the model whose vectors it
    /// must hold (`model`, the embeddings' name in the store): it is then rebuilt. A side file from
    /// before the model was written down is taken as this model's.
    pub fn load(dir: &Path, dims: usize, params: HnswParams, model: &str) -> Result<Option<(Self, i64)>, SearchError> {
        let (index_path, ids_path) = files(dir);
        if !index_path.exists() || !ids_path.exists() {
            return Ok(None);
        }
        let reader = std::io::BufReader::new(std::fs::File::open(&ids_path)?);
        let mut lines = reader.lines();
        let header = lines.next().transpose()?.unwrap_or_default();
        let Some(header) = header.strip_prefix("cursor ") else { return Ok(None) };
        let (cursor, saved_model) = match header.split_once(" model ") {
            Some((cursor, saved)) => (cursor, Some(saved)),
            None => (header, None),
        };
        let Ok(cursor) = cursor.trim().parse::<i64>() else { return Ok(None) };
        if saved_model.is_some_and(|saved| saved != model) {
            return Ok(None);
        }
        let mut ids = HashMap::new();
        for line in lines {
            let id = line?;
            ids.insert(key_of(&id), id);
        }
        let index = Index::new(&options(dims, &params)).map_err(cxx)?;
        if index.load(index_path.to_str().unwrap_or_default()).is_err()
            || index.size() != ids.len()
            || index.dimensions() != dims
        {
            return Ok(None);
        }
        Ok(Some((Self { inner: RwLock::new(Inner { index, ids }), dims, params }, cursor)))
    }

    /// Saves the index and its side file (written beside, then renamed into place).
    pub fn save(&self, dir: &Path, cursor: i64, model: &str) -> Result<(), SearchError> {
        std::fs::create_dir_all(dir)?;
        let (index_path, ids_path) = files(dir);
        let inner = self.inner.read().expect("vector index");
        let tmp_index = index_path.with_extension("usearch.tmp");
        inner.index.save(tmp_index.to_str().unwrap_or_default()).map_err(cxx)?;
        let tmp_ids = ids_path.with_extension("ids.tmp");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp_ids)?);
        writeln!(out, "cursor {cursor} model {model}")?;
        for id in inner.ids.values() {
            writeln!(out, "{id}")?;
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        // The side file goes last: a crash between the renames leaves counts that disagree,
        // and the index is then rebuilt from the stored embeddings.
        std::fs::rename(&tmp_index, &index_path)?;
        std::fs::rename(&tmp_ids, &ids_path)?;
        Ok(())
    }

    /// Drops every vector.
    pub fn clear(&self) -> Result<(), SearchError> {
        let mut inner = self.inner.write().expect("vector index");
        inner.index.reset().map_err(cxx)?;
        inner.index.reserve(1024).map_err(cxx)?;
        inner.ids.clear();
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.inner.read().expect("vector index").ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    pub fn params(&self) -> HnswParams {
        self.params
    }

    pub fn contains(&self, id: &str) -> bool {
        self.inner.read().expect("vector index").ids.contains_key(&key_of(id))
    }

    /// Adds or replaces vectors (a later duplicate of an id wins). Large batches are inserted
    /// from one thread per core: usearch's graph takes concurrent insertions.
    pub fn upsert(&self, items: &[(String, Vec<f32>)]) -> Result<(), SearchError> {
        if let Some((id, v)) = items.iter().find(|(_, v)| v.len() != self.dims) {
            return Err(SearchError::Vectors(format!("{id}: {} dimensions, expected {}", v.len(), self.dims)));
        }
        let mut latest: HashMap<u64, usize> = HashMap::with_capacity(items.len());
        for (i, (id, _)) in items.iter().enumerate() {
            latest.insert(key_of(id), i);
        }
        let mut batch: Vec<(usize, u64)> = latest.into_iter().map(|(key, i)| (i, key)).collect();
        batch.sort_unstable();
        let mut inner = self.inner.write().expect("vector index");
        let needed = inner.index.size() + batch.len();
        if needed > inner.index.capacity() {
            inner.index.reserve(needed.max(inner.index.capacity() * 2)).map_err(cxx)?;
        }
        for &(_, key) in &batch {
            if inner.ids.contains_key(&key) {
                inner.index.remove(key).map_err(cxx)?;
            }
        }
        let index = &inner.index;
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(batch.len() / 512).max(1);
        let add =
            |part: &[(usize, u64)]| part.iter().try_for_each(|&(i, key)| index.add(key, &items[i].1).map_err(cxx));
        if threads == 1 {
            add(&batch)?;
        } else {
            std::thread::scope(|scope| {
                let parts: Vec<_> =
                    batch.chunks(batch.len().div_ceil(threads)).map(|p| scope.spawn(move || add(p))).collect();
                parts.into_iter().try_for_each(|p| p.join().expect("vector insertion thread panicked"))
            })?;
        }
        for (i, key) in batch {
            inner.ids.insert(key, items[i].0.clone());
        }
        Ok(())
    }

    /// The stored (quantised) vector of `id`.
    pub fn vector(&self, id: &str) -> Option<Vec<f32>> {
        let inner = self.inner.read().expect("vector index");
        let mut buf = vec![0f32; self.dims];
        match inner.index.get(key_of(id), &mut buf) {
            Ok(n) if n > 0 => Some(buf),
            _ => None,
        }
    }

    /// The `k` nearest ids to `query` (a unit vector) with their cosine similarity.
    pub fn search(&self, query: &[f32], k: usize) -> Result<Vec<(String, f32)>, SearchError> {
        self.nearest(query, k, false)
    }

    /// The exact `k` nearest (a scan of every vector), for measuring recall.
    pub fn exact_search(&self, query: &[f32], k: usize) -> Result<Vec<(String, f32)>, SearchError> {
        self.nearest(query, k, true)
    }

    fn nearest(&self, query: &[f32], k: usize, exact: bool) -> Result<Vec<(String, f32)>, SearchError> {
        let inner = self.inner.read().expect("vector index");
        if inner.ids.is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        let m = if exact { inner.index.exact_search(query, k) } else { inner.index.search(query, k) }.map_err(cxx)?;
        // Inner-product distance is 1 − cosine.
        Ok(m.keys
            .iter()
            .zip(&m.distances)
            .filter_map(|(key, d)| inner.ids.get(key).map(|id| (id.clone(), 1.0 - d)))
            .collect())
    }

    /// Changes how many candidates a search keeps (`search.expansion_search`): more is
    /// slower and finds more of the true nearest.
    pub fn set_expansion_search(&self, n: usize) {
        self.inner.read().expect("vector index").index.change_expansion_search(n);
    }

    /// Bytes the index holds in memory.
    pub fn memory_bytes(&self) -> usize {
        self.inner.read().expect("vector index").index.memory_usage()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(seed: usize, dims: usize) -> Vec<f32> {
        let v: Vec<f32> = (0..dims).map(|d| ((seed * 31 + d * 7) as f32 * 0.618).sin()).collect();
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / n).collect()
    }

    /// A batch large enough to be inserted from several threads, with an id given twice and
    /// ids already indexed: every id once, the later vector of a duplicate kept.
    #[test]
    fn large_batches_insert_every_id_once_and_later_duplicates_win() {
        let dims = 16;
        let index =
            VectorIndex::new(dims, HnswParams { quantization: Quantization::F32, ..Default::default() }).unwrap();
        index.upsert(&(0..100).map(|i| (format!("p{i}"), unit(i, dims))).collect::<Vec<_>>()).unwrap();
        let mut batch: Vec<(String, Vec<f32>)> = (50..2_550).map(|i| (format!("p{i}"), unit(i, dims))).collect();
        batch.push(("p7".into(), unit(9_999, dims)));
        batch.push(("p60".into(), unit(8_888, dims)));
        index.upsert(&batch).unwrap();
        assert_eq!(index.len(), 2_550);
        for (id, seed) in [("p7", 9_999), ("p60", 8_888), ("p2000", 2_000), ("p3", 3)] {
            let want = unit(seed, dims);
            let got = index.vector(id).unwrap();
            assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-6), "{id}");
            assert_eq!(index.exact_search(&want, 1).unwrap()[0].0, id);
        }
        let wrong = [("bad".to_string(), vec![0.0; dims + 1])];
        assert!(index.upsert(&wrong).is_err());
        assert_eq!(index.len(), 2_550);
    }

    /// A saved index loads for the model whose vectors it holds and not for another (it is then rebuilt from the
    /// stored embeddings); a side file from before the model was written down loads as it did.
    #[test]
    fn a_saved_index_is_reused_only_for_its_own_model() {
        let dir = tempfile::tempdir().unwrap();
        let params = HnswParams { quantization: Quantization::F32, ..Default::default() };
        let index = VectorIndex::new(8, params).unwrap();
        index.upsert(&(0..20).map(|i| (format!("p{i}"), unit(i, 8))).collect::<Vec<_>>()).unwrap();
        index.save(dir.path(), 42, "all-MiniLM-L6-v2").unwrap();
        let (again, cursor) = VectorIndex::load(dir.path(), 8, params, "all-MiniLM-L6-v2").unwrap().unwrap();
        assert_eq!((again.len(), cursor), (20, 42));
        assert!(VectorIndex::load(dir.path(), 8, params, "bge-small-en-v1.5").unwrap().is_none());
        let ids = dir.path().join("vectors.ids");
        let text = std::fs::read_to_string(&ids).unwrap();
        std::fs::write(&ids, text.replacen("cursor 42 model all-MiniLM-L6-v2", "cursor 42", 1)).unwrap();
        assert_eq!(VectorIndex::load(dir.path(), 8, params, "bge-small-en-v1.5").unwrap().unwrap().1, 42);
    }
}
