#!/usr/bin/env bash
# Refreshes static/katex from the npm registry (KaTeX, MIT licence). paperboy serves these files
# itself and embeds them in the binary: pages never load anything from a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${1:-0.19.1}"
work="$(mktemp -d)"
(cd "$work" && npm pack "katex@$VERSION" --silent >/dev/null && tar xzf "katex-$VERSION.tgz")
rm -rf static/katex && mkdir -p static/katex/fonts static/katex/contrib
cp "$work/package/dist/katex.min.css" "$work/package/dist/katex.min.js" static/katex/
cp "$work/package/dist/contrib/auto-render.min.js" static/katex/contrib/
cp "$work/package/dist/fonts/"*.woff2 static/katex/fonts/
cp "$work/package/LICENSE" static/katex/LICENSE
echo "$VERSION" > static/katex/VERSION
rm -rf "$work"
