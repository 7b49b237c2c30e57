package ingest

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// testBatch is messages first..first+msgs-1 of partition, rowsPer rows
// each, the rows of customer c<k> for message k%3.
func testBatch(partition int, first int64, msgs, rowsPer int) *batch {
	b := &batch{partition: partition}
	b.reset()
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for m := range msgs {
		off := first + int64(m)
		for i := range rowsPer {
			r := record.Record{TimeMs: base + off*60_000 + int64(i), Status: 200, BytesSent: 100}
			r.SetClientIP(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}))
			r.Str[record.Customer] = []byte{'c', byte('0' + m%3)}
			r.Str[record.Host] = []byte("www.example")
			b.block.Append(&r)
			b.srcOffset = append(b.srcOffset, uint64(off))
			b.srcFile = append(b.srcFile, "")
			b.srcEnd = append(b.srcEnd, 0)
			b.srcSeq = append(b.srcSeq, 0)
		}
		if b.first < 0 {
			b.first = off
		}
		b.last = off
		b.messages++
	}
	return b
}

// subset is b's rows whose customer is one of customers: what one shard
// takes of b.
func subset(b *batch, customers ...string) *batch {
	out := &batch{partition: b.partition}
	out.reset()
	var r record.Record
	for i := range b.block.Len() {
		c := string(b.block.Str[record.Customer].Bytes(i))
		for _, want := range customers {
			if c == want {
				b.block.Row(i, &r)
				out.block.Append(&r)
				out.srcOffset = append(out.srcOffset, b.srcOffset[i])
				out.srcFile = append(out.srcFile, "")
				out.srcEnd = append(out.srcEnd, 0)
				out.srcSeq = append(out.srcSeq, 0)
			}
		}
	}
	out.first, out.last = b.first, b.last
	return out
}

// migratedInserter returns a connection, a fresh migrated database and an
// inserter into it for the server's dialect.
func migratedInserter(t *testing.T) (driver.Conn, string, *inserter) {
	t.Helper()
	conn := chtest.Conn(t)
	db := chtest.NewDB(t) // migrated already
	d, err := schema.ServerDialect(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	return conn, db, newInserter(conn, db, d)
}

// TestRowsLanded checks the count that tells, after a failed INSERT
// through a Distributed table, whether every shard took its part.
func TestRowsLanded(t *testing.T) {
	ctx := context.Background()
	conn, db, ins := migratedInserter(t)
	f := func(b *batch, want bool) {
		t.Helper()
		got, err := rowsLanded(ctx, conn, db, noStream, b)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("rowsLanded(offsets %d..%d of partition %d) = %v, want %v", b.first, b.last, b.partition, got, want)
		}
	}
	b := testBatch(2, 10, 3, 100)
	f(b, false)
	// One shard's part only: not landed.
	if err := ins.insert(ctx, subset(b, "c0")); err != nil {
		t.Fatal(err)
	}
	f(b, false)
	// The other shards' parts: landed.
	if err := ins.insert(ctx, subset(b, "c1", "c2")); err != nil {
		t.Fatal(err)
	}
	f(b, true)
	// Neighbours in offsets and other partitions do not count for b.
	next := testBatch(2, 13, 2, 100)
	f(next, false)
	other := testBatch(5, 10, 3, 100)
	if err := ins.insert(ctx, other); err != nil {
		t.Fatal(err)
	}
	f(next, false)
	f(other, true)
	if err := ins.insert(ctx, next); err != nil {
		t.Fatal(err)
	}
	f(next, true)
	// A merged batch lands when each partition's rows do.
	merged := &batch{}
	merged.reset()
	late := testBatch(2, 15, 1, 50)
	mergeInto(merged, other)
	mergeInto(merged, late)
	f(merged, false)
	if err := ins.insert(ctx, late); err != nil {
		t.Fatal(err)
	}
	f(merged, true)
}

// TestDropLanded checks what a worker taking a partition over on a cluster
// re-inserts of messages the ledger shows: only the (customer, host)
// groups no shard holds.
func TestDropLanded(t *testing.T) {
	ctx := context.Background()
	conn, db, ins := migratedInserter(t)
	full := testBatch(1, 20, 3, 100)
	// The crashed worker's INSERT reached the shard of c0 only.
	if err := ins.insert(ctx, subset(full, "c0")); err != nil {
		t.Fatal(err)
	}
	// The successor re-reads those messages and one more.
	b := testBatch(1, 20, 4, 100)
	b.recheckUpTo = full.last
	dropped, err := dropLanded(ctx, conn, db, noStream, b)
	if err != nil {
		t.Fatal(err)
	}
	if dropped != 100 || b.block.Len() != 300 || len(b.srcOffset) != 300 {
		t.Fatalf("dropped %d rows, kept %d (%d offsets); want 100 dropped, 300 kept", dropped, b.block.Len(), len(b.srcOffset))
	}
	for i := range b.block.Len() {
		if c := string(b.block.Str[record.Customer].Bytes(i)); c == "c0" && b.srcOffset[i] <= uint64(full.last) {
			t.Fatalf("row %d of c0 at offset %d kept: it is in ClickHouse", i, b.srcOffset[i])
		}
	}
	if ok, err := rowsLanded(ctx, conn, db, noStream, b); err != nil || ok {
		t.Fatalf("rowsLanded before the insert = %v, %v; want false", ok, err)
	}
	if err := ins.insert(ctx, b); err != nil {
		t.Fatal(err)
	}
	for _, x := range []*batch{b, full, testBatch(1, 20, 4, 100)} {
		if ok, err := rowsLanded(ctx, conn, db, noStream, x); err != nil || !ok {
			t.Fatalf("rowsLanded after the insert = %v, %v; want true", ok, err)
		}
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".requests").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 400 {
		t.Fatalf("%d rows in ClickHouse, want 400: every row of the four messages once", n)
	}
}

// noStream selects rows inserted without a stream (InsertBlock, the
// inserter of these tests).
var noStream = []any{"", ""}
