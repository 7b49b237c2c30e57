package schema_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// TestRetention drops whole partitions older than each table's retention
// and nothing else: the daily rollup keeps everything, and the live
// counter's hour partitions go once their hour is a day old.
func TestRetention(t *testing.T) {
	ctx := context.Background()
	db := chtest.NewDB(t)
	conn := chtest.Conn(t)
	now := time.Now().UTC()
	old := now.AddDate(0, 0, -500)
	for _, at := range []time.Time{old, now.Add(-26 * time.Hour), now.Add(-23 * time.Hour), now.Add(-time.Hour)} {
		q := fmt.Sprintf("INSERT INTO %s.requests (time, customer, status, bytes_sent) SELECT toDateTime(%d) + number, 'acme', 200, 100 FROM system.numbers LIMIT 10", db, at.Unix())
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// The traffic and billing rollups are fed from the rollup feed, which
	// ingest writes: the same rows in SQL.
	if err := conn.Exec(ctx, schema.FeedFromRaw(db, schema.Dialect{}, "1")); err != nil {
		t.Fatal(err)
	}
	drops, err := schema.RetentionPlan(ctx, conn, db, schema.DefaultRetention, now)
	if err != nil {
		t.Fatal(err)
	}
	dropped := map[string]bool{}
	for _, d := range drops {
		dropped[d.Table] = true
		if d.End.After(now.AddDate(0, 0, -schema.DefaultRetention[d.Table])) {
			t.Errorf("%s partition %s ends %s, inside its retention", d.Table, d.Partition, d.End)
		}
	}
	for _, table := range []string{"requests", "traffic_1m", "traffic_1h", "billing_5m", "perf_1m", schema.Live.Name} {
		if !dropped[table] {
			t.Errorf("no old partition of %s planned for dropping: %+v", table, drops)
		}
	}
	if dropped["traffic_1d"] {
		t.Error("traffic_1d keeps everything, but a partition was planned")
	}
	if err := schema.ApplyRetention(ctx, conn, db, drops); err != nil {
		t.Fatal(err)
	}
	// The live counter keeps the rows of 23 hours and 1 hour ago; the 26
	// hours old went with their hour.
	for table, want := range map[string]uint64{"requests": 30, "traffic_1m": 30, "traffic_1d": 40, schema.Live.Name: 20} {
		var n uint64
		col := "sum(requests)"
		if table == "requests" {
			col = "count()"
		}
		if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT toUInt64(%s) FROM %s.%s", col, db, table)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s holds %d requests after retention, want %d", table, n, want)
		}
	}
}
