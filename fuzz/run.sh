#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 600) on one core, one after the other, and prints a
# Markdown row per target: executions, executions/s, coverage, corpus size and crashes found.
# Crashing inputs land in fuzz/artifacts/TARGET/; copy each into fuzz/regressions/TARGET/ with
# its fix. Needs the nightly toolchain and cargo-fuzz (see docs/fuzzing.md).
# Usage: fuzz/run.sh [SECONDS] [TARGET ...]
set -euo pipefail
cd "$(dirname "$0")"
SECS="${1:-600}"; shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(arxiv_atom oai_pmh rss json_lines hf_json search_query markdown arxiv_id periods next_path)
./seed.sh >/dev/null
[ -n "${FUZZ_NO_BUILD:-}" ] || cargo +nightly fuzz build -O >/dev/null 2>&1
mkdir -p logs
echo "| target | seconds | executions | exec/s | coverage (edges) | corpus | crashes | timeouts | out of memory | new crash files |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for t in "${TARGETS[@]}"; do
    mkdir -p "artifacts/$t"
    before=$(ls "artifacts/$t" | wc -l)
    # The binary built above, run directly: editing the sources meanwhile does not rebuild it.
    # -fork=1 -ignore_crashes=1: a crash is kept and the run goes on for the whole time.
    nice -n 19 target/x86_64-unknown-linux-gnu/release/"$t" "corpus/$t" -artifact_prefix="artifacts/$t/" \
        -max_total_time="$SECS" -fork=1 -ignore_crashes=1 -max_len=65536 -rss_limit_mb=2048 \
        -print_final_stats=1 >"logs/$t.log" 2>&1 || true
    after=$(ls "artifacts/$t" | wc -l)
    awk -v t="$t" -v s="$SECS" -v files="$((after - before))" -v corpus="$(ls "corpus/$t" | wc -l)" '
        /^#[0-9]+: cov: / {
            runs = substr($1, 2); sub(":", "", runs); cov = $3
            for (i = 1; i <= NF; i++) if ($i == "oom/timeout/crash:") { split($(i+1), f, "/"); oom = f[1]; to = f[2]; cr = f[3] }
        }
        END { printf "| %s | %s | %d | %.0f | %s | %d | %d | %d | %d | %d |\n", t, s, runs, runs / s, cov, corpus, cr, to, oom, files }' "logs/$t.log"
done
