#!/bin/sh
# edgelog preinstall (deb: $1 = install|upgrade; rpm: $1 = 1 install, 2 upgrade).
# Creates the system user and group before the files are unpacked, so that
# /var/lib/edgelog and the secret config files get their owner.
set -e
if ! getent group edgelog >/dev/null; then
	groupadd --system edgelog
fi
if ! getent passwd edgelog >/dev/null; then
	useradd --system --gid edgelog --home-dir /var/lib/edgelog --no-create-home \
		--shell /usr/sbin/nologin --comment "edgelog services" edgelog
fi
exit 0
