package tail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// copyFile copies src to dst as cp and logrotate's copytruncate do: a new
// file (a new inode) with the same bytes.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// expectNothing checks that tl has no line to give for a while.
func expectNothing(t *testing.T, tl *Tailer, why string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if l, err := tl.Next(ctx); !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrStopped) {
		t.Fatalf("%s: read %q (%v)", why, l.Data, err)
	}
}

// Copytruncate into a name the glob also matches (access.log copied to
// access.log.1, then emptied): the copy is read from where the reader of
// access.log stopped, so the lines written just before the copy are read
// (from the copy, as access.log no longer has them) and nothing twice,
// whichever is first: the copy being found, the truncation, or the Tailer
// of access.log noticing the truncation.
func TestCopyTruncateReadsCopyFromWhereOriginalStopped(t *testing.T) {
	f := func(order string) {
		t.Helper()
		dir := t.TempDir()
		path := filepath.Join(dir, "access.log")
		appendLines(t, path, "10.0.0.1 GET /a 200", "10.0.0.2 GET /b 200", "10.0.0.3 GET /c 200")
		reg := NewRegistry()
		cfg := Config{Follow: true, Poll: 10 * time.Millisecond, Registry: reg}
		live, err := Open(path, 0, 0, 0, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer live.Close()
		expect(t, live, "10.0.0.1 GET /a 200", "10.0.0.2 GET /b 200")
		// nginx writes on; the Tailer has not read these when logrotate
		// copies the file.
		appendLines(t, path, "10.0.0.4 GET /late1 200", "10.0.0.5 GET /late2 200")
		copyFile(t, path, path+".1")

		var rotated *Tailer
		openCopy := func() {
			if rotated, err = Open(path+".1", 0, 0, 0, cfg); err != nil {
				t.Fatal(err)
			}
		}
		if order == "copy found before truncation" {
			openCopy()
			expectNothing(t, rotated, order+": the copy of a file being read")
		}
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		appendLines(t, path, "new1")
		if order == "copy found before the truncation is noticed" {
			openCopy()
			expectNothing(t, rotated, order+": the copy of a file being read")
		}
		// The Tailer of access.log gives what it had read before the
		// truncation, sees it, and goes on with the new content.
		expect(t, live, "10.0.0.3 GET /c 200", "new1")
		if order == "copy found after the truncation is noticed" {
			openCopy()
		}
		defer rotated.Close()
		expect(t, rotated, "10.0.0.4 GET /late1 200", "10.0.0.5 GET /late2 200")
		expectNothing(t, rotated, order+": past the copy's end")
		expectNothing(t, live, order+": past the new content")
	}
	f("copy found before truncation")
	f("copy found before the truncation is noticed")
	f("copy found after the truncation is noticed")
}

// W3C and CloudFront files all start with the same directive lines: a
// different file of the same layout is no copy, whether the one it starts
// like is still read or was truncated, and is read from its start.
func TestSameDirectivesAreNotACopy(t *testing.T) {
	const version, fields = "#Version: 1.0", "#Fields: date time c-ip cs-method cs-uri-stem sc-status"
	f := func(truncateFirst bool) {
		t.Helper()
		dir := t.TempDir()
		path := filepath.Join(dir, "access.log")
		appendLines(t, path, version, fields, "2026-11-26 10:00:00 10.0.0.1 GET /a 200")
		reg := NewRegistry()
		cfg := Config{Follow: true, Poll: 10 * time.Millisecond, Registry: reg}
		live, _ := Open(path, 0, 0, 0, cfg)
		defer live.Close()
		expect(t, live, version, fields, "2026-11-26 10:00:00 10.0.0.1 GET /a 200")
		if truncateFirst {
			os.Truncate(path, 0)
			expectNothing(t, live, "the emptied file")
		}
		// Another file of the same layout: only its directives so far,
		// then its first request.
		other := filepath.Join(dir, "access.log.2")
		appendLines(t, other, version, fields)
		tl, _ := Open(other, 0, 0, 0, cfg)
		defer tl.Close()
		if truncateFirst {
			expect(t, tl, version, fields) // like no gone content: a new file
		}
		appendLines(t, other, "2026-11-26 10:00:01 10.0.0.9 GET /z 200")
		if !truncateFirst {
			expect(t, tl, version, fields)
		}
		expect(t, tl, "2026-11-26 10:00:01 10.0.0.9 GET /z 200")
	}
	f(false)
	f(true)
}

// A copy of a file being read waits (CopyWait) for that file to be
// truncated or deleted. Deleted within it (the copy of a file moved by copy
// and delete), the copy is read from where the file's reader stopped: only
// what was appended to the copy is new.
func TestCopyWaitsForItsOriginal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	appendLines(t, path, "10.0.0.1 GET /a 200", "10.0.0.2 GET /b 200")
	reg := NewRegistry()
	cfg := Config{Follow: true, Poll: 10 * time.Millisecond, Registry: reg}
	live, _ := Open(path, 0, 0, 0, cfg)
	defer live.Close()
	expect(t, live, "10.0.0.1 GET /a 200")
	other := filepath.Join(dir, "other.log")
	copyFile(t, path, other)
	cp, _ := Open(other, 0, 0, 0, cfg)
	defer cp.Close()
	expectNothing(t, cp, "a copy of a file in place")
	appendLines(t, path, "10.0.0.3 GET /c 200")
	appendLines(t, other, "10.0.0.9 GET /only-in-the-copy 200")
	expectNothing(t, cp, "a copy of a file in place")
	os.Remove(path)
	expect(t, live, "10.0.0.2 GET /b 200", "10.0.0.3 GET /c 200")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := live.Next(ctx); !errors.Is(err, ErrDeleted) {
		t.Fatalf("deleted original: %v", err)
	}
	// The copy ends where the original was when copied (before /c).
	expect(t, cp, "10.0.0.9 GET /only-in-the-copy 200")
}

// A copy taken while its original was shorter than HeadBytes and written
// after the original grew: it holds less head than was seen, and is still
// told for a copy (it was last written before the truncation).
func TestShortCopyOfATruncatedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	appendLines(t, path, "10.0.0.1 GET /a 200", "10.0.0.2 GET /b 200")
	copyFile(t, path, path+".1")
	appendLines(t, path, "10.0.0.3 GET /c 200") // between the copy and the truncation: lost by copytruncate itself
	reg := NewRegistry()
	cfg := Config{Follow: true, Poll: 10 * time.Millisecond, Registry: reg}
	live, _ := Open(path, 0, 0, 0, cfg)
	defer live.Close()
	expect(t, live, "10.0.0.1 GET /a 200", "10.0.0.2 GET /b 200", "10.0.0.3 GET /c 200")
	time.Sleep(20 * time.Millisecond) // the truncation is seen after the copy's last write
	os.Truncate(path, 0)
	appendLines(t, path, "new1")
	expect(t, live, "new1")
	rotated, _ := Open(path+".1", 0, 0, 0, cfg)
	defer rotated.Close()
	expectNothing(t, rotated, "a short copy of what was read")
}

// A copy of a file longer than HeadBytes agrees with it over the whole
// head (cut in the middle of a line): it is read from where the original's
// reader stopped, far past the head, not from the head's last line.
func TestCopyOfALargeFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	var lines []string
	for i := range 2000 {
		lines = append(lines, fmt.Sprintf("10.0.%d.%d GET /p/%d 200", i/250, i%250, i))
	}
	appendLines(t, path, lines...)
	reg := NewRegistry()
	cfg := Config{Follow: true, Poll: 10 * time.Millisecond, Registry: reg}
	live, _ := Open(path, 0, 0, 0, cfg)
	defer live.Close()
	expect(t, live, lines[:1500]...)
	appendLines(t, path, "late1", "late2")
	copyFile(t, path, path+".1")
	os.Truncate(path, 0)
	expect(t, live, lines[1500:]...)
	expectNothing(t, live, "the emptied file")
	rotated, _ := Open(path+".1", 0, 0, 0, cfg)
	defer rotated.Close()
	expect(t, rotated, "late1", "late2")
	expectNothing(t, rotated, "past the copy's end")
}

// A copy whose original is still in place after CopyWait (cp access.log
// other.log, no truncation) is no copytruncate copy: it is read as a file
// of its own, from its start. A file that merely starts like another (a
// replayed log) is never skipped.
func TestPlainCopyIsReadAfterCopyWait(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	appendLines(t, path, "10.0.0.1 GET /a 200", "10.0.0.2 GET /b 200")
	reg := NewRegistry()
	reg.CopyWait = 500 * time.Millisecond
	cfg := Config{Follow: true, Poll: 10 * time.Millisecond, Registry: reg}
	live, _ := Open(path, 0, 0, 0, cfg)
	defer live.Close()
	expect(t, live, "10.0.0.1 GET /a 200", "10.0.0.2 GET /b 200")
	other := filepath.Join(dir, "other.log")
	copyFile(t, path, other)
	cp, _ := Open(other, 0, 0, 0, cfg)
	defer cp.Close()
	expectNothing(t, cp, "a copy of a file in place, within CopyWait")
	expect(t, cp, "10.0.0.1 GET /a 200", "10.0.0.2 GET /b 200")
}

// While the original is seen emptied but its reader has not noticed yet
// (it is paused: Kafka is slow), its copy waits past CopyWait for it.
func TestCopyWaitsForTheTruncationToBeNoticed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	appendLines(t, path, "10.0.0.1 GET /a 200", "10.0.0.2 GET /b 200")
	reg := NewRegistry()
	reg.CopyWait = 50 * time.Millisecond
	cfg := Config{Follow: true, Poll: 10 * time.Millisecond, Registry: reg}
	live, _ := Open(path, 0, 0, 0, cfg)
	defer live.Close()
	expect(t, live, "10.0.0.1 GET /a 200")
	copyFile(t, path, path+".1")
	os.Truncate(path, 0)
	rotated, _ := Open(path+".1", 0, 0, 0, cfg)
	defer rotated.Close()
	expectNothing(t, rotated, "the copy of a file emptied, its reader not told yet")
	expectNothing(t, rotated, "the copy of a file emptied, its reader not told yet")
	expect(t, live, "10.0.0.2 GET /b 200") // from its buffer
	expectNothing(t, live, "the emptied file")
	expectNothing(t, rotated, "the copy, all read from the original")
}
