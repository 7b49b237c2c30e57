package wire

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/edgelog/edgelog/internal/record"
)

// refDict codes a column as a Go map would: entries numbered by first
// appearance. dictCol must code exactly so (the wire's dictionaries are
// numbered that way).
func refDict(vals [][]byte) (ents []string, idx []uint32) {
	m := map[string]uint32{}
	for _, v := range vals {
		e, ok := m[string(v)]
		if !ok {
			e = uint32(len(ents))
			m[string(v)] = e
			ents = append(ents, string(v))
		}
		idx = append(idx, e)
	}
	return ents, idx
}

// checkDict appends vals to b's path column with Batch.Append (the other
// columns empty) and compares the column with refDict.
func checkDict(t *testing.T, b *Batch, vals [][]byte) {
	t.Helper()
	var r record.Record
	for _, v := range vals {
		r.Str[record.Path] = v
		b.Append(&r)
	}
	c := &b.str[record.Path]
	ents, idx := refDict(vals)
	if len(c.ents) != len(ents) {
		t.Fatalf("%d entries, want %d", len(c.ents), len(ents))
	}
	for i, want := range ents {
		if got := c.value(uint32(i)); string(got) != want { // #nosec G115 -- a test's few entries
			t.Fatalf("entry %d is %q, want %q", i, got, want)
		}
	}
	for i, want := range idx {
		if c.idx[i] != want {
			t.Fatalf("row %d (%q) is entry %d, want %d", i, vals[i], c.idx[i], want)
		}
	}
	if len(c.table) > 64 && len(c.table) > 4*len(c.ents) {
		t.Fatalf("%d slots for %d entries: past the bound of 4 per entry", len(c.table), len(c.ents))
	}
}

// dictValues returns n values drawn from an alphabet that makes short
// values collide in every way a key could confuse them: trailing and
// leading zero bytes, every length from 0 to past maxShort, and long
// values sharing prefixes and lengths.
func dictValues(r *rand.Rand, n, distinct int) [][]byte {
	pool := make([][]byte, distinct)
	for i := range pool {
		l := r.IntN(2 * maxShort)
		if r.IntN(4) == 0 {
			l = maxShort + r.IntN(64)
		}
		v := make([]byte, l)
		for j := range v {
			v[j] = "\x00a\x00b/"[r.IntN(5)]
		}
		pool[i] = v
	}
	vals := make([][]byte, n)
	for i := range vals {
		vals[i] = pool[r.IntN(len(pool))]
	}
	return vals
}

// TestDictColAsMap codes columns of few and of many distinct values
// (past several table doublings), reusing the column across batches as
// the collector does, and compares each with refDict.
func TestDictColAsMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var b Batch
	for _, distinct := range []int{1, 3, 40, 300, 5000, 20000} {
		for range 3 {
			b.Reset()
			checkDict(t, &b, dictValues(r, 3*distinct, distinct))
		}
	}
	// Every value up to 8 bytes of two symbols: all short keys at once.
	var all [][]byte
	for l := range maxShort + 2 {
		for bits := range 1 << l {
			v := make([]byte, l)
			for j := range v {
				v[j] = byte(bits >> j & 1)
			}
			all = append(all, v, v)
		}
	}
	checkDict(t, &Batch{}, all)
}

// FuzzDictCol codes a column cut from the input at its 0xff bytes, twice
// over (the second time with the values seen), against refDict.
func FuzzDictCol(f *testing.F) {
	f.Add([]byte("GET\xffPOST\xffGET\xff\xff\x00\xffa\x00\xffa\xff/a/long/path/name\xff/a/long/path/nam\xffGET"))
	f.Fuzz(func(t *testing.T, in []byte) {
		vals := bytes.Split(in, []byte{0xff})
		checkDict(t, &Batch{}, append(vals, vals...))
	})
}
