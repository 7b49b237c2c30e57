#!/usr/bin/env bash
# Installs what edgelog's demo, tests and benchmarks need on a Debian machine
# with Go: clickhouse-server and clickhouse-client (the real ClickHouse the
# tests run against), kcat (an independent Kafka client for interop checks
# and the produce baseline), goaccess (the parse baseline), zookeeper with
# its Java runtime and SLF4J (cluster-mode tests) and npm (chDB for the
# modern-ClickHouse conformance tests, the Grafana plugin's frontend) and
# systemd's tools (systemd-analyze verifies the packaged service units) and
# logrotate (the shipped rotation config runs in a test) and bash-completion
# (the packaged completion script is exercised in a test).
# Idempotent: installs only what is missing.
set -euo pipefail

missing=()
command -v clickhouse-server >/dev/null || missing+=(clickhouse-server)
command -v clickhouse-client >/dev/null || missing+=(clickhouse-client)
command -v kcat >/dev/null || missing+=(kcat)
command -v goaccess >/dev/null || missing+=(goaccess)
[[ -e /usr/share/zookeeper/bin/zkServer.sh ]] || missing+=(zookeeper)
command -v java >/dev/null || missing+=(default-jre-headless)
[[ -e /usr/share/java/slf4j-simple.jar ]] || missing+=(libslf4j-java)
command -v npm >/dev/null || missing+=(npm)
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v logrotate >/dev/null || missing+=(logrotate)
[[ -e /usr/share/bash-completion/bash_completion ]] || missing+=(bash-completion)

if ((${#missing[@]})); then
	sudo=""
	[[ $(id -u) -ne 0 ]] && sudo="sudo"
	echo "setup: installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: clickhouse-server, clickhouse-client, kcat, goaccess, zookeeper, java, npm, systemd-analyze, logrotate, bash-completion present"
