package ingest

import (
	"testing"
	"time"

	"github.com/edgelog/edgelog/internal/record"
)

// A row the collector accepts is a row ingest keeps; a row ClickHouse
// cannot store is moved out alone, the others keep their order.
func TestSplitInvalidTime(t *testing.T) {
	times := []time.Time{
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2099, 12, 31, 23, 59, 59, 500e6, time.UTC), // last half second before 2100: kept
		time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),          // out
		time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 12, 0, 0, 0, time.UTC),   // out (a parser's zero day)
		time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC), // out (negative)
		time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC),
	}
	var blk record.Block
	blk.Append(&record.Record{TimeMs: 1, Status: 500}) // a row of an earlier message: not looked at
	for i, at := range times {
		r := record.Record{TimeMs: at.UnixMilli(), Status: uint16(200 + i)}
		r.Str[record.Path] = []byte{'/', byte('a' + i)}
		blk.Append(&r)
	}
	var bad, scratch record.Block
	if n := splitInvalidTime(&blk, 1, &bad, &scratch); n != 3 {
		t.Fatalf("moved %d rows, want 3", n)
	}
	wantKept := []int{0, 1, 3, 6}
	if blk.Len() != 1+len(wantKept) || blk.Status[0] != 500 {
		t.Fatalf("kept %d rows (first status %d), want the earlier row and %d", blk.Len(), blk.Status[0], len(wantKept))
	}
	for j, i := range wantKept {
		if blk.TimeMs[1+j] != times[i].UnixMilli() || blk.Str[record.Path].String(1+j) != string([]byte{'/', byte('a' + i)}) {
			t.Errorf("kept row %d is %d %q, want row %d", j, blk.TimeMs[1+j], blk.Str[record.Path].String(1+j), i)
		}
		if !record.ValidTime(blk.TimeMs[1+j]) {
			t.Errorf("kept row %d has time ClickHouse cannot store", j)
		}
	}
	for j, i := range []int{2, 4, 5} {
		if bad.TimeMs[j] != times[i].UnixMilli() || bad.Status[j] != uint16(200+i) {
			t.Errorf("bad row %d is %d, want row %d", j, bad.TimeMs[j], i)
		}
	}
	bad.Reset()
	if n := splitInvalidTime(&blk, 0, &bad, &scratch); n != 1 || blk.Len() != len(wantKept) { // the earlier row at 1 ms
		t.Fatalf("second split moved %d, kept %d", n, blk.Len())
	}
}

func TestSkewObserve(t *testing.T) {
	now := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	var blk record.Block
	add := func(server string, at time.Time) {
		r := record.Record{TimeMs: at.UnixMilli()}
		r.Str[record.Server] = []byte(server)
		blk.Append(&r)
	}
	add("ok", now.Add(-3*time.Hour))            // behind: a backlog or a clock behind, not flagged
	add("ok", now.Add(SkewTolerance))           // at the tolerance: not flagged
	add("fast", now.Add(3*time.Hour))           // flagged
	add("fast", now.Add(2*time.Hour))           // flagged
	add("slightly", now.Add(SkewTolerance+1e6)) // 1 ms past: flagged
	s := skewSeen{}
	if n := s.observe(&blk, 0, now); n != 3 {
		t.Fatalf("%d rows flagged, want 3", n)
	}
	if o := s["fast"]; o == nil || o.rows != 2 || o.maxAheadMs != (3*time.Hour).Milliseconds() {
		t.Fatalf("fast: %+v", o)
	}
	if s["ok"] != nil || s["slightly"] == nil {
		t.Fatalf("servers flagged: %v", s)
	}
}
