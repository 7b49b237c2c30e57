package query_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/traffic"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/query/billing"
	"github.com/edgelog/edgelog/schema"
)

// bytesTruth is what generated events hold, summed here from the events
// themselves, independently of ClickHouse and the query package.
type bytesTruth struct {
	body, total, hit, miss uint64
	byClass                map[string]uint64
	byHost                 map[string][2]uint64 // body, total
}

func (b *bytesTruth) add(body, total uint64, status uint16, cache, host string) {
	b.body += body
	b.total += total
	switch cache {
	case "HIT", "STALE", "UPDATING", "REVALIDATED":
		b.hit += body
	case "MISS", "EXPIRED":
		b.miss += body
	}
	b.byClass[fmt.Sprintf("%dxx", min(max(status/100, 1), 5))] += body
	h := b.byHost[host]
	b.byHost[host] = [2]uint64{h[0] + body, h[1] + total}
}

// TestBytesAcrossMigration10 runs migration 10 over a database holding
// rows of an older release, then loads logs that carry total bytes, and
// checks every answer against the generated rows: old rows read total =
// body, the byte splits are absent (never 0) over a range holding old rows
// and exact over one that does not, and bills use the total unless the
// price book says body.
func TestBytesAcrossMigration10(t *testing.T) {
	db := chtest.NewDBAt(t, 9)
	ctx := context.Background()
	conn := chtest.Conn(t)

	// A day of rows as a release before migration 10 wrote them.
	old := bytesTruth{byClass: map[string]uint64{}, byHost: map[string][2]uint64{}}
	const oldRows = 1440
	statuses, caches := []uint16{200, 404, 503, 301}, []string{"HIT", "MISS", "BYPASS"}
	for i := range oldRows {
		old.add(uint64(1000+i), uint64(1000+i), statuses[i%4], caches[i%3], "old.example") // #nosec G115 -- small test numbers
	}
	if err := conn.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.requests (time, time_ms, customer, host, pop, region, server, country, status, bytes_sent, cache_status)
SELECT toDateTime('2026-09-30 00:00:00', 'UTC') + number * 60, 0, 'acme', 'old.example', 'fra1', 'eu-central', 'edge-fra1-01', 'DE',
    [200, 404, 503, 301][number %% 4 + 1], 1000 + number, ['HIT', 'MISS', 'BYPASS'][number %% 3 + 1]
FROM system.numbers LIMIT %d`, db, oldRows)); err != nil {
		t.Fatal(err)
	}
	m, err := schema.NewMigrator(ctx, conn, db, "")
	if err != nil {
		t.Fatal(err)
	}
	steps, err := m.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) == 0 || steps[0].Version != 10 {
		t.Fatalf("migrated %+v, want migration 10 first", steps)
	}
	for _, c := range []struct{ table, body, total string }{
		{"requests", "bytes_sent", "bytes_total"}, {"traffic_1m", "bytes_out", "bytes_total"}, {"traffic_1d", "bytes_out", "bytes_total"},
		{"billing_5m", "bytes_out", "bytes_total"}, {"billing_1d", "bytes_out", "bytes_total"},
	} {
		var body, total uint64
		if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT sum(%s), sum(%s) FROM %s.%s", c.body, c.total, db, c.table)).Scan(&body, &total); err != nil {
			t.Fatal(err)
		}
		if body != old.body || total != old.body {
			t.Errorf("%s after migration 10: body %d total %d, want both %d (old rows: total = body)", c.table, body, total, old.body)
		}
	}

	// Two days of logs with $bytes_sent, parsed and enriched as the
	// collector does.
	neu := bytesTruth{byClass: map[string]uint64{}, byHost: map[string][2]uint64{}}
	var blk record.Block
	var withHeaders int
	err = traffic.Each(gen.Options{Format: "jsonl", Lines: 6000, Seed: 11, Start: october, Duration: 48 * time.Hour, Customers: 3},
		func(e *gen.Event, r *record.Record) error {
			if e.Customer == "acme" {
				neu.add(e.BytesSent, e.BytesTotal, e.Status, e.CacheStatus, e.Host)
			}
			if e.BytesTotal > e.BytesSent {
				withHeaders++
			}
			blk.Append(r)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if withHeaders == 0 || neu.total <= neu.body {
		t.Fatalf("the generated logs carry no headers in their totals (%d rows, total %d body %d)", withHeaders, neu.total, neu.body)
	}
	if err := ingest.InsertBlock(ctx, conn, db, schema.Dialect{}, &blk); err != nil {
		t.Fatal(err)
	}

	hs := newServer(t, db, nil)
	breakdown := func(by, from, to string) api.Breakdown {
		t.Helper()
		var b api.Breakdown
		if code := get(t, hs, tokAcme, "/api/v1/traffic/breakdown?limit=1000&by="+by+"&from="+from+"&to="+to, &b); code != 200 {
			t.Fatalf("breakdown by %s: HTTP %d", by, code)
		}
		return b
	}
	const newFrom, newTo, allFrom = "2026-10-01T00:00:00Z", "2026-10-04T00:00:00Z", "2026-09-30T00:00:00Z"

	// Only new rows: every figure, exact.
	b := breakdown("status_class", newFrom, newTo)
	for _, row := range b.Rows {
		if row.BytesOut == nil || *row.BytesOut != neu.byClass[row.Key] {
			t.Errorf("status class %s: bytes_out %v, generated %d", row.Key, row.BytesOut, neu.byClass[row.Key])
		}
		if row.CacheHitRatio != nil || row.ByteHitRatio != nil {
			t.Errorf("status class %s: a hit ratio no rollup keeps: %v %v", row.Key, row.CacheHitRatio, row.ByteHitRatio)
		}
	}
	b = breakdown("cache_status", newFrom, newTo)
	want := map[string]uint64{"hit": neu.hit, "miss": neu.miss, "other": neu.body - neu.hit - neu.miss}
	for _, row := range b.Rows {
		if row.BytesOut == nil || *row.BytesOut != want[row.Key] {
			t.Errorf("cache outcome %s: bytes_out %v, generated %d", row.Key, row.BytesOut, want[row.Key])
		}
	}
	if b.Absent != "" || len(b.Rows) != 3 {
		t.Errorf("cache outcomes of new rows: %+v", b)
	}

	// A range holding old rows: the splits are absent, never 0; bytes
	// served from cache are known for all history.
	for _, by := range []string{"status_class", "cache_status"} {
		b := breakdown(by, allFrom, newTo)
		if !strings.Contains(b.Absent, "migration 10") {
			t.Errorf("by %s over old rows: absent %q", by, b.Absent)
		}
		for _, row := range b.Rows {
			if by == "cache_status" && row.Key == "hit" {
				if row.BytesOut == nil || *row.BytesOut != old.hit+neu.hit || row.ByteHitRatio == nil || *row.ByteHitRatio != 1 {
					t.Errorf("served from cache over all history: %v (ratio %v), want %d", row.BytesOut, row.ByteHitRatio, old.hit+neu.hit)
				}
				continue
			}
			if row.BytesOut != nil {
				t.Errorf("by %s over old rows: %s bytes_out %d, want absent", by, row.Key, *row.BytesOut)
			}
		}
	}

	// By host: body, total and byte hit ratio over all history.
	b = breakdown("host", allFrom, newTo)
	hosts := 0
	for _, row := range b.Rows {
		w := neu.byHost[row.Key]
		if row.Key == "old.example" {
			w = old.byHost[row.Key]
		}
		hosts++
		if row.BytesOut == nil || row.BytesTotal == nil || *row.BytesOut != w[0] || *row.BytesTotal != w[1] {
			t.Errorf("host %s: body %v total %v, generated %v", row.Key, row.BytesOut, row.BytesTotal, w)
		}
	}
	if hosts != len(neu.byHost)+1 {
		t.Errorf("%d hosts, want %d", hosts, len(neu.byHost)+1)
	}

	// Bills: total bytes by default, body bytes when the price book says
	// so; September's old rows bill their body bytes either way.
	ledger := &billing.Ledger{Store: &query.Store{Conn: conn, DB: db}}
	body := testPrices(t)
	body.BillableBytes = billing.BillBody
	for _, c := range []struct {
		month       time.Time
		pb          *billing.PriceBook
		wantKind    string
		wantBilled  uint64
		total, body uint64
	}{
		{october, testPrices(t), "total", neu.total, neu.total, neu.body},
		{october, body, "body", neu.body, neu.total, neu.body},
		{october.AddDate(0, -1, 0), testPrices(t), "total", old.body, old.body, old.body},
	} {
		bills, err := ledger.Bills(ctx, c.pb, c.month, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if len(bills) != 1 {
			t.Fatalf("%d bills", len(bills))
		}
		got := bills[0]
		if got.BillableBytes != c.wantKind || got.BytesOut != c.wantBilled || *got.BytesTotal != c.total || *got.BytesBody != c.body {
			t.Errorf("%s bill with billable_bytes %s: %s %d bytes (total %d body %d), want %d (total %d body %d)",
				c.month.Format("2006-01"), c.pb.BillableBytes, got.BillableBytes, got.BytesOut, *got.BytesTotal, *got.BytesBody, c.wantBilled, c.total, c.body)
		}
		if _, diffs, err := ledger.VerifyMonth(ctx, c.pb, c.month); err != nil || len(diffs) != 0 {
			t.Errorf("bill verify %s: %v %+v", c.month.Format("2006-01"), err, diffs)
		}
	}

	// schema verify: no difference; the splits are left alone on the day
	// of old rows.
	diffs, checked, err := schema.Verify(ctx, conn, db, time.Time{}, time.Time{})
	if err != nil || len(diffs) != 0 {
		t.Fatalf("verify: %v %v", err, diffs)
	}
	for _, c := range checked {
		if strings.HasPrefix(c.Table, "traffic_") && c.Unsplit != 1 {
			t.Errorf("%s: splits left out on %d customer-days, want 1 (acme's 2026-09-30)", c.Table, c.Unsplit)
		}
	}
}
