package livetail

// dedup remembers a partition's latest collector batches (source,
// batch end, sequence: the headers ingest's source ledger keys on), a
// ring of at most n, so a batch the collector sent again is counted once.
// A collector re-sends a batch it was not sure Kafka had (it crashed
// before its checkpoint, or the produce timed out): soon after, to the
// same partition, so a ring of recent batches is enough.
type dedup struct {
	ring []batchKey
	next int
	set  map[batchKey]struct{}
}

type batchKey struct {
	src string
	end uint64
	seq uint32
}

func newDedup(n int) dedup {
	return dedup{ring: make([]batchKey, 0, n), set: make(map[batchKey]struct{}, n)}
}

// add records a batch; false when it was recorded already.
func (d *dedup) add(src string, end uint64, seq uint32) bool {
	k := batchKey{src: src, end: end, seq: seq}
	if _, ok := d.set[k]; ok {
		return false
	}
	if len(d.ring) < cap(d.ring) {
		d.ring = append(d.ring, k)
	} else {
		delete(d.set, d.ring[d.next])
		d.ring[d.next] = k
		d.next = (d.next + 1) % len(d.ring)
	}
	d.set[k] = struct{}{}
	return true
}
