#!/usr/bin/env bash
# Soak: serves the real corpus (36,789 papers, SQLite) and drives it with a mix of page, API,
# search, vote and comment traffic (benches/soak.rs): first its peak with a closed loop, then
# FRACTION of that peak open-loop for SECONDS, reporting per window the requests, errors, p50,
# p99 and the server's memory. Limits are raised so that the load itself is not refused.
# Usage: benches/soak.sh [SECONDS=600] [FRACTION=0.8] [WINDOW=60]
source "$(dirname "$0")/common.sh"
SECS="${1:-600}"; FRACTION="${2:-0.8}"; WINDOW="${3:-60}"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$BIN" --data-dir "$WORK/data" import ../shared/corpus/arxiv-2025-snapshot.jsonl.gz >/dev/null 2>&1
PORT=18611
export PAPERBOY_COMMUNITY__LIMITS__API_ANONYMOUS='[1000000000, 60]' PAPERBOY_COMMUNITY__LIMITS__API_TOKEN='[1000000000, 60]'
export PAPERBOY_COMMUNITY__LIMITS__VOTE='[1000000000, 60]' PAPERBOY_COMMUNITY__LIMITS__COMMENT='[1000000000, 60]'
export PAPERBOY_COMMUNITY__LIMITS__SIGNUP='[1000, 60]' PAPERBOY_SEARCH__FETCH_MODEL=false
RUST_LOG=warn "$BIN" --data-dir "$WORK/data" serve --offline --bind "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.5; done
cargo bench --quiet --bench soak -- "http://127.0.0.1:$PORT" "$SERVER" "$SECS" 20 "$FRACTION" "$WINDOW"
echo "server log lines at WARN or above: $(grep -c -E 'WARN|ERROR' "$WORK/serve.log" || true)"
echo "SQLite write-ahead log at the end: $(du -h "$WORK/data/paperboy.db-wal" 2>/dev/null | cut -f1) (main file $(du -h "$WORK/data/paperboy.db" | cut -f1))"
