#!/bin/sh
# edgelog postinstall (deb: $1 = configure, $2 = the version replaced, empty
# on a first install; rpm: $1 = 1 install, 2 upgrade).
#
# Services are not enabled or started on a first install: an edge server
# runs only the collector, a back-end host ingest and query. Enable what
# this host runs: systemctl enable --now edgelog-collector.
#
# On an upgrade, the services that are running are restarted (try-restart):
# each old process gets SIGTERM and flushes (the collector's checkpoint
# moves only after Kafka acknowledged), then the new binary starts from
# the checkpoint. Nothing is lost or counted twice (see README, Upgrades).
set -e
upgrade=false
case "$1" in
	configure) [ -n "$2" ] && upgrade=true ;;
	2) upgrade=true ;;
esac

install -d -o edgelog -g edgelog -m 0750 /var/lib/edgelog /var/lib/edgelog/spool /var/log/edgelog

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
	if $upgrade; then
		systemctl try-restart edgelog-collector.service edgelog-ingest.service edgelog-query.service >/dev/null 2>&1 || true
	fi
fi
exit 0
