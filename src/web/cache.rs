//! Rendered listing pages, kept while the store's change cursor and activity counter stand
//! still. Every node keeps its own; both counters are shared, so no node serves a page older
//! than the store.

use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// At most this many pages are kept; past it the cache starts over (listings are cheap to
/// render again, and a bound keeps memory flat whatever URLs are asked for).
const CAPACITY: usize = 512;

/// The store's (paper change cursor, community activity counter) when a page was rendered.
pub type Freshness = (i64, i64);

#[derive(Default)]
pub struct PageCache {
    pages: Mutex<HashMap<String, (Freshness, Bytes)>>,
}

impl PageCache {
    /// The page under `key` if it was rendered at `cursor` (a cheap, shared copy).
    pub fn get(&self, key: &str, cursor: Freshness) -> Option<Bytes> {
        let pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.get(key).filter(|(at, _)| *at == cursor).map(|(_, html)| html.clone())
    }

    pub fn put(&self, key: String, cursor: Freshness, html: Bytes) {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        if pages.len() >= CAPACITY && !pages.contains_key(&key) {
            pages.clear();
        }
        pages.insert(key, (cursor, html));
    }
}
