package wire

import (
	"bytes"
	"hash/maphash"

	"github.com/edgelog/edgelog/internal/record"
)

// Batch holds rows waiting to be encoded. Its string columns are
// dictionary-coded as rows arrive: each distinct value is stored once and
// every row keeps only its index, which is what version 2 writes. Coding
// while appending costs one hash per value that differs from the row
// before, the same as coding at encode time did, but a repeated value (most
// of them) is never copied, and the encoder needs no second pass over the
// column. The collector fills one Batch per customer and reuses it.
//
// The zero value is an empty Batch ready for use. Reset keeps capacity.
type Batch struct {
	num record.Block // numeric columns; its string columns stay empty
	str [record.NumStr]dictCol
}

// dictCol is one string column as a dictionary and a row index.
//
// Hand-written rather than a map[string]uint32: a Go map would copy and
// hash a string key per distinct value and cannot be emptied without
// clearing or reallocating its buckets; this table grows only with the
// distinct count, keeps values in one arena and is reused batch after
// batch.
type dictCol struct {
	vals  []byte    // distinct values, concatenated in order of first appearance
	ents  []dictEnt // value i is vals[ents[i].start:ents[i].end]
	table []uint32  // open addressing, linear probing: entry index + 1, 0 = empty
	idx   []uint32  // each row's entry
	last  []byte    // the last row's value (valid while len(idx) > 0)
}

type dictEnt struct {
	start, end uint32
	hash       uint32
}

// seed keys the dictionaries' hash. Any seed codes the same: entries are
// numbered by first appearance, never by hash.
var seed = maphash.MakeSeed()

// Len returns the number of rows.
func (b *Batch) Len() int { return b.num.Len() }

// Append adds r as the last row. r's strings are copied when new to their
// column; the caller keeps r.
func (b *Batch) Append(r *record.Record) {
	b.num.AppendNumbers(r)
	for s := range b.str {
		c := &b.str[s]
		// A run of one value (a block's customer, a server's PoP, most
		// rows' method and protocol) is the rule: compare with the
		// previous row before hashing, here where it inlines.
		if len(c.idx) > 0 && string(c.last) == string(r.Str[s]) {
			c.idx = append(c.idx, c.idx[len(c.idx)-1])
			continue
		}
		c.add(r.Str[s])
	}
}

// AppendBlock adds the rows of src.
func (b *Batch) AppendBlock(src *record.Block) {
	var r record.Record
	for i := range src.Len() {
		src.Row(i, &r)
		b.Append(&r)
	}
}

// Reset empties the batch and keeps its capacity.
func (b *Batch) Reset() {
	b.num.Reset()
	for s := range b.str {
		c := &b.str[s]
		c.vals, c.ents, c.idx = c.vals[:0], c.ents[:0], c.idx[:0]
		clear(c.table)
	}
}

// value returns entry i's bytes.
func (c *dictCol) value(i uint32) []byte {
	e := &c.ents[i]
	return c.vals[e.start:e.end:e.end]
}

// add appends v, a value other than the last row's, as the column's next
// row.
func (c *dictCol) add(v []byte) {
	if c.table == nil {
		c.table = make([]uint32, 64)
	}
	h := uint32(maphash.Bytes(seed, v)) // #nosec G115 -- a hash: truncation is intended
	mask := uint32(len(c.table) - 1)    // #nosec G115 -- the table's size is a power of two far below 2^32
	for slot := h & mask; ; slot = (slot + 1) & mask {
		e := c.table[slot]
		if e == 0 {
			start := uint32(len(c.vals)) // #nosec G115 -- a batch's values stay far below 4 GiB (a message is at most max_message_bytes)
			c.vals = append(c.vals, v...)
			c.ents = append(c.ents, dictEnt{start: start, end: uint32(len(c.vals)), hash: h}) // #nosec G115 -- a batch's values stay far below 4 GiB (a message is at most max_message_bytes)
			c.table[slot] = uint32(len(c.ents))                                               // #nosec G115 -- entries <= rows <= MaxRows < 2^32
			c.idx = append(c.idx, uint32(len(c.ents)-1))                                      // #nosec G115 -- entries <= rows <= MaxRows < 2^32
			c.last = c.vals[start:]
			if len(c.ents)*2 > len(c.table) {
				c.grow()
			}
			return
		}
		if ent := &c.ents[e-1]; ent.hash == h && bytes.Equal(c.vals[ent.start:ent.end], v) {
			c.idx = append(c.idx, e-1)
			c.last = c.vals[ent.start:ent.end]
			return
		}
	}
}

// grow doubles the table and re-inserts every entry.
func (c *dictCol) grow() {
	c.table = make([]uint32, 2*len(c.table))
	mask := uint32(len(c.table) - 1) // #nosec G115 -- the table's size is a power of two far below 2^32
	for i, e := range c.ents {
		slot := e.hash & mask
		for c.table[slot] != 0 {
			slot = (slot + 1) & mask
		}
		c.table[slot] = uint32(i + 1)
	}
}
