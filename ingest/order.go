package ingest

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/schema"
)

// rowOrder sends an INSERT's rows in the raw table's sorting key
// (schema.RawSortKey: customer, then time, on ClickHouse 18.16; see
// newRowOrder for modern servers).
//
// ClickHouse sorts every block it writes into a MergeTree part by the
// table's key unless the block is in that order already (it checks
// first: the MergeTreeDataWriterBlocksAlreadySorted event). An INSERT's
// rows are partitions' batches end to end, each message one customer's
// rows in time order, so the server sorted every raw block: a stable
// permutation over a String and a DateTime column, then each of the
// table's 31 columns copied through it. Sent sorted, the 18.16 server's
// CPU for the raw INSERT with its views fell by 14% (package doc, "The
// raw table's order").
//
// Here the order costs little: rows are not moved. Each row gets one
// uint64 (its key tuple's rank, its time at the table's precision, its
// index: distinct, so the order is stable and deterministic, and a batch
// sent again is the same block, which cluster mode's deduplication
// needs). A block is runs of rows of one tuple already in time order (a
// message); when the runs do not overlap, ordering the runs by their
// first key is the whole sort, otherwise every key is sorted. The order
// is kept as runs of consecutive rows, applied where the driver's
// columns are filled: string columns by their positions, run by run
// (strcol.go: the spans are reordered, not the bytes), numeric ones
// copied run by run into buffers kept across INSERTs. Key tuples are
// ranked once per distinct tuple: rows of one message share their
// customer's bytes (record.StrCol), so a row whose key spans are the
// previous row's is the same tuple without a comparison.
//
// Bounded: 12 bytes a row for the keys and tuple numbers, 8 a run, the
// copied numeric columns (86 bytes a row on 18.16), all dropped after an
// INSERT of more than maxKeptPositions rows, and one map entry per
// distinct key tuple of an INSERT (cleared, not shrunk, as the feed's).
// When the key does not fit 64 bits (tuples x time range x rows, which
// no INSERT reaches) or the rows are in order already, they go as they
// are and the server sorts them as before.
type rowOrder struct {
	strKeys  []record.Str // the key's string columns, in key order
	timeKey  bool         // the key ends with time
	timeUnit int64        // milliseconds of the table's time precision

	ids     []uint32          // each row's key tuple, numbered by first appearance
	tuples  map[string]uint32 // encoded key tuple -> its number
	vals    []string          // tuple t's values: vals[t*len(strKeys):][:len(strKeys)]
	byRank  []uint32          // tuple numbers in key order
	rank    []uint32          // tuple number -> rank
	enc     []byte            // scratch for one encoded tuple
	keys    []uint64
	runs    []rowRun // the order of the last sort; nil: the rows' own
	runsBuf []rowRun

	gathered []any // per raw-table column index: the last gathered column
}

// newRowOrder returns the order of d's raw table (schema.RawSortKey) on
// ClickHouse 18.16, and an order that leaves rows as they are on modern
// servers. There the key is (customer, host, time) and a message's hosts
// interleave, so its runs are a row or two long and every row's key is
// sorted: 160 ns a row here against 20 for 18.16's key
// (BenchmarkRowOrder), more than the 140 ns a row a modern server saves by
// it (schema/conformance BenchmarkRawOrder: chDB inserting a million rows
// into the modern raw table, 0.63 CPU-s in pipeline order against 0.49 in
// the table's). Grouping a message's rows by host first would make the
// order cheaper, but its runs would still be a row or two, copied row by
// row: a net saving of a few tens of ns a row at best, so not done.
func newRowOrder(d schema.Dialect) *rowOrder {
	if d.Modern {
		return &rowOrder{}
	}
	return keyOrder(d)
}

// keyOrder returns the order of d's raw table key, time compared at the
// precision of d's time column: seconds on 18.16 (DateTime), milliseconds
// on modern servers (DateTime64(3)).
func keyOrder(d schema.Dialect) *rowOrder {
	if d.Modern {
		return newRowOrderOf(schema.RawSortKey(d), 1)
	}
	return newRowOrderOf(schema.RawSortKey(d), 1000)
}

// newRowOrderOf returns the order of key, string columns then time, time
// compared in units of timeUnit milliseconds.
// A key of any other shape (a column that is not one of the block's
// strings, before time) leaves rows as they are.
func newRowOrderOf(key []string, timeUnit int64) *rowOrder {
	o := &rowOrder{tuples: map[string]uint32{}, timeUnit: timeUnit}
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

// sort computes the order that puts blk's rows in key order, as runs of
// consecutive rows, and returns it, or nil when the rows go as they are.
// It stays set (apply) until the next sort.
func (o *rowOrder) sort(blk *record.Block) []rowRun {
	o.runs = nil
	n := blk.Len()
	if !o.timeKey || n < 2 {
		return nil
	}
	o.number(blk)
	lo, hi := floorDiv(slices.Min(blk.TimeMs), o.timeUnit), floorDiv(slices.Max(blk.TimeMs), o.timeUnit)
	idxBits := bits.Len(uint(n - 1))
	timeBits := bits.Len64(uint64(hi - lo)) // #nosec G115 -- hi >= lo
	if bits.Len(uint(len(o.byRank)-1))+timeBits+idxBits > 64 {
		return nil
	}
	o.keys = slices.Grow(o.keys[:0], n)
	for i, ms := range blk.TimeMs {
		t := floorDiv(ms, o.timeUnit) - lo
		k := uint64(o.rank[o.ids[i]])<<(timeBits+idxBits) | uint64(t)<<idxBits | uint64(i) // #nosec G115 -- t >= 0; fits 64 bits (checked above)
		o.keys = append(o.keys, k)
	}
	// The rows are runs of one key tuple already in time order (a
	// message's rows: one customer, in time order). When those runs do not
	// overlap, ordering them is the whole sort: R log R for R runs, not
	// n log n. (A run ends where the tuple changes even if the next is
	// greater: runs of one customer each are what do not overlap.)
	o.runs = o.runsBuf[:0]
	from := 0
	for i := 1; i <= n; i++ {
		if i == n || o.ids[i] != o.ids[i-1] || o.keys[i] < o.keys[i-1] {
			o.runs = append(o.runs, rowRun{from: uint32(from), n: uint32(i - from)}) // #nosec G115 -- row indexes < n <= MaxInsertRows
			from = i
		}
	}
	o.runsBuf = o.runs
	if len(o.runs) == 1 {
		o.runs = nil // in order already
		return nil
	}
	// Many short runs (a modern key's hosts interleaved in a message):
	// ordering them would cost about what sorting the rows does.
	if len(o.runs) <= max(n/8, 64) {
		slices.SortFunc(o.runs, func(a, b rowRun) int { return cmp.Compare(o.keys[a.from], o.keys[b.from]) })
		if o.disjoint() {
			return o.coalesce()
		}
	}
	// Runs that overlap (several servers' logs of one customer in the
	// same seconds): sort every row's key. Rows of a message keep their
	// order within a key (the index breaks ties), so the result is still
	// mostly runs of consecutive rows, which apply copies a run at a time.
	slices.Sort(o.keys)
	mask := uint64(1)<<idxBits - 1
	o.runs = o.runs[:0]
	for _, k := range o.keys {
		i := uint32(k & mask) // #nosec G115 -- a row index < n <= MaxInsertRows
		if r := len(o.runs) - 1; r >= 0 && o.runs[r].from+o.runs[r].n == i {
			o.runs[r].n++
			continue
		}
		o.runs = append(o.runs, rowRun{from: i, n: 1})
	}
	o.runsBuf = o.runs
	return o.coalesce()
}

// coalesce joins runs that follow each other in the block and returns
// them, or nil when that leaves the block's own order.
func (o *rowOrder) coalesce() []rowRun {
	out := o.runs[:1]
	for _, r := range o.runs[1:] {
		if last := &out[len(out)-1]; last.from+last.n == r.from {
			last.n += r.n
			continue
		}
		out = append(out, r)
	}
	o.runs = out
	if len(out) == 1 {
		o.runs = nil
	}
	return o.runs
}

// disjoint reports whether o.runs, ordered by their first keys, are in
// key order end to end: each run's last key before the next run's first.
func (o *rowOrder) disjoint() bool {
	for r := 1; r < len(o.runs); r++ {
		prev := o.runs[r-1]
		if o.keys[prev.from+prev.n-1] > o.keys[o.runs[r].from] {
			return false
		}
	}
	return true
}

// rowRun is n consecutive rows of a block, from row from.
type rowRun struct{ from, n uint32 }

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
			o.enc = binary.AppendUvarint(o.enc, uint64(len(v)))
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
	if o.runs == nil {
		return v
	}
	for len(o.gathered) <= i {
		o.gathered = append(o.gathered, nil)
	}
	switch v := v.(type) {
	case []int64:
		return gatherInto(o.gathered, i, v, o.runs)
	case []uint64:
		return gatherInto(o.gathered, i, v, o.runs)
	case []uint32:
		return gatherInto(o.gathered, i, v, o.runs)
	case []uint16:
		return gatherInto(o.gathered, i, v, o.runs)
	case []uint8:
		return gatherInto(o.gathered, i, v, o.runs)
	case [][16]byte:
		return gatherInto(o.gathered, i, v, o.runs)
	case []string:
		return gatherInto(o.gathered, i, v, o.runs)
	}
	panic("BUG: rowOrder cannot reorder a column of this type")
}

// release forgets the gathered strings (views of the block's arenas,
// which must not be kept alive) and drops every buffer after an INSERT of
// more than keep rows, as strColumns.release does.
func (o *rowOrder) release(keep int) {
	if cap(o.keys) > keep {
		o.keys, o.runsBuf, o.ids, o.gathered = nil, nil, nil, nil
		return
	}
	for i, g := range o.gathered {
		if g, ok := g.([]string); ok {
			clear(g)
			o.gathered[i] = g[:0]
		}
	}
}

// gatherInto puts v's values in runs' order into gathered[i]'s buffer and
// returns it.
func gatherInto[T any](gathered []any, i int, v []T, runs []rowRun) []T {
	buf, _ := gathered[i].([]T)
	buf = slices.Grow(buf[:0], len(v))
	for _, r := range runs {
		buf = append(buf, v[r.from:r.from+r.n]...)
	}
	gathered[i] = buf
	return buf
}
