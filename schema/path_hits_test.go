package schema_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// pathBlock is one insert block of a single customer-host-hour where path
// i (0-based) of n is requested i+1 times.
func pathBlock(n int, hour time.Time) *record.Block {
	var blk record.Block
	for i := range n {
		for range i + 1 {
			var r record.Record
			r.TimeMs = hour.UnixMilli()
			r.Status, r.BytesSent = 200, 10
			r.Str[record.Customer], r.Str[record.Host] = []byte("acme"), []byte("a.example")
			r.Str[record.Path] = fmt.Appendf(nil, "/p%03d", i)
			blk.Append(&r)
		}
	}
	return &blk
}

// TestPathHitsKeepsEachBlocksHeavyHitters inserts two blocks of more
// distinct paths than path_hits_1h keeps: each block adds only its
// PathsKeptPerBlock most requested paths, with their exact counts, and the
// table sums the two blocks.
func TestPathHitsKeepsEachBlocksHeavyHitters(t *testing.T) {
	ctx := context.Background()
	db, conn := chtest.NewDB(t), chtest.Conn(t)
	hour := time.Date(2026, 10, 5, 14, 0, 0, 0, time.UTC)
	n := schema.PathsKeptPerBlock + 50
	for range 2 {
		if err := ingest.InsertBlock(ctx, conn, db, schema.Dialect{}, pathBlock(n, hour)); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := conn.Query(ctx, fmt.Sprintf("SELECT path, sum(requests), sum(bytes_out) FROM %s.path_hits_1h GROUP BY path", db))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]uint64{}
	for rows.Next() {
		var p string
		var req, bytes uint64
		if err := rows.Scan(&p, &req, &bytes); err != nil {
			t.Fatal(err)
		}
		if bytes != 10*req {
			t.Errorf("%s: %d bytes for %d requests", p, bytes, req)
		}
		got[p] = req
	}
	if len(got) != schema.PathsKeptPerBlock {
		t.Errorf("kept %d paths, want %d", len(got), schema.PathsKeptPerBlock)
	}
	for i := n - schema.PathsKeptPerBlock; i < n; i++ {
		if p := fmt.Sprintf("/p%03d", i); got[p] != 2*uint64(i+1) {
			t.Errorf("%s: %d requests, want %d (both blocks)", p, got[p], 2*(i+1))
		}
	}
	// The reconciliation accepts a heavy-hitter rollup below raw rows.
	diffs, _, err := schema.Verify(ctx, conn, db, time.Time{}, time.Time{})
	if err != nil || len(diffs) > 0 {
		t.Fatalf("verify: %v %v", err, diffs)
	}
}
