package collector

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// TestImportZstdWindowLimit: a small zstd file whose frame asks for a
// 512 MiB window is refused before the decoder holds that window, and one
// in the range zstd's own levels write (8 MiB) still reads.
func TestImportZstdWindowLimit(t *testing.T) {
	compress := func(window int, plain []byte) []byte {
		enc, err := zstd.NewWriter(nil, zstd.WithWindowSize(window), zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithSingleSegment(false))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		enc.Reset(&b)
		enc.Write(plain)
		enc.Close()
		return b.Bytes()
	}
	// Zeros then a copy of a random-ish head from far back: the decoder
	// must keep the whole window to resolve it.
	head := []byte(strings.Repeat("edgelog window test ", 1000))
	plain := append(append(append([]byte{}, head...), make([]byte, 300<<20)...), head...)
	bomb := compress(512<<20, plain)
	t.Logf("a %d KB file of %d MiB with a 512 MiB window", len(bomb)>>10, len(plain)>>20)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := Decompress(bytes.NewReader(bomb))
	if err == nil {
		_, err = io.Copy(io.Discard, r)
		r.Close()
	}
	runtime.ReadMemStats(&after)
	t.Logf("allocated %d MiB, err %v", (after.TotalAlloc-before.TotalAlloc)>>20, err)
	if err == nil || !strings.Contains(err.Error(), "window") {
		t.Fatalf("a 512 MiB window: got %v, want the window refused", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 200<<20 {
		t.Fatalf("reading it allocated %d MiB", alloc>>20)
	}
	ok := compress(8<<20, []byte(strings.Repeat("a line\n", 100000)))
	r, err = Decompress(bytes.NewReader(ok))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n, err := io.Copy(io.Discard, r); err != nil || n != 700000 {
		t.Fatalf("an 8 MiB window: %d bytes, %v", n, err)
	}
}
