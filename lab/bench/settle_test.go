package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSettleWaitsAfterRemoval holds Settle to its contract on a file
// system it is told has no journal: a run right after RemoveRun waits
// until the window has passed since the removal (and says so), a run
// after the window does not wait, and with a journal nothing waits.
func TestSettleWaitsAfterRemoval(t *testing.T) {
	marker := removalMarker
	removalMarker = filepath.Join(t.TempDir(), "removed")
	defer func() { removalMarker = marker }()
	journal := withoutJournal
	defer func() { withoutJournal = journal }()

	run := filepath.Join(t.TempDir(), "run")
	if err := os.MkdirAll(filepath.Join(run, "clickhouse", "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := RemoveRun(run); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(run); !os.IsNotExist(err) {
		t.Fatalf("RemoveRun left %s: %v", run, err)
	}
	removed, err := os.Stat(removalMarker)
	if err != nil {
		t.Fatalf("RemoveRun recorded no removal: %v", err)
	}

	withoutJournal = func(string) bool { return true }
	const window = 400 * time.Millisecond
	var said []string
	logf := func(format string, a ...any) { said = append(said, format) }
	if err := Settle(context.Background(), t.TempDir(), window, logf); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(removed.ModTime()); waited < window {
		t.Fatalf("Settle returned %v after the removal, before the %v window", waited, window)
	}
	if len(said) != 1 || !strings.Contains(said[0], "waiting") {
		t.Fatalf("Settle said %q, want one line saying why it waits", said)
	}

	said = nil
	start := time.Now()
	if err := Settle(context.Background(), t.TempDir(), window, logf); err != nil {
		t.Fatal(err)
	}
	if len(said) != 0 || time.Since(start) > window/2 {
		t.Fatalf("Settle after the window waited %v and said %q", time.Since(start), said)
	}

	// A removal of nothing records nothing, so the next run does not wait.
	if err := RemoveRun(filepath.Join(t.TempDir(), "never-there")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(removalMarker); err != nil || !fi.ModTime().Equal(removed.ModTime()) {
		t.Fatalf("removing a missing directory moved the marker: %v", err)
	}

	// A later removal moves the marker on.
	if err := os.Chtimes(removalMarker, removed.ModTime().Add(-time.Hour), removed.ModTime().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := RemoveRun(run); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(removalMarker); err != nil || time.Since(fi.ModTime()) > time.Minute {
		t.Fatalf("a second removal left the marker at its old time: %v", err)
	}
	withoutJournal = func(string) bool { return false }
	start = time.Now()
	if err := Settle(context.Background(), t.TempDir(), window, logf); err != nil || time.Since(start) > window/2 {
		t.Fatalf("Settle on a journaled file system waited %v (err %v)", time.Since(start), err)
	}

	// A cancelled run stops waiting.
	withoutJournal = func(string) bool { return true }
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := RemoveRun(run); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Settle(ctx, t.TempDir(), time.Hour, logf); err == nil {
		t.Fatal("Settle ignored a cancelled context")
	}
}

// TestExt4WithoutJournalAnswers runs the detection on real paths: /proc
// (not ext4) and a path not made under it are never "without a journal";
// the temp directory's answer is logged, being the machine's, and a path
// not made yet under it answers the same.
func TestExt4WithoutJournalAnswers(t *testing.T) {
	for _, p := range []string{"/proc", "/proc/no/such/path"} {
		if ext4WithoutJournal(p) {
			t.Errorf("%s reported as ext4 without a journal", p)
		}
	}
	tmp := t.TempDir()
	got := ext4WithoutJournal(tmp)
	t.Logf("%s: ext4 without a journal: %v", tmp, got)
	// A run's directory does not exist yet when the bench asks.
	if notYet := filepath.Join(tmp, "run", "stack"); ext4WithoutJournal(notYet) != got {
		t.Errorf("%s (not made yet) answers %v, its parent %v", notYet, !got, got)
	}
}
