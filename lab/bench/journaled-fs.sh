#!/usr/bin/env bash
# Mounts a journaled ext4 file system for benchmarks (once; later calls
# only print where it is) and prints its mount point.
#
# Why: this project's VMs have ext4 without a journal, where every file
# created searches past the inodes freed in the last minutes (settle.go).
# ClickHouse creates and removes part files all the time, so on such a
# file system its CPU per request includes that search: in the schema
# cost benchmark up to 1 CPU-second per million requests for modern
# ClickHouse in runs in a row, and most of the benchmark's spread. A server's usual file system (ext4 with its default
# journal, or XFS) has no such search; this one is made the way mkfs.ext4
# makes it by default, in a sparse image file on the same disk.
#
#   TMPDIR="$(lab/bench/journaled-fs.sh)/tmp" make bench-schema-cost
#   bin/edgelog bench --lines 20000000 --dir "$(lab/bench/journaled-fs.sh)/bench"
#
# Needs root (mount) and a free loop device. EDGELOG_JOURNALED_IMAGE and
# EDGELOG_JOURNALED_DIR choose the image and the mount point (defaults
# under .data/), EDGELOG_JOURNALED_SIZE the image's size (default 40G; the
# image is sparse, so it takes only what is written). Every call gives the
# disk back the blocks of files removed since (fstrim: the loop device
# punches them out of the image): without it the image keeps every block
# any run wrote, and on 2026-12-07 it held 38 GB for 8 GB of files and
# filled the VM's disk.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
image="${EDGELOG_JOURNALED_IMAGE:-$root/.data/journaled.img}"
dir="${EDGELOG_JOURNALED_DIR:-$root/.data/journaled}"
size="${EDGELOG_JOURNALED_SIZE:-40G}"

if ! mountpoint -q "$dir"; then
  mkdir -p "$(dirname "$image")" "$dir"
  if [[ ! -f "$image" ]]; then
    truncate -s "$size" "$image"
    mkfs.ext4 -q -F "$image" >&2
  fi
  mount -o loop "$image" "$dir" >&2
fi
fstrim "$dir" >&2 || echo "journaled-fs.sh: fstrim $dir failed; the image keeps removed files' blocks" >&2
mkdir -p "$dir/tmp"
chmod 1777 "$dir/tmp"
echo "$dir"
