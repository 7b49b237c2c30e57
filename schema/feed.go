package schema

import (
	"fmt"
	"strings"
)

// The rollup feed (migration 15, single-server dialects). ClickHouse ran
// one GROUP BY per materialized view over every raw block, and the five
// sum rollups of traffic and billing all group the same rows by a coarser
// form of traffic_1m's key: traffic_1m alone cost 1.28 CPU-s per million
// requests, the five together about 2.0 (package doc). Ingest now
// aggregates each block it inserts once, in Go, at traffic_1m's grain plus
// the Kafka stream and partition (package ingest, feed.go), and INSERTs
// those rows into FeedTable, a Null table: it stores nothing, and the
// views on it fold its rows into traffic_1m, traffic_1h, traffic_1d,
// billing_5m and billing_1d (sums of sums, Field.merge) and into
// FeedLedgerTable, the feed's own offsets ledger. ClickHouse 18.16 feeds
// the views of a table an INSERT writes, not those of a view's target,
// which is why the feed is a table ingest writes to.
//
// The latency rollups (latency states: sketch.go), path_hits_1h (its per-block
// top-N), edge_servers_1m, the live counter and both ledgers stay views over the
// raw table. The live counter's watermark moves to the feed with migration
// 16 (WatermarkView): the feed INSERT is a batch's last, so its row says
// every table has the batch.
//
// Exactly once: the raw INSERT and the feed INSERT are two INSERTs, each
// with its own ledger (ingest_ledger by the raw table's view,
// FeedLedgerTable by the feed's). Ingest inserts a batch's feed rows only
// after its raw rows, so the feed ledger never runs ahead of the raw one;
// a partition's new owner re-reads the messages the raw ledger has and the
// feed ledger has not and inserts only their feed rows (package ingest).
//
// A rollup fed here is no longer fed by an INSERT into the raw table: a
// tool loading raw rows directly must INSERT their feed rows too
// (ingest.InsertBlock does; FeedFromRaw renders the same rows in SQL).
// The migration seeds FeedLedgerTable with the raw ledger's offsets, so
// the feed is taken to be level with the raw table at migration time:
// migrate with ingest stopped, as for migrations 8-10.
//
// In cluster mode (Dialect.Cluster) migration 15 does nothing: the five
// rollups stay views over the raw table on each shard, and ingest, finding
// no FeedTable, inserts raw rows only.

// Feed tables.
const (
	FeedTable       = "rollup_feed"
	FeedLedgerTable = "feed_ledger"
	// FeedMigration is the migration that adds the feed.
	FeedMigration = 15
)

// FeedRollups are the rollups fed from FeedTable on a single server.
var FeedRollups = []Rollup{traffic1m, traffic1h, traffic1d, billing5m, billing1d}

// feedSource is the rollup whose grain the feed has: every FeedRollup
// folds from it (checked at start).
var feedSource = traffic1m

// FeedDims are the feed's dimension columns, in table order: the minute,
// then traffic_1m's other dimensions, then the Kafka stream and partition.
// FeedMeasures follow them, then FeedOffsets.
func FeedDims() []Field {
	dims := []Field{{"minute", "DateTime('UTC')", "toStartOfMinute(time)"}}
	dims = append(dims, feedSource.Dims[1:]...)
	return append(dims, Field{"src_stream", "String", "src_stream"}, Field{"src_partition", "UInt16", "src_partition"})
}

// FeedMeasures are the feed's sums: traffic_1m's measures, with the
// expressions that define them over raw rows (ingest computes the same in
// Go and a test holds the two equal).
func FeedMeasures() []Field { return feedSource.Measures }

// FeedOffsets are the feed's ledger columns: the lowest and highest Kafka
// offset of the row's raw rows, and the latest time of them in ms
// (max_time_ms, the live counter's watermark: WatermarkView). The time's
// expression over raw rows depends on the dialect (FeedFromRaw).
var FeedOffsets = []Field{{"min_offset", "UInt64", "min(src_offset)"}, {"max_offset", "UInt64", "max(src_offset)"}, {"max_time_ms", "UInt64", "max({time_ms})"}}

// FeedColumnNames are the feed table's columns in order.
func FeedColumnNames() []string {
	var out []string
	for _, f := range feedFields() {
		out = append(out, f.Name)
	}
	return out
}

func feedFields() []Field {
	fs := FeedDims()
	fs = append(fs, FeedMeasures()...)
	return append(fs, FeedOffsets...)
}

// InsertFeedSQL is the INSERT ingest sends the feed rows with.
func InsertFeedSQL(db string) string {
	return "INSERT INTO " + db + "." + FeedTable + " (" + strings.Join(FeedColumnNames(), ", ") + ")"
}

// FeedFromRawSliced returns FeedFromRaw's INSERTs for every raw row of db
// in n slices by RawShardingKey, for bulk loads: a feed group's rows share
// their key (customer, host and the rest), so no group straddles two
// slices, and each INSERT's GROUP BY holds about 1/n of the rows.
func FeedFromRawSliced(db string, d Dialect, n int) []string {
	qs := make([]string, n)
	for i := range qs {
		qs[i] = FeedFromRaw(db, d, fmt.Sprintf("%s %% %d = %d", RawShardingKey, n, i))
	}
	return qs
}

// FeedFromRaw returns the INSERT that writes the feed rows of the raw rows
// matching where, as ingest would have: for tools and tests that load raw
// rows with plain SQL (chDB has no native protocol for ingest).
func FeedFromRaw(db string, d Dialect, where string) string {
	var sel, group []string
	for _, f := range FeedDims() {
		sel = append(sel, d.readRaw(f.Expr)+" AS "+f.Name)
		group = append(group, f.Name)
	}
	for _, f := range FeedMeasures() {
		sel = append(sel, f.Expr+" AS "+f.Name)
	}
	for _, f := range FeedOffsets {
		sel = append(sel, strings.ReplaceAll(f.Expr, "{time_ms}", rowTimeMs(d))+" AS "+f.Name)
	}
	return fmt.Sprintf("INSERT INTO %s.%s (%s)\nSELECT %s\nFROM %s.%s\nWHERE %s\nGROUP BY %s", db, FeedTable, strings.Join(FeedColumnNames(), ", "),
		strings.Join(sel, ", "), db, RawTable, where, strings.Join(group, ", "))
}

// feedMigration creates the feed, its ledger and the views from it, seeds
// the feed ledger with the raw ledger's offsets, and drops the five
// rollups' views over the raw table (migration 15). Nothing on a cluster.
func feedMigration(db string, d Dialect) []string {
	if d.Cluster != "" {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s.%s (\n", db, FeedTable)
	fs := feedFields()
	for i, f := range fs {
		sep := ","
		if i == len(fs)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "    %s %s%s\n", f.Name, typeIn(f.Type, d), sep)
	}
	b.WriteString(") ENGINE = Null")
	s := []string{b.String(),
		createFeedLedger(db, FeedLedgerTable),
		// Level with the raw table: the views over raw rows fed the
		// rollups up to here. Only into an empty ledger, so a migration
		// run again after an interruption adds nothing.
		fmt.Sprintf(`INSERT INTO %s.%s (src_stream, src_partition, min_offset, max_offset, rows)
SELECT src_stream, src_partition, min(min_offset), max(max_offset), 0
FROM %s.%s
WHERE (SELECT count() FROM %s.%s) = 0
GROUP BY src_stream, src_partition`, db, FeedLedgerTable, db, LedgerTable, db, FeedLedgerTable),
		feedLedgerView(db, FeedLedgerTable+"_mv", FeedLedgerTable),
	}
	for _, r := range FeedRollups {
		// The view keeps its name: the one over raw rows goes, the one
		// over the feed comes.
		s = append(s, dropTable(db, r.Name+"_mv", d), r.feedView(db))
	}
	return s
}

// feedView renders the view that folds feed rows into r.
func (r Rollup) feedView(db string) string {
	return r.foldView(db, "minute", db+"."+FeedTable)
}

// foldView renders r's view over already aggregated rows of from (the
// feed, or a finer rollup's view: chain.go): their time column timeCol
// bucketed at r's step, r's dimensions, r's measures merged.
func (r Rollup) foldView(db, timeCol, from string) string {
	sel := []string{r.bucket() + "(" + timeCol + ") AS t"}
	group := []string{"t"}
	for _, f := range r.Dims[1:] {
		sel = append(sel, f.Name)
		group = append(group, f.Name)
	}
	for _, f := range r.Measures {
		sel = append(sel, f.merge()+" AS "+f.Name)
	}
	return fmt.Sprintf("CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s_mv TO %s.%s AS\nSELECT\n    %s\nFROM %s\nGROUP BY %s",
		db, r.Name, db, r.Name, strings.Join(sel, ",\n    "), from, strings.Join(group, ", "))
}

func init() {
	for _, r := range FeedRollups {
		if r.Name != feedSource.Name && !r.FoldsFrom(feedSource) {
			panic("BUG: feed rollup " + r.Name + " does not fold from " + feedSource.Name)
		}
		for _, m := range r.Measures {
			if _, _, state := aggregateState(m.Type); state {
				panic("BUG: feed rollup " + r.Name + " has an aggregate state: the feed carries sums only")
			}
		}
	}
}
