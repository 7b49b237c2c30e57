#!/usr/bin/env bash
# Installs and runs a project-local ClickHouse server (no systemd, nothing in
# /etc/clickhouse-server is touched).
#
#   deploy/clickhouse.sh install   install clickhouse-server, clickhouse-client, kcat
#                                  and goaccess from Debian when missing (idempotent)
#   deploy/clickhouse.sh start     start a server on 127.0.0.1 and wait until it answers
#   deploy/clickhouse.sh stop      stop it
#   deploy/clickhouse.sh status    print whether it runs
#
# Environment: EDGELOG_CH_DIR (default <repo>/.data/clickhouse) holds the
# config, data and logs; EDGELOG_CH_PORT (default 9000) is the native port,
# EDGELOG_CH_HTTP_PORT (default 8123) the HTTP port.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
dir="${EDGELOG_CH_DIR:-$repo/.data/clickhouse}"
port="${EDGELOG_CH_PORT:-9000}"
http_port="${EDGELOG_CH_HTTP_PORT:-8123}"
pidfile="$dir/clickhouse-server.pid"

need_pkgs() {
	local missing=()
	command -v clickhouse-server >/dev/null || missing+=(clickhouse-server)
	command -v clickhouse-client >/dev/null || missing+=(clickhouse-client)
	command -v kcat >/dev/null || missing+=(kcat)
	command -v goaccess >/dev/null || missing+=(goaccess)
	echo "${missing[@]:-}"
}

install() {
	local missing
	missing="$(need_pkgs)"
	if [[ -z "$missing" ]]; then
		echo "clickhouse: packages present"
		return
	fi
	local sudo=""
	[[ $(id -u) -ne 0 ]] && sudo="sudo"
	echo "clickhouse: installing $missing"
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

running() {
	[[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

start() {
	if running; then
		echo "clickhouse: already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"
		return
	fi
	command -v clickhouse-server >/dev/null || { echo "clickhouse-server missing: run deploy/clickhouse.sh install" >&2; exit 1; }
	mkdir -p "$dir/log" "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas"
	sed -e "s|@DIR@|$dir|g" -e "s|@TCP_PORT@|$port|g" -e "s|@HTTP_PORT@|$http_port|g" \
		-e "s|@INTERSERVER_PORT@|$((port + 9))|g" -e "s|@EXTRA@||g" \
		"$here/clickhouse/config.xml.tmpl" >"$dir/config.xml"
	# jemalloc settings: why in deploy/deploy.go (ClickHouseMallocConf).
	MALLOC_CONF="${MALLOC_CONF:-$(cat "$here/clickhouse/malloc_conf")}" \
		clickhouse-server --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
	echo $! >"$pidfile"
	for _ in $(seq 1 100); do
		if clickhouse-client --host 127.0.0.1 --port "$port" -q 'SELECT 1' >/dev/null 2>&1; then
			echo "clickhouse: running on 127.0.0.1:$port (dir $dir)"
			return
		fi
		sleep 0.2
	done
	echo "clickhouse: did not start; see $dir/log/" >&2
	tail -20 "$dir/log/clickhouse-server.err.log" >&2 || true
	exit 1
}

stop() {
	if ! running; then
		echo "clickhouse: not running"
		return
	fi
	local pid
	pid="$(cat "$pidfile")"
	kill "$pid"
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || { echo "clickhouse: stopped"; return; }
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	echo "clickhouse: killed"
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
status) if running; then echo "clickhouse: running (pid $(cat "$pidfile"))"; else echo "clickhouse: stopped"; exit 1; fi ;;
*) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
