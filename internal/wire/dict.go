package wire

import (
	"bytes"
	"hash/maphash"
)

// strDict dictionary-codes one string column of a batch: each distinct
// value once, then a small index per row. Most columns of CDN traffic hold a
// handful of values (method, protocol, country, user agents, referers,
// PoPs) and even paths repeat, so the payload zstd must chew shrinks several
// times over, which is where the encoder spends its time.
//
// Hand-written rather than a map[string]uint32: a Go map would hash and copy
// a string key per distinct value and cannot be reset without reallocating
// or clearing buckets; this table keeps value spans into the column's own
// arena (no copies), grows only with the distinct count and is reused for
// every column of every batch.
type strDict struct {
	seed  maphash.Seed
	table []uint32 // open addressing, linear probing: entry index + 1, 0 = empty
	ents  []dictEnt
	idx   []uint32 // dictionary index of each row
}

type dictEnt struct {
	start, end uint32 // the value's first occurrence in the column arena
	hash       uint32
}

// build codes the values of rows [from, to) of a column given as its arena
// and end offsets. It gives up and reports false as soon as the column holds
// more than maxDistinct values: a mostly unique column is cheaper plain.
func (d *strDict) build(buf []byte, end []uint32, from, to, maxDistinct int) bool {
	if d.table == nil {
		d.seed = maphash.MakeSeed()
		d.table = make([]uint32, 64)
	}
	clear(d.table)
	d.ents, d.idx = d.ents[:0], d.idx[:0]
	start := uint32(0)
	if from > 0 {
		start = end[from-1]
	}
	var prev []byte
	prevIdx := uint32(0)
	for i := from; i < to; i++ {
		v := buf[start:end[i]]
		vs := start
		start = end[i]
		// A run of one value (a block's customer, a batch of one PoP) is
		// common: compare with the previous row before hashing.
		if i > from && bytes.Equal(v, prev) {
			d.idx = append(d.idx, prevIdx)
			continue
		}
		h := uint32(maphash.Bytes(d.seed, v))
		mask := uint32(len(d.table) - 1)
		slot := h & mask
		for {
			e := d.table[slot]
			if e == 0 {
				if len(d.ents) == maxDistinct {
					return false
				}
				d.ents = append(d.ents, dictEnt{start: vs, end: vs + uint32(len(v)), hash: h})
				d.table[slot] = uint32(len(d.ents))
				prevIdx = uint32(len(d.ents) - 1)
				if len(d.ents)*2 > len(d.table) {
					d.grow()
				}
				break
			}
			ent := &d.ents[e-1]
			if ent.hash == h && bytes.Equal(buf[ent.start:ent.end], v) {
				prevIdx = e - 1
				break
			}
			slot = (slot + 1) & mask
		}
		d.idx = append(d.idx, prevIdx)
		prev = v
	}
	return true
}

// grow doubles the table and re-inserts every entry.
func (d *strDict) grow() {
	d.table = make([]uint32, 2*len(d.table))
	mask := uint32(len(d.table) - 1)
	for i, e := range d.ents {
		slot := e.hash & mask
		for d.table[slot] != 0 {
			slot = (slot + 1) & mask
		}
		d.table[slot] = uint32(i + 1)
	}
}
