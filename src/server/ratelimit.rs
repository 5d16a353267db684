//! Fixed-window request counters kept in this node's memory, for the JSON API's per-address
//! and per-token limits (the abuse-prone writes — login, sign-up, votes, comments, submissions —
//! are counted in the store instead, so that they hold across nodes: `session::check_limit`).
//! Answers carry the IETF draft's headers (`draft-ietf-httpapi-ratelimit-headers-07`):
//! `RateLimit-Policy: 600;w=60` and `RateLimit: limit=600, remaining=599, reset=42`.

use axum::http::{HeaderMap, HeaderValue};
use std::collections::HashMap;
use std::sync::Mutex;

/// Counters are dropped when this many keys are held and their window has passed.
const PRUNE_AT: usize = 100_000;

#[derive(Default)]
pub struct Windows {
    counters: Mutex<HashMap<String, (i64, u64)>>,
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the window ends.
    pub reset: i64,
    pub window: u64,
}

impl Windows {
    /// Counts a request by `key` at `now` (Unix seconds) under "`hits` per `window` seconds".
    pub fn hit(&self, key: &str, hits: u64, window: u64, now: i64) -> Decision {
        let w = window.max(1) as i64;
        let start = now - now.rem_euclid(w);
        let mut map = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= PRUNE_AT {
            map.retain(|_, (s, _)| *s == start);
        }
        let entry = map.entry(key.to_string()).or_insert((start, 0));
        if entry.0 != start {
            *entry = (start, 0);
        }
        entry.1 += 1;
        let count = entry.1;
        Decision {
            allowed: count <= hits,
            limit: hits,
            remaining: hits.saturating_sub(count),
            reset: (start + w - now).max(1),
            window: window.max(1),
        }
    }
}

impl Decision {
    /// Adds `RateLimit` and `RateLimit-Policy` (and, when refused, `Retry-After`).
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let pairs = [
            ("ratelimit-policy", format!("{};w={}", self.limit, self.window)),
            ("ratelimit", format!("limit={}, remaining={}, reset={}", self.limit, self.remaining, self.reset)),
        ];
        for (name, value) in pairs {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
        if !self.allowed {
            if let Ok(v) = HeaderValue::from_str(&self.reset.to_string()) {
                headers.insert(axum::http::header::RETRY_AFTER, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_and_window() {
        let w = Windows::default();
        let now = 1_000_020; // the start of a 60 s window (1_000_020 = 16_667 × 60)
        let first = w.hit("a", 2, 60, now);
        assert_eq!((first.allowed, first.remaining), (true, 1));
        assert!(w.hit("a", 2, 60, now + 1).allowed);
        let third = w.hit("a", 2, 60, now + 2);
        assert_eq!((third.allowed, third.remaining), (false, 0));
        assert_eq!(third.reset, 58);
        // Another key has its own count; the next window starts afresh.
        assert!(w.hit("b", 2, 60, now + 2).allowed);
        assert!(w.hit("a", 2, 60, now + 60).allowed);
        let mut h = HeaderMap::new();
        third.write_headers(&mut h);
        assert_eq!(h["ratelimit-policy"], "2;w=60");
        assert_eq!(h["ratelimit"], "limit=2, remaining=0, reset=58");
        assert_eq!(h["retry-after"], "58");
    }
}
