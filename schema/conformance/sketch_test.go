//go:build chdb

package conformance

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/traffic"
	"github.com/edgelog/edgelog/schema"
)

// BenchmarkLatencySketch measures what a latency state costs ClickHouse
// at perf_1m's grain (minute, region, PoP, customer), on 18.16 and on
// modern ClickHouse (chDB): the t-digests the latency rollups kept until
// schema.SketchMigration, the log-coded histograms they keep since
// (perf_1m's own state expressions), and no state at all, for the same
// generated requests (3M, a day of the bench's default density, or a
// minute with EDGELOG_SKETCH_SPAN=1m). Each is GROUP BY'd into a table
// of its own in ten INSERTs on one thread, merges stopped, then merged
// once (OPTIMIZE FINAL); the engine's CPU of each (the mean of two
// rounds after a warm-up one) per million requests, and the table's
// bytes on disk after the merge, are the BENCH lines. It then prints, for
// the groups of 100 requests or more, the worst relative error of each
// quantile against quantilesExact of the raw values, and the worst group
// at p99: the histograms' bound is schema.SketchError on the value, the
// t-digest's was on the rank.
//
//	go test -tags chdb -exec "$PWD/deploy/chdb-run.sh" -run=NONE \
//	    -bench=LatencySketch -benchtime=1x ./schema/conformance/
func BenchmarkLatencySketch(b *testing.B) {
	const rows = 3_000_000
	o := gen.Options{Lines: rows, Seed: 21, Start: gen.DefaultStart, Duration: 24 * time.Hour}
	if os.Getenv("EDGELOG_SKETCH_SPAN") == "1m" {
		o.Duration = time.Minute
	}
	// EDGELOG_SKETCH_GRAIN=hour: perf_all_1h's grain (hour, region, PoP,
	// every customer), where groups are large.
	bucket, customer := "toStartOfMinute", "customer"
	if os.Getenv("EDGELOG_SKETCH_GRAIN") == "hour" {
		bucket, customer = "toStartOfHour", "''"
	}
	src, err := traffic.New(o)
	if err != nil {
		b.Fatal(err)
	}
	var blk record.Block
	if _, err := src.Next(&blk, rows); err != nil {
		b.Fatal(err)
	}
	perf1m, _ := schema.RollupByName("perf_1m")
	measure := func(name string) string {
		for _, m := range perf1m.Measures {
			if m.Name == name {
				return m.Expr
			}
		}
		b.Fatalf("perf_1m has no measure %s", name)
		return ""
	}
	type sketch struct{ name, typ, ttfb, requestTime, read string }
	sketches := []sketch{
		{"tdigest", "quantilesTDigest(" + schema.Quantiles + ")",
			"quantilesTDigestState(" + schema.Quantiles + ")(ttfb_us)", "quantilesTDigestState(" + schema.Quantiles + ")(request_time_us)",
			"arrayMap(x -> toFloat64(x), quantilesTDigestMerge(" + schema.Quantiles + ")(a))"},
		{"histogram", "quantilesTiming(" + schema.Quantiles + ")", measure("ttfb_us_h"), measure("request_time_us_h"),
			schema.SketchDecode("quantilesTimingMerge(" + schema.Quantiles + ")(a)")},
		{"none", "", "", "", ""},
	}
	const sdb = "sketchcost"
	for range b.N {
		for _, e := range []*costEngine{server1816(b), chdbEngine(b)} {
			must := func(err error) {
				if err != nil {
					b.Fatal(err)
				}
			}
			must(e.exec("CREATE DATABASE IF NOT EXISTS " + sdb))
			must(e.ddl(sdb))
			must(e.stage(sdb, &blk))
			// The staged rows in pipeline order, as ingest sends them.
			must(e.exec(fmt.Sprintf("CREATE TABLE %s.src ENGINE = Memory AS SELECT time, toString(region) AS region, toString(pop) AS pop, toString(customer) AS customer, ttfb_us, request_time_us FROM %s.%s ORDER BY toStartOfFiveMinute(time), customer, time", sdb, sdb, schema.RawTable)))
			for _, s := range sketches {
				states := ""
				if s.typ != "" {
					states = fmt.Sprintf(", a AggregateFunction(%[1]s, UInt32), c AggregateFunction(%[1]s, UInt32)", s.typ)
				}
				must(e.exec(fmt.Sprintf("CREATE TABLE %s.t_%s (t DateTime, region String, pop String, customer String, requests UInt64%s) ENGINE = AggregatingMergeTree PARTITION BY toYYYYMMDD(t) ORDER BY (t, region, pop, customer)", sdb, s.name, states)))
			}
			settings := " SETTINGS max_threads = 1"
			if e.dialect.Modern {
				settings += ", max_insert_threads = 1, optimize_on_insert = 0"
			}
			insertCPU, mergeCPU := map[string][]float64{}, map[string][]float64{}
			for round := range 3 {
				for _, s := range sketches {
					table := sdb + ".t_" + s.name
					must(e.exec("TRUNCATE TABLE " + table))
					must(e.exec("SYSTEM STOP MERGES " + table))
					sel := ""
					if s.typ != "" {
						sel = ", " + s.ttfb + ", " + s.requestTime
					}
					start := e.cpu()
					for chunk := range 10 {
						must(e.exec(fmt.Sprintf("INSERT INTO %s SELECT %s(time) AS t, region, pop, %s AS customer, count()%s FROM (SELECT * FROM %s.src LIMIT %d, %d) GROUP BY t, region, pop, customer%s",
							table, bucket, customer, sel, sdb, chunk*rows/10, rows/10, settings)))
					}
					inserted := e.cpu() - start
					must(e.exec("SYSTEM START MERGES " + table))
					start = e.cpu()
					must(e.exec("OPTIMIZE TABLE " + table + " FINAL"))
					if round > 0 {
						insertCPU[s.name] = append(insertCPU[s.name], inserted)
						mergeCPU[s.name] = append(mergeCPU[s.name], e.cpu()-start)
					}
				}
			}
			mean := func(v []float64) float64 {
				sum := 0.0
				for _, x := range v {
					sum += x
				}
				return sum / float64(len(v))
			}
			for _, s := range sketches {
				bytes, err := e.scalar(fmt.Sprintf("SELECT sum(bytes_on_disk) FROM system.parts WHERE database = '%s' AND table = 't_%s' AND active", sdb, s.name))
				must(err)
				fmt.Printf("BENCH latency_sketch_%s_%s_insert_cpu_seconds_per_million %.3f s\n", e.name, s.name, mean(insertCPU[s.name])*1e6/rows)
				fmt.Printf("BENCH latency_sketch_%s_%s_merge_cpu_seconds_per_million %.3f s\n", e.name, s.name, mean(mergeCPU[s.name])*1e6/rows)
				fmt.Printf("BENCH latency_sketch_%s_%s_bytes %s bytes\n", e.name, s.name, bytes)
			}
			for _, s := range sketches[:2] {
				// Each group of 100 requests or more: its quantiles read (e)
				// beside the exact ones of its raw rows (x).
				groups := fmt.Sprintf(`(
  SELECT t, region, pop, customer, %s AS e, sum(requests) AS n FROM %s.t_%s GROUP BY t, region, pop, customer HAVING n >= 100) AS l ANY INNER JOIN (
  SELECT %s(time) AS t, region, pop, %s AS customer, quantilesExact(%s)(ttfb_us) AS x FROM %s.src GROUP BY t, region, pop, customer) AS r USING (t, region, pop, customer)`,
					s.read, sdb, s.name, bucket, customer, schema.Quantiles, sdb)
				worst, err := e.scalar("SELECT toString(tuple(*)) FROM (SELECT max(abs(e[1] - x[1]) / (x[1] + 1)), max(abs(e[2] - x[2]) / (x[2] + 1)), max(abs(e[3] - x[3]) / (x[3] + 1)), count() FROM " + groups + ")")
				must(err)
				at, err := e.scalar("SELECT toString(tuple(t, pop, customer, n, e, x)) FROM " + groups + " ORDER BY abs(e[3] - x[3]) / (x[3] + 1) DESC LIMIT 1")
				must(err)
				fmt.Printf("latency_sketch %s %s: worst relative error of ttfb p50, p90, p99 over groups of >= 100 requests, and the groups: %s; worst p99 (minute, PoP, customer, requests, read, exact): %s\n", e.name, s.name, worst, at)
			}
			must(e.exec("DROP DATABASE " + sdb))
		}
	}
}
