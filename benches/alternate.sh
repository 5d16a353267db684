#!/usr/bin/env bash
# Two builds on the same paths, alternating which goes first, ROUNDS rounds of 3 s each (wrk
# -t2 -c32), on copies of one store with the real corpus: the mean requests/s of each build per
# path. For differences smaller than a run's noise. wrk: Debian's package `wrk`.
# Usage: benches/alternate.sh BASELINE_BINARY NEW_BINARY [rounds] [paths…]
set -euo pipefail
cd "$(dirname "$0")/.."
A="$1"; B="$2"; ROUNDS="${3:-4}"; shift 2; shift || true
PATHS=("$@"); [ ${#PATHS[@]} -gt 0 ] || PATHS=(/api/v1/papers/2508.04705 /papers/2508.04705v1)
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$B" --data-dir "$WORK/b" import ../shared/corpus/arxiv-2025-snapshot.jsonl.gz >/dev/null 2>&1
cp -r "$WORK/b" "$WORK/a"
for x in "$A a 18701" "$B b 18702"; do
    set -- $x
    PAPERBOY_COMMUNITY__LIMITS__API_ANONYMOUS='[1000000000, 60]' PAPERBOY_SEARCH__FETCH_MODEL=false RUST_LOG=warn \
        "$1" --data-dir "$WORK/$2" serve --offline --bind "127.0.0.1:$3" >/dev/null 2>&1 &
done
for port in 18701 18702; do
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
done
echo "| path | baseline req/s | new req/s | new / baseline |"
echo "|---|---|---|---|"
for path in "${PATHS[@]}"; do
    for i in $(seq 1 "$ROUNDS"); do
        order="18701 18702"; [ $((i % 2)) = 0 ] && order="18702 18701"
        for port in $order; do
            echo "$port $(wrk -t2 -c32 -d3s "http://127.0.0.1:$port$path" | awk '/Requests\/sec/ {print $2}')"
        done
    done | awk -v p="$path" '{s[$1] += $2; n[$1]++} END {
        a = s[18701] / n[18701]; b = s[18702] / n[18702]; printf "| `%s` | %.0f | %.0f | %.2f |\n", p, a, b, b / a }'
done
