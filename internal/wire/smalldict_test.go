package wire

import (
	"errors"
	"testing"

	"github.com/edgelog/edgelog/internal/record"
)

// TestDecodeSmallDict holds the one-byte path for small dictionaries to
// what the general loop does: the same spans for valid indices, and for
// anything else (an index past the dictionary, a longer varint form, a
// short message) no bytes read and no answer, so the general loop
// decides; the budget is charged and enforced alike.
func TestDecodeSmallDict(t *testing.T) {
	vals := []byte("HITMISSBYPASS")
	spans := []uint32{3, 7, 13} // HIT, MISS, BYPASS
	type result struct {
		ok     bool
		col    *record.StrCol
		r      *reader
		budget uint64
		err    error
	}
	decode := func(p []byte, rows int, budget uint64) result {
		d := &Decoder{spans: spans}
		r := &reader{p: p}
		var col record.StrCol
		col.Append([]byte("x")) // a value before: spans are relative to the arena's end
		ok, err := d.decodeSmallDict(r, &col, rows, uint64(len(spans)), vals, &budget)
		return result{ok, &col, r, budget, err}
	}

	res := decode([]byte{2, 0, 1, 0, 9}, 4, 100)
	ok, err, col, r, budget := res.ok, res.err, res.col, res.r, res.budget
	if !ok || err != nil {
		t.Fatalf("valid indices: %v %v", ok, err)
	}
	for i, want := range []string{"x", "BYPASS", "HIT", "MISS", "HIT"} {
		if got := col.String(i); got != want {
			t.Fatalf("row %d: %q, want %q", i, got, want)
		}
	}
	if len(r.p) != 1 || r.p[0] != 9 {
		t.Fatalf("the reader is left at %v, want the byte after the rows", r.p)
	}
	if budget != 100-6-3-4-3 {
		t.Fatalf("budget %d left, want %d", budget, 100-6-3-4-3)
	}

	for name, p := range map[string][]byte{
		"index past the dictionary": {0, 3, 1},
		"a longer varint form of 0": {0x80, 0x00, 1},
		"fewer bytes than rows":     {0, 1},
	} {
		res := decode(p, 3, 100)
		ok, err, col, r, budget := res.ok, res.err, res.col, res.r, res.budget
		if ok || err != nil || col.Len() != 1 || len(r.p) != len(p) || budget != 100 {
			t.Fatalf("%s: ok %v err %v, %d rows, %d bytes left, budget %d: want nothing read and no answer", name, ok, err, col.Len(), len(r.p), budget)
		}
	}

	if res := decode([]byte{2, 2}, 2, 11); !res.ok || !errors.Is(res.err, ErrTooLarge) {
		t.Fatalf("12 bytes against a budget of 11: %v %v, want ErrTooLarge", res.ok, res.err)
	}
}
