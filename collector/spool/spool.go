// Package spool is the collector's bounded on-disk buffer: a FIFO of opaque
// entries (encoded batches) kept as one file per entry in a directory, with
// a limit on the bytes it holds.
//
// Push blocks while the spool is full, which is how backpressure reaches the
// tailer, and also while its disk is full (ENOSPC, EDQUOT: the entry is
// written again each DiskFullRetry or when an entry is popped, until it
// fits); Peek blocks while it is empty. An entry leaves only through Pop,
// after the caller has delivered it, so a crash between the two replays the
// entry on the next Open rather than losing it.
//
// Hand-written rather than a library queue (nsqio/go-diskqueue, dque):
// those bound the size of a segment, not the bytes held in total, and the
// collector needs the total bound for its backpressure contract. One file
// per entry (written to a temporary name, synced, renamed) keeps a torn
// write from ever being read back as an entry.
//
// Bounds: the bytes held, Open's maxBytes (the collector's spool.max_bytes,
// default 1 GiB). Entries hold client addresses: files are 0600, a
// directory Open creates 0750.
package spool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrClosed is returned by Push and Peek after Close.
var ErrClosed = errors.New("spool closed")

const suffix = ".batch"

// Spool is a directory of entries. It is safe for one pusher and one
// reader at a time (the collector's intake and drain loops).
type Spool struct {
	dir    string
	max    int64
	fsync  bool
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []entry // oldest first
	used   int64
	next   uint64
	closed bool
	// OnDiskFull, when set, is called once each time a Push starts
	// waiting for disk space (the collector logs it), and with nil when
	// the entry is written after all.
	OnDiskFull func(err error)
}

type entry struct {
	seq  uint64
	size int64
}

// Open opens (creating it if needed) the spool in dir holding at most
// maxBytes; entries a previous process left are kept, in order. fsync makes
// every Push durable before it returns (needed for inputs that cannot be
// re-read, such as syslog).
func Open(dir string, maxBytes int64, fsync bool) (*Spool, error) {
	if maxBytes <= 0 {
		return nil, fmt.Errorf("spool size limit must be positive, got %d", maxBytes)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil { // entries (0600, os.CreateTemp) hold client addresses
		return nil, fmt.Errorf("cannot create spool dir: %w", err)
	}
	s := &Spool{dir: dir, max: maxBytes, fsync: fsync}
	s.cond = sync.NewCond(&s.mu)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read spool dir: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, ".tmp-") {
			os.Remove(filepath.Join(dir, name)) // #nosec G104 -- best effort: a leftover temporary file is removed again on the next Open (a push that never finished)
			continue
		}
		seq, err := strconv.ParseUint(strings.TrimSuffix(name, suffix), 10, 64)
		if err != nil || !strings.HasSuffix(name, suffix) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("cannot stat spool entry: %w", err)
		}
		s.queue = append(s.queue, entry{seq: seq, size: info.Size()})
		s.used += info.Size()
	}
	sort.Slice(s.queue, func(i, j int) bool { return s.queue[i].seq < s.queue[j].seq })
	if n := len(s.queue); n > 0 {
		s.next = s.queue[n-1].seq + 1
	}
	return s, nil
}

func (s *Spool) path(seq uint64) string {
	return filepath.Join(s.dir, fmt.Sprintf("%020d%s", seq, suffix))
}

// Push appends data, blocking while the spool holds too much to take it.
// An entry larger than the whole limit is taken once the spool is empty,
// so a single oversize batch cannot wedge the collector.
func (s *Spool) Push(ctx context.Context, data []byte) error {
	stop := context.AfterFunc(ctx, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer stop()
	s.mu.Lock()
	for !s.closed && ctx.Err() == nil && len(s.queue) > 0 && s.used+int64(len(data)) > s.max {
		s.cond.Wait()
	}
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		s.mu.Unlock()
		return err
	}
	seq := s.next
	s.next++
	s.mu.Unlock()

	if err := s.writeWhenSpace(ctx, seq, data); err != nil {
		return err
	}
	s.mu.Lock()
	s.queue = append(s.queue, entry{seq: seq, size: int64(len(data))})
	s.used += int64(len(data))
	s.cond.Broadcast()
	s.mu.Unlock()
	return nil
}

func (s *Spool) write(seq uint64, data []byte) error {
	tmp, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write spool entry: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close() // #nosec G104 -- already failing; the write error is returned
		return fmt.Errorf("cannot write spool entry: %w", err)
	}
	if s.fsync {
		if err := tmp.Sync(); err != nil {
			tmp.Close() // #nosec G104 -- already failing; the sync error is returned
			return fmt.Errorf("cannot sync spool entry: %w", err)
		}
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write spool entry: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path(seq)); err != nil {
		return fmt.Errorf("cannot write spool entry: %w", err)
	}
	return nil
}

// Peek returns the oldest entry, blocking while the spool is empty.
func (s *Spool) Peek(ctx context.Context) (seq uint64, data []byte, err error) {
	stop := context.AfterFunc(ctx, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer stop()
	s.mu.Lock()
	for !s.closed && ctx.Err() == nil && len(s.queue) == 0 {
		s.cond.Wait()
	}
	if s.closed {
		s.mu.Unlock()
		return 0, nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		s.mu.Unlock()
		return 0, nil, err
	}
	seq = s.queue[0].seq
	s.mu.Unlock()
	data, err = os.ReadFile(s.path(seq))
	if err != nil {
		return 0, nil, fmt.Errorf("cannot read spool entry: %w", err)
	}
	return seq, data, nil
}

// Pop removes the oldest entry, which must be seq (the one Peek returned).
func (s *Spool) Pop(seq uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 || s.queue[0].seq != seq {
		panic("BUG: spool Pop of an entry that is not the oldest")
	}
	if err := os.Remove(s.path(seq)); err != nil {
		return fmt.Errorf("cannot remove spool entry: %w", err)
	}
	s.used -= s.queue[0].size
	s.queue = s.queue[1:]
	s.cond.Broadcast()
	return nil
}

// Len is the number of entries held.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Bytes is the size of the entries held.
func (s *Spool) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}

// WaitEmpty blocks until the spool holds nothing (or ctx ends).
func (s *Spool) WaitEmpty(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.closed && ctx.Err() == nil && len(s.queue) > 0 {
		s.cond.Wait()
	}
	if s.closed {
		return ErrClosed
	}
	return ctx.Err()
}

// Close wakes every waiter with ErrClosed. Entries stay on disk.
func (s *Spool) Close() {
	s.mu.Lock()
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
}

// DiskFullRetry is how often a Push waiting for disk space tries again.
const DiskFullRetry = time.Second

// writeWhenSpace writes the entry, waiting while the disk is full: the
// inputs then pause (the caller blocks) and nothing is dropped.
func (s *Spool) writeWhenSpace(ctx context.Context, seq uint64, data []byte) error {
	waiting := false
	for {
		err := s.write(seq, data)
		if err == nil || !(errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)) {
			if waiting && err == nil && s.OnDiskFull != nil {
				s.OnDiskFull(nil)
			}
			return err
		}
		if !waiting && s.OnDiskFull != nil {
			s.OnDiskFull(err)
		}
		waiting = true
		t := time.NewTimer(DiskFullRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return ErrClosed
		}
	}
}
