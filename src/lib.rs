//! paperboy: a self-hostable research-paper discovery hub.

pub mod app;
pub mod cli;
pub mod ingest;
pub mod migrate;
pub mod papers;
pub mod sample;
pub mod settings;
pub mod store;
pub mod telemetry;
pub mod web;
