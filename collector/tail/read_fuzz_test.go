package tail

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
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

// TestReadSetsEveryField fills each field of the caller's Line with a value
// no read line can have, then reads: Read writes the Line in place, field
// by field (scan), so a field added to Line and not set there would keep
// the line before's value. This test fails for it.
func TestReadSetsEveryField(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(path, []byte("first\nsecond\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tl, err := Open(path, 0, 0, 0, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	stale := []byte("stale")
	for i := range 2 {
		var l Line
		v := reflect.ValueOf(&l).Elem()
		for j := range v.NumField() {
			switch f := v.Field(j); f.Kind() {
			case reflect.Slice:
				f.SetBytes(stale)
			case reflect.Int, reflect.Int64:
				f.SetInt(-7)
			case reflect.Uint64:
				f.SetUint(math.MaxUint64)
			case reflect.Bool:
				f.SetBool(true) // neither line is oversize
			default:
				t.Fatalf("Line.%s: teach this test a stale %s", v.Type().Field(j).Name, f.Kind())
			}
		}
		if err := tl.Read(context.Background(), &l); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		for j := range v.NumField() {
			f, name := v.Field(j), v.Type().Field(j).Name
			var kept bool
			switch f.Kind() {
			case reflect.Slice:
				kept = bytes.Equal(f.Bytes(), stale)
			case reflect.Int, reflect.Int64:
				kept = f.Int() == -7
			case reflect.Uint64:
				kept = f.Uint() == math.MaxUint64
			case reflect.Bool:
				kept = f.Bool()
			}
			if kept {
				t.Errorf("line %d: Read left Line.%s as it was", i, name)
			}
		}
	}
}
