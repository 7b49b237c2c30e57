package schema_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/traffic"
	"github.com/edgelog/edgelog/schema"
)

// chainInserts is how many INSERTs the chained-rollup tests split their
// raw rows into: a group's rows arrive in several blocks, so the chained
// views merge states of several source rows and the table several rows.
const chainInserts = 4

// loadInParts inserts stage's raw rows into db in chainInserts INSERTs,
// split by second: every view over raw rows (and every chained view) runs
// once per INSERT.
func loadInParts(t *testing.T, stage, db string) {
	t.Helper()
	for i := range chainInserts {
		sql := fmt.Sprintf("INSERT INTO %s.%s SELECT * FROM %s.%s WHERE intHash32(toUInt32(time)) %% %d = %d", db, schema.RawTable, stage, schema.RawTable, chainInserts, i)
		if err := chtest.Conn(t).Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
	}
}

// chainStage loads generated traffic into a database of its own: dense
// enough (300k requests over 6 hours, 3 customers) that some of the
// coarse rollups' groups hold whole histograms, not lists of values
// (quantileTiming's list ends at 5,671 values: schema/sketch.go), so the
// chained views merge both kinds of state. With 100k requests over 30
// hours, as before migration 24, no group did.
func chainStage(t *testing.T) string {
	t.Helper()
	blk, err := traffic.All(gen.Options{Lines: 300_000, Seed: 5, Duration: 6 * time.Hour, Customers: 3})
	if err != nil {
		t.Fatal(err)
	}
	stage := chtest.NewDB(t)
	if err := ingest.InsertBlock(context.Background(), chtest.Conn(t), stage, schema.Dialect{}, blk); err != nil {
		t.Fatal(err)
	}
	return stage
}

// latencyGroup is a rollup group's figures: counts, and per latency
// measure the three quantiles (from the rollup) or the sorted values (from
// the raw rows).
type latencyGroup struct {
	counts [3]uint64 // requests, errors_4xx, errors_5xx
	q      [2][]float64
	values [2][]uint32
}

// latencyMeasures are the state measures of the latency rollups, the raw
// column each sketches and the API's metric that reads it
// (schema.LatencyQuantilesSQL).
var latencyMeasures = [2][3]string{{"ttfb_us_h", "ttfb_us", "ttfb"}, {"request_time_us_h", "request_time_us", "request_time"}}

// retiredMeasures are the t-digest states the latency rollups kept until
// schema.SketchMigration: still columns, written empty.
var retiredMeasures = []string{"ttfb_us_q", "request_time_us_q"}

// latencyGroups reads r's groups from its table (fromRaw false) or
// computes them from db's raw rows (fromRaw true), keyed by the group's
// dimensions.
func latencyGroups(t *testing.T, db string, r schema.Rollup, fromRaw bool) map[string]*latencyGroup {
	t.Helper()
	var key, group []string
	for i, d := range r.Dims {
		e := d.Name
		if fromRaw {
			e = d.Expr
		}
		if i == 0 {
			e = "toUInt32(" + e + ")"
		}
		key = append(key, "toString("+e+")")
		group = append(group, e)
	}
	sel := []string{"arrayStringConcat([" + strings.Join(key, ", ") + "], '|')"}
	for _, m := range r.Measures[:3] {
		if fromRaw {
			sel = append(sel, m.Expr)
		} else {
			sel = append(sel, "sum("+m.Name+")")
		}
	}
	want := []string{"requests", "errors_4xx", "errors_5xx", retiredMeasures[0], retiredMeasures[1], latencyMeasures[0][0], latencyMeasures[1][0]}
	if len(r.Measures) != len(want) {
		t.Fatalf("%s's measures changed: teach this test %v", r.Name, r.Measures)
	}
	for i, m := range r.Measures {
		if m.Name != want[i] {
			t.Fatalf("%s's measures changed: teach this test %v", r.Name, r.Measures)
		}
	}
	for _, m := range latencyMeasures {
		if fromRaw {
			sel = append(sel, "arraySort(groupArray("+m[1]+"))")
		} else {
			q, ok := schema.LatencyQuantilesSQL(m[2])
			if !ok {
				t.Fatalf("no quantiles for metric %s", m[2])
			}
			sel = append(sel, q)
		}
	}
	src := db + "." + r.Name
	if fromRaw {
		src = db + "." + schema.RawTable
	}
	q := fmt.Sprintf("SELECT %s FROM %s GROUP BY %s", strings.Join(sel, ", "), src, strings.Join(group, ", "))
	rows, err := chtest.Conn(t).Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	out := map[string]*latencyGroup{}
	for rows.Next() {
		var k string
		g := &latencyGroup{}
		dest := []any{&k, &g.counts[0], &g.counts[1], &g.counts[2]}
		for i := range latencyMeasures {
			if fromRaw {
				dest = append(dest, &g.values[i])
			} else {
				dest = append(dest, &g.q[i])
			}
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		out[k] = g
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// directQuantiles sketches r's groups straight from db's raw rows, as r's
// view over raw rows did before migration 17, and decodes them as the API
// does: the reference the chained rollup's error is logged beside.
func directQuantiles(t *testing.T, db string, r schema.Rollup) map[string][2][]float64 {
	t.Helper()
	var key, group []string
	for i, d := range r.Dims {
		e := d.Expr
		if i == 0 {
			e = "toUInt32(" + e + ")"
		}
		key = append(key, "toString("+e+")")
		group = append(group, e)
	}
	sketch := func(col string) string {
		return schema.SketchDecode(fmt.Sprintf("quantilesTiming(%s)(%s)", schema.Quantiles, schema.SketchCode(col)))
	}
	q := fmt.Sprintf("SELECT arrayStringConcat([%s], '|'), %s, %s FROM %s.%s GROUP BY %s", strings.Join(key, ", "),
		sketch(latencyMeasures[0][1]), sketch(latencyMeasures[1][1]), db, schema.RawTable, strings.Join(group, ", "))
	rows, err := chtest.Conn(t).Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	out := map[string][2][]float64{}
	for rows.Next() {
		var k string
		var v [2][]float64
		if err := rows.Scan(&k, &v[0], &v[1]); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sketchError is how far a sketch's quantile v of level q may be from
// the sorted values, as a multiple of the bound: 0 when v is within
// schema.SketchError of (1 + a value) whose rank is within one value of
// q (quantileTiming and an exact quantile may pick neighbouring values).
func sketchError(sorted []uint32, q, v float64) float64 {
	n := len(sorted)
	lo := max(0, int(math.Floor((q-1/float64(n))*float64(n)))-1)
	hi := min(n-1, int(math.Ceil((q+1/float64(n))*float64(n))))
	below, above := float64(sorted[lo]), float64(sorted[hi])
	switch {
	case v < below:
		return (below - v) / (below + 1) / schema.SketchError
	case v > above:
		return (v - above) / (above + 1) / schema.SketchError
	}
	return 0
}

// histogramFrom is the count of values from which a quantileTiming state
// is its whole histogram rather than a list of the values
// (schema/sketch.go).
const histogramFrom = 5672

// TestChainedLatencyRollups inserts raw rows in several INSERTs on 18.16
// and holds every chained latency rollup (migration 17) to the raw rows,
// group by group: the same groups, counts equal, each quantile as the
// API reads it within schema.SketchError of the exact one (sketchError),
// the retired t-digests empty. It then shows that the
// check catches a chain the server does not run: the same view over its
// source's target table (the modern servers' form) leaves the rollup
// empty on 18.16.
func TestChainedLatencyRollups(t *testing.T) {
	stage := chainStage(t)
	db := chtest.NewDB(t)
	loadInParts(t, stage, db)
	levels := []float64{0.5, 0.9, 0.99}
	if schema.Quantiles != "0.5, 0.9, 0.99" {
		t.Fatalf("quantile levels changed to %s: teach this test", schema.Quantiles)
	}
	chained, histograms := 0, 0
	for _, r := range schema.Rollups {
		src, ok := schema.ChainedFrom(r, schema.Dialect{})
		if !ok {
			continue
		}
		chained++
		got, want := latencyGroups(t, db, r, false), latencyGroups(t, db, r, true)
		if len(got) != len(want) {
			t.Errorf("%s (from %s): %d groups, raw rows make %d", r.Name, src.Name, len(got), len(want))
		}
		direct := directQuantiles(t, db, r)
		worst, worstDirect, states := 0.0, 0.0, 0
		for k, w := range want {
			g := got[k]
			if g == nil {
				t.Errorf("%s: group %s missing", r.Name, k)
				continue
			}
			if g.counts != w.counts {
				t.Errorf("%s: group %s counts %v, raw rows %v", r.Name, k, g.counts, w.counts)
			}
			for i := range latencyMeasures {
				n := len(w.values[i])
				if n >= histogramFrom {
					states++
				}
				for j, q := range levels {
					e := sketchError(w.values[i], q, g.q[i][j])
					worst = math.Max(worst, e)
					worstDirect = math.Max(worstDirect, sketchError(w.values[i], q, direct[k][i][j]))
					if e > 1 {
						t.Errorf("%s: group %s %s q%v = %v is %.2f times the error bound off among %d values", r.Name, k, latencyMeasures[i][0], q, g.q[i][j], e, n)
					}
				}
			}
		}
		histograms += states
		t.Logf("%s from %s: %d groups (%d of their states histograms); worst error %.2f of the bound, %.2f for a sketch of the raw rows", r.Name, src.Name, len(want), states, worst, worstDirect)
		for _, m := range retiredMeasures {
			var q []float32
			sql := fmt.Sprintf("SELECT quantilesTDigestMerge(%s)(%s) FROM %s.%s", schema.Quantiles, m, db, r.Name)
			if err := chtest.Conn(t).QueryRow(context.Background(), sql).Scan(&q); err != nil {
				t.Fatalf("%v\n%s", err, sql)
			}
			if slices.ContainsFunc(q, func(v float32) bool { return v != 0 }) {
				t.Errorf("%s.%s, retired, holds values: %v", r.Name, m, q)
			}
		}
	}
	if chained != 5 {
		t.Fatalf("%d chained rollups, want 5", chained)
	}
	if histograms == 0 {
		t.Errorf("no chained group holds a whole histogram (%d values or more): the stage no longer tests their merges", histogramFrom)
	}

	// The check fails for a view the server does not run: over perf_1m's
	// table instead of its view, 18.16 never feeds perf_1h.
	off := chtest.NewDB(t)
	perf1h, _ := schema.RollupByName("perf_1h")
	ctx := context.Background()
	for _, s := range []string{"DROP TABLE " + off + ".perf_1h_mv", schema.ChainViewFrom(off, perf1h, off+".perf_1m")} {
		if err := chtest.Conn(t).Exec(ctx, s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	loadInParts(t, stage, off)
	if got := latencyGroups(t, off, perf1h, false); len(got) != 0 {
		t.Fatalf("perf_1h over perf_1m's table got %d groups on 18.16: the chain's source may be either, fix the package doc", len(got))
	}
}
