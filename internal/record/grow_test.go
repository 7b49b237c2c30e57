package record

import (
	"bytes"
	"testing"
)

// TestGrowDoubles checks the growth policy: a column filled a message at a
// time reallocates a logarithmic number of times, at least doubling, and
// keeps its contents (append's 1.25x for large slices reallocates about
// three times as often and copies about five times the final size).
func TestGrowDoubles(t *testing.T) {
	var c StrCol
	var b Block
	msg := Block{}
	for i := range 1000 {
		msg.Append(&Record{TimeMs: int64(i)})
	}
	value := bytes.Repeat([]byte("v"), 1000)
	bufAllocs, endAllocs, blockAllocs := 0, 0, 0
	copied := 0
	for i := range 4000 {
		oldBuf, oldEnd, oldTime := cap(c.Buf), cap(c.End), cap(b.TimeMs)
		c.Append(value)
		b.AppendRange(&msg, 0, msg.Len())
		if cap(c.Buf) != oldBuf {
			bufAllocs++
			copied += oldBuf
			if oldBuf > 0 && cap(c.Buf) < 2*oldBuf {
				t.Fatalf("value %d: the arena grew %d -> %d, less than twice", i, oldBuf, cap(c.Buf))
			}
		}
		if cap(c.End) != oldEnd {
			endAllocs++
		}
		if cap(b.TimeMs) != oldTime {
			blockAllocs++
		}
	}
	// 4 MB in 1,000-byte values: 1000 -> 2000 -> ... -> 4,096,000 is 13
	// reallocations; append's own growth takes about 40.
	if bufAllocs > 13 || endAllocs > 13 || blockAllocs > 13 {
		t.Errorf("reallocations: arena %d, ends %d, block %d; want at most 13 each", bufAllocs, endAllocs, blockAllocs)
	}
	if copied > 2*len(c.Buf) {
		t.Errorf("copied %d bytes growing a %d-byte arena; want at most twice its size", copied, len(c.Buf))
	}
	for i := range c.Len() {
		if !bytes.Equal(c.Bytes(i), value) {
			t.Fatalf("value %d changed by a reallocation", i)
		}
	}
	for i, v := range b.TimeMs {
		if v != int64(i%1000) {
			t.Fatalf("row %d: time %d, want %d", i, v, i%1000)
		}
	}
}

// TestGrowRoom checks that Grow does not reallocate while there is room.
func TestGrowRoom(t *testing.T) {
	s := make([]byte, 10, 100)
	if g := Grow(s, 90); &g[:1][0] != &s[:1][0] || len(g) != 10 {
		t.Fatalf("Grow reallocated with room left (len %d cap %d)", len(g), cap(g))
	}
	if g := Grow(s, 91); cap(g) != 200 || len(g) != 10 {
		t.Fatalf("Grow(len 10 cap 100, 91): len %d cap %d, want 10 and 200", len(g), cap(g))
	}
	if g := Grow(s, 500); cap(g) != 510 {
		t.Fatalf("Grow(len 10 cap 100, 500): cap %d, want 510 (what is needed, when more than double)", cap(g))
	}
}
