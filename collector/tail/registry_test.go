package tail

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A glob like access.log* matches the file again once it is rotated to
// access.log.1. The second Tailer (as the collector starts for a newly
// matched path) must not read what the first one read: it waits while the
// first drains the file, then goes on from where the first stopped, so a
// line written late to the rotated file is read once, by one of them.
func TestRegistryRotatedFileMatchedAgain(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	appendLines(t, path, "a", "b", "c")
	reg := NewRegistry()
	cfg := Config{Follow: true, Poll: 10 * time.Millisecond, Registry: reg}
	live, err := Open(path, 0, 0, 0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	expect(t, live, "a")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendLines(t, path, "new1")

	// The glob's next round finds access.log.1 while the live Tailer is
	// still in the middle of it: the new Tailer reads nothing yet.
	rotated, err := Open(path+".1", 0, 0, 0, Config{Poll: 10 * time.Millisecond, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	if l, err := rotated.Next(context.Background()); !errors.Is(err, ErrStopped) {
		t.Fatalf("the rotated file's new Tailer read %q (%v) while another Tailer holds the file", l.Data, err)
	}
	expect(t, live, "b", "c", "new1") // drained, then on to the new file
	appendLines(t, path+".1", "late") // nginx before it reopens its log

	rotated, err = Open(path+".1", 0, 0, 0, Config{Poll: 10 * time.Millisecond, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer rotated.Close()
	expect(t, rotated, "late")
	if l, err := rotated.Next(context.Background()); !errors.Is(err, ErrStopped) {
		t.Fatalf("after the late line: %q, %v", l.Data, err)
	}
	appendLines(t, path, "new2")
	expect(t, live, "new2")
}

// A checkpoint's file is reserved for the path that checkpointed it: after
// a restart, the Tailer of access.log finishes its rotated file (so its
// journaled batches are cut again as before), and the Tailer of the glob's
// access.log.1 waits its turn whichever starts first.
func TestRegistryReservation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	appendLines(t, path, "a", "b")
	first, _ := Open(path, 0, 0, 0, Config{})
	expect(t, first, "a")
	inode, fp := first.Position()
	off := first.Offset()
	first.Close()
	os.Rename(path, path+".1")
	appendLines(t, path, "new1")

	reg := NewRegistry()
	reg.Reserve(path, inode, fp, off)
	rotated, _ := Open(path+".1", 0, 0, 0, Config{Registry: reg})
	defer rotated.Close()
	if l, err := rotated.Next(context.Background()); !errors.Is(err, ErrStopped) {
		t.Fatalf("access.log.1 read %q (%v) from a file reserved for access.log", l.Data, err)
	}
	live, _ := Open(path, off, inode, fp, Config{Registry: reg})
	expect(t, live, "b", "new1")
	live.Close()
	if l, err := rotated.Next(context.Background()); !errors.Is(err, ErrStopped) {
		t.Fatalf("access.log.1 read %q (%v) after access.log finished it", l.Data, err)
	}
}

// A Tailer whose file is deleted (logrotate's oldest file, or an operator)
// stops once it has read to the end, instead of keeping the deleted file
// open and waiting for ever.
func TestDeletedFileStops(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log.7")
	appendLines(t, path, "a", "b")
	tl, err := Open(path, 0, 0, 0, Config{Follow: true, Poll: 10 * time.Millisecond, Registry: NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	expect(t, tl, "a")
	appendLines(t, path, "c")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	expect(t, tl, "b", "c") // what it holds is still read
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if l, err := tl.Next(ctx); !errors.Is(err, ErrDeleted) {
		t.Fatalf("after the deleted file's last line: %q, %v; want ErrDeleted", l.Data, err)
	}
}

// A file renamed away with nothing at its path yet is rotation in
// progress, not deletion: the Tailer waits for the new file.
func TestRenamedAwayIsNotDeleted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	appendLines(t, path, "a")
	tl, _ := Open(path, 0, 0, 0, Config{Follow: true, Poll: 10 * time.Millisecond})
	defer tl.Close()
	expect(t, tl, "a")
	os.Rename(path, path+".1")
	go func() {
		time.Sleep(100 * time.Millisecond)
		appendLines(t, path, "new1")
	}()
	expect(t, tl, "new1")
}

// Prune forgets what nobody holds and no scan found since before, and the
// contents gone before; what a Tailer holds or a checkpoint reserved stays.
func TestRegistryPrune(t *testing.T) {
	dir := t.TempDir()
	reg := NewRegistry()
	open := func(name string) *Tailer {
		path := filepath.Join(dir, name)
		appendLines(t, path, "10.0.0.1 GET /"+name+" 200")
		tl, err := Open(path, 0, 0, 0, Config{Registry: reg})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, tl, "10.0.0.1 GET /"+name+" 200")
		return tl
	}
	held := open("held.log")
	defer held.Close()
	open("free.log").Close()
	seen := open("seen.log")
	seenInode := seen.Inode()
	seen.Close()
	deleted := open("deleted.log")
	os.Remove(filepath.Join(dir, "deleted.log"))
	deleted.release(true) // as Next does at the deleted file's end
	reg.Reserve(filepath.Join(dir, "reserved.log"), 12345, 0, 0)
	if files, gone := reg.Len(); files != 4 || gone != 1 {
		t.Fatalf("before Prune: %d files, %d gone; want 4 and 1", files, gone)
	}
	cut := time.Now().Add(time.Millisecond)
	time.Sleep(2 * time.Millisecond)
	reg.Seen([]uint64{seenInode})
	reg.Prune(cut)
	if files, gone := reg.Len(); files != 3 || gone != 1 {
		t.Fatalf("after Prune: %d files, %d gone; want 3 (held, seen, reserved) and 1 (gone within keepGone)", files, gone)
	}
	reg.gone[0].at = reg.gone[0].at.Add(-keepGone) // as if a minute ago
	reg.Prune(cut)
	if files, gone := reg.Len(); files != 3 || gone != 0 {
		t.Fatalf("after Prune a minute later: %d files, %d gone; want 3 and 0", files, gone)
	}
}
