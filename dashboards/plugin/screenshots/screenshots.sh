#!/usr/bin/env bash
# Takes the screenshots plugin.json lists for Grafana's plugin catalog
# (src/img/screenshot-*.png): the plugin's editors drawn by @grafana/ui in
# headless Chromium (Debian's chromium package). Re-run after changing an
# editor and commit the pictures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=$(cd "$here/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$plugin"
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
node screenshots/build.mjs "$tmp"
shot() { # view width height
  chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size="$2,$3" \
    --virtual-time-budget=5000 --screenshot="$plugin/src/img/screenshot-$1.png" "file://$tmp/index.html#$1" 2>/dev/null
}
shot query 960 220
shot config 960 170
ls -l "$plugin"/src/img/screenshot-*.png
