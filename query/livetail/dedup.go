package livetail

import lru "github.com/hashicorp/golang-lru/v2"

// dedup remembers a partition's latest collector batches (source,
// batch end, sequence: the headers ingest's source ledger keys on), at
// most n, so a batch the collector sent again is counted once. A
// collector re-sends a batch it was not sure Kafka had (it crashed
// before its checkpoint, or the produce timed out): soon after, to the
// same partition, so the recent batches are enough.
type dedup struct {
	seen *lru.Cache[batchKey, struct{}]
}

type batchKey struct {
	src string
	end uint64
	seq uint32
}

func newDedup(n int) dedup {
	seen, err := lru.New[batchKey, struct{}](n)
	if err != nil {
		panic("BUG: " + err.Error()) // only for n <= 0, which New rules out
	}
	return dedup{seen: seen}
}

// add records a batch; false when it was recorded already. A batch seen
// again does not count as used: the oldest recorded goes first.
func (d *dedup) add(src string, end uint64, seq uint32) bool {
	found, _ := d.seen.ContainsOrAdd(batchKey{src: src, end: end, seq: seq}, struct{}{})
	return !found
}
