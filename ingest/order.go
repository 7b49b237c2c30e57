package ingest

import (
	"bytes"
	"math/bits"
	"slices"
	"strings"

	"github.com/edgelog/edgelog/internal/record"
)

// rowOrder sends an INSERT's rows in the raw table's sorting key
// (schema.RawSortKey: customer, then host on modern servers, then time).
//
// ClickHouse sorts every block it writes into a MergeTree part by the
// table's key unless the block is already in that order (it checks first:
// the MergeTreeDataWriterBlocksAlreadySorted event). An INSERT's rows are
// partitions' batches end to end, each message one customer's rows in
// time order, so the server sorted every raw block: a stable permutation
// over a String and a DateTime column, then every one of the table's 31
// columns copied through it. Sending the rows sorted skips that: 235k rows
// of a bench INSERT into the raw table alone cost the 18.16 server 220-250
// ms unsorted and 150-160 ms sorted; with every view 360-590 against
// 290-390 (package doc, "The raw table's order").
//
// Here the sort costs little more than the copy the INSERT makes anyway.
// The rows are not moved: the permutation is applied where the driver's
// columns are filled, string columns by their positions (strcol.go: the
// spans are reordered, not the bytes), numeric ones by a gather into
// buffers kept across INSERTs. The permutation comes from one uint64 a
// row (the key tuple's rank, the time, the row's index: distinct, so the
// sort is stable and deterministic, and a batch sent again is the same
// block, which cluster mode's deduplication needs). Key tuples are
// ranked once per distinct tuple, not per row: rows of one message share
// their customer's bytes (record.StrCol), so a row whose key spans are
// the previous row's is the same tuple without a comparison.
//
// Bounded: 16 bytes a row for the keys and the permutation, and the
// gathered numeric columns (86 bytes a row on 18.16); all are dropped
// after an INSERT of more than maxKeptPositions rows. When the key does
// not fit 64 bits (more than 2^64 tuples x time range x rows, which no
// INSERT reaches) or the rows are in order already, the rows go as they
// are and the server sorts them as before.
type rowOrder struct {
	strKeys []record.Str // the key's string columns, in key order
	timeKey bool         // the key ends with time

	ids    []uint32          // each row's key tuple, numbered by first appearance
	tuples map[string]uint32 // encoded key tuple -> its number
	vals   []string          // tuple t's values: vals[t*len(strKeys):][:len(strKeys)]
	byRank []uint32          // tuple numbers in key order
	rank   []uint32          // tuple number -> rank
	enc    []byte            // scratch for one encoded tuple
	keys   []uint64
	perm   []uint32 // nil: the rows' own order

	gathered []any // per raw-table column index: the last gathered column
}

// newRowOrder returns the order of key, the raw table's sorting key: its
// string columns, then time. A key of any other shape (a column that is
// not one of the block's strings before time) leaves rows unsorted.
func newRowOrder(key []string) *rowOrder {
	o := &rowOrder{tuples: map[string]uint32{}}
	for i, name := range key {
		if name == "time" && i == len(key)-1 {
			o.timeKey = true
			break
		}
		s := slices.Index(record.StrNames[:], name)
		if s < 0 {
			return &rowOrder{}
		}
		o.strKeys = append(o.strKeys, record.Str(s))
	}
	return o
}

// sort computes the permutation that puts blk's rows in key order and
// returns it, or nil when the rows go as they are. It stays set (apply)
// until the next sort.
func (o *rowOrder) sort(blk *record.Block) []uint32 {
	o.perm = nil
	n := blk.Len()
	if !o.timeKey || n < 2 {
		return nil
	}
	o.number(blk)
	lo, hi := slices.Min(blk.TimeMs), slices.Max(blk.TimeMs)
	idxBits := bits.Len(uint(n - 1))
	timeBits := bits.Len64(uint64(hi - lo)) // #nosec G115 -- hi >= lo
	if bits.Len(uint(len(o.byRank)-1))+timeBits+idxBits > 64 {
		return nil
	}
	o.keys = slices.Grow(o.keys[:0], n)
	for i, t := range blk.TimeMs {
		k := uint64(o.rank[o.ids[i]])<<(timeBits+idxBits) | uint64(t-lo)<<idxBits | uint64(i) // #nosec G115 -- t >= lo; fits 64 bits (checked above)
		o.keys = append(o.keys, k)
	}
	if slices.IsSorted(o.keys) {
		return nil
	}
	slices.Sort(o.keys)
	o.perm = slices.Grow(o.perm[:0], n)
	mask := uint64(1)<<idxBits - 1
	for _, k := range o.keys {
		o.perm = append(o.perm, uint32(k&mask)) // #nosec G115 -- a row index < n <= MaxInsertRows
	}
	return o.perm
}

// number sets each row's tuple number (o.ids) and ranks the distinct
// tuples (o.rank).
func (o *rowOrder) number(blk *record.Block) {
	clear(o.tuples)
	o.vals, o.ids = o.vals[:0], o.ids[:0]
	for i := range blk.Len() {
		if i > 0 && o.sameTuple(blk, i) {
			o.ids = append(o.ids, o.ids[i-1])
			continue
		}
		o.enc = o.enc[:0]
		for _, s := range o.strKeys {
			v := blk.Str[s].Bytes(i)
			o.enc = append(o.enc, byte(len(v)), byte(len(v)>>8), byte(len(v)>>16), byte(len(v)>>24))
			o.enc = append(o.enc, v...)
		}
		t, ok := o.tuples[string(o.enc)]
		if !ok {
			t = uint32(len(o.tuples)) // #nosec G115 -- tuples <= rows < 2^32
			o.tuples[string(o.enc)] = t
			for _, s := range o.strKeys {
				o.vals = append(o.vals, string(blk.Str[s].Bytes(i)))
			}
		}
		o.ids = append(o.ids, t)
	}
	// ClickHouse orders String values as bytes (memcmp, then the shorter
	// first), as strings.Compare does.
	k := len(o.strKeys)
	o.byRank = o.byRank[:0]
	for t := range len(o.tuples) {
		o.byRank = append(o.byRank, uint32(t)) // #nosec G115 -- as above
	}
	slices.SortFunc(o.byRank, func(a, b uint32) int {
		return slices.CompareFunc(o.vals[int(a)*k:][:k], o.vals[int(b)*k:][:k], strings.Compare)
	})
	o.rank = slices.Grow(o.rank[:0], len(o.byRank))[:len(o.byRank)]
	for r, t := range o.byRank {
		o.rank[t] = uint32(r) // #nosec G115 -- as above
	}
}

// sameTuple reports whether row i's key values are row i-1's: the same
// spans (a message's rows share their customer's bytes) or equal bytes.
func (o *rowOrder) sameTuple(blk *record.Block, i int) bool {
	for _, s := range o.strKeys {
		c := &blk.Str[s]
		if c.Start[i] == c.Start[i-1] && c.End[i] == c.End[i-1] {
			continue
		}
		if !bytes.Equal(c.Bytes(i), c.Bytes(i-1)) {
			return false
		}
	}
	return true
}

// apply returns column i's data v in the order of the last sort: v itself
// when the rows go as they are, else gathered into a buffer of column i
// kept across INSERTs. Every non-string column goes through it; string
// columns are reordered by their positions (strColumns.set) or, when the
// driver takes []string, here.
func (o *rowOrder) apply(i int, v any) any {
	if o.perm == nil {
		return v
	}
	for len(o.gathered) <= i {
		o.gathered = append(o.gathered, nil)
	}
	switch v := v.(type) {
	case []int64:
		return gatherInto(o.gathered, i, v, o.perm)
	case []uint64:
		return gatherInto(o.gathered, i, v, o.perm)
	case []uint32:
		return gatherInto(o.gathered, i, v, o.perm)
	case []uint16:
		return gatherInto(o.gathered, i, v, o.perm)
	case []uint8:
		return gatherInto(o.gathered, i, v, o.perm)
	case [][16]byte:
		return gatherInto(o.gathered, i, v, o.perm)
	case []string:
		return gatherInto(o.gathered, i, v, o.perm)
	}
	panic("BUG: rowOrder cannot reorder a column of this type")
}

// release forgets the gathered strings (views of the block's arenas,
// which must not be kept alive) and drops every buffer after an INSERT of
// more than keep rows, as strColumns.release does.
func (o *rowOrder) release(keep int) {
	if cap(o.keys) > keep {
		o.keys, o.perm, o.ids, o.gathered = nil, nil, nil, nil
		return
	}
	for i, g := range o.gathered {
		if g, ok := g.([]string); ok {
			clear(g)
			o.gathered[i] = g[:0]
		}
	}
}

// gatherInto puts v's values in perm's order into gathered[i]'s buffer and
// returns it.
func gatherInto[T any](gathered []any, i int, v []T, perm []uint32) []T {
	buf, _ := gathered[i].([]T)
	buf = slices.Grow(buf[:0], len(perm))[:len(perm)]
	for j, p := range perm {
		buf[j] = v[p]
	}
	gathered[i] = buf
	return buf
}
