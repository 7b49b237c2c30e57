package wire

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math/bits"
)

// dictCol is one string column's dictionary: its distinct values, numbered
// in order of first appearance.
//
// Hand-written rather than a map[string]uint32: a Go map would copy and
// hash a string key per distinct value and cannot be emptied without
// clearing or reallocating its buckets; this table grows only with the
// distinct count, keeps values in one arena and is reused batch after
// batch. Its bound: the table grows when more than half full, so it holds
// at most 4 slots per distinct value of the largest batch it served (and
// at least 64); entries and values are the batch's own. A lookup probes
// O(1) slots on average whatever values clients choose: both hashes are
// keyed per process (seed, shortSeeds).
type dictCol struct {
	vals  []byte     // distinct values, concatenated in order of first appearance
	ents  []dictEnt  // value i is vals[ents[i].start:ents[i].end]
	table []dictSlot // open addressing, linear probing
}

type dictEnt struct {
	start, end uint32
}

// dictSlot is one slot of a dictCol's table. It holds what a lookup
// compares, so that finding a value touches the table alone (a value of
// up to 8 bytes: country, PoP, method, scheme, protocol, cache status) or
// the table and the value's bytes, never the entries in between: each of
// those was a cache miss per column and row in the profile.
type dictSlot struct {
	// key is a short value's bytes (little-endian, zero-padded), or a
	// long value's start<<32 | end in vals.
	key uint64
	// tag is a short value's length (0 to 8), or a long value's hash
	// with the top bit set: a short value never matches a long slot.
	tag uint32
	ent uint32 // entry index + 1, 0 = empty
}

// maxShort is the longest value a slot holds inline.
const maxShort = 8

const longTag = 1 << 31

// shortKey returns v (len(v) <= maxShort) as a slot key: its bytes in
// little-endian order, zero-padded. With the length (the tag) it names v
// exactly.
func shortKey(v []byte) uint64 {
	n := len(v)
	switch {
	case n >= 4:
		// Two overlapping loads: the bytes both cover are equal, so
		// OR-ing them is exact.
		return uint64(binary.LittleEndian.Uint32(v)) | uint64(binary.LittleEndian.Uint32(v[n-4:]))<<(8*(n-4))
	case n > 0:
		return uint64(v[0]) | uint64(v[n/2])<<(8*(n/2)) | uint64(v[n-1])<<(8*(n-1))
	}
	return 0
}

// shortHash places a short value: its key and length, keyed by the
// process's seed, multiplied into 128 bits whose halves are folded (the
// mix of wyhash and of the Go runtime's hash without AES), where maphash
// costs a call per value. Seeded because a client chooses its paths,
// methods and hosts: the unseeded multiply this replaced sent every value
// that differed from another only in its last bytes to one slot (the
// slot is the product's bits 32 and up, which bytes 6 and 7 never reach
// below 2^16 slots), and a batch of such values probed in time quadratic
// in its size (TestShortHashSpreadsCraftedValues).
func shortHash(key uint64, n int) uint32 {
	hi, lo := bits.Mul64(key^uint64(n)<<61^shortSeeds[0], shortSeeds[1]) // #nosec G115 -- n is a short value's length, 0 to 8
	return uint32(hi ^ lo) // #nosec G115 -- a hash: truncation is intended
}

// seed keys the dictionaries' hash. Any seed codes the same: entries are
// numbered by first appearance, never by hash.
var seed = maphash.MakeSeed()

// shortSeeds key shortHash, drawn from seed; the multiplier is odd, so
// the product keeps every bit of the key.
var shortSeeds = [2]uint64{maphash.Bytes(seed, []byte{0}), maphash.Bytes(seed, []byte{1}) | 1}

// reset empties c and keeps its capacity.
func (c *dictCol) reset() {
	c.vals, c.ents = c.vals[:0], c.ents[:0]
	clear(c.table)
}

// value returns entry i's bytes.
func (c *dictCol) value(i uint32) []byte {
	e := &c.ents[i]
	return c.vals[e.start:e.end:e.end]
}

// short returns the entry of v, a value of at most maxShort bytes whose
// shortKey and length are key and tag, adding it when new.
func (c *dictCol) short(v []byte, key uint64, tag uint32) uint32 {
	if c.table == nil {
		c.table = make([]dictSlot, 64)
	}
	mask := uint32(len(c.table) - 1) // #nosec G115 -- the table's size is a power of two far below 2^32
	slot := shortHash(key, len(v)) & mask
	for ; ; slot = (slot + 1) & mask {
		s := &c.table[slot]
		if s.ent == 0 {
			break
		}
		if s.key == key && s.tag == tag {
			return s.ent - 1
		}
	}
	return c.insert(v, slot, key, tag)
}

// long returns the entry of v, a value longer than maxShort, adding it
// when new, and its bytes in the arena.
func (c *dictCol) long(v []byte) (uint32, []byte) {
	if c.table == nil {
		c.table = make([]dictSlot, 64)
	}
	mask := uint32(len(c.table) - 1)                // #nosec G115 -- the table's size is a power of two far below 2^32
	tag := uint32(maphash.Bytes(seed, v)) | longTag // #nosec G115 -- a hash: truncation is intended
	slot := tag & mask
	for ; ; slot = (slot + 1) & mask {
		s := &c.table[slot]
		if s.ent == 0 {
			break
		}
		if s.tag == tag {
			if old := c.vals[s.key>>32 : uint32(s.key)]; bytes.Equal(old, v) { // #nosec G115 -- the low half of key is the value's end, stored from a uint32
				return s.ent - 1, old
			}
		}
	}
	start := uint64(len(c.vals))
	e := c.insert(v, slot, start<<32|(start+uint64(len(v))), tag)
	return e, c.vals[start:]
}

// insert adds v as a new entry in the empty slot slot, with key and tag
// as short or long computed them, and returns the entry.
func (c *dictCol) insert(v []byte, slot uint32, key uint64, tag uint32) uint32 {
	start := uint32(len(c.vals)) // #nosec G115 -- a batch's values stay far below 4 GiB (a message is at most max_message_bytes)
	c.vals = append(c.vals, v...)
	c.ents = append(c.ents, dictEnt{start: start, end: uint32(len(c.vals))}) // #nosec G115 -- a batch's values stay far below 4 GiB (a message is at most max_message_bytes)
	e := uint32(len(c.ents))                                                 // #nosec G115 -- entries <= rows <= MaxRows < 2^32
	c.table[slot] = dictSlot{key: key, tag: tag, ent: e}
	if len(c.ents)*2 > len(c.table) {
		c.grow()
	}
	return e - 1
}

// grow doubles the table and re-inserts every slot.
func (c *dictCol) grow() {
	old := c.table
	c.table = make([]dictSlot, 2*len(old))
	mask := uint32(len(c.table) - 1) // #nosec G115 -- the table's size is a power of two far below 2^32
	for _, s := range old {
		if s.ent == 0 {
			continue
		}
		slot := s.tag & mask
		if s.tag&longTag == 0 {
			slot = shortHash(s.key, int(s.tag)) & mask
		}
		for c.table[slot].ent != 0 {
			slot = (slot + 1) & mask
		}
		c.table[slot] = s
	}
}
