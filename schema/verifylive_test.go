package schema_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// TestVerifyLive compares the live counter (schema.Live) with the raw rows per second, customer
// and region: none differ on untouched tables; a planted row and a
// second's rows deleted from it are each named; seconds before the
// first one it holds (dropped by retention) are not compared.
func TestVerifyLive(t *testing.T) {
	db := chtest.NewDB(t)
	loadTraffic(t, db)
	ctx := context.Background()
	conn := chtest.Conn(t)
	diffs, c, err := schema.VerifyLive(ctx, conn, db, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 0 || c.Differ != 0 || c.Keys < 10_000 {
		t.Fatalf("untouched tables: %d keys compared, %d differ: %v", c.Keys, c.Differ, diffs)
	}
	var sec time.Time
	var cust, region string
	var reqs uint64
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT t, toString(customer), toString(region), requests FROM %s.live_1s_by_hour ORDER BY t DESC LIMIT 1", db)).Scan(&sec, &cust, &region, &reqs); err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s.live_1s_by_hour (t, customer, region, requests, bytes_out) SELECT toDateTime('2026-10-02 05:00:07'), 'acme', 'planted', 3, 1000", db)); err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, fmt.Sprintf("ALTER TABLE %s.live_1s_by_hour DELETE WHERE t = toDateTime(%d) AND customer = '%s' AND region = '%s'", db, sec.Unix(), cust, region)); err != nil {
		t.Fatal(err)
	}
	chtest.WaitMutations(t, db)
	diffs, c, err = schema.VerifyLive(ctx, conn, db, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 2 || c.Differ != 2 {
		t.Fatalf("%d differences (%d listed), want the planted row and the deleted one: %v", c.Differ, len(diffs), diffs)
	}
	planted := schema.LiveDifference{Second: time.Date(2026, 10, 2, 5, 0, 7, 0, time.UTC), Customer: "acme", Region: "planted", Live: [2]uint64{3, 1000}}
	if diffs[0] != planted {
		t.Errorf("planted: %v, want %v", diffs[0], planted)
	}
	if d := diffs[1]; !d.Second.Equal(sec.UTC()) || d.Customer != cust || d.Region != region || d.Raw[0] != reqs || d.Live != [2]uint64{} {
		t.Errorf("deleted: %v, want %s %s %s raw %d requests", d, sec, cust, region, reqs)
	}
	// From after the planted second: only the deleted one.
	if diffs, _, err = schema.VerifyLive(ctx, conn, db, time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC), time.Time{}); err != nil || len(diffs) != 1 {
		t.Errorf("from the 3rd: %v %v", diffs, err)
	}
	// Retention dropped the first days of the live counter: their raw rows are not
	// compared (the planted row went with them).
	if err := conn.Exec(ctx, fmt.Sprintf("ALTER TABLE %s.live_1s_by_hour DELETE WHERE t < toDateTime('2026-10-03 00:00:00')", db)); err != nil {
		t.Fatal(err)
	}
	// Every part: 18.16 mutates the hour partitions' parts one by one,
	// and waiting for the planted row's alone (the differences down to
	// one) let a run compare from a second of the 2nd not yet done.
	chtest.WaitMutations(t, db)
	diffs, c, err = schema.VerifyLive(ctx, conn, db, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 1 {
		t.Fatalf("after dropping the first days: %v", diffs)
	}
	if c.From.Before(time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("compared from %s, want from the first second the live counter holds", c.From)
	}
}
