#!/usr/bin/env bash
# Issue 6's benchmark: requests/s and latency of the JSON APIs and a feed with the real corpus
# (36,789 papers) in SQLite, against /healthz (one `SELECT 1`) measured in the same run.
# wrk and paperboy share the machine's cores. Usage: benches/api.sh [seconds per run]
. "$(dirname "$0")/common.sh"
SECS="${1:-8}"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$BIN" --data-dir "$WORK" import ../shared/corpus/arxiv-2025-snapshot.jsonl.gz >/dev/null 2>&1
# The API's per-address limit out of the way: wrk is one address.
PAPERBOY_COMMUNITY__LIMITS__API_ANONYMOUS='[1000000000, 60]' PAPERBOY_SEARCH__FETCH_MODEL=false RUST_LOG=warn \
    "$BIN" --data-dir "$WORK" serve --offline --bind 127.0.0.1:18500 &
for _ in $(seq 1 600); do curl -sf http://127.0.0.1:18500/readyz >/dev/null && break; sleep 0.5; done
run() {
    local path="$1"; shift
    curl -s "$@" "http://127.0.0.1:18500$path" >/dev/null
    wrk -t2 -c32 -d"${SECS}s" --latency "$@" "http://127.0.0.1:18500$path" |
        awk -v p="$path" -v g="$*" '$1=="50%" {p50=$2} $1=="99%" {p99=$2} /Requests\/sec/ {rps=$2}
            END {printf "| `%s`%s | %.0f | %s | %s |\n", p, (g ~ /gzip/ ? " (gzip)" : ""), rps, p50, p99}'
}
echo "| path | requests/s | p50 | p99 |"
echo "|---|---|---|---|"
run /healthz
run "/api/daily_papers?date=2025-08-07&limit=10"
run "/api/daily_papers?date=2025-08-07"
run "/api/daily_papers?date=2025-08-07" -H 'accept-encoding: gzip'
run "/api/v1/papers?date=2025-08-07&limit=10"
run /api/papers/2508.04705
run /api/v1/papers/2508.04705
run /feeds/latest.rss -H 'accept-encoding: gzip'
run /healthz
