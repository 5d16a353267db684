//! The bundled sample: a few hundred real arXiv papers (cut from the 2025 announcement corpus),
//! loaded into an empty store so a new instance shows real papers even offline.

use crate::ingest::snapshot::import_lines;
use crate::ingest::{IngestError, Report};
use crate::papers::Source;
use crate::store::Store;
use std::io::BufReader;

const SAMPLE: &[u8] = include_bytes!("../sample/arxiv-sample.jsonl.gz");

/// Imports the sample if the store holds no papers. Returns the report when it did.
pub async fn load_if_empty(store: &Store) -> Result<Option<Report>, IngestError> {
    if store.stats().await?.papers > 0 || store.meta("sample_loaded").await?.is_some() {
        return Ok(None);
    }
    let reader = Box::new(BufReader::new(flate2::read::GzDecoder::new(SAMPLE)));
    let report = import_lines(store, reader, "sample", Source::Sample, &indicatif::ProgressBar::hidden()).await?;
    store.set_meta("sample_loaded", &report.counts.inserted.to_string()).await?;
    Ok(Some(report))
}
