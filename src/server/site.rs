//! What the HTTP side holds beside the application: this node's cache of rendered answers and
//! its in-memory API request counters. Handlers that need only the application take
//! `State<AppState>` (axum's `FromRef`).

use super::cache::PageCache;
use super::ratelimit::Windows;
use crate::app::AppState;
use axum::extract::FromRef;
use std::sync::Arc;

#[derive(Clone)]
pub struct Site {
    pub app: AppState,
    /// Rendered listings, feeds and API answers, while the store stands still.
    pub pages: Arc<PageCache>,
    /// The JSON API's request counters (per address and per token).
    pub api_limits: Arc<Windows>,
}

impl Site {
    pub fn new(app: AppState) -> Self {
        Self { app, pages: Arc::default(), api_limits: Arc::default() }
    }
}

impl FromRef<Site> for AppState {
    fn from_ref(site: &Site) -> AppState {
        site.app.clone()
    }
}
