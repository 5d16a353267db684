#!/usr/bin/env bash
# Issue 7's benchmark: the daily page and search, requests/s for one node against two nodes,
# with the real corpus in PostgreSQL. Starts the test suite's PostgreSQL cluster (run
# scripts/test.sh once first, or any test, to create it), imports the corpus into a fresh
# database `pb_nodes_bench`, starts two `paperboy serve` nodes on it, and runs wrk:
#   - one node: one wrk (-t2 -c32) against node A;
#   - two nodes: two wrk (-t1 -c16 each) at once, one per node, summed (what a load balancer
#     with round-robin would give, without a balancer's own cost on these two cores).
# Baseline: /healthz of node A in the same run. Usage: benches/nodes.sh [seconds per run]
. "$(dirname "$0")/common.sh"
SECS="${1:-8}"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
PGDATA="${PAPERBOY_TEST_PGDATA:-/tmp/paperboy-test-pg}"
if [ "$(id -u)" = 0 ]; then pg() { runuser -u postgres -- "$@"; }; else pg() { "$@"; }; fi
if ! "$PGBIN/pg_isready" -q -h 127.0.0.1 -p 55432; then
    pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -o \
        "-p 55432 -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
fi
psql -q -h 127.0.0.1 -p 55432 -U postgres -c 'DROP DATABASE IF EXISTS pb_nodes_bench' -c 'CREATE DATABASE pb_nodes_bench'
export PAPERBOY_DATABASE_URL=postgres://postgres@127.0.0.1:55432/pb_nodes_bench
# The API's per-address limit out of the way: wrk is one address.
export PAPERBOY_COMMUNITY__LIMITS__API_ANONYMOUS='[1000000000, 60]'
export PAPERBOY_SEARCH__FETCH_MODEL=false RUST_LOG=warn
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
/usr/bin/time -f "import: %e s wall, %M KiB peak" "$BIN" --data-dir "$WORK/a" import ../shared/corpus/arxiv-2025-snapshot.jsonl.gz 2>&1 | tail -n 2
"$BIN" --data-dir "$WORK/a" serve --offline --bind 127.0.0.1:18201 & 
"$BIN" --data-dir "$WORK/b" serve --offline --bind 127.0.0.1:18202 &
for port in 18201 18202; do
    for _ in $(seq 1 600); do
        curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
        sleep 0.5
    done
done
rps() { awk '/Requests\/sec/ {print $2}'; }
lat() { awk '$1=="50%" {p50=$2} $1=="99%" {p99=$2} END {print p50, p99}'; }
one() { wrk -t2 -c32 -d"${SECS}s" --latency -H 'accept-encoding: gzip' "http://127.0.0.1:18201$1"; }
two() {
    wrk -t1 -c16 -d"${SECS}s" --latency -H 'accept-encoding: gzip' "http://127.0.0.1:18201$1" >"$WORK/wa" &
    local first=$!
    wrk -t1 -c16 -d"${SECS}s" --latency -H 'accept-encoding: gzip' "http://127.0.0.1:18202$1" >"$WORK/wb"
    wait "$first"
    echo "$(rps <"$WORK/wa") $(rps <"$WORK/wb") | $(lat <"$WORK/wa") | $(lat <"$WORK/wb")"
}
echo "| path | one node: req/s, p50 p99 | two nodes: req/s (A + B), p50 p99 of A | ratio |"
for path in /healthz /papers/date/2025-08-07 "/search?q=diffusion+models&mode=keyword" \
            "/api/v1/search?q=graph+neural+networks&mode=keyword" "/api/daily_papers?date=2025-08-07"; do
    # warm both nodes' caches
    curl -s "http://127.0.0.1:18201$path" >/dev/null; curl -s "http://127.0.0.1:18202$path" >/dev/null
    o="$(one "$path")"
    orps="$(rps <<<"$o")"; olat="$(lat <<<"$o")"
    t="$(two "$path")"
    a="$(cut -d' ' -f1 <<<"$t")"; b="$(cut -d' ' -f2 <<<"$t")"; alat="$(cut -d'|' -f2 <<<"$t")"
    sum="$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.0f", a + b}')"
    ratio="$(awk -v s="$sum" -v o="$orps" 'BEGIN {printf "%.2f", s / o}')"
    echo "| \`$path\` | $orps, $olat | $sum ($a + $b), $alat | $ratio |"
done
