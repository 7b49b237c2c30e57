package schema_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// TestViewsRunInNameOrder checks what schema.WatermarkView relies on, on
// ClickHouse 18.16 itself: an INSERT's materialized views run one after
// the other in the order of their names (not of their creation), each
// view's rows visible once it has run. Three views are created z, m, a;
// the middle one sleeps a second: a's rows are visible at once, z's only
// after m's.
func TestViewsRunInNameOrder(t *testing.T) {
	db := chtest.NewDB(t)
	conn := chtest.Conn(t)
	ctx := context.Background()
	for _, q := range []string{
		"CREATE TABLE %[1]s.src (x UInt64) ENGINE = MergeTree ORDER BY x",
		"CREATE TABLE %[1]s.slow (x UInt64) ENGINE = MergeTree ORDER BY x",
		"CREATE TABLE %[1]s.mark_a (x UInt64) ENGINE = MergeTree ORDER BY x",
		"CREATE TABLE %[1]s.mark_z (x UInt64) ENGINE = MergeTree ORDER BY x",
		"CREATE MATERIALIZED VIEW %[1]s.zz_mark_mv TO %[1]s.mark_z AS SELECT max(x) AS x FROM %[1]s.src",
		"CREATE MATERIALIZED VIEW %[1]s.m_slow_mv TO %[1]s.slow AS SELECT x + sleep(1) * 0 AS x FROM %[1]s.src",
		"CREATE MATERIALIZED VIEW %[1]s.a_mark_mv TO %[1]s.mark_a AS SELECT max(x) AS x FROM %[1]s.src",
	} {
		if err := conn.Exec(ctx, fmt.Sprintf(q, db)); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		done <- conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s.src SELECT number FROM system.numbers LIMIT 1000", db))
	}()
	start := time.Now()
	seen := map[string]time.Duration{}
	count := func(tb string) uint64 {
		var n uint64
		if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s.%s", db, tb)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// mark_z is read before slow: once mark_z's rows are seen, slow's
	// must be there when read next (under load, a poll of slow before
	// mark_z in the same round could miss rows that landed in between).
	zBeforeSlow := false
	for len(seen) < 4 && time.Since(start) < 10*time.Second {
		for _, tb := range []string{"mark_z", "slow", "mark_a", "src"} {
			if _, ok := seen[tb]; ok {
				continue
			}
			if count(tb) > 0 {
				seen[tb] = time.Since(start)
				if tb == "mark_z" && count("slow") == 0 {
					zBeforeSlow = true
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(seen) < 4 || seen["mark_a"] > 500*time.Millisecond || seen["slow"] < 900*time.Millisecond || seen["mark_z"] < 900*time.Millisecond || zBeforeSlow {
		t.Fatalf("visible after %v (mark_z before slow: %v): want mark_a at once, slow after its second, mark_z after slow", seen, zBeforeSlow)
	}
}

// TestLedgerAndWatermarkViewsRunLast: after every migration the ledgers'
// views and then the watermark's sort after every other view (a new view
// named past them would run after them: a server killed in between would
// leave a ledger row for an INSERT that view lacks, and the live counter
// could count a second before that view's rows are visible), and the
// views of old are gone.
func TestLedgerAndWatermarkViewsRunLast(t *testing.T) {
	db := chtest.NewDB(t)
	var names []string
	rows, err := chtest.Conn(t).Query(context.Background(), "SELECT name FROM system.tables WHERE database = ? AND engine = 'MaterializedView' ORDER BY name", db)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	last := []string{schema.LedgerView, schema.FeedLedgerView, schema.WatermarkView, schema.SourceLedgerView}
	if len(names) < 10 || !slices.Equal(names[len(names)-len(last):], last) {
		t.Fatalf("views in name order %v: want %v last", names, last)
	}
	if names[0] != schema.FeedAttemptsView {
		t.Errorf("views in name order %v: want %s first (a feed INSERT's attempt is written before any rollup's rows)", names, schema.FeedAttemptsView)
	}
	for _, n := range names {
		switch n {
		case schema.WatermarkTable + "_mv", schema.LedgerTable + "_mv", schema.SourceLedgerTable + "_mv", schema.FeedLedgerTable + "_mv":
			t.Errorf("the view of old %s is still there: every INSERT writes its rows twice", n)
		}
	}
}

// TestWatermarkFromFeed: on a single server the watermark's row of a batch
// comes from its feed INSERT, the batch's last: raw rows alone write none
// (their traffic rollups are not in yet), the feed rows of them write the
// partition's latest row time, marked visible_last.
func TestWatermarkFromFeed(t *testing.T) {
	db := chtest.NewDB(t)
	conn := chtest.Conn(t)
	ctx := context.Background()
	const ms = 1_790_000_000_123 // 2026-09-21T13:33:20.123Z
	watermark := func() (n, maxMs, last uint64) {
		t.Helper()
		if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT count(), max(max_time_ms), toUInt64(max(visible_last)) FROM %s.%s", db, schema.WatermarkTable)).Scan(&n, &maxMs, &last); err != nil {
			t.Fatal(err)
		}
		return
	}
	q := fmt.Sprintf(`INSERT INTO %s.requests (time, time_ms, customer, status, bytes_sent, src_stream, src_partition, src_offset)
SELECT toDateTime(%d) - number, 123, 'acme', 200, 100, 's', 3, number FROM system.numbers LIMIT 5`, db, ms/1000)
	if err := conn.Exec(ctx, q); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := watermark(); n != 0 {
		t.Fatalf("raw rows alone wrote %d watermark rows: the live counter would count seconds whose traffic rollups are not in", n)
	}
	if err := conn.Exec(ctx, schema.FeedFromRaw(db, schema.Dialect{}, "1")); err != nil {
		t.Fatal(err)
	}
	if n, maxMs, last := watermark(); n != 1 || maxMs != ms || last != 1 {
		t.Fatalf("after the feed INSERT: %d watermark rows, latest %d ms, visible_last %d; want 1, %d, 1", n, maxMs, last, uint64(ms))
	}
}

// TestFeedFromRawSliced: the sliced bulk feed writes every raw row's
// requests and bytes into the traffic rollup once, whatever the slices.
func TestFeedFromRawSliced(t *testing.T) {
	db := chtest.NewDB(t)
	conn := chtest.Conn(t)
	ctx := context.Background()
	q := fmt.Sprintf(`INSERT INTO %s.requests (time, time_ms, customer, host, status, bytes_sent, src_stream, src_partition, src_offset)
SELECT toDateTime(1790000000) - number, 0, concat('c', toString(number %% 7)), concat('h', toString(number %% 11)), 200, number, 's', 0, number FROM system.numbers LIMIT 1000`, db)
	if err := conn.Exec(ctx, q); err != nil {
		t.Fatal(err)
	}
	qs := schema.FeedFromRawSliced(db, schema.Dialect{}, 3)
	if len(qs) != 3 {
		t.Fatalf("%d statements, want 3", len(qs))
	}
	for _, q := range qs {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var requests, bytes uint64
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT sum(requests), sum(bytes_out) FROM %s.traffic_1m", db)).Scan(&requests, &bytes); err != nil {
		t.Fatal(err)
	}
	if requests != 1000 || bytes != 999*1000/2 {
		t.Fatalf("traffic_1m: %d requests, %d bytes; want 1000, %d", requests, bytes, 999*1000/2)
	}
}
