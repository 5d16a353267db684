//! paperboy: a self-hostable research-paper discovery hub.
//!
//! From the top floor down (see `docs/architecture.md`): `main`/`cli` start things; `server`
//! serves the site's pages (`web`) and the JSON APIs (`api`); `app` holds the state built once
//! from `settings`; the domain lives in `community`, `accounts`, `digest`, `search`,
//! `recommend`, `ingest` and `papers`; `jobs` runs background work; `store` is the only place
//! that speaks SQL.

pub mod accounts;
pub mod api;
pub mod app;
pub mod cli;
pub mod community;
pub mod digest;
pub mod ingest;
pub mod jobs;
pub mod metrics;
pub mod migrate;
pub mod papers;
pub mod parallel;
pub mod recommend;
pub mod sample;
pub mod search;
pub mod server;
pub mod settings;
pub mod store;
pub mod telemetry;
pub mod web;
