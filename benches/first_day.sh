#!/usr/bin/env bash
# Time from `serve` on a fresh data directory holding the corpus until every paper of the latest
# announcement day has similar papers (`GET /api/v1/papers/{id}/similar` says "embedded": true),
# and until the whole corpus is embedded (with `--all`).
#   benches/first_day.sh [int8|f32] [--all]
# BIN (default target/release/paperboy), MODEL (default target/test-models/all-MiniLM-L6-v2),
# CORPUS (default ../shared/corpus/arxiv-2025-rss.jsonl.gz).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${BIN:-target/release/paperboy}"
MODEL="${MODEL:-target/test-models/all-MiniLM-L6-v2}"
CORPUS="${CORPUS:-../shared/corpus/arxiv-2025-rss.jsonl.gz}"
PRECISION="${1:-int8}"
ALL="${2:-}"
[ -x "$BIN" ] || { echo "build first: cargo build --release (or set BIN)" >&2; exit 1; }
dir="$(mktemp -d)"
trap 'kill "${pid:-}" 2>/dev/null && wait "${pid:-}" 2>/dev/null; rm -rf "$dir"' EXIT
"$BIN" --data-dir "$dir/data" import "$CORPUS" >/dev/null 2>&1
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
start="$(date +%s.%N)"
RUST_LOG=warn PAPERBOY_SEARCH__MODEL_DIR="$MODEL" PAPERBOY_SEARCH__PRECISION="$PRECISION" \
    "$BIN" --data-dir "$dir/data" serve --offline --bind "127.0.0.1:$port" &
pid=$!
python3 - "$CORPUS" "$port" "$start" "$ALL" <<'PY'
import gzip, json, sys, time, urllib.request
corpus, port, start, want_all = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4] == "--all"
papers = [json.loads(l) for l in gzip.open(corpus, "rt")]
latest = max(p["first_announced"] for p in papers)
left = {p["arxiv_id"] for p in papers if p["first_announced"] == latest}
print(f"{len(papers)} papers; latest day {latest}: {len(left)} papers")
base = f"http://127.0.0.1:{port}"
def get(path):
    try:
        return json.load(urllib.request.urlopen(base + path, timeout=10))
    except Exception:
        return None
while left:
    for pid in list(left):
        r = get(f"/api/v1/papers/{pid}/similar?limit=1")
        if r and r.get("embedded"):
            left.discard(pid)
    time.sleep(0.2)
print(f"every paper of {latest} has similar papers {time.time() - start:.1f} s after serve started")
while want_all:
    r = get("/readyz") or {}
    e = r.get("embedding", {})
    if e.get("complete"):
        print(f"all {e['papers']} papers embedded {time.time() - start:.1f} s after serve started")
        break
    time.sleep(1)
PY
