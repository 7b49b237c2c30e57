package collector

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgelog/edgelog/collector/checkpoint"
)

// FuzzStreamSource checks the stdin/import line splitter: offsets are
// contiguous and cover the input, a line is never longer than the limit,
// and lines over it are flagged, whatever the bytes.
func FuzzStreamSource(f *testing.F) {
	f.Add([]byte("a\nbb\n\nccc"), 4)
	f.Add([]byte("0123456789\n01\n"), 3)
	f.Add(bytes.Repeat([]byte("x"), 200<<10), 64<<10)
	f.Add([]byte("\x00\xff\r\n\n"), 1)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		if max <= 0 || max > 4<<20 {
			return
		}
		s := newStreamSource(bytes.NewReader(in), max)
		var off int64
		var want [][]byte
		for _, l := range bytes.SplitAfter(in, []byte("\n")) {
			if len(l) > 0 {
				want = append(want, bytes.TrimSuffix(l, []byte("\n")))
			}
		}
		for i := 0; ; i++ {
			l, _, err := s.Next(context.Background())
			if errors.Is(err, io.EOF) {
				if off != int64(len(in)) || i != len(want) {
					t.Fatalf("ended at offset %d after %d lines; input %d bytes, %d lines", off, i, len(in), len(want))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.Offset != off || l.End <= l.Offset {
				t.Fatalf("line %d at %d-%d, want it to start at %d", i, l.Offset, l.End, off)
			}
			off = l.End
			if len(l.Data) > max {
				t.Fatalf("line %d: %d bytes over the %d limit", i, len(l.Data), max)
			}
			if w := want[i]; l.Oversize != (len(w) > max) || !bytes.Equal(l.Data, w[:min(len(w), max)]) {
				t.Fatalf("line %d: %q (oversize %v), want %q", i, l.Data, l.Oversize, w)
			}
		}
	})
}

// TestJournalKeepsContentsApart: after copytruncate a path's inode holds
// new content while a batch of the old content is still in flight (Kafka
// down: it waits in the spool). The new content's journal holds its own
// batch ends only (it carried the old content's, and a restart re-cut the
// new content at an offset of the old one), and the old batch's
// acknowledgement carries none of the new content's ends into the old
// content's checkpoint.
func TestJournalKeepsContentsApart(t *testing.T) {
	c := &Collector{cfg: Config{Checkpoint: filepath.Join(t.TempDir(), "checkpoint.json")}, state: &checkpoint.State{},
		m: newMetrics(prometheus.NewRegistry())}
	const path = "access.log"
	old := checkpoint.File{Path: path, Inode: 7, Fingerprint: 0xa1}
	emptied := checkpoint.File{Path: path, Inode: 7, Fingerprint: 0xc3} // same inode, new first line
	batch := func(f checkpoint.File, end int64) shipment {
		f.Offset = end
		return shipment{File: f}
	}
	for _, s := range []shipment{batch(old, 500), batch(emptied, 100)} {
		if err := c.journal(s); err != nil {
			t.Fatal(err)
		}
	}
	if cp, _ := c.state.Lookup(path); cp.Fingerprint != emptied.Fingerprint || cp.Offset != 0 || !slices.Equal(cp.Pending, []int64{100}) {
		t.Fatalf("journal of the new content: %+v, want offset 0 and the end 100 only", cp)
	}
	if err := c.ack(batch(old, 500)); err != nil {
		t.Fatal(err)
	}
	if cp, _ := c.state.Lookup(path); cp.Fingerprint != old.Fingerprint || cp.Offset != 500 || len(cp.Pending) != 0 {
		t.Fatalf("checkpoint after the old content's batch: %+v, want offset 500 and no pending ends", cp)
	}
}
