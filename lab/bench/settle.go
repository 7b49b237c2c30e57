package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Why a run waits after another run's data was removed.
//
// On ext4 without a journal (this project's VMs: /sys/fs/ext4/vda/
// journal_task reads "<none>"), the inode allocator does not reuse an
// inode freed in the last 60 seconds, or the last 360 while its inode
// table block is dirty, which every file created next to it makes it:
// for each new file it walks the group's free inodes and looks each one's
// block up in the buffer cache (the kernel's find_inode_bit and
// recently_deleted). Removing a 20M-line run's ClickHouse data (tens of
// thousands of files) just before the next run made ClickHouse's every
// new part file pay that walk: perf of the server, 2026-12-07, four runs
// right after such a removal put 25-31% of its CPU in
// find_get_block_common, recently_deleted, ext4_get_group_desc and
// find_inode_bit (ClickHouse 2.59-2.88 CPU-s per million at --span 1m);
// 70 seconds and a sync after the removal, 16% (2.25, 2.63); with nothing
// removed in the nine minutes before, 0.14% (2.09). A journaled ext4 (a
// server's usual file system) or XFS has no such walk.
//
// So `edgelog bench` removes a previous run's data after its own run
// (RemoveRun, which records when), and a run on such a file system starts
// only once InodeSettle has passed since the last removal on the machine
// (Settle). Removals by other programs are not seen: a benchmark script
// that deletes run directories itself should leave them until it is done.
// journaled-fs.sh beside this file mounts a journaled ext4 for runs (and
// the schema cost benchmark, which removes data between its loads) that
// should not pay the walk at all.

// InodeSettle is how long ext4 without a journal keeps a freed inode from
// reuse at most (60 s, plus 300 s while its inode table block is dirty).
const InodeSettle = 6 * time.Minute

// removalMarker is the file whose modification time is when a bench last
// removed a run's data on this machine.
var removalMarker = filepath.Join(os.TempDir(), "edgelog-bench-removed")

// RemoveRun removes dir, a finished run's data, and records the time (if
// there was a dir). The record is best effort: a marker it cannot write
// (another user's, say) only means the next run does not wait.
func RemoveRun(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	err := os.RemoveAll(dir)
	if f, merr := os.OpenFile(removalMarker, os.O_CREATE|os.O_WRONLY, 0o644); merr == nil && f.Close() == nil { // #nosec G302 G304 -- a fixed, empty file in the temp directory
		now := time.Now()
		os.Chtimes(removalMarker, now, now) // #nosec G104 -- best effort, above; an existing marker needs its time set
	}
	return err
}

// Settle waits until window has passed since the last RemoveRun on this
// machine, if dir is on ext4 without a journal; logf says why it waits.
func Settle(ctx context.Context, dir string, window time.Duration, logf func(format string, a ...any)) error {
	if window <= 0 || !withoutJournal(dir) {
		return nil
	}
	fi, err := os.Stat(removalMarker)
	if err != nil {
		return nil // no removal recorded
	}
	wait := settleWait(fi.ModTime(), time.Now(), window)
	if wait <= 0 {
		return nil
	}
	logf("waiting %v: a run's data was removed %v ago, and ext4 without a journal makes every file ClickHouse creates search past inodes freed in the last %v (lab/bench/settle.go; --settle 0 does not wait)",
		wait.Round(time.Second), time.Since(fi.ModTime()).Round(time.Second), window)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// settleWait is how long to wait at now for window to pass since removed.
func settleWait(removed, now time.Time, window time.Duration) time.Duration {
	return removed.Add(window).Sub(now)
}

// withoutJournal reports whether dir is on an ext4 file system without a
// journal; a variable so tests can pretend.
var withoutJournal = ext4WithoutJournal

// WithoutJournal reports whether dir is on an ext4 file system without a
// journal, where ClickHouse's CPU per request includes the inode search
// above (the schema cost benchmark says so when its data are on one).
func WithoutJournal(dir string) bool { return withoutJournal(dir) }

// ext4WithoutJournal reports whether dir is on ext4 and its journal_task
// reads "<none>", as it does without a journal.
func ext4WithoutJournal(dir string) bool {
	task, ok := ext4JournalTask(dir)
	return ok && task == "<none>"
}

// ext4JournalTask finds dir's block device through /sys/dev/block and
// reads its ext4 journal_task: the journal thread's id, or "<none>"
// without a journal; ok is false on any other file system. A dir not made
// yet (a run's, made by the run) is on its nearest existing parent's file
// system.
func ext4JournalTask(dir string) (task string, ok bool) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	var st unix.Stat_t
	for unix.Stat(dir, &st) != nil {
		if parent := filepath.Dir(dir); parent != dir {
			dir = parent
			continue
		}
		return "", false
	}
	dev, err := os.Readlink(fmt.Sprintf("/sys/dev/block/%d:%d", unix.Major(st.Dev), unix.Minor(st.Dev)))
	if err != nil {
		return "", false
	}
	b, err := os.ReadFile(filepath.Join("/sys/fs/ext4", filepath.Base(dev), "journal_task")) // #nosec G304 -- a sysfs attribute of dir's device
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}
