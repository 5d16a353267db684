//! Rendered listing pages, kept while the store's change cursor and activity counter stand
//! still. Every node keeps its own; both counters are shared, so no node serves a page older
//! than the store.

use crate::app::AppState;
use crate::store::{activity, StoreError};
use axum::body::Bytes;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

/// At most this many pages are kept; past it the cache starts over (listings are cheap to
/// render again, and a bound keeps memory flat whatever URLs are asked for).
const CAPACITY: usize = 512;

/// The store's (paper change cursor, community activity counter) when a page was rendered.
pub type Freshness = (i64, i64);

/// A rendered response body (a page, a JSON answer, a feed), as it is and gzip-compressed (sent
/// to clients that accept gzip, i.e. every browser: a day's list shrinks about threefold), with
/// its content type and any headers that belong to it (`Link`, `ETag`…).
#[derive(Clone)]
pub struct CachedPage {
    pub html: Bytes,
    pub gzip: Bytes,
    pub content_type: axum::http::HeaderValue,
    pub headers: Vec<(axum::http::HeaderName, axum::http::HeaderValue)>,
}

impl CachedPage {
    /// An HTML page.
    pub fn new(html: Bytes) -> Self {
        Self::with_type(html, "text/html; charset=utf-8", Vec::new())
    }

    /// Any other body, with its content type and headers.
    pub fn with_type(
        html: Bytes,
        content_type: &'static str,
        headers: Vec<(axum::http::HeaderName, axum::http::HeaderValue)>,
    ) -> Self {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(html.len() / 4), flate2::Compression::fast());
        let gzip = match enc.write_all(&html).and_then(|_| enc.finish()) {
            Ok(v) => Bytes::from(v),
            Err(_) => Bytes::new(),
        };
        Self { html, gzip, content_type: axum::http::HeaderValue::from_static(content_type), headers }
    }

    /// The value of one of the stored headers.
    pub fn header(&self, name: &axum::http::HeaderName) -> Option<&axum::http::HeaderValue> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The response for a request with these headers: compressed when the client says it can
    /// take gzip.
    pub fn respond(&self, request: &axum::http::HeaderMap) -> axum::response::Response {
        use axum::http::header;
        use axum::response::IntoResponse;
        let gzip_ok = !self.gzip.is_empty()
            && request
                .get_all(header::ACCEPT_ENCODING)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.split(',').any(|e| e.trim().split(';').next() == Some("gzip")));
        let mut r = if gzip_ok {
            ([(header::CONTENT_ENCODING, "gzip")], self.gzip.clone()).into_response()
        } else {
            self.html.clone().into_response()
        };
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, self.content_type.clone());
        h.insert(header::VARY, header::HeaderValue::from_static("accept-encoding"));
        for (name, value) in &self.headers {
            h.insert(name.clone(), value.clone());
        }
        r
    }
}

#[derive(Default)]
pub struct PageCache {
    pages: Mutex<HashMap<String, (Freshness, CachedPage)>>,
    /// The last freshness read from the store, when, and this process's write count then.
    checked: Mutex<Option<(Freshness, std::time::Instant, u64)>>,
}

impl PageCache {
    /// The page under `key` if it was rendered at `cursor` (a cheap, shared copy).
    pub fn get(&self, key: &str, cursor: Freshness) -> Option<CachedPage> {
        let pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.get(key).filter(|(at, _)| *at == cursor).map(|(_, html)| html.clone())
    }

    pub fn put(&self, key: String, cursor: Freshness, html: CachedPage) {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        if pages.len() >= CAPACITY && !pages.contains_key(&key) {
            pages.clear();
        }
        pages.insert(key, (cursor, html));
    }
}

/// The store's freshness pair now: what was rendered at the same pair is still right. Asked
/// of the store at most every `cache_check_ms`, and at once after a write through this process.
pub async fn freshness(pages: &PageCache, state: &AppState) -> Result<Freshness, StoreError> {
    let ttl = std::time::Duration::from_millis(state.settings.cache_check_ms);
    let writes = crate::store::local_writes();
    if !ttl.is_zero() {
        let checked = *pages.checked.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((fresh, at, w)) = checked {
            if w == writes && at.elapsed() < ttl {
                return Ok(fresh);
            }
        }
    }
    let fresh = state.store.read(activity::freshness).await?;
    *pages.checked.lock().unwrap_or_else(|e| e.into_inner()) = Some((fresh, std::time::Instant::now(), writes));
    Ok(fresh)
}

/// The response body under `key` while the store's freshness stands still; otherwise `build`
/// renders it (or gives the error to answer instead) and it is kept, also under `alias`.
pub async fn cached<E, Fut>(
    pages: &PageCache,
    state: &AppState,
    key: String,
    alias: Option<String>,
    build: impl FnOnce() -> Fut,
) -> Result<CachedPage, E>
where
    E: From<StoreError>,
    Fut: Future<Output = Result<CachedPage, E>>,
{
    let fresh = freshness(pages, state).await?;
    if let Some(page) = pages.get(&key, fresh) {
        return Ok(page);
    }
    let page = build().await?;
    if let Some(alias) = alias {
        pages.put(alias, fresh, page.clone());
    }
    pages.put(key, fresh, page.clone());
    Ok(page)
}
