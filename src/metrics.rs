//! This node's counters, rendered in Prometheus' text exposition format (served at
//! `/metrics`). A handful of atomics: a metrics crate would add more than it saves here.

use crate::store::Stats;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    /// Responses by status class: 1xx … 5xx.
    responses: [AtomicU64; 5],
    /// Total time spent answering, in microseconds.
    response_micros: AtomicU64,
    /// Papers the follower stored, by outcome.
    pub followed_inserted: AtomicU64,
    pub followed_updated: AtomicU64,
    pub followed_rejected: AtomicU64,
    /// Unix time of the last follower round that reached arXiv.
    pub follow_last_success: AtomicU64,
    pub follow_rounds_failed: AtomicU64,
    /// Content-Security-Policy violations browsers reported.
    pub csp_violations: AtomicU64,
}

impl Metrics {
    pub fn record_response(&self, status: u16, micros: u64) {
        let class = (status / 100).clamp(1, 5) as usize - 1;
        self.responses[class].fetch_add(1, Ordering::Relaxed);
        self.response_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

/// The exposition: this node's counters and, when the store answered, its figures.
pub fn render(m: &Metrics, store: Option<&Stats>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# HELP paperboy_build_info Version of this node.\n# TYPE paperboy_build_info gauge");
    let _ = writeln!(out, "paperboy_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        out,
        "# HELP paperboy_http_responses_total Responses by status class.\n# TYPE paperboy_http_responses_total counter"
    );
    let mut total = 0;
    for (i, c) in m.responses.iter().enumerate() {
        let n = c.load(Ordering::Relaxed);
        total += n;
        let _ = writeln!(out, "paperboy_http_responses_total{{class=\"{}xx\"}} {n}", i + 1);
    }
    let _ = writeln!(
        out,
        "# HELP paperboy_http_response_seconds Time spent answering requests.\n# TYPE paperboy_http_response_seconds summary"
    );
    let secs = m.response_micros.load(Ordering::Relaxed) as f64 / 1e6;
    let _ = writeln!(out, "paperboy_http_response_seconds_sum {secs}\npaperboy_http_response_seconds_count {total}");
    let _ = writeln!(
        out,
        "# HELP paperboy_csp_violations_total Content-Security-Policy violations reported by browsers.\n# TYPE paperboy_csp_violations_total counter\npaperboy_csp_violations_total {}",
        m.csp_violations.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "# HELP paperboy_follow_papers_total Papers stored by the arXiv follower on this node.\n# TYPE paperboy_follow_papers_total counter"
    );
    for (outcome, c) in
        [("inserted", &m.followed_inserted), ("updated", &m.followed_updated), ("rejected", &m.followed_rejected)]
    {
        let _ = writeln!(out, "paperboy_follow_papers_total{{outcome=\"{outcome}\"}} {}", c.load(Ordering::Relaxed));
    }
    let _ = writeln!(out, "# HELP paperboy_follow_last_success_timestamp_seconds Last follower round that reached arXiv.\n# TYPE paperboy_follow_last_success_timestamp_seconds gauge");
    let _ = writeln!(
        out,
        "paperboy_follow_last_success_timestamp_seconds {}",
        m.follow_last_success.load(Ordering::Relaxed)
    );
    let _ = writeln!(out, "# HELP paperboy_follow_rounds_failed_total Follower rounds that could not reach arXiv.\n# TYPE paperboy_follow_rounds_failed_total counter");
    let _ = writeln!(out, "paperboy_follow_rounds_failed_total {}", m.follow_rounds_failed.load(Ordering::Relaxed));
    match store {
        Some(s) => {
            let _ =
                writeln!(out, "# HELP paperboy_store_papers Papers in the store.\n# TYPE paperboy_store_papers gauge");
            let _ = writeln!(out, "paperboy_store_papers {}", s.papers);
            let _ = writeln!(out, "# HELP paperboy_store_change_seq Position of the store's change cursor.\n# TYPE paperboy_store_change_seq gauge");
            let _ = writeln!(out, "paperboy_store_change_seq {}", s.change_seq);
            let _ = writeln!(out, "paperboy_store_up 1");
        }
        None => {
            let _ = writeln!(out, "paperboy_store_up 0");
        }
    }
    out
}

/// This node's embedding progress: papers with vectors, papers indexed, the last batch's rate, and
/// the papers this node embedded itself (the rest came from the store, embedded by other nodes).
pub fn render_embedding(embedded: u64, papers: u64, rate: f64, computed: u64) -> String {
    format!(
        "# HELP paperboy_embedded_papers Papers in this node's vector index.\n# TYPE paperboy_embedded_papers gauge\n\
         paperboy_embedded_papers {embedded}\n\
         # HELP paperboy_indexed_papers Papers in this node's keyword index (what embedding works towards).\n\
         # TYPE paperboy_indexed_papers gauge\npaperboy_indexed_papers {papers}\n\
         # HELP paperboy_embedding_papers_per_second Papers per second of the last batch embedded.\n\
         # TYPE paperboy_embedding_papers_per_second gauge\npaperboy_embedding_papers_per_second {rate:.2}\n\
         # HELP paperboy_embeddings_computed_total Papers this node embedded itself since it started.\n\
         # TYPE paperboy_embeddings_computed_total counter\npaperboy_embeddings_computed_total {computed}\n"
    )
}
