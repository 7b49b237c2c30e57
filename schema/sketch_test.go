package schema_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// TestSketchBound holds the latency quantiles as the API reads them
// (schema.LatencyQuantilesSQL) to schema.SketchError on ClickHouse 18.16,
// where quantileTiming counts codes in buckets: 300k latencies spread
// log-uniformly from 0 to the largest UInt32 (71.6 minutes) with a slow
// tail, in ten rows of states merged as a query merges rollup rows. It
// also reads rows older than schema.SketchMigration, which have t-digests
// only: their quantiles are the t-digest's; and a bucket with both reads
// the histograms.
func TestSketchBound(t *testing.T) {
	ctx := context.Background()
	conn := chtest.Conn(t)
	db := chtest.NewDB(t)
	const n = 300_000
	state := func(fn string) string {
		return fmt.Sprintf("AggregateFunction(%s(%s), UInt32)", fn, schema.Quantiles)
	}
	// v: log-uniform over [0, 2^32), a tenth of it above a minute.
	values := fmt.Sprintf("(SELECT number %% 10 AS part, toUInt32(least(4294967295, exp((intHash32(number) %% 100000) / 100000 * 22.18) - 1)) AS v FROM system.numbers LIMIT %d)", n)
	code := schema.SketchCode("v")
	for _, q := range []string{
		fmt.Sprintf("CREATE TABLE %s.lat (part UInt64, old UInt8, ttfb_us_h %s, ttfb_us_q %s) ENGINE = Memory", db, state("quantilesTiming"), state("quantilesTDigest")),
		fmt.Sprintf("INSERT INTO %s.lat SELECT part, 0, quantilesTimingState(%s)(%s), arrayReduce('quantilesTDigestState(%s)', emptyArrayUInt32()) FROM %s GROUP BY part", db, schema.Quantiles, code, schema.Quantiles, values),
		fmt.Sprintf("INSERT INTO %s.lat SELECT part, 1, arrayReduce('quantilesTimingState(%s)', emptyArrayUInt32()), quantilesTDigestState(%s)(v) FROM %s GROUP BY part", db, schema.Quantiles, schema.Quantiles, values),
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	var sorted []uint32
	if err := conn.QueryRow(ctx, "SELECT arraySort(groupArray(v)) FROM "+values).Scan(&sorted); err != nil {
		t.Fatal(err)
	}
	read, _ := schema.LatencyQuantilesSQL("ttfb")
	quantiles := func(where string) []float64 {
		var q []float64
		sql := fmt.Sprintf("SELECT %s FROM %s.lat WHERE %s", read, db, where)
		if err := conn.QueryRow(ctx, sql).Scan(&q); err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
		return q
	}
	levels := []float64{0.5, 0.9, 0.99}
	sketched := quantiles("old = 0")
	for i, level := range levels {
		if e := sketchError(sorted, level, sketched[i]); e > 1 {
			t.Errorf("q%v = %v: %.2f times the error bound off", level, sketched[i], e)
		}
		exact := float64(sorted[int(level*n)])
		t.Logf("q%v: %.0f µs read, %.0f exact (%.3f%%)", level, sketched[i], exact, 100*(sketched[i]-exact)/(exact+1))
	}
	if both := quantiles("1"); !slices.Equal(both, sketched) {
		t.Errorf("rows with both sketches read %v, the histograms alone %v", both, sketched)
	}
	var digest []float32
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT quantilesTDigestMerge(%s)(ttfb_us_q) FROM %s.lat WHERE old = 1", schema.Quantiles, db)).Scan(&digest); err != nil {
		t.Fatal(err)
	}
	old := quantiles("old = 1")
	for i := range levels {
		if old[i] != float64(digest[i]) || math.IsNaN(old[i]) {
			t.Errorf("rows older than the histograms read %v, their t-digests %v", old, digest)
			break
		}
	}
}

// TestSketchSmallLatencies reads the latencies of 0 and 1 µs exactly, in
// states of both kinds: a CDN's cache hits have no upstream, so their
// time to first byte is 0 and a PoP's p50 is often 0; decoded at a
// bucket's middle it read 0.006 µs. A list state (100 values) and a
// histogram state (10,000: past the list's 5,671) each hold 60% zeros,
// 35% 1 µs and 5% of 50 ms, so p50 is 0, p90 1 µs and p99 50 ms.
func TestSketchSmallLatencies(t *testing.T) {
	ctx := context.Background()
	conn := chtest.Conn(t)
	read, _ := schema.LatencyQuantilesSQL("ttfb")
	for _, n := range []int{100, 10_000} {
		values := fmt.Sprintf("(SELECT toUInt32(multiIf(number %% 100 < 60, 0, number %% 100 < 95, 1, 50000)) AS v FROM system.numbers LIMIT %d)", n)
		sql := fmt.Sprintf("SELECT %s FROM (SELECT quantilesTimingState(%s)(%s) AS ttfb_us_h, quantilesTDigestState(%s)(v) AS ttfb_us_q FROM %s)",
			read, schema.Quantiles, schema.SketchCode("v"), schema.Quantiles, values)
		var q []float64
		if err := conn.QueryRow(ctx, sql).Scan(&q); err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
		if q[0] != 0 {
			t.Errorf("%d values: p50 %v µs, want 0", n, q[0])
		}
		if math.Abs(q[1]-1) > 1e-3 {
			t.Errorf("%d values: p90 %v µs, want 1", n, q[1])
		}
		if math.Abs(q[2]-50000)/50000 > schema.SketchError {
			t.Errorf("%d values: p99 %v µs, want 50,000 within %v", n, q[2], schema.SketchError)
		}
	}
}
