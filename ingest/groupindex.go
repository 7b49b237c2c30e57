package ingest

import (
	"bytes"
	"hash/maphash"
)

// groupIndex numbers the distinct byte keys of a batch in order of first
// appearance: the rollup feed's groups (feeder.aggregate).
//
// Hand-written rather than a map[string]int32, which it replaced: at the
// bench's density 0.82 of a batch's rows start a group (230k keys in a
// 280k-row INSERT), and the map copied every new key into a string of
// its own and walked its directory, table and control words on each
// lookup (half of the feed's time: BenchmarkFeedAggregate/generated).
// This table keeps the keys in one arena and int32 slots (2 MiB for 256k
// groups), compares a slot's hash before its key's bytes, and is reused
// batch after batch, as the wire's dictionaries are (internal/wire,
// dictCol).
//
// Bounds: one group per row of an INSERT at most (MaxInsertRows); the
// slots number at most four times the groups; reset keeps the capacity.
type groupIndex struct {
	keys   []byte   // the groups' keys, concatenated in group order
	ends   []uint32 // group g's key ends at ends[g] and starts where g-1's ends
	hashes []uint32 // each group's hash
	slots  []int32  // open addressing, linear probing: group + 1, 0 = empty
}

var groupSeed = maphash.MakeSeed()

// reset forgets every group and keeps the memory.
func (x *groupIndex) reset() {
	x.keys, x.ends, x.hashes = x.keys[:0], x.ends[:0], x.hashes[:0]
	clear(x.slots)
}

// len returns the number of groups.
func (x *groupIndex) len() int { return len(x.ends) }

// find returns k's group, and whether it was there before: a new key
// becomes group len() (its bytes copied; the caller keeps k).
func (x *groupIndex) find(k []byte) (int32, bool) {
	if len(x.slots) == 0 {
		x.slots = make([]int32, 1024)
	}
	h := uint32(maphash.Bytes(groupSeed, k)) // #nosec G115 -- a hash: truncation is intended
	mask := uint32(len(x.slots) - 1)         // #nosec G115 -- a power of two far below 2^32
	for s := h & mask; ; s = (s + 1) & mask {
		g := x.slots[s] - 1
		if g < 0 {
			g = int32(len(x.ends)) // #nosec G115 -- groups <= rows of an INSERT < 2^31
			x.keys = append(x.keys, k...)
			x.ends = append(x.ends, uint32(len(x.keys))) // #nosec G115 -- an INSERT's keys stay far below 4 GiB
			x.hashes = append(x.hashes, h)
			x.slots[s] = g + 1
			if 2*len(x.ends) > len(x.slots) {
				x.grow()
			}
			return g, false
		}
		if x.hashes[g] == h && bytes.Equal(x.key(g), k) {
			return g, true
		}
	}
}

// key returns group g's key.
func (x *groupIndex) key(g int32) []byte {
	start := uint32(0)
	if g > 0 {
		start = x.ends[g-1]
	}
	return x.keys[start:x.ends[g]]
}

// grow doubles the slots and places every group again.
func (x *groupIndex) grow() {
	x.slots = make([]int32, 2*len(x.slots))
	mask := uint32(len(x.slots) - 1) // #nosec G115 -- a power of two far below 2^32
	for g, h := range x.hashes {
		s := h & mask
		for x.slots[s] != 0 {
			s = (s + 1) & mask
		}
		x.slots[s] = int32(g) + 1 // #nosec G115 -- groups <= rows of an INSERT < 2^31
	}
}
