package query_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/query/billing"
	"github.com/edgelog/edgelog/schema"
)

// TestBillsCacheSeesNewRows reads a month's bills twice (the second time
// from the cache: one query, for the parts' mark), then adds a request to
// the month and expects the next bills to hold it.
func TestBillsCacheSeesNewRows(t *testing.T) {
	ctx := context.Background()
	db := chtest.NewDB(t)
	ex := load(t, db, 5_000, october, 30*24*time.Hour)
	var queries atomic.Int64
	ledger := &billing.Ledger{Store: &query.Store{Conn: chtest.Conn(t), DB: db, QueryTime: func(time.Duration) { queries.Add(1) }}}
	pb := testPrices(t)
	requests := func() map[string]uint64 {
		bills, err := ledger.Bills(ctx, pb, october, "")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]uint64{}
		for _, b := range bills {
			out[b.Customer] = b.Requests
		}
		return out
	}
	first := requests()
	for c, n := range ex.requests {
		if first[c] != n {
			t.Fatalf("%s: %d requests billed, generated %d", c, first[c], n)
		}
	}
	queries.Store(0)
	if again := requests(); again["acme"] != first["acme"] || queries.Load() != 1 {
		t.Fatalf("second read: acme %d requests with %d queries, want %d from the cache with one query", again["acme"], queries.Load(), first["acme"])
	}

	var r record.Record
	r.TimeMs = october.Add(12 * 24 * time.Hour).UnixMilli()
	r.Status, r.BytesSent = 200, 1000
	r.Str[record.Customer], r.Str[record.Host], r.Str[record.Region] = []byte("acme"), []byte("late.example"), []byte("eu-west")
	var blk record.Block
	blk.Append(&r)
	if err := ingest.InsertBlock(ctx, chtest.Conn(t), db, schema.Dialect{}, &blk); err != nil {
		t.Fatal(err)
	}
	if after := requests(); after["acme"] != first["acme"]+1 {
		t.Fatalf("after one more request: acme %d requests, want %d", after["acme"], first["acme"]+1)
	}
}
