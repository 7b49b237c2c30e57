package spool

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestDiskFull puts the spool on a 1 MB tmpfs and fills it: Push waits
// (the collector's inputs pause) and says so once, instead of failing the
// collector; when space returns the entry is written whole and reads back.
// Before, Push returned the ENOSPC error and the collector stopped. Needs
// root (mount); skipped otherwise.
func TestDiskFull(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spool")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() }) // #nosec G104 -- test cleanup
	s, err := Open(dir, 64<<20, true)
	if err != nil {
		t.Fatal(err)
	}
	var told []error
	s.OnDiskFull = func(err error) { told = append(told, err) }
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, 2<<20), 0o600); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("filling the tmpfs: %v, want ENOSPC", err)
	}
	entry := make([]byte, 200<<10)
	for i := range entry {
		entry[i] = byte(i)
	}
	pushed := make(chan error, 1)
	go func() { pushed <- s.Push(context.Background(), entry) }()
	select {
	case err := <-pushed:
		t.Fatalf("Push on a full disk returned %v, want it to wait", err)
	case <-time.After(2500 * time.Millisecond):
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-pushed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Push still waiting after space returned")
	}
	if len(told) != 2 || !errors.Is(told[0], syscall.ENOSPC) || told[1] != nil {
		t.Fatalf("OnDiskFull calls %v, want ENOSPC once, then nil", told)
	}
	_, data, err := s.Peek(context.Background())
	if err != nil || len(data) != len(entry) || data[len(data)-1] != entry[len(entry)-1] {
		t.Fatalf("entry read back: %d bytes, %v", len(data), err)
	}
}
