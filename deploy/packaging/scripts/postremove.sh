#!/bin/sh
# edgelog postremove (deb: $1 = remove|purge|upgrade|...; rpm: $1 = 0
# remove, 1 upgrade). Purge deletes the state (checkpoints, spool) and the
# dead-letter logs; /etc/edgelog's config files go with dpkg's purge. The
# edgelog user stays, as Debian recommends (files elsewhere may be owned by
# it); remove it with `userdel edgelog` if you want.
set -e
case "$1" in
	purge)
		rm -rf /var/lib/edgelog /var/log/edgelog
		rmdir /etc/edgelog 2>/dev/null || true
		;;
esac
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
