package schema

import "fmt"

// Latency sketches (migration 24). The seven latency rollups kept two
// t-digest states a row (quantilesTDigest) until migration 24; since then
// their views write log-coded histograms: ClickHouse's quantileTiming,
// a fixed histogram, of a code that is a logarithm of the latency,
//
//	code = round(ln(µs + 1) × SketchScale)
//
// quantileTiming keeps up to about 5,670 values exactly and then counts
// them in buckets of 16 codes (every code from 1,024 up to 30,000; none is
// larger, since SketchScale maps the largest UInt32 to 29,988; codes
// under 1,024 it counts one by one). A quantile
// of codes is the code of the quantile (the code grows with the latency),
// so decoding it, exp((code + 8) / SketchScale) - 1 at the bucket's middle,
// gives the latency within 16/SketchScale, a relative error of at most
// 1.2% for a histogram (quantileTiming returns a bucket's start within
// ±8) and 0.6% for the exact values (decoded 8 codes high, and 0.04% for
// the rounding of the code). Codes under sketchExactBelow, the latencies
// of 0 and 1 µs, are decoded as they are, so a p50 of cache hits without
// an upstream reads 0, not 0.006 µs. The bound is on the value, where the
// t-digest's was on the rank: at a group's p99 a t-digest interpolates
// between its last centroids, and with one slow outlier among 118
// requests ClickHouse 18.16 read 19.3 s for a p99 of 87 ms, a latency
// no request had (BenchmarkLatencySketch's accuracy lines; the
// histogram's worst there was 0.6%). Histograms merge exactly, so a
// rollup folded from another one, and a query merging a month of rows,
// keep the same bound: the mergeable log-bucketed histogram with a stated
// relative error that issue 14 asked for, as a DDSketch would be.
//
// Why quantileTiming and not a sketch of our own: it is in every
// ClickHouse since 1.1 (18.16 and modern servers build, store and merge
// it alike, so the two dialects answer the same), and it is cheap where
// the latency rollups spend most, building states from raw rows.
// Measured by schema/conformance's BenchmarkLatencySketch (3M generated
// requests at the bench's default density, two states a row, ten
// INSERTs and one merge pass, CPU-s per million requests, 2026-12-07):
// at perf_1m's grain, on 18.16 the t-digests 0.41 + 0.22, the histograms
// 0.20 + 0.06, no state 0.14 + 0.01; on modern ClickHouse (chDB 26.5)
// 0.28 + 0.40, 0.16 + 0.09 and 0.11 + 0.04; on disk 14.3 MB against 11.4.
// At perf_all_1h's grain (an hour of a PoP, every customer), where groups
// are large: 0.082 + 0.007 against 0.068 + 0.012 on 18.16, and twice the
// bytes (2.5 MB against 1.3). Tried there too: modern servers'
// quantilesDD (DDSketch) cost 2.7 times the t-digest to build,
// quantilesBFloat16 1.4 times.
//
// What a state holds (ClickHouse's QuantileTiming.h, the same in 18.16 and
// 26.x): up to 31 values in place and up to 5,671 as a list, two bytes
// each (its codes, unsorted: LZ4 gains nothing on them); at 5,672 it
// turns into the histogram, written whole (22.7 KB before compression,
// whatever the count: a histogram is written sparse only below 1,418
// values, which an unweighted state never is). A t-digest compresses its
// centroids to a few hundred whatever the count. Measured on chDB (200
// rows of log-normal latencies, a column's compressed bytes a row, the
// histogram against the t-digest): 100 values 204 against 457; 1,000
// 2,014 against 1,385; 3,000 6,032 against 1,888; 5,000 10,049 against
// 2,144; 6,000 1,454 against 2,188; 20,000 1,677 against 2,904. So at the
// levels where a row holds between several hundred and 5,671 requests, a
// histogram takes up to five times the room of a t-digest: in `make
// bench-storage` (10M requests over a week, 16 a second; the README's
// table at migration 19 against a run of 2026-12-07) perf_1h 2.20 ->
// 2.87, perf_geo_1d 0.82 -> 1.93 and perf_all_1h 0.71 -> 1.98 bytes a
// request on 18.16, where the finer perf_1m (5.65 -> 4.61) and
// perf_all_1m (3.60 -> 3.07) shrank: the seven 16.00 -> 17.54 (modern
// servers 17.8 against 16.3). Past 5,672 requests a row (at production
// rates a busy customer's PoP in a minute) the histogram's 1.5-1.7 KB is
// a fraction of a byte a request. Codes of a coarser scale, all under
// quantileTiming's 1,024 (SketchScale 45: every latency's code exact,
// 1.1% of error from the rounding alone), measured 16.57 (a scratch
// build, 2026-12-07): the lists compress a little better, the whole
// histograms barely; not worth a third generation of state columns. ZSTD(1) on
// the columns (a codec: modern servers only) took 13% off the lists and
// two thirds off a whole histogram (458 bytes against 1,453 at 6,000
// values): not taken, as it leaves the sparse levels' lists, where the
// bytes grew, about as they are.
//
// In the whole schema, with the chained views and the coarse rollups'
// larger states, the gain is smaller than perf_1m's alone. `make
// bench-schema-cost` at 3M rows and the default density, alternated with
// migration 23's schema: 18.16 1.91 and 1.69 CPU-s per million against
// 2.01 and 1.93; modern servers 2.75 and 2.83 against 2.67 and 2.96 (no
// difference the runs resolve). In the 20M-line `edgelog bench` (18.16,
// three alternated pairs): ClickHouse 1.78, 1.61, 1.68 against 1.99,
// 1.88, 1.88; 494,828, 524,328 and 505,201 requests a second against
// 436,045, 476,335 and 480,029; every table's bytes on disk 54.3-54.5 a
// request against 51.6-51.7 (the coarse rollups' histograms; at denser
// traffic the raw rows' share grows and this one shrinks).
//
// History: rows written before migration 24 keep their t-digest states
// (ttfb_us_q, request_time_us_q, columns the views write empty since), and
// later rows have histograms (ttfb_us_h, request_time_us_h). A query
// reads both (LatencyQuantilesSQL): the histogram where the rows it
// merges have one, the t-digest where none has, so a bucket that spans
// the migration answers for the requests after it.

// SketchMigration is the migration that makes the latency rollups'
// views write histograms.
const SketchMigration = 24

// SketchError is the relative error of a latency quantile read through
// LatencyQuantilesSQL from the histograms: |read - exact| <= SketchError
// × (exact + 1 µs), the exact quantile being a value of the merged rows
// (see above for why 1.2%).
const SketchError = 0.012

// SketchScale is the codes per unit of ln(µs + 1): the largest UInt32
// latency, 4,294,967,295 µs (71.6 minutes), has code 29,988, under
// quantileTiming's 30,000.
const SketchScale = 1352

// sketchState is the histogram's column type: the Quantiles kept.
const sketchState = "AggregateFunction(quantilesTiming(" + Quantiles + "), UInt32)"

// sketchOf returns the state expression of a histogram of column's
// latencies (µs).
func sketchOf(column string) string {
	return fmt.Sprintf("quantilesTimingState(%s)(%s)", Quantiles, SketchCode(column))
}

// SketchCode returns the SQL of the log code of column's latencies (µs),
// what the histograms count.
func SketchCode(column string) string {
	return fmt.Sprintf("toUInt32(round(log(%s + 1) * %d))", column, SketchScale)
}

// SketchDecode returns the SQL that turns codes, an array of quantiles of
// codes, into latencies (µs, Array(Float64)), each at its bucket's middle.
func SketchDecode(codes string) string {
	return fmt.Sprintf("arrayMap(c -> %s, %s)", decodeCode("c"), codes)
}

// sketchExactBelow bounds the codes a histogram returns exactly whatever
// its state: quantileTiming counts codes under 1,024 one by one, and what
// it returns for its first bucket of 16 (codes 1,024-1,039) is the
// bucket's start less up to 8, so 1,016 or more. The codes under it are
// those of 0 µs (0) and 1 µs (937).
const sketchExactBelow = 1016

// decodeCode returns the SQL of the latency (µs) of code c: at the middle
// of its bucket, or exactly under sketchExactBelow.
func decodeCode(c string) string {
	return fmt.Sprintf("if(%[1]s < %[2]d, exp(%[1]s / %[3]d), exp((%[1]s + 8) / %[3]d)) - 1", c, sketchExactBelow, SketchScale)
}

// LatencyMetrics are the latency metrics the perf rollups keep, by the
// API's name: the raw column each measures. It is the allow-list that
// keeps identifiers out of user input (the query API's metric parameter).
var LatencyMetrics = map[string]string{
	"request_time": "request_time_us",
	"ttfb":         "ttfb_us",
}

// LatencyQuantilesSQL returns the aggregate expression that reads the
// Quantiles of metric (a key of LatencyMetrics) from perf rollup rows, in
// microseconds (Array(Float64)): decoded from the histograms where the
// merged rows have any, the t-digests of rows older than migration 24
// where they have none. ok is false for an unknown metric.
func LatencyQuantilesSQL(metric string) (sql string, ok bool) {
	col, ok := LatencyMetrics[metric]
	if !ok {
		return "", false
	}
	// quantilesTimingMerge of no values is NaN, on 18.16 and modern
	// servers alike.
	return fmt.Sprintf("arrayMap((h, d) -> if(isNaN(h), toFloat64(d), %s), quantilesTimingMerge(%s)(%s_h), quantilesTDigestMerge(%s)(%s_q))",
		decodeCode("h"), Quantiles, col, Quantiles, col), true
}

// perfRollups are the latency rollups.
var perfRollups = []Rollup{perf1m, perfGeo1h, perf1h, perfGeo1d, perfAll1h, perfGeoAll1d, perfAll1m}

// sketchMigration adds the histogram columns to the latency rollups and
// makes their views again writing them, and the t-digests' columns empty
// (asOf renders retired measures so from SketchMigration on). The views
// are dropped,
// coarse ones first, and made again, sources first, under the same names
// (rawdict.go says why names matter on 18.16): an INSERT in between would
// miss a rollup, so migrate with ingest stopped, as for migrations 17 and
// 23 (README, upgrades).
func sketchMigration(db string, d Dialect) []string {
	const v = SketchMigration
	var s []string
	for i := len(perfRollups) - 1; i >= 0; i-- {
		s = append(s, dropTable(db, perfRollups[i].Name+"_mv", d))
	}
	for _, r := range perfRollups {
		s = append(s, addMeasures(db, r, v, d)...)
	}
	for _, r := range perfRollups {
		s = append(s, r.asOf(v).viewAt(db, d))
	}
	return s
}

// viewAt renders r's view as the dialect fed it at SketchMigration: from
// its chain's source (chain.go) or over raw rows, read through castDict
// on a single 18.16 server (rawdict.go).
func (r Rollup) viewAt(db string, d Dialect) string {
	if src, ok := ChainedFrom(r, d); ok {
		return r.chainView(db, chainSource(db, src, d))
	}
	if !d.Modern && d.Cluster == "" {
		r = r.castDict()
	}
	return r.createView(db, d)
}
