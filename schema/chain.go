package schema

import (
	"fmt"
	"strings"
)

// Chained latency rollups (migration 17, single-server dialects). Five of
// the seven latency rollups are coarser forms of another one: perf_1h and
// perf_all_1m of perf_1m, perf_all_1h of perf_1h, perf_geo_1d of
// perf_geo_1h, perf_geo_all_1d of perf_geo_1d (FoldsFrom). Their views
// no longer group the raw block: each groups the rows its source's view
// made of the same block (a few thousand per INSERT instead of ~400k) and
// merges their latency states (histograms since migration 24, sketch.go;
// t-digests before); counts are sums of sums. perf_1m and
// perf_geo_1h stay views over the raw table.
//
// How a view reads another view's output differs by server, measured on
// both: ClickHouse 18.16 runs the views that select FROM a view when that
// view is pushed a block (and not those over the view's target table: an
// INSERT into a view's target runs nothing); modern servers (chDB 26.x)
// run the views over a view's target table when the view writes into it
// (and not those FROM the view). chainSource renders the one the dialect
// runs; TestChainedLatencyRollups fails on 18.16 with the other one.
//
// Exactness: one INSERT into the raw table still writes every rollup (the
// chained views run inside their source's push), so nothing changes for
// the ledgers or a crash. Counts are exact sums; quantiles are merges of
// the source's states, as every query that reads more than one row
// already does: histograms merge exactly, so the error stays the
// histogram's (SketchError; TestChainedLatencyRollups bounds it against
// exact quantiles of the raw rows). On modern servers an INSERT into a
// source table (perf_1m, say) also feeds its chained rollups: a tool
// filling rollups directly must fill the source only there
// (lab/rollupfill fills 18.16).
//
// What it saves, and why not more: a latency view's cost is mostly its
// t-digest work, which is per value and the same for a value merged from
// a state as for one read from a raw row (ClickHouse does not compress a
// digest of fewer than a few hundred values), so chaining saves each
// coarse view its GROUP BY of the raw block, not its digest. Measured on
// the 20M-line bench's own rows (package doc, "The latency rollups"): the
// INSERTs with their views cost 0.90-0.92 of what they cost at migration
// 16 (the raw INSERT 0.93-0.94, the feed's 0.64-0.77). Moving the digests
// out of ClickHouse would save most of the rest, and could not be done
// here: see the package doc.
//
// In cluster mode migration 17 does nothing: the views stay over each
// shard's raw rows (chained views would work per shard too, but the
// cluster test was not run for them).

// chains are the chained rollups with their sources, sources first.
var chains = []struct{ r, src Rollup }{
	{perf1h, perf1m},
	{perfAll1m, perf1m},
	{perfAll1h, perf1h},
	{perfGeo1d, perfGeo1h},
	{perfGeoAll1d, perfGeo1d},
}

// ChainMigration is the migration that chains the latency rollups.
const ChainMigration = 17

// ChainedFrom returns the rollup whose view output feeds r's view on a
// single server in d, and whether there is one.
func ChainedFrom(r Rollup, d Dialect) (Rollup, bool) {
	if d.Cluster != "" {
		return Rollup{}, false
	}
	for _, c := range chains {
		if c.r.Name == r.Name {
			return c.src, true
		}
	}
	return Rollup{}, false
}

// chainSource is what a chained view selects FROM in d: the source's view
// on 18.16, its target table on modern servers (see above).
func chainSource(db string, src Rollup, d Dialect) string {
	if d.Modern {
		return db + "." + src.Name
	}
	return db + "." + src.Name + "_mv"
}

// chainView renders r's view over the rows of from (chainSource).
func (r Rollup) chainView(db, from string) string { return r.foldView(db, "t", from) }

// feedProjection renders traffic_1m's view over the feed without a GROUP
// BY: ingest already grouped the block at traffic_1m's grain plus the
// Kafka stream and partition, and the collector keys messages by
// customer, so a key's rows of an INSERT are in one partition and the
// GROUP BY merged nothing (it cost 0.05-0.11 CPU-s per million requests
// on the bench's rows, a quarter of the feed INSERT's). Were a key in two partitions, the table would get
// two rows that its SummingMergeTree adds up and every query sums anyway.
func (r Rollup) feedProjection(db string) string {
	if r.Step != 60 || r.Dims[0].Expr != "toStartOfMinute(time)" {
		panic("BUG: only a rollup at the feed's grain takes its rows as they are: " + r.Name)
	}
	sel := []string{"minute AS t"}
	for _, f := range r.Dims[1:] {
		sel = append(sel, f.Name)
	}
	for _, f := range r.Measures {
		sel = append(sel, f.Name)
	}
	return fmt.Sprintf("CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s_mv TO %s.%s AS\nSELECT\n    %s\nFROM %s.%s",
		db, r.Name, db, r.Name, strings.Join(sel, ",\n    "), db, FeedTable)
}

// chainMigration replaces the five coarse latency rollups' views over raw
// rows with views over their sources' output, and traffic_1m's view over
// the feed with one without a GROUP BY (migration 17). A view is dropped,
// then created under the same name: rows inserted between the two would
// miss that rollup, so migrate with ingest stopped, as for migration 15.
// Nothing on a cluster.
func chainMigration(db string, d Dialect) []string {
	if d.Cluster != "" {
		return nil
	}
	s := []string{
		dropTable(db, feedSource.Name+"_mv", d),
		feedSource.feedProjection(db),
	}
	for _, c := range chains {
		s = append(s, dropTable(db, c.r.Name+"_mv", d), c.r.asOf(ChainMigration).chainView(db, chainSource(db, c.src, d)))
	}
	return s
}

func init() {
	seen := map[string]bool{}
	for _, c := range chains {
		if !c.r.FoldsFrom(c.src) {
			panic("BUG: chained rollup " + c.r.Name + " does not fold from " + c.src.Name)
		}
		if _, chained := ChainedFrom(c.src, Dialect{}); chained && !seen[c.src.Name] {
			panic("BUG: chained rollup " + c.r.Name + " listed before its source " + c.src.Name)
		}
		seen[c.r.Name] = true
	}
}
