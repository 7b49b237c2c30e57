package billing

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/schema"
)

func TestMain(m *testing.M) { chtest.Main(m) }

var october = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// billRow is one request for insertRows.
type billRow struct {
	customer, region string
	at               time.Time
	body, total      uint64
}

// insertRows inserts rows as ingest does: raw rows and their feed rows, so
// the billing rollups get them through the schema's own views.
func insertRows(t *testing.T, db string, rows []billRow) {
	t.Helper()
	var blk record.Block
	for _, br := range rows {
		var r record.Record
		r.TimeMs = br.at.UnixMilli()
		r.Status, r.BytesSent, r.BytesTotal = 200, br.body, br.total
		r.Str[record.Customer], r.Str[record.Host], r.Str[record.Region] = []byte(br.customer), []byte(br.customer+".example"), []byte(br.region)
		blk.Append(&r)
	}
	if err := ingest.InsertBlock(context.Background(), chtest.Conn(t), db, schema.Dialect{}, &blk); err != nil {
		t.Fatal(err)
	}
}

// monthOfRows is two customers' requests in about 670 five-minute slots
// each of October, more than the 446 a 95th percentile drops.
func monthOfRows() []billRow {
	rng := rand.New(rand.NewPCG(3, 4))
	var rows []billRow
	for _, c := range []string{"acme", "globex"} {
		for range 700 {
			at := october.Add(time.Duration(rng.Int64N(int64(31*24*time.Hour))) / time.Second * time.Second)
			body := rng.Uint64N(1 << 30)
			rows = append(rows, billRow{c, []string{"eu-west", "us-east"}[rng.IntN(2)], at, body, body + rng.Uint64N(1<<20)})
		}
	}
	return rows
}

// TestUsageCacheReadsChangedDaysOnly holds the cached usage of a month to
// what RollupUsage reads afresh, step by step as the month changes, and
// counts the days of billing_5m each step re-read: none while nothing
// changed, the one day a late row landed on (a cache that re-read only
// today, or nothing, would miss it: the step checks the bill moved), the
// days merged parts span, a mutation's, and nothing after the month's
// partitions are dropped.
func TestUsageCacheReadsChangedDaysOnly(t *testing.T) {
	ctx := context.Background()
	db := chtest.NewDB(t)
	conn := chtest.Conn(t)
	exec := func(sql string) {
		t.Helper()
		if err := conn.Exec(ctx, fmt.Sprintf(sql, db)); err != nil {
			t.Fatal(err)
		}
	}
	insertRows(t, db, monthOfRows())
	// Background merges would make more days dirty than a step's rows;
	// the merge step below merges on purpose.
	exec("SYSTEM STOP MERGES %s.billing_5m")
	exec("SYSTEM STOP MERGES %s.billing_1d")

	l := &Ledger{Store: &query.Store{Conn: conn, DB: db}}
	check := func(step string, wantDays int) map[string]*Usage {
		t.Helper()
		before := l.cache.daysRead
		got := equalsFresh(t, l, step)
		if read := l.cache.daysRead - before; wantDays >= 0 && read != wantDays {
			t.Fatalf("%s: %d days of billing_5m read, want %d", step, read, wantDays)
		}
		return got
	}
	first := check("first read", 31)
	if first["acme"].P95Bytes == 0 || first["globex"].P95Body == 0 {
		t.Fatalf("the percentiles are zero (%s): the test's month has too few samples to mean anything", show(first))
	}
	check("nothing changed", 0)

	// A late row on the 12th, larger than any sample: acme's percentile
	// moves up by one rank.
	insertRows(t, db, []billRow{{"acme", "eu-west", october.Add(11*24*time.Hour + 7*time.Hour), 1 << 40, 1 << 41}})
	late := check("late row on the 12th", 1)
	if late["acme"].P95Bytes == first["acme"].P95Bytes {
		t.Fatal("the late row did not move acme's percentile: the step proves nothing")
	}
	// One INSERT with rows on the 3rd and the 31st: its part spans the
	// days between, and they are read again.
	insertRows(t, db, []billRow{
		{"initech", "us-east", october.Add(2 * 24 * time.Hour), 5, 6},
		{"globex", "us-east", october.Add(30*24*time.Hour + 23*time.Hour), 7, 8},
	})
	check("one part from the 3rd to the 31st", 29)
	// The same in two INSERTs: two days.
	insertRows(t, db, []billRow{{"initech", "us-east", october.Add(2*24*time.Hour + time.Hour), 5, 6}})
	insertRows(t, db, []billRow{{"globex", "us-east", october.Add(30*24*time.Hour + 22*time.Hour), 7, 8}})
	check("rows on the 3rd and the 31st", 2)

	// Merges on from here: mutations run in the merge pool, and one
	// part is left to merge.
	exec("SYSTEM START MERGES %s.billing_5m")
	exec("OPTIMIZE TABLE %s.billing_5m FINAL")
	check("parts merged", 31) // one part spans the month

	exec("ALTER TABLE %s.billing_5m DELETE WHERE customer = 'globex' AND t < toDateTime('2026-10-05 00:00:00')")
	chtest.WaitMutations(t, db)
	check("a mutation", -1) // rewrites the month's part: days as its span says

	exec("ALTER TABLE %s.billing_5m DROP PARTITION 202610")
	exec("ALTER TABLE %s.billing_1d DROP PARTITION 202610")
	if gone := check("month dropped", 0); len(gone) != 0 {
		t.Fatalf("usage after the month's partitions were dropped: %s", show(gone))
	}
}

// TestUsageCacheBounds fills the cache past its sample budget and its
// entry count: the sums held never exceed the budget, the least recently
// used entry goes first, and a month larger than the whole budget keeps
// its usage without its days (and is still exact).
func TestUsageCacheBounds(t *testing.T) {
	ctx := context.Background()
	db := chtest.NewDB(t)
	insertRows(t, db, monthOfRows())
	l := &Ledger{Store: &query.Store{Conn: chtest.Conn(t), DB: db}}
	l.cache.init()

	read := func(customer string) {
		t.Helper()
		if _, err := l.cachedMonthUsage(ctx, october, customer); err != nil {
			t.Fatal(err)
		}
	}
	read("acme")
	_, one := l.cache.held()
	if one < 2*447 || one > 2*700 {
		t.Fatalf("acme's month keeps %d sums, want its 447 largest or more (ties) of total and of body bytes", one)
	}
	// Room for about two customers' months.
	l.cache.maxSamples = 2*one + one/2
	read("globex")
	read("initech") // no rows: no sums
	if n, s := l.cache.held(); n != 3 || s > l.cache.maxSamples {
		t.Fatalf("held %d entries with %d sums, want 3 within %d", n, s, l.cache.maxSamples)
	}
	read("") // both customers: pushes the oldest (acme) out
	if _, s := l.cache.held(); s > l.cache.maxSamples {
		t.Fatalf("held %d sums, budget %d", s, l.cache.maxSamples)
	}
	if l.cache.entries.Contains(usageKey{october, "acme"}) {
		t.Fatal("acme's entry, the least recently used, is still held")
	}
	if !l.cache.entries.Contains(usageKey{october, ""}) {
		t.Fatal("the newest entry was evicted")
	}

	// A budget smaller than one month: usage kept, days not.
	l.cache.maxSamples = one / 2
	insertRows(t, db, []billRow{{"globex", "us-east", october.Add(4 * 24 * time.Hour), 1, 1}})
	read("")
	e := l.cache.get(usageKey{october, ""})
	if e == nil || e.tops != nil || e.samples != 0 {
		t.Fatalf("an entry over the whole budget keeps its sums: %+v", e)
	}
	if _, s := l.cache.held(); s > l.cache.maxSamples {
		t.Fatalf("held %d sums, budget %d", s, l.cache.maxSamples)
	}
	insertRows(t, db, []billRow{{"acme", "eu-west", october.Add(5 * 24 * time.Hour), 1 << 40, 1 << 40}})
	equalsFresh(t, l, "without kept sums")
	if n, _ := l.cache.held(); n > maxCachedMonths {
		t.Fatalf("%d entries held, bound %d", n, maxCachedMonths)
	}
}

// equalsFresh reads October's usage of every customer through l's cache
// and fails unless it equals a fresh read (RollupUsage, ranked by
// ClickHouse).
func equalsFresh(t *testing.T, l *Ledger, step string) map[string]*Usage {
	t.Helper()
	got, err := l.cachedMonthUsage(context.Background(), october, "")
	if err != nil {
		t.Fatal(err)
	}
	want, err := l.RollupUsage(context.Background(), october, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: cached usage differs from a fresh read:\n got %s\nwant %s", step, show(got), show(want))
	}
	return got
}

func show(u map[string]*Usage) string {
	s := ""
	for _, c := range sortedKeys(u) {
		s += fmt.Sprintf("%s:%+v ", c, *u[c])
	}
	return s
}

// TestUsageCacheConcurrentReads reads a month from four goroutines while
// rows land (run it with -race for the cache's locking): no read fails,
// the budget holds, and once the rows have landed a read equals a fresh
// one.
func TestUsageCacheConcurrentReads(t *testing.T) {
	ctx := context.Background()
	db := chtest.NewDB(t)
	insertRows(t, db, monthOfRows())
	l := &Ledger{Store: &query.Store{Conn: chtest.Conn(t), DB: db}}
	done := make(chan error)
	for g := range 4 {
		go func() {
			var err error
			for range 10 {
				if _, err = l.cachedMonthUsage(ctx, october, []string{"", "acme"}[g%2]); err != nil {
					break
				}
			}
			done <- err
		}()
	}
	for i := range 5 {
		insertRows(t, db, []billRow{{"acme", "eu-west", october.Add(time.Duration(i) * 24 * time.Hour), uint64(i+1) << 32, uint64(i+1) << 33}})
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	equalsFresh(t, l, "after concurrent reads")
	if _, s := l.cache.held(); s > l.cache.maxSamples {
		t.Fatalf("held %d sums, budget %d", s, l.cache.maxSamples)
	}
}
