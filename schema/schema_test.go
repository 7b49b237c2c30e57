package schema_test

import (
	"context"
	"testing"

	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

func TestMain(m *testing.M) { chtest.Main(m) }

func TestMigrateIsIdempotent(t *testing.T) {
	db := chtest.NewDB(t)
	ctx := context.Background()
	conn := chtest.Conn(t)
	m, err := schema.NewMigrator(ctx, conn, db, "")
	if err != nil {
		t.Fatal(err)
	}
	steps, err := m.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 0 {
		t.Fatalf("second migrate applied %d steps, want 0", len(steps))
	}
	applied, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(schema.Migrations) {
		t.Fatalf("status lists %d versions, want %d", len(applied), len(schema.Migrations))
	}
	var tables uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ?", db).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	// raw + two ledgers (+mv) + each rollup (+mv) + bill snapshots +
	// field fallbacks + migrations table + offset gaps and clock skew + the live counter and ingest_watermark (+mv) + the rollup feed and its ledger (+mv) +
	// partial inserts + the feed's attempts (+mv)
	if want := uint64(1 + 4 + 2*len(schema.Rollups) + 1 + 1 + 1 + 2 + 4 + 3 + 3); tables != want {
		t.Fatalf("%d tables, want %d", tables, want)
	}
}
