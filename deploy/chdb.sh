#!/usr/bin/env bash
# Installs libchdb.so (chDB: ClickHouse as a library, here ClickHouse 26.x)
# into a project-local directory for the modern-ClickHouse conformance tests
# (schema/conformance, build tag chdb) and the modern storage benchmark.
# Idempotent: does nothing when the library is already there.
#
#   deploy/chdb.sh [DIR]     # default DIR: <repo>/.cache/chdb
#
# Prints the directory holding libchdb.so (point CHDB_LIB_PATH at the file).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/.cache/chdb}"
# The npm package ships the prebuilt library; pin the version so every
# machine and CI run tests against the same ClickHouse.
pkg="@chdb/lib-linux-x64-gnu@${CHDB_NPM_VERSION:-26.5.3}"
lib="$(find "$dir" -name libchdb.so -print -quit 2>/dev/null || true)"
if [[ -z "$lib" ]]; then
  command -v npm >/dev/null || { echo "chdb.sh: npm not found (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$dir"
  # A lock keeps two test runs from installing into the same dir at once.
  exec 9>"$dir/.install.lock"
  flock 9
  lib="$(find "$dir" -name libchdb.so -print -quit 2>/dev/null || true)"
  if [[ -z "$lib" ]]; then
    npm install --no-save --no-audit --no-fund --prefix "$dir" "$pkg" >&2
    lib="$(find "$dir" -name libchdb.so -print -quit)"
  fi
fi
[[ -n "$lib" ]] || { echo "chdb.sh: libchdb.so not found under $dir after install" >&2; exit 1; }
dirname "$lib"
