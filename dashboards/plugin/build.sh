#!/usr/bin/env bash
# Builds the edgelog data source plugin folder that Grafana loads:
#   dashboards/plugin/dist/edgelog-edgelog-datasource/   (or the folder given as $1)
#     plugin.json, module.js (frontend), img/, dashboards/*.json,
#     gpx_edgelog_linux_amd64, gpx_edgelog_linux_arm64 (backend)
# Grafana loads that folder as a plugin (docker-compose.yml builds the same
# folder with this directory's Dockerfile). The frontend needs
# npm (Node 20): `npm ci` runs once, then the node_modules folder is reused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$here/dist/edgelog-edgelog-datasource}
src=$here

cd "$src"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
version=$(node -p "require('./package.json').version")
npx tsc --noEmit -p .

rm -rf "$out"
mkdir -p "$out/img" "$out/dashboards"
node build.mjs "$out/module.js"
node check.cjs "$out/module.js" 2>&1 | grep -v '^Warning\|^    at ' || true
node check.cjs "$out/module.js" >/dev/null 2>&1 || { echo "module.js check failed: node $src/check.cjs $out/module.js" >&2; exit 1; }

info=$(printf '{"time":%s000,"pluginID":"edgelog-edgelog-datasource","version":"%s"}' "$(date +%s)" "$version")
for arch in amd64 arm64; do
  (cd "$root" && CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath \
    -ldflags "-s -w -X 'github.com/grafana/grafana-plugin-sdk-go/build/buildinfo.buildInfoJSON=$info'" \
    -o "$out/gpx_edgelog_linux_$arch" ./dashboards/plugin/pkg)
done

sed -e "s/%VERSION%/$version/" -e "s/%TODAY%/$(date -u +%Y-%m-%d)/" "$src/src/plugin.json" > "$out/plugin.json"
cp "$src/src/img/"* "$out/img/"
cp "$src/src/README.md" "$src/CHANGELOG.md" "$src/LICENSE" "$out/"
cp "$root/dashboards/provisioning/dashboards/"*.json "$out/dashboards/"
# The Go build manifest Grafana's plugin validator compares with the source
# code: "sha256:path" of every Go file under the source root, as the SDK's
# build/utils.GenerateManifest writes it (node_modules skipped).
(cd "$root" && find . -name node_modules -prune -o -name .cache -prune -o -name .git -prune -o -name '*.go' -print | sed 's|^\./||' | LC_ALL=C sort |
  while read -r f; do printf '%s:%s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$f"; done) > "$out/go_plugin_build_manifest"
node "$src/validate.mjs" "$out"
# The archive Grafana's catalog and validator take: the folder, zipped
# under its own name (the plugin id).
if command -v zip >/dev/null; then
  (cd "$(dirname "$out")" && rm -f "$(basename "$out")-$version.zip" && zip -qr "$(basename "$out")-$version.zip" "$(basename "$out")")
  echo "archive $(dirname "$out")/$(basename "$out")-$version.zip"
fi
echo "built $out"
ls -l "$out"
