package wire

import (
	"github.com/edgelog/edgelog/internal/record"
)

// Batch holds rows waiting to be encoded. Its string columns are
// dictionary-coded as rows arrive: each distinct value is stored once and
// every row keeps only its index, which is what version 2 writes. Coding
// while appending costs one hash per value that differs from the row
// before, the same as coding at encode time did, but a repeated value (most
// of them) is never copied.
//
// The zero value is an empty Batch ready for use, with dictionaries of its
// own. Reset keeps capacity.
type Batch struct {
	num    record.Block // numeric columns; its string columns stay empty
	rows   [record.NumStr]rowCol
	own    Dict
	shared *Dict // the dictionaries the rows index, when not own (see Share)
}

// Dict is the string columns' dictionaries of one or several Batches.
//
// The collector fills one Batch per customer from one read loop, their
// rows interleaved: with a Dict each, every row's lookups went to another
// customer's tables, cold in the cache (an append cost about 270 ns a row
// against 175 with one Dict for all). Batches that share a Dict index its
// entries, and the encoder renumbers each message's entries in order of
// first appearance, as the wire requires.
//
// Its bound is the rows appended since its Reset: entries and values are
// theirs, and each table at most 4 slots per entry (see dictCol).
type Dict struct {
	str  [record.NumStr]dictCol
	rows int // rows appended since Reset, by every Batch that shares d
}

// Reset empties d and keeps its capacity. The Batches that share d must be
// Reset with it: their rows index its entries.
func (d *Dict) Reset() {
	for s := range d.str {
		d.str[s].reset()
	}
	d.rows = 0
}

// rowCol is one string column of a Batch's rows: each row's entry in the
// column's dictionary, and the last row's value.
type rowCol struct {
	idx []uint32 // each row's entry
	// The last row's value (valid while len(idx) > 0): a short value as
	// its key and length (lastTag), a long one as last with lastTag
	// longTag. Each is the other's miss: a short lastTag never equals a
	// long one, and last is nil after a short value.
	last    []byte
	lastKey uint64
	lastTag uint32
}

// Share makes b's rows index d's dictionaries from now on. b must be
// empty; d is reset by its owner, with every Batch that shares it.
func (b *Batch) Share(d *Dict) {
	if b.Len() != 0 {
		panic("BUG: wire.Batch.Share of a batch with rows")
	}
	b.shared = d
}

// ownsDict reports whether b's rows are all its dictionaries' rows, so
// that their entries are numbered in order of first appearance in b: its
// own, or a shared Dict only b appended to (nginx's combined format, every
// line of one customer).
func (b *Batch) ownsDict() bool {
	return b.dict().rows == b.Len()
}

// dict returns the dictionaries b's rows index.
func (b *Batch) dict() *Dict {
	if b.shared != nil {
		return b.shared
	}
	return &b.own
}

// Len returns the number of rows.
func (b *Batch) Len() int { return b.num.Len() }

// Append adds r as the last row. r's strings are copied when new to their
// column's dictionary; the caller keeps r.
func (b *Batch) Append(r *record.Record) {
	b.num.AppendNumbers(r)
	d := b.dict()
	d.rows++
	for s := range b.rows {
		c, v := &b.rows[s], r.Str[s]
		// A run of one value (a block's customer, a server's PoP, most
		// rows' method and protocol) is the rule: compare with the
		// previous row before hashing, here where it inlines. A short
		// value compares as a word (a country or PoP differs from the
		// last row's in most rows, and a call to compare equal lengths
		// cost more than the key).
		if len(v) <= maxShort {
			key, tag := shortKey(v), uint32(len(v)) // #nosec G115 -- at most maxShort
			if key == c.lastKey && tag == c.lastTag && len(c.idx) > 0 {
				c.idx = append(c.idx, c.idx[len(c.idx)-1])
				continue
			}
			c.idx = append(c.idx, d.str[s].short(v, key, tag))
			c.last, c.lastKey, c.lastTag = nil, key, tag
			continue
		}
		if len(c.idx) > 0 && string(c.last) == string(v) {
			c.idx = append(c.idx, c.idx[len(c.idx)-1])
			continue
		}
		e, val := d.str[s].long(v)
		c.idx = append(c.idx, e)
		c.last, c.lastTag = val, longTag
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

// Reset empties the batch and keeps its capacity; the dictionaries too,
// when they are its own.
func (b *Batch) Reset() {
	b.num.Reset()
	for s := range b.rows {
		b.rows[s].idx = b.rows[s].idx[:0]
	}
	if b.shared == nil {
		b.own.Reset()
	}
}
