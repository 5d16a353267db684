//! paperboy: a self-hostable research-paper discovery hub.

pub mod accounts;
pub mod app;
pub mod cli;
pub mod digest;
pub mod ingest;
pub mod migrate;
pub mod papers;
pub mod ranking;
pub mod recommend;
pub mod sample;
pub mod search;
pub mod settings;
pub mod store;
pub mod telemetry;
pub mod web;
