package schema_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// TestLiveByHourMigration runs migrations 20 and 21 over a live counter
// that holds rows, the first of them twice as a run cut before its record
// would: the rows are in the hour-partitioned table once, the old table is
// gone, and new rows land in the new one, equal to the raw rows.
func TestLiveByHourMigration(t *testing.T) {
	ctx := context.Background()
	conn := chtest.Conn(t)
	db := chtest.NewDBAt(t, schema.LiveByHourMigration-1)
	insertRaw := func(from time.Time, rows, step int) {
		t.Helper()
		q := fmt.Sprintf(`INSERT INTO %s.requests (time, customer, region, status, bytes_sent)
SELECT toDateTime(%d) + number * %d, if(number %% 2 = 0, 'acme', 'globex'), 'eu', 200, 100 + number FROM system.numbers LIMIT %d`, db, from.Unix(), step, rows)
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// Across midnight, and over two hours of the next day.
	insertRaw(time.Date(2026, 10, 1, 23, 59, 57, 0, time.UTC), 6, 1)
	insertRaw(time.Date(2026, 10, 2, 10, 0, 0, 0, time.UTC), 8, 900)
	sums := func(table string) string {
		t.Helper()
		var n, reqs, bytes uint64
		if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT count(), sum(requests), sum(bytes_out) FROM %s.%s", db, table)).Scan(&n, &reqs, &bytes); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d rows, %d requests, %d bytes", n, reqs, bytes)
	}
	before := sums("live_1s")
	if before != "14 rows, 14 requests, 1443 bytes" {
		t.Fatalf("live_1s before the migration: %s", before)
	}

	m, err := schema.NewMigrator(ctx, conn, db, "")
	if err != nil {
		t.Fatal(err)
	}
	m.To = schema.LiveByHourMigration
	plan, err := m.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 1 || plan[0].Version != schema.LiveByHourMigration {
		t.Fatalf("plan %+v, want migration %d alone", plan, schema.LiveByHourMigration)
	}
	for _, sql := range plan[0].Statements { // a run cut before its record
		if err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
	}
	m.To = 0
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}

	if got := sums(schema.Live.Name); got != before {
		t.Errorf("%s after the migrations: %s, want live_1s's %s", schema.Live.Name, got, before)
	}
	var left uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name LIKE 'live_1s%' AND name NOT LIKE ?", db, schema.Live.Name+"%").Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d tables of the day-partitioned live counter left, want 0", left)
	}
	rows, err := conn.Query(ctx, "SELECT DISTINCT partition_id FROM system.parts WHERE active AND database = ? AND table = ? ORDER BY partition_id", db, schema.Live.Name)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, id)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "[2026100123 2026100200 2026100210 2026100211]"; fmt.Sprint(parts) != want {
		t.Errorf("partitions %v, want the rows' hours %s", parts, want)
	}

	insertRaw(time.Date(2026, 10, 2, 12, 0, 0, 0, time.UTC), 4, 1)
	if got, want := sums(schema.Live.Name), "18 rows, 18 requests, 1849 bytes"; got != want {
		t.Errorf("%s after new rows: %s, want %s", schema.Live.Name, got, want)
	}
	diffs, checked, err := schema.VerifyLive(ctx, conn, db, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 0 || checked.Keys != 18 {
		t.Errorf("VerifyLive: %d keys compared, differences %v", checked.Keys, diffs)
	}
}
