package collector

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
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
