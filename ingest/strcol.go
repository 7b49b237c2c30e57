package ingest

import (
	"github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"

	"github.com/edgelog/edgelog/internal/record"
)

// strColumns hands the block's string arenas to clickhouse-go's String
// columns without copying them.
//
// The driver takes strings as []string only and copies every one into
// its own proto.ColStr (a byte arena and per-value positions), growing
// fresh buffers for every INSERT: that copy and its growth were a quarter
// of ingest's CPU (pprof of the 3M-line `edgelog bench`, December 2026).
// record.StrCol is already an arena with each value's span, so the column
// the driver encodes can point at it: Buf aliases the arena (capacity
// capped, so nothing the driver appends can reach past it) and Pos is
// built from the spans into slices kept here and reused across INSERTs
// (no pointers, so the garbage collector does not scan them). Spans may
// repeat (a dictionary-coded column's rows share their value's bytes):
// ch-go encodes each row from its span, so the server receives every
// row's bytes as before.
//
// The driver does not export the ColStr inside column.String, so it is
// reached by reflection, by name and type. Hand-written because neither
// driver offers it: ch-go's own client, which takes proto.ColStr as it
// is, cannot talk to ClickHouse 18.16 (its query packet's settings are
// refused: UNKNOWN_SETTING). When the field is not there (another driver
// version, or a column that is not a plain String, such as the modern
// dialect's LowCardinality) driverStr returns nil and the insert falls
// back to appending []string views (forDriver); TestDriverStrAliased fails
// if the driver's layout changes.
type strColumns struct {
	pos [][]proto.Position // one per raw-table column index
}

// set points c's ColStr at s if c is a plain String column, and reports
// whether it did. The column then aliases s's arena until the INSERT is
// sent: s must not be reset or appended to before. With runs (order.go)
// the column's rows are s's in the runs' order: the positions are
// reordered, not the bytes.
func (sc *strColumns) set(i int, c column.Interface, s *record.StrCol, runs []rowRun) bool {
	cs := driverStr(c)
	if cs == nil {
		return false
	}
	for len(sc.pos) <= i {
		sc.pos = append(sc.pos, nil)
	}
	pos := sc.pos[i][:0]
	if cap(pos) < len(s.End) {
		// Twice the last, as record.Grow, but never past what release
		// keeps unless this INSERT needs it.
		pos = make([]proto.Position, 0, max(len(s.End), min(2*cap(pos), maxKeptPositions)))
	}
	if runs == nil {
		pos = appendPositions(pos, s.Start, s.End)
	}
	for _, r := range runs {
		pos = appendPositions(pos, s.Start[r.from:r.from+r.n], s.End[r.from:r.from+r.n])
	}
	sc.pos[i] = pos
	cs.Buf = s.Buf[:len(s.Buf):len(s.Buf)]
	cs.Pos = pos
	return true
}

// appendPositions appends the positions of values [start[j], end[j]).
func appendPositions(pos []proto.Position, start, end []uint32) []proto.Position {
	end = end[:len(start)]
	for j, e := range end {
		pos = append(pos, proto.Position{Start: int(start[j]), End: int(e)})
	}
	return pos
}

// release drops the positions of columns longer than keep rows, so one
// unusually large INSERT does not hold its memory for good.
func (sc *strColumns) release(keep int) {
	for i := range sc.pos {
		if cap(sc.pos[i]) > keep {
			sc.pos[i] = nil
		}
	}
}

// driverStr returns the proto.ColStr inside a clickhouse-go String column,
// or nil if c is not one or the driver's layout is not the expected one.
func driverStr(c column.Interface) *proto.ColStr {
	if _, ok := c.(*column.String); !ok {
		return nil
	}
	return driverCol[proto.ColStr](c) // numcol.go
}
