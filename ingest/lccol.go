package ingest

import (
	"math"
	"reflect"
	"unsafe"

	"github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"

	"github.com/edgelog/edgelog/internal/record"
)

// lcColumns fills clickhouse-go's LowCardinality(String) columns from the
// block's string arenas: each distinct value once, in a dictionary, and
// each row's key into it (schema.RawDictMigration says which raw columns
// are LowCardinality and why).
//
// The driver takes such a column as []string and looks every row up in a
// map[any]int, boxing the string: in a 20M-line `edgelog bench` against
// the seven LowCardinality columns that put ingest at 1.30 CPU-s per
// million requests, where String columns aliasing the arena (strcol.go)
// cost 0.76. The block already knows which rows share a value: a
// dictionary-coded wire column decodes every row of one message's value
// to the same span of the arena (record.StrCol). So a row's key is found
// by its span in a table of integers, and only a span not seen before in
// this INSERT is looked up by its bytes (groupindex.go); the dictionary's
// bytes are that lookup's arena. Hand-written for the reason strcol.go
// gives (neither driver takes a ready column); the driver's fields are
// reached by name and type, and when they are not there (another driver
// version, a Nullable column) set returns false and the insert falls back
// to the driver's Append. TestLCColumnsEncodeAsTheDriver fails if the
// layout changes or the encoding differs from the driver's own.
//
// What it holds between INSERTs, per LowCardinality column: a key a row
// (4 bytes, and 1 or 2 more in the driver's width), a span table of 12
// bytes a slot, at most four slots a distinct span (it doubles when half
// full), and the dictionary's values; release drops the column's buffers
// after an INSERT of more rows than it keeps, as strColumns does
// (TestLCColumnsRelease).
type lcColumns struct {
	cols []lcCol // one per raw-table column index
}

// lcCol is one column's state, reused across INSERTs.
type lcCol struct {
	dict  groupIndex       // the dictionary: "" first (key 0, the driver's default), then values in order of first appearance
	pos   []proto.Position // dictionary value k's bytes in dict.keys
	spans []uint64         // open addressing, linear probing: a span (start<<32 | end)
	keys  []uint32         // the slot's dictionary key + 1; 0 = empty
	shift uint             // 64 - log2(len(spans)): a span's slot is its hash's top bits
	used  int              // occupied slots
	rows  []uint32         // each row's dictionary key
	k8    []uint8          // rows narrowed to the driver's key width
	k16   []uint16
}

// driverLC is the inside of a clickhouse-go LowCardinality(String) column.
type driverLC struct {
	key  *byte // key width: 0 UInt8, 1 UInt16, 2 UInt32 (the driver's keyUInt8...)
	rows *int
	dict *proto.ColStr
	k8   *proto.ColUInt8
	k16  *proto.ColUInt16
	k32  *proto.ColUInt32
}

// set fills c, if it is a LowCardinality(String) column, from s's rows (in
// the runs' order, as strColumns.set) and reports whether it did. The
// column then aliases buffers kept here until the INSERT is sent.
func (lc *lcColumns) set(i int, c column.Interface, s *record.StrCol, runs []rowRun) bool {
	d := lcInside(c)
	if d == nil {
		return false
	}
	for len(lc.cols) <= i {
		lc.cols = append(lc.cols, lcCol{})
	}
	col := &lc.cols[i]
	col.reset(s.Len())
	if runs == nil {
		col.addRows(s, 0, s.Len())
	}
	for _, r := range runs {
		col.addRows(s, int(r.from), int(r.from+r.n))
	}
	col.fill(d)
	return true
}

// release drops the buffers of columns that held more than keep rows.
func (lc *lcColumns) release(keep int) {
	for i := range lc.cols {
		if cap(lc.cols[i].rows) > keep {
			lc.cols[i] = lcCol{}
		}
	}
}

// reset empties the column for an INSERT of n rows.
func (col *lcCol) reset(n int) {
	col.dict.reset()
	col.dict.find(nil) // key 0: the default value the driver puts first
	col.pos = col.pos[:0]
	col.rows = col.rows[:0]
	if cap(col.rows) < n {
		col.rows = make([]uint32, 0, n)
	}
	if col.used > 0 {
		clear(col.keys)
		col.used = 0
	}
	if len(col.spans) == 0 {
		col.spans, col.keys, col.shift = make([]uint64, 1024), make([]uint32, 1024), 64-10
	}
}

// addRows appends the keys of s's rows [from, to).
func (col *lcCol) addRows(s *record.StrCol, from, to int) {
	mask := uint64(len(col.spans) - 1) // #nosec G115 -- a power of two, at least 1024
	for j := from; j < to; j++ {
		span := uint64(s.Start[j])<<32 | uint64(s.End[j])
		slot := spanSlot(span, col.shift)
		for {
			k := col.keys[slot]
			if k == 0 {
				key, _ := col.dict.find(s.Buf[s.Start[j]:s.End[j]])
				col.spans[slot], col.keys[slot] = span, uint32(key)+1 // #nosec G115 -- keys <= rows of an INSERT < 2^31
				col.rows = append(col.rows, uint32(key))              // #nosec G115 -- as above
				if col.used++; 2*col.used > len(col.spans) {
					col.grow()
					mask = uint64(len(col.spans) - 1) // #nosec G115 -- a power of two, at least 1024
				}
				break
			}
			if col.spans[slot] == span {
				col.rows = append(col.rows, k-1)
				break
			}
			slot = (slot + 1) & mask
		}
	}
}

// grow doubles the span table and re-inserts its spans.
func (col *lcCol) grow() {
	spans, keys := col.spans, col.keys
	col.spans, col.keys, col.shift = make([]uint64, 2*len(spans)), make([]uint32, 2*len(keys)), col.shift-1
	mask := uint64(len(col.spans) - 1) // #nosec G115 -- a power of two, at least 1024
	for i, k := range keys {
		if k == 0 {
			continue
		}
		slot := spanSlot(spans[i], col.shift)
		for col.keys[slot] != 0 {
			slot = (slot + 1) & mask
		}
		col.spans[slot], col.keys[slot] = spans[i], k
	}
}

// spanSlot is a span's first slot in a table of 2^(64-shift): Fibonacci
// hashing, whose top bits mix every bit of the span (its offsets are far
// from random in their low bits).
func spanSlot(span uint64, shift uint) uint64 { return span * 0x9E3779B97F4A7C15 >> shift }

// fill points the driver's column at the dictionary and the rows' keys,
// narrowed to the width the driver would choose for the dictionary's
// size (LowCardinality.Encode).
func (col *lcCol) fill(d *driverLC) {
	n := col.dict.len()
	start := uint32(0)
	for _, end := range col.dict.ends {
		col.pos = append(col.pos, proto.Position{Start: int(start), End: int(end)})
		start = end
	}
	d.dict.Buf = col.dict.keys[:len(col.dict.keys):len(col.dict.keys)]
	d.dict.Pos = col.pos
	switch {
	case n-1 < math.MaxUint8:
		col.k8 = narrow(col.k8, col.rows)
		*d.key, *d.k8 = 0, proto.ColUInt8(col.k8[:len(col.k8):len(col.k8)])
	case n-1 < math.MaxUint16:
		col.k16 = narrow(col.k16, col.rows)
		*d.key, *d.k16 = 1, proto.ColUInt16(col.k16[:len(col.k16):len(col.k16)])
	default:
		*d.key, *d.k32 = 2, proto.ColUInt32(col.rows[:len(col.rows):len(col.rows)])
	}
	*d.rows = len(col.rows)
}

// narrow returns keys as T in dst's memory (grown if need be); each key
// is below the dictionary's size, by which fill chose T.
func narrow[T uint8 | uint16](dst []T, keys []uint32) []T {
	dst = dst[:0]
	for _, k := range keys {
		dst = append(dst, T(k)) // #nosec G115 -- k < the dictionary's size, which fits T
	}
	return dst
}

// lcInside returns the inside of c if it is a clickhouse-go
// LowCardinality(String) column with the fields expected, else nil.
func lcInside(c column.Interface) *driverLC {
	lc, ok := c.(*column.LowCardinality)
	if !ok || lc == nil {
		return nil
	}
	rv := reflect.ValueOf(lc).Elem()
	// field returns the address of the driver's field name if it has
	// type T, else nil.
	field := func(name string, t reflect.Type) unsafe.Pointer {
		f := rv.FieldByName(name)
		if !f.IsValid() || f.Type() != t {
			return nil
		}
		return unsafe.Pointer(f.UnsafeAddr()) // #nosec G103 -- the driver's unexported field, found by name and type
	}
	key, rows := field("key", reflect.TypeFor[byte]()), field("rows", reflect.TypeFor[int]())
	index, nullable := field("index", reflect.TypeFor[column.Interface]()), field("nullable", reflect.TypeFor[bool]())
	k8 := field("keys8", reflect.TypeFor[column.UInt8]())
	k16 := field("keys16", reflect.TypeFor[column.UInt16]())
	k32 := field("keys32", reflect.TypeFor[column.UInt32]())
	if key == nil || rows == nil || index == nil || nullable == nil || k8 == nil || k16 == nil || k32 == nil || *(*bool)(nullable) {
		return nil
	}
	d := &driverLC{
		key:  (*byte)(key),
		rows: (*int)(rows),
		dict: driverStr(*(*column.Interface)(index)),
		k8:   driverCol[proto.ColUInt8]((*column.UInt8)(k8)),
		k16:  driverCol[proto.ColUInt16]((*column.UInt16)(k16)),
		k32:  driverCol[proto.ColUInt32]((*column.UInt32)(k32)),
	}
	if d.dict == nil || d.k8 == nil || d.k16 == nil || d.k32 == nil {
		return nil
	}
	return d
}
