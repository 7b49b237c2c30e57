package query_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/query/server"
	"github.com/edgelog/edgelog/schema"
)

// TestLive checks the live counter against the generated events: the
// watermark is the latest row less the lateness, the figures are of the
// second before it and of the day up to it, a lagging partition holds the
// watermark back, and the overview's default "now" is a complete minute
// while one asked past the watermark says it is not and stays uncached.
func TestLive(t *testing.T) {
	db := chtest.NewDB(t)
	// Six minutes of rows from hh:55, an hour or two ago and never across
	// midnight: the answers over them must end within the server's
	// watermark horizon (a day, server/complete.go), beyond which they are
	// cached without asking; fixed dates passed that a day after they were
	// written. at is a time of them, iso the same for a URL.
	start := time.Now().UTC().Truncate(time.Hour).Add(-time.Hour - 5*time.Minute)
	if start.Hour() == 23 {
		start = start.Add(-time.Hour)
	}
	at := func(d time.Duration) time.Time { return start.Add(d) }
	iso := func(d time.Duration) string { return at(d).Format(time.RFC3339) }
	// 90,000 lines: with 30,000 the generator's day curve left acme's
	// eu-west traffic empty in the checked second when the run began just
	// after 07:00 UTC (the check below refuses an empty second).
	g, err := gen.New(gen.Options{Lines: 90_000, Seed: 7, Start: start, Duration: 6 * time.Minute, Customers: 4})
	if err != nil {
		t.Fatal(err)
	}
	enr := enrich.New(g.EdgeConfig())
	p := nginx.MustCompile(nginx.Edge)
	f, _ := gen.NewFormatter("nginx")
	type key struct{ customer, region string }
	perSecond := map[int64]map[key]uint64{} // unix second -> scope -> requests
	servers := map[int64]map[string]bool{}  // minute -> servers
	var blk record.Block
	var e gen.Event
	var r record.Record
	var maxMs int64
	for g.Next(&e) {
		if err := p.Parse(f.AppendLine(nil, &e), &r); err != nil {
			t.Fatal(err)
		}
		enr.Enrich(&r)
		blk.Append(&r)
		s := e.TimeMs / 1000
		if perSecond[s] == nil {
			perSecond[s] = map[key]uint64{}
		}
		perSecond[s][key{e.Customer, e.Region}]++
		if servers[e.TimeMs/60_000] == nil {
			servers[e.TimeMs/60_000] = map[string]bool{}
		}
		servers[e.TimeMs/60_000][e.Server] = true
		maxMs = max(maxMs, e.TimeMs)
	}
	conn := chtest.Conn(t)
	ctx := context.Background()
	store := &query.Store{Conn: conn, DB: db, Lateness: 700 * time.Millisecond}

	// No partition inserted in the window: nothing landed today is
	// called complete, then the latest row of INSERTs before the window
	// less the lateness (not the clock: rows inserted now may be stamped
	// a minute before it).
	if at, err := store.Watermark(ctx); err != nil || !at.Equal(time.Now().UTC().Truncate(24*time.Hour)) {
		t.Fatalf("nothing landed: watermark %s, %v; want the day's start", at, err)
	}
	// The wall says so: idle, and as far behind the clock as the day's
	// start is.
	l, err := store.Live(ctx, query.LiveScope{})
	if err != nil {
		t.Fatal(err)
	}
	if !l.Idle || math.Abs(l.BehindS-time.Since(l.At).Seconds()) > 5 {
		t.Fatalf("nothing landed: live %+v; want idle and behind by %.0f s", *l, time.Since(l.At).Seconds())
	}
	idle := start.Add(30*time.Second + 900*time.Millisecond)
	if err := conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s.ingest_watermark (src_stream, src_partition, max_time_ms, rows, inserted_at) SELECT 'old', 9, toUInt64(%d), 1, now() - 120", db, idle.UnixMilli())); err != nil {
		t.Fatal(err)
	}
	idleWant := start.Add(30 * time.Second).UTC()
	if at, err := store.Watermark(ctx); err != nil || !at.Equal(idleWant) {
		t.Fatalf("an INSERT two minutes ago: watermark %s, %v; want its latest row less the lateness, %s", at, err, idleWant)
	}
	if err := ingest.InsertBlock(ctx, conn, db, schema.Dialect{}, &blk); err != nil {
		t.Fatal(err)
	}
	count := func(from, to int64, customer, region string) (n uint64) {
		for s, m := range perSecond {
			if s < from || s >= to {
				continue
			}
			for k, v := range m {
				if (customer == "" || k.customer == customer) && (region == "" || k.region == region) {
					n += v
				}
			}
		}
		return n
	}
	check := func(wantAt time.Time) {
		t.Helper()
		for _, sc := range []query.LiveScope{{}, {Customer: "acme"}, {Region: "eu-west"}, {Customer: "acme", Region: "eu-west"}} {
			l, err := store.Live(ctx, sc)
			if err != nil {
				t.Fatal(err)
			}
			at := l.At.Unix()
			day := l.At.Truncate(24 * time.Hour).Unix()
			want := api.Live{Table: schema.Live.Name, At: wantAt, Customer: sc.Customer, Region: sc.Region,
				RequestsPerS: count(at-1, at, sc.Customer, sc.Region), RequestsToday: count(day, at, sc.Customer, sc.Region)}
			if sc.Customer == "" {
				all := map[string]bool{}
				min := at / 60
				for m := min - 5; m < min; m++ {
					for s := range servers[m] {
						all[s] = true
					}
				}
				if sc.Region == "" {
					want.ServersReporting = uint64(len(all))
				} else {
					want.ServersReporting = l.ServersReporting // per region: checked against the fleet below
					if l.ServersReporting == 0 || l.ServersReporting >= uint64(len(all)) {
						t.Errorf("%+v: %d servers in the region of %d in the fleet", sc, l.ServersReporting, len(all))
					}
				}
			}
			want.BytesOutPerS, want.BytesOutToday = l.BytesOutPerS, l.BytesOutToday
			// Partitions count: not idle; behind by the clock's distance
			// from the generated seconds (ClickHouse's clock, this host's).
			if behind := time.Since(l.At).Seconds(); math.Abs(l.BehindS-behind) > 5 {
				t.Errorf("%+v: behind_s %.1f, want about %.1f", sc, l.BehindS, behind)
			}
			want.BehindS = l.BehindS
			if *l != want {
				t.Errorf("%+v:\n got %+v\nwant %+v", sc, *l, want)
			}
			if want.RequestsPerS == 0 || want.RequestsToday == 0 {
				t.Fatalf("%+v: the generated traffic is empty at %s", sc, wantAt)
			}
		}
	}
	// One partition with a single INSERT is cold (it may have just
	// started, others with it): the watermark holds where it was.
	if at, err := store.Watermark(ctx); err != nil || !at.Equal(idleWant) {
		t.Fatalf("a cold partition: watermark %s, %v; want it held at %s", at, err, idleWant)
	}
	// With an INSERT before it, the latest row less the lateness, whole
	// seconds.
	if err := conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s.ingest_watermark (src_stream, src_partition, max_time_ms, rows, visible_last) SELECT '', 0, toUInt64(%d), 1, 1", db, maxMs-60_000)); err != nil {
		t.Fatal(err)
	}
	check(time.UnixMilli(maxMs).Add(-700 * time.Millisecond).Truncate(time.Second).UTC())

	// A later INSERT of partition 0 may be visible in ingest_watermark
	// before it is in the live counter: its row alone does not move the watermark,
	// the one after it does (the second-latest INSERT counts).
	// A row of the view that runs last (visible_last, migration 16) is
	// written after every other table's rows: it moves the watermark at
	// once, and a copy of it from the view of old (while migration 16
	// runs) does not count as an INSERT of its own.
	late := time.UnixMilli(maxMs).Add(20 * time.Second)
	for i, ms := range []int64{late.UnixMilli(), late.Add(time.Second).UnixMilli(), late.Add(2 * time.Second).UnixMilli(), late.Add(2 * time.Second).UnixMilli()} {
		last := map[int]int{2: 1}[i]
		if err := conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s.ingest_watermark (src_stream, src_partition, max_time_ms, rows, visible_last) SELECT '', 0, toUInt64(%d), 1, %d", db, ms, last)); err != nil {
			t.Fatal(err)
		}
		at, err := store.Watermark(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := time.UnixMilli(maxMs).Add(-700 * time.Millisecond).Truncate(time.Second)
		switch i {
		case 1:
			want = late.Add(-700 * time.Millisecond).Truncate(time.Second)
		case 2, 3:
			want = late.Add(2*time.Second - 700*time.Millisecond).Truncate(time.Second)
		}
		if !at.Equal(want) {
			t.Errorf("after %d later watermark rows: %s, want %s", i+1, at, want)
		}
	}
	if err := conn.Exec(ctx, fmt.Sprintf("ALTER TABLE %s.ingest_watermark DELETE WHERE max_time_ms >= %d", db, late.UnixMilli())); err != nil {
		t.Fatal(err)
	}
	chtest.WaitMutations(t, db)

	// A second partition that has landed rows only up to :00:31.250 of
	// the next hour holds the watermark back to :00:30 (31.25 - 0.7 s).
	// While it had a single INSERT it was cold: the watermark held where
	// it was.
	lag := at(5*time.Minute + 31250*time.Millisecond)
	held, err := store.Watermark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, ms := range []int64{lag.Add(-time.Second).UnixMilli(), lag.UnixMilli()} {
		if err := conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s.ingest_watermark (src_stream, src_partition, max_time_ms, rows, visible_last) SELECT 'c/t', 1, toUInt64(%d), 1, 1", db, ms)); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if at, err := store.Watermark(ctx); err != nil || !at.Equal(held) {
				t.Errorf("a cold partition: watermark %s, %v; want it held at %s", at, err, held)
			}
		}
	}
	check(at(5*time.Minute + 30*time.Second))

	// The overview's "now" is the last complete minute; one asked past the
	// watermark is marked incomplete and never cached.
	cache := server.NewCache(time.Minute, 1<<20)
	hs := httptest.NewServer((&server.Server{Store: store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Cache: cache}).Handler())
	t.Cleanup(hs.Close)
	var o api.Overview
	if code := get(t, hs, "", "/api/v1/ops/overview", &o); code != 200 {
		t.Fatalf("overview: %d", code)
	}
	if want := at(5 * time.Minute); !o.At.Equal(want) || !o.Complete || o.RequestsPerSNow != float64(count(want.Unix()-60, want.Unix(), "", ""))/60 {
		t.Errorf("default overview at %s complete %v now %.2f/s; want the complete minute %s", o.At, o.Complete, o.RequestsPerSNow, want)
	}
	if n, _ := cache.Stats(); n != 1 {
		t.Errorf("%d answers cached after a complete overview, want 1", n)
	}
	if code := get(t, hs, "", "/api/v1/ops/overview?at="+iso(6*time.Minute), &o); code != 200 || o.Complete {
		t.Errorf("overview past the watermark: %d, complete %v", code, o.Complete)
	}
	if code := get(t, hs, "", "/api/v1/ops/live", nil); code != 200 {
		t.Errorf("live: %d", code)
	}
	if n, _ := cache.Stats(); n != 1 {
		t.Errorf("%d answers cached, want 1: an incomplete overview or a live answer was cached", n)
	}

	// A series, summary or ranking whose last period ends past the
	// watermark (:00:30 of the next hour) holds a partial minute (hour,
	// day): never cached. One that ends before it is.
	for _, path := range []string{
		"/api/v1/traffic/timeseries?from=" + iso(0) + "&to=" + iso(6*time.Minute) + "&step=1m", // ends with the running minute
		"/api/v1/traffic/summary?from=" + iso(-55*time.Minute) + "&to=" + iso(65*time.Minute),
		"/api/v1/traffic/breakdown?from=" + iso(0) + "&to=" + iso(6*time.Minute) + "&by=region",
		"/api/v1/traffic/top?from=" + iso(0) + "&to=" + iso(6*time.Minute) + "&kind=hosts&customer=acme",
		"/api/v1/perf/timeseries?from=" + iso(0) + "&to=" + iso(6*time.Minute) + "&step=1m",
		"/api/v1/traffic/top?from=" + iso(-55*time.Minute) + "&to=" + iso(65*time.Minute) + "&kind=paths&customer=acme", // the running hour
		"/api/v1/customers?from=" + iso(0) + "&to=" + iso(6*time.Minute),
	} {
		if code := get(t, hs, "", path, nil); code != 200 {
			t.Errorf("%s: %d", path, code)
		}
	}
	if n, _ := cache.Stats(); n != 1 {
		t.Errorf("%d answers cached, want 1: an answer holding a period past the watermark was cached", n)
	}
	if code := get(t, hs, "", "/api/v1/traffic/timeseries?from="+iso(0)+"&to="+iso(5*time.Minute)+"&step=1m", nil); code != 200 {
		t.Errorf("complete series: %d", code)
	}
	if n, _ := cache.Stats(); n != 2 {
		t.Errorf("%d answers cached, want 2: a complete series was not cached", n)
	}

	// A partition its owner claimed (ingest's claim.go: reading its
	// ledgers, no INSERT yet) holds the watermark where it was until its
	// first INSERT, as a cold one does; its release (nothing to read) lets
	// it go; a newer claim holds it again.
	wm := func(partition int, ms int64, rows uint64) {
		t.Helper()
		if err := conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s.ingest_watermark (src_stream, src_partition, max_time_ms, rows, visible_last) SELECT 'c/t', %d, toUInt64(%d), toUInt64(%d), 1", db, partition, ms, rows)); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(what string, want time.Time) {
		t.Helper()
		if at, err := store.Watermark(ctx); err != nil || !at.Equal(want) {
			t.Errorf("%s: watermark %s, %v; want %s", what, at, err, want)
		}
	}
	stamp := uint64(time.Now().UnixMilli())
	wm(2, 0, stamp*2) // claimed
	wm(1, lag.Add(2*time.Second).UnixMilli(), 1)
	expect("partition 2 claimed", at(5*time.Minute+30*time.Second))
	wm(2, 0, stamp*2+1) // released: partition 1 alone moves it
	expect("partition 2 released", at(5*time.Minute+32*time.Second))
	wm(2, 0, (stamp+1)*2) // claimed again by a later assignment
	wm(1, lag.Add(4*time.Second).UnixMilli(), 1)
	expect("partition 2 claimed again", at(5*time.Minute+32*time.Second))
	wm(2, lag.Add(3*time.Second).UnixMilli(), 1) // its first INSERT: cold
	expect("partition 2 after one INSERT", at(5*time.Minute+32*time.Second))
	wm(2, lag.Add(4*time.Second).UnixMilli(), 1)
	expect("partition 2 after two INSERTs", at(5*time.Minute+34*time.Second))
}
