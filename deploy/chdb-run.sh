#!/usr/bin/env bash
# Runs a command with CHDB_LIB_PATH pointing at libchdb.so, installing it
# first when missing (deploy/chdb.sh). Made for `go test -exec`:
#
#   go test -tags chdb -exec "$PWD/deploy/chdb-run.sh" ./schema/conformance/
#
# chdb-go opens the library in a package init, so the variable must be set
# before the test binary starts. A CHDB_LIB_PATH already set is kept.
set -euo pipefail
if [[ -z "${CHDB_LIB_PATH:-}" ]]; then
  dir="$("$(dirname "$0")/chdb.sh")"
  export CHDB_LIB_PATH="$dir/libchdb.so"
fi
exec "$@"
