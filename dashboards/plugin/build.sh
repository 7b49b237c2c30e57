#!/usr/bin/env bash
# Builds the edgelog data source plugin folder that Grafana loads:
#   dashboards/plugin/dist/edgelog-datasource/   (or the folder given as $1)
#     plugin.json, module.js (frontend), img/, dashboards/*.json,
#     gpx_edgelog_linux_amd64, gpx_edgelog_linux_arm64 (backend)
# Grafana loads that folder as a plugin (docker-compose.yml builds the same
# folder with this directory's Dockerfile). The frontend needs
# npm (Node 20): `npm ci` runs once, then the node_modules folder is reused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$here/dist/edgelog-datasource}
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

info=$(printf '{"time":%s000,"pluginID":"edgelog-datasource","version":"%s"}' "$(date +%s)" "$version")
for arch in amd64 arm64; do
  (cd "$root" && CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath \
    -ldflags "-s -w -X 'github.com/grafana/grafana-plugin-sdk-go/build/buildinfo.buildInfoJSON=$info'" \
    -o "$out/gpx_edgelog_linux_$arch" ./dashboards/plugin/pkg)
done

sed -e "s/%VERSION%/$version/" -e "s/%TODAY%/$(date -u +%Y-%m-%d)/" "$src/src/plugin.json" > "$out/plugin.json"
cp "$src/src/img/"* "$out/img/"
cp "$root/dashboards/provisioning/dashboards/"*.json "$out/dashboards/"
echo "built $out"
ls -l "$out"
