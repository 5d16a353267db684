#!/usr/bin/env bash
# Pages and API answers of two builds side by side, in the same run: requests/s and latency
# with the real corpus (36,789 papers) in SQLite, each against its own /healthz (one
# `SELECT 1`) measured in the same run. wrk and paperboy share the machine's cores; the two
# builds are measured path by path in the order A B B A (the mean of two runs each), so that both
# see the same machine and neither is always first.
# wrk: Debian's package `wrk`. Usage: benches/pages.sh BASELINE_BINARY NEW_BINARY [seconds per run]
set -euo pipefail
cd "$(dirname "$0")/.."
A="$1"; B="$2"; SECS="${3:-5}"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$B" --data-dir "$WORK/b" import ../shared/corpus/arxiv-2025-snapshot.jsonl.gz >/dev/null 2>&1
cp -r "$WORK/b" "$WORK/a"
serve() { # binary, data dir, port
    PAPERBOY_COMMUNITY__LIMITS__API_ANONYMOUS='[1000000000, 60]' PAPERBOY_SEARCH__FETCH_MODEL=false RUST_LOG=warn \
        "$1" --data-dir "$2" serve --offline --bind "127.0.0.1:$3" >/dev/null 2>&1 &
}
serve "$A" "$WORK/a" 18601
serve "$B" "$WORK/b" 18602
for port in 18601 18602; do
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
done
rate() { # port path [curl/wrk args]: requests/s, p50, p99
    local port="$1" path="$2"; shift 2
    curl -s "$@" "http://127.0.0.1:$port$path" >/dev/null
    wrk -t2 -c32 -d"${SECS}s" --latency "$@" "http://127.0.0.1:$port$path" |
        awk '$1=="50%" {p50=$2} $1=="99%" {p99=$2} /Requests\/sec/ {rps=$2} END {printf "%.0f %s %s", rps, p50, p99}'
}
declare -A HEALTH
for port in 18601 18602; do HEALTH[$port]=$(rate "$port" /healthz | cut -d' ' -f1); done
echo "| path | baseline req/s (p50, p99) | vs its /healthz | new req/s (p50, p99) | vs its /healthz | new / baseline req/s |"
echo "|---|---|---|---|---|---|"
row() {
    local path="$1"; shift
    read -r ra1 pa qa <<<"$(rate 18601 "$path" "$@")"
    read -r rb1 pb qb <<<"$(rate 18602 "$path" "$@")"
    read -r rb2 _ _ <<<"$(rate 18602 "$path" "$@")"
    read -r ra2 _ _ <<<"$(rate 18601 "$path" "$@")"
    awk -v p="$path" -v g="$*" -v ra="$(( (ra1 + ra2) / 2 ))" -v pa="$pa" -v qa="$qa" -v rb="$(( (rb1 + rb2) / 2 ))" \
        -v pb="$pb" -v qb="$qb" -v ha="${HEALTH[18601]}" -v hb="${HEALTH[18602]}" 'BEGIN {
        printf "| `%s`%s | %d (%s, %s) | %.3f | %d (%s, %s) | %.3f | %.2f |\n",
            p, (g ~ /gzip/ ? " (gzip)" : ""), ra, pa, qa, ra / ha, rb, pb, qb, rb / hb, rb / ra }'
}
row /healthz
row / -H 'accept-encoding: gzip'
row /papers/date/2025-08-07 -H 'accept-encoding: gzip'
row /papers/month/2025-07 -H 'accept-encoding: gzip'
row /papers/trending -H 'accept-encoding: gzip'
row /papers/2508.04705v1
row "/search?q=graph+neural+networks&mode=keyword"
row "/api/daily_papers?date=2025-08-07&limit=10"
row "/api/v1/papers?date=2025-08-07&limit=10"
row /api/v1/papers/2508.04705
row /api/v1/papers/2508.04705/comments
row /feeds/latest.rss -H 'accept-encoding: gzip'
for port in 18601 18602; do echo "end /healthz on $port: $(rate "$port" /healthz)"; done
