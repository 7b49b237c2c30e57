#!/bin/sh
# edgelog preremove (deb: $1 = remove|upgrade|deconfigure|failed-upgrade;
# rpm: $1 = 0 remove, 1 upgrade). On removal the services stop (SIGTERM:
# the collector flushes and checkpoints); on an upgrade they keep running
# until the new package's postinstall restarts them.
set -e
case "$1" in
	remove|0)
		if [ -d /run/systemd/system ]; then
			systemctl disable --now edgelog-collector.service edgelog-ingest.service edgelog-query.service edgelog-retention.timer >/dev/null 2>&1 || true
		fi
		;;
esac
exit 0
