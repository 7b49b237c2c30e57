package ingest

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// The LowCardinality column lcColumns fills encodes byte for byte as the
// driver's own from []string, for dictionaries of each key width, rows
// that share their value's span (a dictionary-coded wire column) or hold
// equal values in spans of their own, and rows taken in runs; and the
// fields are found at all, so an upgrade of clickhouse-go that renames
// one fails here rather than silently falling back to the driver's
// Append.
func TestLCColumnsEncodeAsTheDriver(t *testing.T) {
	for _, distinct := range []int{3, 254, 255, 300, 70_000} {
		t.Run(fmt.Sprint(distinct), func(t *testing.T) {
			var s record.StrCol
			// Each value once, then a copy of every third in a span of
			// its own (equal bytes elsewhere in the arena), then rows
			// sharing the spans in a scattered order.
			for v := range distinct {
				s.AppendString(fmt.Sprintf("Mozilla/5.0 agent %d", v))
			}
			for v := 0; v < distinct; v += 3 {
				s.AppendString(fmt.Sprintf("Mozilla/5.0 agent %d", v))
			}
			for j := range 2 * distinct {
				i := (j * 7919) % s.Len()
				s.AppendSpan(s.Start[i], s.End[i])
			}
			runs := []rowRun{{from: uint32(s.Len() / 2), n: uint32(s.Len() - s.Len()/2)}, {from: 0, n: uint32(s.Len() / 2)}} // #nosec G115 -- test sizes
			for _, order := range [][]rowRun{nil, runs} {
				var lc lcColumns
				filled := newDriverColumn(t, "LowCardinality(String)")
				if !lc.set(2, filled, &s, order) {
					t.Fatal("the driver's LowCardinality column was not filled: clickhouse-go's column.LowCardinality no longer has the fields lccol.go expects")
				}
				appended := newDriverColumn(t, "LowCardinality(String)")
				var vals []string
				if order == nil {
					vals = s.UnsafeStrings(nil)
				} else {
					all := s.UnsafeStrings(nil)
					for _, r := range order {
						vals = append(vals, all[r.from:r.from+r.n]...)
					}
				}
				if _, err := appended.Append(vals); err != nil {
					t.Fatal(err)
				}
				if filled.Rows() != s.Len() || appended.Rows() != s.Len() {
					t.Fatalf("rows: filled %d, appended %d, want %d", filled.Rows(), appended.Rows(), s.Len())
				}
				var a, b proto.Buffer
				filled.Encode(&a)
				appended.Encode(&b)
				if !bytes.Equal(a.Buf, b.Buf) {
					t.Fatalf("encoded columns differ (runs %v): filled %d bytes, appended %d", order != nil, len(a.Buf), len(b.Buf))
				}
				// The rows read back through the column are the values.
				for j, v := range vals {
					if got := filled.Row(j, false).(string); got != v {
						t.Fatalf("row %d: %q, want %q", j, got, v)
					}
				}
			}
		})
	}
}

// An empty value is the dictionary's default key, and a Nullable column
// or another type is left to the driver's Append.
func TestLCColumnsEmptyAndOtherTypes(t *testing.T) {
	var s record.StrCol
	for _, v := range []string{"", "GET", "", "POST", "GET"} {
		s.AppendString(v)
	}
	var lc lcColumns
	c := newDriverColumn(t, "LowCardinality(String)")
	if !lc.set(0, c, &s, nil) {
		t.Fatal("not filled")
	}
	if got := lc.cols[0].rows; fmt.Sprint(got) != "[0 1 0 2 1]" {
		t.Fatalf("keys %v, want [0 1 0 2 1] (\"\" is the default key 0)", got)
	}
	for j, want := range []string{"", "GET", "", "POST", "GET"} {
		if got := c.Row(j, false).(string); got != want {
			t.Fatalf("row %d: %q, want %q", j, got, want)
		}
	}
	for _, typ := range []string{"LowCardinality(Nullable(String))", "String", "UInt64"} {
		if lc.set(0, newDriverColumn(t, column.Type(typ)), &s, nil) {
			t.Errorf("%s: filled, want left to the driver", typ)
		}
	}
}

// A column's buffers are kept for the next INSERT up to keep rows and
// dropped after a larger one.
func TestLCColumnsRelease(t *testing.T) {
	block := func(rows int) *record.StrCol {
		var s record.StrCol
		for j := range rows {
			s.AppendString(fmt.Sprint("v", j%500))
		}
		return &s
	}
	var lc lcColumns
	lc.set(0, newDriverColumn(t, "LowCardinality(String)"), block(100), nil)
	lc.set(1, newDriverColumn(t, "LowCardinality(String)"), block(5000), nil)
	lc.release(1000)
	if cap(lc.cols[0].rows) == 0 || len(lc.cols[0].spans) == 0 {
		t.Error("a column of 100 rows was dropped; keep is 1000")
	}
	if cap(lc.cols[1].rows) != 0 || len(lc.cols[1].spans) != 0 || len(lc.cols[1].dict.keys) != 0 {
		t.Error("a column of 5000 rows was kept; keep is 1000")
	}
	// A dropped column starts again from nothing.
	c := newDriverColumn(t, "LowCardinality(String)")
	if !lc.set(1, c, block(10), nil) || c.Row(9, false).(string) != "v9" {
		t.Error("a dropped column does not fill again")
	}
}

// The dictionary-coded columns reach a real server intact, on a raw table
// at the latest migration (LowCardinality on 18.16 since migration 22):
// a block of 70,000 rows whose user agents are all distinct (the driver's
// UInt32 keys), referers of 300 values shared by span (UInt16), methods of
// three (UInt8) and empty values, inserted in the table's order (runs),
// read back row for row.
func TestLCColumnsRoundTrip(t *testing.T) {
	const rows = 70_000
	var blk record.Block
	var r record.Record
	for j := range rows {
		r.TimeMs = int64(1_790_000_000_000 + j*10)
		r.Status = 200
		r.Str[record.Customer] = []byte(fmt.Sprint("c", j%3)) // three customers: the order interleaves the rows
		r.Str[record.Method] = []byte([]string{"GET", "POST", ""}[j%3])
		r.Str[record.UserAgent] = []byte(fmt.Sprint("agent ", j))
		blk.Append(&r)
	}
	// Referers as a dictionary-coded wire column decodes them: a value's
	// rows share its span.
	ref := &blk.Str[record.Referer]
	*ref = record.StrCol{}
	for v := range 300 {
		ref.AppendString(fmt.Sprint("https://ref.example/", v))
	}
	for j := 300; j < rows; j++ {
		ref.AppendSpan(ref.Start[j%300], ref.End[j%300])
	}
	ctx := context.Background()
	conn := chtest.Conn(t)
	db := chtest.NewDB(t)
	d, err := schema.ServerDialect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if d.Modern {
		t.Skip("rows are read back in order by time and time_ms, 18.16's columns")
	}
	if err := InsertBlock(ctx, conn, db, d, &blk); err != nil {
		t.Fatal(err)
	}
	var typ string
	if err := conn.QueryRow(ctx, "SELECT type FROM system.columns WHERE database = ? AND table = 'requests' AND name = 'user_agent'", db).Scan(&typ); err != nil {
		t.Fatal(err)
	}
	if typ != "LowCardinality(String)" {
		t.Fatalf("user_agent is %s on this server: the test would not cover the dictionary-coded path", typ)
	}
	got, err := conn.Query(ctx, fmt.Sprintf("SELECT method, user_agent, referer FROM %s.requests ORDER BY time, time_ms", db))
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	j := 0
	for ; got.Next(); j++ {
		var method, agent, referer string
		if err := got.Scan(&method, &agent, &referer); err != nil {
			t.Fatal(err)
		}
		want := [3]string{string(blk.Str[record.Method].Bytes(j)), string(blk.Str[record.UserAgent].Bytes(j)), string(ref.Bytes(j))}
		if [3]string{method, agent, referer} != want {
			t.Fatalf("row %d: %q %q %q, want %q", j, method, agent, referer, want)
		}
	}
	if err := got.Err(); err != nil {
		t.Fatal(err)
	}
	if j != rows {
		t.Fatalf("%d rows read back, want %d", j, rows)
	}
}
