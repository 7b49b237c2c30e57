package record

import (
	"bytes"
	"fmt"
	"testing"
)

// sharedCol returns a column of rows values that share a three-entry
// dictionary, as the wire decoder builds one, and the values expanded.
func sharedCol(rows int) (*StrCol, [][]byte) {
	var c StrCol
	dict := []string{"customer-a", "customer-bb", ""}
	c.Append([]byte("plain-first")) // a value of its own before the dictionary
	want := [][]byte{[]byte("plain-first")}
	base := uint32(len(c.Buf))
	c.Buf = append(c.Buf, "customer-acustomer-bb"...)
	spans := [][2]uint32{{0, 10}, {10, 21}, {21, 21}}
	for i := range rows {
		s := spans[i%3]
		c.AppendSpan(base+s[0], base+s[1])
		want = append(want, []byte(dict[i%3]))
	}
	return &c, want
}

func checkCol(t *testing.T, what string, c *StrCol, want [][]byte) {
	t.Helper()
	if c.Len() != len(want) {
		t.Fatalf("%s: %d values, want %d", what, c.Len(), len(want))
	}
	total := 0
	for i, w := range want {
		if !bytes.Equal(c.Bytes(i), w) {
			t.Fatalf("%s: value %d = %q, want %q", what, i, c.Bytes(i), w)
		}
		total += len(w)
	}
	if c.ExpandedBytes() != total {
		t.Fatalf("%s: ExpandedBytes %d, want %d", what, c.ExpandedBytes(), total)
	}
	strs := c.UnsafeStrings(nil)
	for i, w := range want {
		if strs[i] != string(w) {
			t.Fatalf("%s: UnsafeStrings[%d] = %q, want %q", what, i, strs[i], w)
		}
	}
}

// TestStrColShared checks values that share bytes: read back, copied
// whole (sharing kept), copied in part (never more bytes than the values
// expanded) and truncated (the dropped values' bytes given back).
func TestStrColShared(t *testing.T) {
	c, want := sharedCol(3000)
	checkCol(t, "built", c, want)
	if len(c.Buf) != 11+21 {
		t.Fatalf("arena %d bytes, want 32: shared values must not be stored per row", len(c.Buf))
	}

	var whole StrCol
	whole.Append([]byte("before"))
	whole.AppendRange(c, 0, c.Len())
	checkCol(t, "whole range", &whole, append([][]byte{[]byte("before")}, want...))
	if len(whole.Buf) != 6+32 {
		t.Fatalf("a whole copy took %d bytes, want 38 (the region once)", len(whole.Buf))
	}

	var part StrCol
	part.AppendRange(c, 0, 1)
	part.AppendRange(c, 2, 3) // "customer-bb"
	checkCol(t, "parts", &part, [][]byte{want[0], want[2]})
	if len(part.Buf) != 11+11 {
		t.Fatalf("parts took %d bytes, want 22", len(part.Buf))
	}
	// "" at the dictionary's end and "customer-a" at its start: the region
	// between them holds a value neither uses, so each is copied on its own.
	var gap StrCol
	gap.AppendRange(c, 3, 5)
	checkCol(t, "gap", &gap, want[3:5])
	if len(gap.Buf) != 10 {
		t.Fatalf("a range spanning unused bytes took %d bytes, want 10 (its values only)", len(gap.Buf))
	}

	for _, n := range []int{3001, 3000, 100, 1, 0} {
		c, want := sharedCol(3000)
		var b Block
		b.Str[0] = *c
		for range c.Len() {
			b.TimeMs = append(b.TimeMs, 0)
			b.ClientIP = append(b.ClientIP, [16]byte{})
			b.ASN, b.Status = append(b.ASN, 0), append(b.Status, 0)
			b.BytesSent, b.BytesTotal, b.BytesReceived = append(b.BytesSent, 0), append(b.BytesTotal, 0), append(b.BytesReceived, 0)
			b.RequestTimeUs, b.TTFBUs = append(b.RequestTimeUs, 0), append(b.TTFBUs, 0)
		}
		b.Truncate(n)
		checkCol(t, fmt.Sprintf("truncated to %d", n), &b.Str[0], want[:min(n, len(want))])
		if n == 1 && len(b.Str[0].Buf) != 11 {
			t.Fatalf("truncated to 1: arena %d bytes, want 11 (the dictionary given back)", len(b.Str[0].Buf))
		}
		b.Str[0].Append([]byte("after"))
		checkCol(t, fmt.Sprintf("appended after truncating to %d", n), &b.Str[0], append(want[:min(n, len(want)):min(n, len(want))], []byte("after")))
	}
}

// TestSizeBytesCountsExpanded checks that a batch limit sees shared values
// as an INSERT sends them: a small dictionary over many rows is large.
func TestSizeBytesCountsExpanded(t *testing.T) {
	var b Block
	for range 10_000 {
		b.Append(&Record{})
	}
	b.Str[Path] = StrCol{}
	b.Str[Path].Buf = bytes.Repeat([]byte("x"), 1024)
	for range 10_000 {
		b.Str[Path].AppendSpan(0, 1024)
	}
	if got := b.SizeBytes(); got < 10_000*1024 {
		t.Fatalf("SizeBytes %d for 10,000 rows sharing a 1 KiB value; want at least %d", got, 10_000*1024)
	}
}

// TestAppendRepeat: n values of s, its bytes stored once; n <= 0 adds none.
func TestAppendRepeat(t *testing.T) {
	var c StrCol
	c.Append([]byte("x"))
	c.AppendRepeat("kfake/topic", 0)
	c.AppendRepeat("kfake/topic", 1000)
	want := [][]byte{[]byte("x")}
	for range 1000 {
		want = append(want, []byte("kfake/topic"))
	}
	checkCol(t, "repeated", &c, want)
	if len(c.Buf) != 1+11 {
		t.Fatalf("arena %d bytes, want 12: a repeated value is stored once", len(c.Buf))
	}
}
