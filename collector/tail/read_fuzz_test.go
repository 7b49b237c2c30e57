package tail

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead holds Tailer.Read to the lines of a file as bytes.Split cuts
// them: each complete line once, in order, cut at MaxLineBytes with
// Oversize set, its Offset and End where it starts and ends in the file,
// and a last line without its newline not handed out. Read overwrites the
// caller's Line, so a line must not keep anything of the one before.
func FuzzRead(f *testing.F) {
	f.Add([]byte("a\nbb\n\nccc"), uint8(2))
	f.Add([]byte("0123456789\nx\n0123456789abcdef\n"), uint8(4))
	f.Add([]byte("\n\n\n"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, max uint8) {
		maxLine := int(max%64) + 1
		path := filepath.Join(t.TempDir(), "access.log")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		tl, err := Open(path, 0, 0, 0, Config{MaxLineBytes: maxLine})
		if err != nil {
			t.Fatal(err)
		}
		defer tl.Close()
		complete := data[:bytes.LastIndexByte(data, '\n')+1]
		var off int64
		var l Line
		for i, want := range bytes.SplitAfter(complete, []byte("\n")) {
			if len(want) == 0 {
				break
			}
			l.Data, l.Oversize = []byte("stale"), true // what Read must overwrite
			if err := tl.Read(context.Background(), &l); err != nil {
				t.Fatalf("line %d: %v", i, err)
			}
			body := want[:len(want)-1]
			over := len(body) > maxLine
			if over {
				body = body[:maxLine]
			}
			if !bytes.Equal(l.Data, body) || l.Oversize != over || l.Offset != off || l.End != off+int64(len(want)) {
				t.Fatalf("line %d: got %q oversize %v [%d, %d), want %q oversize %v [%d, %d)",
					i, l.Data, l.Oversize, l.Offset, l.End, body, over, off, off+int64(len(want)))
			}
			off += int64(len(want))
		}
		if err := tl.Read(context.Background(), &l); !errors.Is(err, ErrStopped) {
			t.Fatalf("after the last complete line: %v, want ErrStopped", err)
		}
	})
}
