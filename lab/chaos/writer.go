package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/edgelog/edgelog/lab/gen"
)

// writer plays nginx: it appends generated lines to the access log at a
// steady rate, counting what it wrote, and rotates the log on request.
type writer struct {
	g     *gen.Generator
	fmt   gen.Formatter
	path  string
	rate  float64
	f     *os.File
	rotN  int
	rotMu sync.Mutex // held while writing a burst or rotating
	// maxBytes, when set, rotates the log by rename once it holds that
	// much (as logrotate's maxsize does) and deletes the rotated files the
	// collector has read to their end: a soak writes more than the disk holds.
	maxBytes      int64
	size          int64 // bytes in the current file
	sizeRotations int
	inodes        []uint64 // the inodes of access.log, in the order written

	mu         sync.Mutex
	lines      uint64
	bytes      uint64
	byCustomer map[string][2]uint64 // requests, bytes
}

func newWriter(g *gen.Generator, path string, rate float64) (*writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644) // #nosec G302 G304 -- generated synthetic access log in the run's own directory; read by the collector under test
	if err != nil {
		return nil, err
	}
	lf, err := gen.NewFormatter("nginx")
	if err != nil {
		return nil, err
	}
	w := &writer{g: g, fmt: lf, path: path, rate: rate, f: f, byCustomer: map[string][2]uint64{}}
	if st, err := f.Stat(); err == nil {
		w.inodes = append(w.inodes, inodeOf(st))
	}
	return w, nil
}

func (w *writer) written() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lines
}

func (w *writer) run(ctx context.Context) error {
	start := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var buf []byte
	var e gen.Event
	var n uint64
	more := true
	for more {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			due := uint64(now.Sub(start).Seconds() * w.rate)
			buf = buf[:0]
			w.mu.Lock()
			for n < due {
				if more = w.g.Next(&e); !more {
					break
				}
				buf = w.fmt.AppendLine(buf, &e)
				buf = append(buf, '\n')
				n++
				w.lines++
				w.bytes += e.BytesSent
				c := w.byCustomer[e.Customer]
				w.byCustomer[e.Customer] = [2]uint64{c[0] + 1, c[1] + e.BytesSent}
			}
			w.mu.Unlock()
			w.rotMu.Lock()
			_, err := w.f.Write(buf)
			w.size += int64(len(buf))
			full := w.maxBytes > 0 && w.size >= w.maxBytes
			w.rotMu.Unlock()
			if err != nil {
				return err
			}
			if full {
				if err := w.rotate(ctx, false); err != nil {
					return err
				}
				w.sizeRotations++
				if err := w.prune(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// rotate rotates the log as logrotate would. By rename: the file moves to
// access.log.N and writing goes on in a new access.log. By copytruncate: the
// file is copied to access.log.N and emptied in place; a shipper loses
// whatever it had not read before the truncation (logrotate documents the
// race), so the writer pauses until the collector's checkpoint has reached
// the end, as an operator would schedule it.
func (w *writer) rotate(ctx context.Context, copyTruncate bool) error {
	w.rotMu.Lock()
	defer w.rotMu.Unlock()
	w.rotN++
	rotated := w.path + "." + strconv.Itoa(w.rotN)
	if !copyTruncate {
		if err := os.Rename(w.path, rotated); err != nil {
			return err
		}
		f, err := os.OpenFile(w.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644) // #nosec G302 -- generated synthetic access log, read by the collector under test
		if err != nil {
			return err
		}
		w.f.Close() // #nosec G104 -- rotation of a generated log; the next open reports a real problem
		w.f, w.size = f, 0
		if st, err := f.Stat(); err == nil {
			w.inodes = append(w.inodes, inodeOf(st))
		}
		return nil
	}
	if err := w.waitShipped(ctx, 2*time.Minute); err != nil {
		return err
	}
	src, err := os.Open(w.path)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(rotated) // #nosec G304 -- a rotated name in the chaos run's own directory
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close() // #nosec G104 -- already failing; the copy error is returned
		return err
	}
	if err := dst.Close(); err != nil {
		return err
	}
	w.size = 0
	return w.f.Truncate(0)
}

// prune deletes the rotated files the collector is done with: those whose
// checkpoint shows them read to their end, and those older than the file
// the checkpoint names now (a path's checkpoint moves on to the next file
// only once every line of the one before is acknowledged: checkpoint.HandOver).
func (w *writer) prune() error {
	read := checkpointInodes(w.path)
	current := -1 // the index in w.inodes of the file the checkpoint names
	for i, ino := range w.inodes {
		if _, ok := read[ino]; ok {
			current = i
		}
	}
	for n := 1; n < w.rotN; n++ {
		name := w.path + "." + strconv.Itoa(n)
		st, err := os.Stat(name)
		if err != nil {
			continue // gone already
		}
		ino := inodeOf(st)
		off, ok := read[ino]
		done := ok && off == st.Size()
		for i := range w.inodes[:max(current, 0)] {
			done = done || w.inodes[i] == ino
		}
		if done {
			if err := os.Remove(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// waitShipped waits until the collector's checkpoint covers the whole file.
func (w *writer) waitShipped(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		st, err := w.f.Stat()
		if err != nil {
			return err
		}
		if st.Size() == 0 { // nothing written since the last rotation
			return nil
		}
		if off, ok := checkpointOffset(w.path, inodeOf(st)); ok && off == st.Size() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("collector did not catch up with %s within %s", w.path, timeout)
		}
		if !sleepCtx(ctx, 100*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// checkpointOffset reads the collector's checkpoint (FILE.checkpoint) for
// path's file with inode.
func checkpointOffset(path string, inode uint64) (int64, bool) {
	b, err := os.ReadFile(path + ".checkpoint") // #nosec G304 -- a checkpoint in the chaos run's own directory
	if err != nil {
		return 0, false
	}
	var cp struct {
		Files []struct {
			Path   string
			Inode  uint64
			Offset int64
		}
	}
	if json.Unmarshal(b, &cp) != nil {
		return 0, false
	}
	for _, f := range cp.Files {
		if f.Path == path && f.Inode == inode {
			return f.Offset, true
		}
	}
	return 0, false
}

// checkpointInodes reads the collector's checkpoint: each file's offset by
// inode.
func checkpointInodes(path string) map[uint64]int64 {
	b, err := os.ReadFile(path + ".checkpoint") // #nosec G304 -- a checkpoint in the chaos run's own directory
	if err != nil {
		return nil
	}
	var cp struct {
		Files []struct {
			Inode  uint64
			Offset int64
		}
	}
	if json.Unmarshal(b, &cp) != nil {
		return nil
	}
	m := make(map[uint64]int64, len(cp.Files))
	for _, f := range cp.Files {
		m[f.Inode] = f.Offset
	}
	return m
}

func (w *writer) close() { w.f.Close() } // #nosec G104 -- end of a generated log; nothing to recover

func inodeOf(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}
