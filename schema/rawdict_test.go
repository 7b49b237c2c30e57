package schema_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/lab/engines/chserver"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/traffic"
	"github.com/edgelog/edgelog/schema"
)

// TestRawDictMigration runs migration 22 over raw rows on a server of its
// own: the seven columns become LowCardinality(String) with every value
// kept, the server started again without allow_experimental_low_cardinality_type
// (no server config carries it) attaches the table and serves the rows,
// new rows go in, and the change can be undone without the setting.
func TestRawDictMigration(t *testing.T) {
	ctx := context.Background()
	srv, err := chserver.Start(ctx, chserver.Config{Dir: filepath.Join(chtest.TempDir(t), "ch")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	conn, err := chconn.Open(ctx, chconn.Config{Addr: srv.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { conn.Close() }()
	const db = "rawdict"
	m, err := schema.NewMigrator(ctx, conn, db, "")
	if err != nil {
		t.Fatal(err)
	}
	if m.Dialect.Modern {
		t.Skip("the migration changes 18.16 only")
	}
	m.To = schema.RawDictMigration - 1
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cols := "method, scheme, protocol, cache_status, content_type, user_agent, referer"
	insert := func(from, n int) {
		t.Helper()
		q := fmt.Sprintf(`INSERT INTO %s.requests (time, customer, region, status, bytes_sent, %s)
SELECT toDateTime('2026-10-01 00:00:00') + number, 'acme', 'eu', 200, 100,
  ['GET', 'POST', ''][number %% 3 + 1], 'https', 'HTTP/2.0', 'HIT', 'text/html',
  concat('agent ', toString(number %% 300)), if(number %% 5 = 0, '', concat('https://ref/', toString(number)))
FROM system.numbers LIMIT %d, %d`, db, cols, from, n)
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	insert(0, 5000)
	insert(5000, 5000)
	digest := func() string {
		t.Helper()
		var n, h uint64
		q := fmt.Sprintf("SELECT count(), sum(cityHash64(%s)) FROM %s.requests", cols, db)
		if err := conn.QueryRow(ctx, q).Scan(&n, &h); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d rows, hash %d", n, h)
	}
	types := func() string {
		t.Helper()
		rows, err := conn.Query(ctx, fmt.Sprintf("SELECT DISTINCT type FROM system.columns WHERE database = ? AND table = 'requests' AND name IN ('%s')",
			strings.ReplaceAll(cols, ", ", "', '")), db)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return strings.Join(out, ", ")
	}
	before := digest()

	m.To = 0
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if got := types(); got != "LowCardinality(String)" {
		t.Fatalf("types after the migration: %s", got)
	}
	if got := digest(); got != before {
		t.Fatalf("after the migration %s, before %s", got, before)
	}

	conn.Close()
	srv.Stop()
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if conn, err = chconn.Open(ctx, chconn.Config{Addr: srv.Addr()}); err != nil {
		t.Fatal(err)
	}
	if got := digest(); got != before {
		t.Fatalf("after a restart %s, before %s", got, before)
	}
	insert(10000, 5000) // an INSERT naming String values, as clickhouse-client's would
	if err := conn.Exec(ctx, fmt.Sprintf("OPTIMIZE TABLE %s.requests FINAL", db)); err != nil {
		t.Fatal(err)
	}
	var agents, empty uint64
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT uniqExact(user_agent), countIf(method = '') FROM %s.requests", db)).Scan(&agents, &empty); err != nil {
		t.Fatal(err)
	}
	if agents != 300 || empty != 5000 {
		t.Fatalf("after a merge: %d user agents, %d empty methods; want 300 and 5000", agents, empty)
	}

	undo := make([]string, 0, 7)
	for _, c := range strings.Split(cols, ", ") {
		undo = append(undo, "MODIFY COLUMN "+c+" String")
	}
	withNew := digest()
	if err := conn.Exec(ctx, fmt.Sprintf("ALTER TABLE %s.requests %s", db, strings.Join(undo, ", "))); err != nil {
		t.Fatalf("undoing the migration: %v", err)
	}
	if got := types(); got != "String" {
		t.Fatalf("types after undoing: %s", got)
	}
	if got := digest(); got != withNew {
		t.Fatalf("after undoing %s, before %s", got, withNew)
	}
}

// TestRawDictViewsMigration runs migration 23 over a database holding rows
// at migration 22: the eight columns become LowCardinality(String), every
// view over the raw table (rollups, the live counter, both ledgers) takes
// the rows inserted after it, the latency rollups chained to a view made
// again still follow it, and `schema verify` finds every rollup equal to
// the raw rows, old and new. Without the views' casts the INSERTs after
// the ALTER fail ("Type mismatch ... while pushing to view").
func TestRawDictViewsMigration(t *testing.T) {
	ctx := context.Background()
	conn := chtest.Conn(t)
	db := chtest.NewDBAt(t, schema.RawDictViewsMigration-1)
	m, err := schema.NewMigrator(ctx, conn, db, "")
	if err != nil {
		t.Fatal(err)
	}
	if m.Dialect.Modern {
		t.Skip("the migration changes 18.16 only")
	}
	load := func(seed uint64) {
		t.Helper()
		blk, err := traffic.All(gen.Options{Lines: 10_000, Seed: seed, Duration: 48 * time.Hour, Customers: 3})
		if err != nil {
			t.Fatal(err)
		}
		if err := ingest.InsertBlock(ctx, conn, db, m.Dialect, blk); err != nil {
			t.Fatal(err)
		}
	}
	// Rows from a Kafka message, for the ledgers' views.
	sourced := func(partition, offset int) {
		t.Helper()
		q := fmt.Sprintf(`INSERT INTO %s.requests (time, customer, host, region, pop, server, country, path, status, bytes_sent, src_stream, src_partition, src_offset, src_file, src_file_end, src_seq)
SELECT toDateTime('2026-10-02 12:00:00') + number, 'acme', 'www.acme.example', 'eu', 'fra1', 'edge-1', 'DE', '/a', 200, 100,
  'local/requests', %d, %d, 'edge-1:/var/log/access.log:7', 4096, 1
FROM system.numbers LIMIT 50`, db, partition, offset)
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
		// Their feed rows (traffic, billing), as ingest would send them:
		// FeedFromRaw reads the columns through the casts too.
		if err := conn.Exec(ctx, schema.FeedFromRaw(db, m.Dialect, fmt.Sprintf("src_partition = %d", partition))); err != nil {
			t.Fatal(err)
		}
	}
	load(3)
	sourced(1, 10)

	m.To = 0
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var types []string
	rows, err := conn.Query(ctx, "SELECT DISTINCT type FROM system.columns WHERE database = ? AND table = 'requests' AND name IN ('host', 'pop', 'region', 'server', 'country', 'path', 'src_file', 'src_stream')", db)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		types = append(types, s)
	}
	rows.Close()
	if len(types) != 1 || types[0] != "LowCardinality(String)" {
		t.Fatalf("types after the migration: %v", types)
	}

	load(4)
	sourced(2, 20)
	verifyAgrees(t, db)
	live, _, err := schema.VerifyLive(ctx, conn, db, time.Time{}, time.Time{})
	if err != nil || len(live) > 0 {
		t.Fatalf("live counter: %v %v", live, err)
	}
	var raw, perf1h uint64
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT (SELECT count() FROM %[1]s.requests), (SELECT sum(requests) FROM %[1]s.perf_1h)", db)).Scan(&raw, &perf1h); err != nil {
		t.Fatal(err)
	}
	if raw != 20_100 || perf1h != raw {
		t.Fatalf("raw rows %d, perf_1h (chained to perf_1m_mv) %d; want 20100 both", raw, perf1h)
	}
	for _, q := range []string{
		"SELECT sum(rows) FROM %s.ingest_ledger WHERE src_stream = 'local/requests' AND src_partition = 2 AND max_offset = 20",
		"SELECT sum(rows) FROM %s.source_ledger WHERE src_file = 'edge-1:/var/log/access.log:7' AND src_stream = 'local/requests' AND src_partition = 2",
	} {
		var n uint64
		if err := conn.QueryRow(ctx, fmt.Sprintf(q, db)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 50 {
			t.Errorf("%s: %d rows, want the 50 inserted after the migration", q, n)
		}
	}
}

// TestViewsOverRawComplete holds migration 23's list to every rollup
// whose view reads raw rows on a single server: neither fed by ingest nor
// chained to another rollup's view. A rollup over raw rows added by a
// later migration fails it on purpose: its view must read the
// dictionary-coded columns through castDict on 18.16 (Rollup.castDict),
// and then it goes in addedLater, not in migration 23's list.
func TestViewsOverRawComplete(t *testing.T) {
	addedLater := map[string]bool{}
	got := map[string]bool{}
	for _, r := range schema.ViewsOverRaw {
		got[r.Name] = true
	}
	for name := range addedLater {
		got[name] = true
	}
	want := map[string]bool{schema.Live.Name: true}
	for _, r := range schema.Rollups {
		fed := false
		for _, f := range schema.FeedRollups {
			fed = fed || f.Name == r.Name
		}
		if _, chained := schema.ChainedFrom(r, schema.Dialect{}); !fed && !chained {
			want[r.Name] = true
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("migration 23 remakes the views of %v; the rollups over raw rows are %v", got, want)
	}
}
