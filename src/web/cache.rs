//! Rendered listing pages, kept while the store's change cursor stands still. Every node keeps
//! its own; the cursor is shared, so no node serves a page older than the store.

use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// At most this many pages are kept; past it the cache starts over (listings are cheap to
/// render again, and a bound keeps memory flat whatever URLs are asked for).
const CAPACITY: usize = 512;

#[derive(Default)]
pub struct PageCache {
    pages: Mutex<HashMap<String, (i64, Bytes)>>,
}

impl PageCache {
    /// The page under `key` if it was rendered at `cursor` (a cheap, shared copy).
    pub fn get(&self, key: &str, cursor: i64) -> Option<Bytes> {
        let pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.get(key).filter(|(at, _)| *at == cursor).map(|(_, html)| html.clone())
    }

    pub fn put(&self, key: String, cursor: i64, html: Bytes) {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        if pages.len() >= CAPACITY && !pages.contains_key(&key) {
            pages.clear();
        }
        pages.insert(key, (cursor, html));
    }
}
