package schema

import (
	"strings"
	"testing"
)

func TestFieldMergeAndWeighted(t *testing.T) {
	f := func(typ, expr, merge, weighted string) {
		t.Helper()
		fd := Field{Name: "m", Type: typ, Expr: expr}
		if got := fd.merge(); got != merge {
			t.Errorf("%s: merge %q, want %q", expr, got, merge)
		}
		if got := fd.weighted("w"); got != weighted {
			t.Errorf("%s: weighted %q, want %q", expr, got, weighted)
		}
	}
	f("UInt64", "count()", "sum(m)", "sum(w)")
	f("UInt64", "sum(bytes_sent)", "sum(m)", "sum(bytes_sent * w)")
	f("UInt64", "sum(toUInt64(request_time_us))", "sum(m)", "sum(toUInt64(request_time_us) * w)")
	f("UInt64", "countIf(status >= 200 AND status < 300)", "sum(m)", "sumIf(w, status >= 200 AND status < 300)")
	f("UInt64", "sumIf(bytes_sent, cache_status IN ('HIT', 'STALE'))", "sum(m)", "sumIf(bytes_sent * w, cache_status IN ('HIT', 'STALE'))")
	f("AggregateFunction(quantilesTDigest(0.5, 0.9), UInt32)", "quantilesTDigestState(0.5, 0.9)(ttfb_us)",
		"quantilesTDigestMergeState(0.5, 0.9)(m)", "quantilesTDigestState(0.5, 0.9)(ttfb_us)")
	f("AggregateFunction(uniq, String)", "uniqState(host)", "uniqMergeState(m)", "uniqState(host)")
	f("AggregateFunction(topK(1000), String)", "topKState(1000)(path)", "topKMergeState(1000)(m)", "topKState(1000)(path)")
}

// TestEveryMeasureFoldsAndWeighs renders every rollup's weighted insert
// (a measure without a weighted form panics) and checks which rollups
// fold from which.
func TestEveryMeasureFoldsAndWeighs(t *testing.T) {
	for _, r := range append(Rollups, topPaths1h) {
		sql := r.InsertWeighted("db", "src", "w")
		if !strings.HasPrefix(sql, "INSERT INTO db."+r.Name+" (") || strings.Contains(sql, "count()") {
			t.Errorf("%s: %s", r.Name, sql)
		}
	}
	f := func(dst, src Rollup, want bool) {
		t.Helper()
		if got := dst.FoldsFrom(src); got != want {
			t.Errorf("%s folds from %s: %v, want %v", dst.Name, src.Name, got, want)
		}
	}
	f(traffic1h, traffic1m, true)
	f(billing5m, traffic1m, true)
	f(billing1d, billing5m, true)
	f(perfAll1h, perf1m, true)
	f(perfGeoAll1d, perfGeo1h, true)
	f(traffic1m, traffic1h, false)   // finer from coarser
	f(billing5m, traffic1h, false)   // 5 minutes from hours
	f(perf1h, perfAll1m, false)      // no customer
	f(EdgeServers, traffic1m, false) // no server
	f(perf1m, traffic1m, false)      // no latency states
	f(pathHits1h, traffic1h, false)  // heavy hitters
	f(traffic1h, traffic1h, false)
}
