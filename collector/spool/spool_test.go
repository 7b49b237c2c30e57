package spool

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestOrderAndReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, 1<<20, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if err := s.Push(ctx, []byte("entry "+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	seq, data, _ := s.Peek(ctx)
	if string(data) != "entry 0" {
		t.Fatalf("first entry %q", data)
	}
	if err := s.Pop(seq); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A push that died half-way leaves a temporary file: never an entry.
	os.WriteFile(filepath.Join(dir, ".tmp-123"), []byte("torn"), 0o644)

	s, err = Open(dir, 1<<20, true)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 4 || s.Bytes() != 4*int64(len("entry 1")) {
		t.Fatalf("reopened spool holds %d entries, %d bytes; want 4, %d", s.Len(), s.Bytes(), 4*len("entry 1"))
	}
	s.Push(ctx, []byte("entry 5"))
	for i := 1; i <= 5; i++ {
		seq, data, err := s.Peek(ctx)
		if err != nil || string(data) != "entry "+strconv.Itoa(i) {
			t.Fatalf("entry %d: %q %v", i, data, err)
		}
		s.Pop(seq)
	}
	if _, err := os.Stat(filepath.Join(dir, ".tmp-123")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary file left behind: %v", err)
	}
}

func TestPushBlocksWhenFull(t *testing.T) {
	s, err := Open(t.TempDir(), 100, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Larger than the limit: taken because the spool is empty.
	if err := s.Push(ctx, make([]byte, 150)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Push(ctx, make([]byte, 60)) }()
	select {
	case err := <-done:
		t.Fatalf("push into a full spool returned (%v) instead of blocking", err)
	case <-time.After(200 * time.Millisecond):
	}
	seq, _, _ := s.Peek(ctx)
	s.Pop(seq)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// 60 held, 60 more does not fit: a cancelled context gives up.
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := s.Push(cctx, make([]byte, 60)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("push past the limit: %v, want deadline exceeded", err)
	}
	if s.Bytes() != 60 {
		t.Fatalf("spool holds %d bytes, want 60", s.Bytes())
	}
	s.Close()
	if _, _, err := s.Peek(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("peek after close: %v", err)
	}
}
