#!/usr/bin/env bash
# Refreshes the screenshots in docs/ from the browser tests' artifacts: the daily page (README),
# and docs/screenshots/ (desktop and phone, light and dark, as `tests/it/layout.rs` takes them
# with Chromium emulating a 360 px phone). Runs those tests first (through scripts/test.sh, which
# installs Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test.sh -- layout:: browser::a_member_signs_up_votes_comments_submits_and_collects_in_chromium
mkdir -p docs/screenshots
cp target/browser-artifacts/daily-page.png docs/daily-page.png
for name in desktop-light desktop-dark phone-light phone-dark phone-light-paper phone-dark-paper; do
    cp "target/browser-artifacts/$name.png" "docs/screenshots/$name.png"
done
echo "docs/ screenshots refreshed"
