//! One integration-test binary (one executable links faster). Every test drives the real code:
//! a real SQLite store in a temporary directory, and arXiv / Hugging Face played by a local
//! HTTP server that answers with the real recorded responses in `../shared/fixtures`.

mod helpers;

mod api;
mod api_v1;
mod arxiv_api;
mod authors;
mod browser;
mod comments;
mod community;
mod digest;
mod eval;
mod export;
mod feeds;
mod follow;
mod fuzz_regressions;
mod hf_daily;
mod import;
mod kill_and_rerun;
mod layout;
mod migrate;
mod models;
mod nodes;
mod oai_pmh;
mod recovery;
mod rss;
mod search;
mod security;
mod serve;
mod store_contract;
mod tls;
mod updates;
