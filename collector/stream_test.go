package collector

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgelog/edgelog/collector/checkpoint"
	"github.com/edgelog/edgelog/collector/tail"
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
			var l tail.Line
			_, err := s.Next(context.Background(), &l)
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

// TestStreamSourceTruncatedArchive: a gzip or zstd import cut mid-line
// hands out its complete lines, then its partial last line rejected
// ("truncated", for the dead letters: parsed, a cut `200 1234` would bill
// 12 bytes), then the decompressor's error.
func TestStreamSourceTruncatedArchive(t *testing.T) {
	var plain []byte
	for i := range 20_000 { // ~1.2 MB: zstd blocks are at most 128 KiB, so half the file holds whole ones
		plain = fmt.Appendf(plain, "line %d %s\n", i, strings.Repeat("x", i%97))
	}
	var gz, zs bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write(plain) // #nosec G104 -- a bytes.Buffer; Close reports
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	zw, err := zstd.NewWriter(&zs)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(plain) // #nosec G104 -- a bytes.Buffer; Close reports
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"gzip": gz.Bytes(), "zstd": zs.Bytes()} {
		r, err := Decompress(bytes.NewReader(data[:len(data)/2]))
		if err != nil {
			t.Fatal(err)
		}
		s := newStreamSource(r, 1<<20)
		var off int64
		var complete int
		var partial []byte
		for {
			var l tail.Line
			reject, err := s.Next(context.Background(), &l)
			if err != nil {
				if errors.Is(err, io.EOF) {
					t.Fatalf("%s: a cut archive ended without an error", name)
				}
				break
			}
			if l.Offset != off {
				t.Fatalf("%s: line at %d, want %d", name, l.Offset, off)
			}
			off = l.End
			if partial != nil {
				t.Fatalf("%s: a line after the partial one", name)
			}
			switch {
			case reject == "":
				if !bytes.Equal(l.Data, bytes.SplitN(plain[l.Offset:], []byte("\n"), 2)[0]) {
					t.Fatalf("%s: line at %d is %q", name, l.Offset, l.Data)
				}
				complete++
			case strings.HasPrefix(reject, "truncated:"):
				partial = append([]byte(nil), l.Data...)
			default:
				t.Fatalf("%s: reject %q", name, reject)
			}
		}
		if complete == 0 || partial == nil || !bytes.HasPrefix(plain[off-int64(len(partial)):], partial) || bytes.Contains(partial, []byte("\n")) {
			t.Errorf("%s: %d complete lines, partial %q at %d", name, complete, partial, off-int64(len(partial)))
		}
	}
}
