package schema

import (
	"fmt"
	"slices"
	"strings"
)

// Plain keys (migration 19): on modern servers the string dimensions of
// the rollups, of live_1s and of the rollup feed are String, where
// migrations 3-18 made them LowCardinality(String) (Field.Type's {lc}).
// The raw table keeps LowCardinality: its parts hold many rows for each
// distinct value, which is what a dictionary pays for; a rollup's parts
// hold few rows per key.
//
// Why: a LowCardinality column costs its dictionary on every part written
// and every part merged, and each rollup writes a part per INSERT with up
// to five such keys. Measured with schema/conformance's BenchmarkSchemaCost
// on chDB (ClickHouse 26.5; 3-6M generated requests, INSERTs then one merge
// pass, CPU-s per million requests, 2026-12-06, optimize_on_insert off in
// both): at edgelog bench's default density the merge pass 1.66-1.86 ->
// 1.29-1.44 in every pair of runs, the whole 4.0-4.6 -> 3.3-3.9; at
// `--span 1m` 3.19 -> 3.00 (one pair).
// Background merges rewrite a rollup row more than once (traffic_1m 1.6
// times in a 20M-line bench, live_1s 3.8), so the merges' share counts
// more in production than in the single pass. Ingest's feed INSERT should
// gain too (not measured: chDB has no native protocol for ingest): its
// String columns alias ingest's arenas, which LowCardinality ones cannot
// (package ingest, strcol.go). 18.16 never had LowCardinality keys:
// nothing to do there.
//
// What it costs on disk: BenchmarkStorage (`make bench-storage`, 10M
// requests over a week, every table merged), modern bytes per request
// 66.2 -> 71.8, all of it in the rollups (traffic_1m 19.7 -> 22.3,
// live_1s 6.2 -> 8.5, perf_1m 5.5 -> 5.9, edge_servers_1m 0.8 -> 0.9;
// the raw table's 19.4 unchanged; 18.16's whole schema 108.2). At 2M
// requests, sparser, 96.5 -> 108.2; the keys with CODEC(ZSTD(1)) took
// back half of that (101.5) and cost 0.25-0.3 CPU-s per million
// (alternated twice), most of what String keys save. Not taken: the
// denser the traffic, the fewer rollup rows per request, so the bytes
// shrink with volume where the CPU is spent on every request.
//
// The ALTER rewrites the key columns of every part of each table once (a
// mutation; modern ClickHouse allows it on a key column, as its own tests
// of that ALTER show, and TestPlainKeysMigration runs it on chDB over
// rollups holding rows), then inserts and
// reads go on as before: a view's LowCardinality output is converted on
// its way into the table. Ingest may run meanwhile. On a cluster each
// shard's replicated table is altered on one replica and replicates it
// (EachShard), and the Distributed table in front is made again to match
// (redistribute); the feed exists on single servers only.
const PlainKeysMigration = 19

func plainKeysMigration(db string, d Dialect) []string {
	if !d.Modern {
		return nil
	}
	var s []string
	for _, r := range append(slices.Clone(Rollups), liveByDay) {
		cols := lowCardFields(r.Dims)
		if len(cols) == 0 {
			continue // a rollup created after this migration, String already
		}
		s = append(s, toPlainString(alterData(db, r.Name, d), cols))
		s = append(s, redistribute(db, r.Name, d)...)
	}
	if d.Cluster == "" {
		s = append(s, toPlainString(fmt.Sprintf("ALTER TABLE %s.%s", db, FeedTable), lowCardFields(feedFields())))
	}
	return s
}

// lowCardFields returns the names of the fields migrations 3-18 made
// LowCardinality(String) on modern servers.
func lowCardFields(fs []Field) []string {
	var names []string
	for _, f := range fs {
		if f.Type == "{lc}" {
			names = append(names, f.Name)
		}
	}
	return names
}

// toPlainString renders alter (ALTER TABLE db.t) modifying each column to
// String. Run again, it changes nothing.
func toPlainString(alter string, cols []string) string {
	mods := make([]string, len(cols))
	for i, c := range cols {
		mods[i] = "MODIFY COLUMN " + c + " String"
	}
	return alter + " " + strings.Join(mods, ", ")
}
