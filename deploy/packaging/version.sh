#!/bin/sh
# Prints the version `make build` and `make package` stamp: the latest
# vX.Y.Z tag (1.4.0, or 1.4.0+3.g1a2b3c4 for commits after it), else
# 0.0.0+git<commit>, valid for dpkg and rpm alike.
v=$(git describe --tags --match 'v[0-9]*' 2>/dev/null) && {
	echo "$v" | sed -e 's/^v//' -e 's/-/+/' -e 's/-/./g'
	exit 0
}
echo "0.0.0+git$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
