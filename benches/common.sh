# Sourced by the shell benchmarks: strict mode, the repository root as the working directory,
# and the release binary (BIN), which must be built first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${CARGO_TARGET_DIR:-./target}/release/paperboy"
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
