package ingest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// TestPartialInsertIsRecorded makes ClickHouse fail INSERTs after their
// raw part and some views are written and before the ledger's view runs
// (a view named to run between them throws, as a server killed there
// would stop): every raw row a failed INSERT left behind must be recorded
// in partial_inserts before the batch is sent again, so the raw table's
// excess equals what was recorded; once the view is gone the batch lands
// whole, in the ledger and the feed's rollups once.
func TestPartialInsertIsRecorded(t *testing.T) { partialInserts(t, false) }

// TestPartialInsertFoundByNextOwner stops the worker while its INSERTs
// fail (its last failed attempt not yet probed) and starts another: the
// new owner's first batch is probed before its INSERT, and every extra
// raw row is recorded once.
func TestPartialInsertFoundByNextOwner(t *testing.T) { partialInserts(t, true) }

func partialInserts(t *testing.T, handover bool) {
	var handedOver func(conn driver.Conn, db string, p produced)
	if handover {
		// One more failed attempt nobody probed: a copy of the batch's
		// rows, cut by the throwing view after the raw part.
		handedOver = func(conn driver.Conn, db string, p produced) {
			if err := conn.Exec(context.Background(), fmt.Sprintf("INSERT INTO %[1]s.requests SELECT * FROM %[1]s.requests WHERE src_offset = 0 LIMIT %[2]d", db, p.rows)); err == nil {
				t.Fatal("an INSERT through the throwing view succeeded")
			}
		}
	}
	r := cutInserts(t, "zm_fail_mv", schema.RawTable, "src_offset", handover, handedOver)
	var rows uint64
	r.scan("SELECT toUInt64(sum(raw_rows)) FROM %s."+schema.PartialInsertsTable, &rows)
	c, p := r.counts, r.p
	if c.raw != p.rows+rows || rows < 2*p.rows {
		t.Fatalf("raw table %d rows for %d produced, %d recorded as partial inserts: every extra raw row must be recorded", c.raw, p.rows, rows)
	}
	if c.ledgerRows != p.rows || c.rollup != p.rows {
		t.Fatalf("ledger %d rows, traffic_1m %d: the batch must land whole once (%d produced)", c.ledgerRows, c.rollup, p.rows)
	}
	list, err := schema.PartialInserts(context.Background(), r.conn, r.db)
	if err != nil || len(list) < 2 || list[0].RawRows != p.rows || list[0].MinOffset != 0 || list[0].MaxOffset != 0 {
		t.Fatalf("partial inserts %v, %v; want each failed attempt's %d raw rows of offset 0", list, err, p.rows)
	}
}

// TestPartialFeedInsertIsRecorded does the same to the rollup feed's
// INSERT: a view named to run after the feed's attempts and billing's
// views and before traffic's and the feed ledger's throws. Every failed
// feed INSERT (all but the last of its attempts) must be recorded with the
// batch's requests before it is sent again; billing, whose views ran each
// time, holds at most that many more requests, traffic_1m and the raw
// table hold the batch once. With a handover, the stopped worker's last
// attempt is the next owner's to record (before its feed-only INSERT).
func TestPartialFeedInsertIsRecorded(t *testing.T) {
	for _, handover := range []bool{false, true} {
		t.Run(fmt.Sprintf("handover=%v", handover), func(t *testing.T) { partialFeedInserts(t, handover) })
	}
}

func partialFeedInserts(t *testing.T, handover bool) {
	r := cutInserts(t, "m_fail_mv", schema.FeedTable, "requests", handover, nil)
	var attempts, rawRecorded, feedRecorded, billing uint64
	r.scan("SELECT count() FROM %s."+schema.FeedAttemptsTable, &attempts)
	r.scan("SELECT toUInt64(sum(raw_rows)), toUInt64(sum(feed_requests)) FROM %s."+schema.PartialInsertsTable, &rawRecorded, &feedRecorded)
	r.scan("SELECT toUInt64(sum(requests)) FROM %s.billing_5m", &billing)
	c, p := r.counts, r.p
	if c.raw != p.rows || c.rollup != p.rows || c.ledgerRows != p.rows || rawRecorded != 0 {
		t.Fatalf("raw %d, traffic_1m %d, ledger %d, %d raw rows recorded: the raw INSERT and traffic_1m (after the throwing view) must hold the batch once (%d produced)", c.raw, c.rollup, c.ledgerRows, rawRecorded, p.rows)
	}
	if feedRecorded != (attempts-1)*p.rows || billing < p.rows || billing > p.rows+feedRecorded {
		t.Fatalf("%d feed attempts, %d feed requests recorded, billing_5m %d requests: every failed attempt's %d requests must be recorded, and bound billing's excess", attempts, feedRecorded, billing, p.rows)
	}
}

// cutRun is what cutInserts leaves: the database, a connection to it, what
// was produced and what the tables hold at the end.
type cutRun struct {
	t      *testing.T
	conn   driver.Conn
	db     string
	p      produced
	counts counts
}

// scan runs q (its %s the database) and scans its one row into dst.
func (r cutRun) scan(q string, dst ...any) {
	r.t.Helper()
	if err := r.conn.QueryRow(context.Background(), fmt.Sprintf(q, r.db)).Scan(dst...); err != nil {
		r.t.Fatal(err)
	}
}

// cutInserts cuts every INSERT into from after the views named before view
// have run: view, over from, throws on any row (throwIf(column >= 0)). A
// worker reads one 1,000-row message; once two partial INSERTs are
// recorded the view is dropped (with a handover the worker is stopped
// first, handedOver runs while the view still throws, and another worker
// takes the partition) and the batch lands.
func cutInserts(t *testing.T, view, from, column string, handover bool, handedOver func(driver.Conn, string, produced)) cutRun {
	t.Helper()
	b := chtest.Broker(t, 1, topic, "dlq")
	db := chtest.NewDB(t)
	ctx := context.Background()
	conn, err := chconn.Open(ctx, chtest.Config(t, db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	r := cutRun{t: t, conn: conn, db: db}
	for _, q := range []string{
		"CREATE TABLE %[1]s.fail_sink (x UInt8) ENGINE = Null",
		"CREATE MATERIALIZED VIEW %[1]s." + view + " TO %[1]s.fail_sink AS SELECT throwIf(" + column + " >= 0) AS x FROM %[1]s." + from,
	} {
		if err := conn.Exec(ctx, fmt.Sprintf(q, db)); err != nil {
			t.Fatal(err)
		}
	}
	r.p = produce(t, b.Addr(), 1, 1000, 0)
	wctx, cancel := context.WithCancel(ctx)
	defer func() { cancel() }()
	_, done := startWorker(t, wctx, b.Addr(), db, func(c *ingest.Config) { c.RetryMax = 300 * time.Millisecond })
	deadline := time.Now().Add(time.Minute)
	for {
		var n uint64
		r.scan("SELECT count() FROM %s."+schema.PartialInsertsTable, &n)
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d partial inserts recorded after a minute of failing INSERTs into %s, want 2 or more", n, from)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if handover {
		cancel()
		<-done
		wctx, cancel = context.WithCancel(ctx)
		if handedOver != nil {
			handedOver(conn, db, r.p)
		}
	}
	if err := conn.Exec(ctx, fmt.Sprintf("DROP TABLE %s.%s", db, view)); err != nil {
		t.Fatal(err)
	}
	if handover {
		_, done = startWorker(t, wctx, b.Addr(), db, nil)
	}
	r.counts = waitRows(t, db, r.p.rows, time.Minute)
	cancel()
	<-done
	return r
}
