#!/usr/bin/env bash
# Runs paperboy's whole test suite, first installing and starting (idempotently) everything the
# tests need. Today that is only the Rust toolchain: SQLite is compiled in, and arXiv and
# Hugging Face are played in the tests by local HTTP servers answering with the recorded real
# responses in ../shared/fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo not found; install Rust with rustup (https://rustup.rs)" >&2
    exit 1
fi
if [ ! -d ../shared/fixtures ] || [ ! -f ../shared/corpus/arxiv-2025-snapshot.jsonl.gz ]; then
    echo "error: the tests read recorded responses and the corpus from ../shared" >&2
    exit 1
fi

cargo test --locked "$@"
