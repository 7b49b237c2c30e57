package schema_test

import (
	"context"
	"testing"
	"time"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/traffic"
	"github.com/edgelog/edgelog/schema"
)

func loadTraffic(t *testing.T, db string) {
	t.Helper()
	blk, err := traffic.All(gen.Options{Lines: 20_000, Seed: 3, Duration: 72 * time.Hour, Customers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := ingest.InsertBlock(context.Background(), chtest.Conn(t), db, schema.Dialect{}, blk); err != nil {
		t.Fatal(err)
	}
}

// verifyAgrees runs schema.Verify over all of db and fails t unless every
// rollup was checked and none differs from the raw rows.
func verifyAgrees(t *testing.T, db string) []schema.Checked {
	t.Helper()
	diffs, checked, err := schema.Verify(context.Background(), chtest.Conn(t), db, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Fatalf("rollups differ from the raw rows: %v", diffs)
	}
	if len(checked) != len(schema.Rollups) {
		t.Fatalf("checked %d rollups, want %d", len(checked), len(schema.Rollups))
	}
	return checked
}

func TestVerifyAgrees(t *testing.T) {
	db := chtest.NewDB(t)
	loadTraffic(t, db)
	checked := verifyAgrees(t, db)
	for _, c := range checked {
		// 3 days (the third may spill into a fourth) x 4 customers, or 3-4
		// days for rollups without a customer.
		if c.Days < 3 || c.Measures == 0 {
			t.Errorf("%s: %d customer-days, %d measures compared", c.Table, c.Days, c.Measures)
		}
	}
}

// TestVerifyFindsPlantedDifference adds one row to a rollup behind its
// view's back: verify must name exactly that customer-day and measures.
func TestVerifyFindsPlantedDifference(t *testing.T) {
	db := chtest.NewDB(t)
	loadTraffic(t, db)
	ctx := context.Background()
	conn := chtest.Conn(t)
	if err := conn.Exec(ctx, "INSERT INTO "+db+".traffic_1h (t, customer, host, region, pop, country, requests, bytes_out) SELECT toDateTime('2026-10-02 05:00:00'), 'acme', 'planted.example', 'eu', 'fra1', 'DE', 3, 1000"); err != nil {
		t.Fatal(err)
	}
	diffs, _, err := schema.Verify(ctx, conn, db, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// bytes_total, left out of the INSERT, takes its DEFAULT, bytes_out.
	if len(diffs) != 3 {
		t.Fatalf("%d differences, want requests, bytes_out and bytes_total of traffic_1h: %v", len(diffs), diffs)
	}
	for _, d := range diffs {
		want := map[string]int64{"requests": 3, "bytes_out": 1000, "bytes_total": 1000}[d.Measure]
		if d.Table != "traffic_1h" || d.Customer != "acme" || d.Day.Format("2006-01-02") != "2026-10-02" || int64(d.Rollup)-int64(d.Raw) != want {
			t.Errorf("unexpected difference %v", d)
		}
	}
	// The range excludes the planted day: nothing to report.
	diffs, _, err = schema.Verify(ctx, conn, db, time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC), time.Time{})
	if err != nil || len(diffs) != 0 {
		t.Fatalf("outside the planted day: %v %v", diffs, err)
	}
}
