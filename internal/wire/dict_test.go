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
	c := &b.dict().str[record.Path]
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
		if got := b.rows[record.Path].idx[i]; got != want {
			t.Fatalf("row %d (%q) is entry %d, want %d", i, vals[i], got, want)
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

// TestSharedDict appends rows of several customers, interleaved, to one
// Batch each with its own dictionaries and to one Batch each sharing a
// Dict, as the collector's Batcher does, over several batches reusing
// both, and requires the very same messages of each: whole, and cut in
// ranges.
func TestSharedDict(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const customers = 5
	var own, shared [customers]Batch
	var d Dict
	for c := range shared {
		shared[c].Share(&d)
	}
	var e1, e2 Encoder
	for round, distinct := range []int{1, 7, 60, 700, 3000, 500} {
		alone := round == 5 // every row to customer 0: the Dict is its alone
		var cols [record.NumStr][][]byte
		for s := range cols {
			cols[s] = dictValues(r, 4000, distinct)
		}
		var rec record.Record
		for i := range 4000 {
			for s := range cols {
				rec.Str[s] = cols[s][i]
			}
			rec.TimeMs = int64(i)
			c := r.IntN(customers)
			if r.IntN(3) == 0 { // runs of one customer, as edge servers log them
				c = i / 7 % customers
			}
			if alone {
				c = 0
			}
			own[c].Append(&rec)
			shared[c].Append(&rec)
		}
		for c := range own {
			n := own[c].Len()
			if shared[c].Len() != n {
				t.Fatalf("round %d customer %d: %d rows shared, %d own", round, c, shared[c].Len(), n)
			}
			for _, cut := range [][2]int{{0, n}, {0, n / 3}, {n / 3, n}, {n / 2, min(n/2+1, n)}} {
				a := e1.EncodeBatch(nil, &own[c], cut[0], cut[1])
				b := e2.EncodeBatch(nil, &shared[c], cut[0], cut[1])
				if !bytes.Equal(a, b) {
					t.Fatalf("round %d customer %d rows %v: the shared dictionary's message differs", round, c, cut)
				}
			}
			own[c].Reset()
			shared[c].Reset()
		}
		d.Reset()
	}
}

// FuzzSharedDict appends the values cut from the input at its 0xff bytes
// to two customers' batches (by each value's length), sharing a Dict and
// each with its own, and requires the same messages of both.
func FuzzSharedDict(f *testing.F) {
	f.Add([]byte("GET\xffPOST\xffGET\xff\xff\x00\xffa\x00\xffa\xff/a/long/path/name\xff/a/long/path/nam\xffGET"))
	f.Add([]byte("aa\xffb\xffcc\xffb\xffaa\xffcc\xffaa\xffcc\xffaa\xffcc"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var own, shared [2]Batch
		var d Dict
		shared[0].Share(&d)
		shared[1].Share(&d)
		var r record.Record
		for _, v := range bytes.Split(in, []byte{0xff}) {
			r.Str[record.Path], r.Str[record.UserAgent] = v, v[len(v)/2:]
			own[len(v)%2].Append(&r)
			shared[len(v)%2].Append(&r)
		}
		var e1, e2 Encoder
		for c := range own {
			if n := own[c].Len(); n > 0 && !bytes.Equal(e1.EncodeBatch(nil, &own[c], 0, n), e2.EncodeBatch(nil, &shared[c], 0, n)) {
				t.Fatalf("customer %d: the shared dictionary's message differs", c)
			}
		}
	})
}

// TestShortHashSpreadsCraftedValues places 4,096 eight-byte values that
// differ only in their last two bytes, as a client choosing its paths can
// send, in a table of 16,384 slots (the size a batch of that many distinct
// values grows to): no home slot may take more than 16 of them (about 5
// is the most a random placement puts in one). The unseeded multiply
// that shortHash was until 2026-12-07 put all 4,096 in one slot: a batch's
// lookups then probed in time quadratic in its distinct values (checked:
// this test fails with it).
func TestShortHashSpreadsCraftedValues(t *testing.T) {
	const values, slots = 4096, 1 << 14
	perSlot := map[uint32]int{}
	most := 0
	for i := range values {
		v := []byte("/img/a\x00\x00")
		v[6], v[7] = byte(i>>8), byte(i)
		slot := shortHash(shortKey(v), len(v)) & (slots - 1)
		perSlot[slot]++
		most = max(most, perSlot[slot])
	}
	if most > 16 {
		t.Fatalf("%d of %d crafted values in one home slot of %d", most, values, slots)
	}
	t.Logf("at most %d crafted values in one home slot", most)
}
