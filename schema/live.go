package schema

import (
	"fmt"
	"slices"
	"strings"
)

// Live is the per-second rollup the operations wall's live counter reads
// (query.Store.Live, GET /api/v1/ops/live): requests and bytes per second,
// customer and region. It is not among Rollups: it keeps a day
// (DefaultRetention), so Verify and the month-long query benchmarks, which
// walk Rollups, leave it alone; VerifyLive (`schema verify`) compares it
// with the raw rows per second. Added by migration 13 (as liveByDay);
// partitioned by hour since migration 20 (LiveByHourMigration).
//
// Why a view over the raw rows rather than figures ingest publishes: the
// view is written by the same INSERT as the raw rows and the other
// rollups, so a second the watermark calls complete is exactly what the
// minute rollups will say of it, with no second delivery path to keep
// exactly-once (a crash between a raw INSERT and a separate figures
// INSERT would lose or double them). Its cost is one more GROUP BY per
// INSERT over three keys (see ARCHITECTURE.md, "The live counter", for the
// measured CPU-s per million requests).
//
// Why hour partitions (the partition id is YYYYMMDDhh): every INSERT
// writes a small part of this table, and ClickHouse merges small parts
// eagerly (its merge selector lowers its fan-in for parts of a few
// megabytes), so in day partitions the bench's rows were rewritten 3.8
// times on average, the most of any table. An hour partition stops
// receiving parts once its hour is past, so its few parts merge once or
// twice and then rest; the live counter reads the last seconds, which
// the hour partitions prune to one or two. Measured in schema's package
// doc, "The live counter by hour".
//
// What bounds it: `schema retention` (the packages' daily timer; the
// Compose stack runs it hourly) drops an hour once it is a day old
// (TestRetention); where retention does not run, hours pile up, 24
// partitions a day. A TTL on modern servers was not used: it removes
// each part's expired rows on that part's own merge schedule, so a
// second could lose some of its rows before others, which VerifyLive
// would report.
var Live = Rollup{
	Name: "live_1s_by_hour", Comment: "requests and bytes per second by customer and region (live counter; kept a day; hour partitions)",
	Dims:      liveDims("String"),
	Measures:  liveMeasures,
	Partition: "intDiv(toYYYYMMDDhhmmss(t), 10000)", Step: 1,
}

// liveByDay is the live counter's table as migrations 13 to 19 made it:
// day partitions, keys LowCardinality on modern servers until migration
// 19 made them String. Migration 20 copies it into Live and drops its
// view; migration 21 drops it.
var liveByDay = Rollup{
	Name: "live_1s", Comment: "requests and bytes per second by customer and region (live counter; kept a day)",
	Dims:      liveDims("{lc}"),
	Measures:  liveMeasures,
	Partition: "toYYYYMMDD(t)", Step: 1,
}

func liveDims(key string) []Field {
	return []Field{
		{"t", "DateTime('UTC')", "toDateTime(time)"},
		{"customer", key, "customer"},
		{"region", key, "region"},
	}
}

var liveMeasures = []Field{
	{"requests", "UInt64", "count()"},
	{"bytes_out", "UInt64", "sum(bytes_sent)"},
}

// RollupsAndLive returns Rollups and Live: every table a view sums
// requests into.
func RollupsAndLive() []Rollup { return append(slices.Clone(Rollups), Live) }

// LiveAt returns the live counter's table as migration v left it: the
// day-partitioned live_1s before LiveByHourMigration, Live from it on.
// For tests of a migration over old rows.
func LiveAt(v int) Rollup {
	if v < LiveByHourMigration {
		return liveByDay
	}
	return Live
}

// WatermarkTable records, per INSERT and Kafka partition, the latest row
// time (ms) the INSERT carried: how far each partition's rows have landed.
// The live counter calls a second complete only when every partition that
// inserted recently is past it (query.Store.Watermark). Like the ledgers
// it is written by a view of the raw table, so it never runs ahead of the
// rows. Added by migration 13; kept a day.
const WatermarkTable = "ingest_watermark"

// rowTimeMs is a raw row's time in Unix milliseconds in d.
func rowTimeMs(d Dialect) string {
	if d.Modern {
		return "toUnixTimestamp64Milli(time)"
	}
	return "toUInt64(time) * 1000 + time_ms"
}

func createWatermark(db string, d Dialect) []string {
	s := []string{fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s%s (
    src_stream String,
    src_partition UInt16,
    max_time_ms UInt64,
    rows UInt64,
    inserted_at DateTime DEFAULT now()
) ENGINE = %s
PARTITION BY toYYYYMMDD(inserted_at)
ORDER BY (inserted_at, src_stream, src_partition)`, db, localName(WatermarkTable, d), onCluster(d), engine(d, "MergeTree", db, WatermarkTable))}
	if d.Cluster != "" {
		s = append(s, distributed(db, WatermarkTable, d))
	}
	return append(s, fmt.Sprintf(`CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s_mv%s TO %s.%s AS
SELECT src_stream, src_partition, max(%s) AS max_time_ms, count() AS rows, now() AS inserted_at
FROM %s.%s
GROUP BY src_stream, src_partition`, db, WatermarkTable, onCluster(d), db, localName(WatermarkTable, d), rowTimeMs(d), db, localName(RawTable, d)))
}

// WatermarkView is the view that fills WatermarkTable since migration 16.
// ClickHouse 18.16 runs an INSERT's materialized views one after the
// other, in the order of their names (and not of their creation: see
// TestViewsRunInNameOrder), each view's rows visible as soon as it has
// run. Named to sort after every other view, its row of an INSERT is
// visible only once every other table has that INSERT's rows: the live
// counter may then trust a partition's latest INSERT instead of the one
// before it, a whole insert interval sooner. TestWatermarkViewRunsLast
// keeps it last.
//
// On a single server it is a view of the rollup feed (FeedTable), not of
// the raw table: ingest INSERTs a batch's raw rows, then its feed rows
// (migration 15), so a feed row visible after every other view of the feed
// means the batch is in every table, raw views (live_1s, latency rollups)
// and feed views (traffic, billing) alike. Over the raw table, a batch's
// watermark would be visible before its traffic rows were written.
//
// Its rows say so (visible_last = 1) on a single 18.16 server only: on a
// cluster (no feed: a view of the raw table) each shard writes its part of
// an INSERT on its own, and on modern servers the order was not verified,
// so there its rows carry 0 and the query keeps the rule of old
// (query.Store.Watermark): the second-latest INSERT's row, which on a
// single server is that of the previous batch's feed INSERT, landed
// whole before this batch's raw INSERT began.
const WatermarkView = "zz_ingest_watermark_mv"

// watermarkLastMigration (migration 16) moves the watermark's view to
// WatermarkView, marking its rows visible_last where the view order is
// known. The new view is created before the old one is dropped: for a
// moment both write a row per INSERT, and the query ignores such
// duplicates (it reads distinct row times), so ingest may run.
func watermarkLastMigration(db string, d Dialect) []string {
	last := 0
	if !d.Modern && d.Cluster == "" {
		last = 1
	}
	s := []string{addColumn(db, WatermarkTable, "visible_last", "UInt8 DEFAULT 0", "rows", d)}
	s = append(s, redistribute(db, WatermarkTable, d)...)
	// From the feed where there is one (migration 15: single servers),
	// else from the raw rows.
	src, maxMs, rows := FeedTable, "max(max_time_ms)", "sum(requests)"
	if d.Cluster != "" {
		src, maxMs, rows = localName(RawTable, d), "max("+rowTimeMs(d)+")", "count()"
	}
	view := fmt.Sprintf(`CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s%s TO %s.%s AS
SELECT src_stream, src_partition, %s AS max_time_ms, %s AS rows, toUInt8(%d) AS visible_last, now() AS inserted_at
FROM %s.%s
GROUP BY src_stream, src_partition`, db, WatermarkView, onCluster(d), db, localName(WatermarkTable, d), maxMs, rows, last, db, src)
	return append(s, view, dropTable(db, WatermarkTable+"_mv", d))
}

// liveMigration creates the live counter's tables (migration 13).
func liveMigration(db string, d Dialect) []string {
	return append(liveByDay.create(db, d), createWatermark(db, d)...)
}

// LiveByHourMigration moves the live counter into hour partitions: Live
// replaces liveByDay. ClickHouse cannot change a table's partition key, so
// the rows go into a new table of another name.
const LiveByHourMigration = 20

// liveByHourMigration creates Live, copies liveByDay's rows into it, then
// switches the view: Live's is created and liveByDay's dropped (migration
// 20). Migrate with ingest stopped: an INSERT between the copy and the
// new view would be missing from Live (VerifyLive lists such seconds).
// The copy runs only into an empty table, so a migration run again after
// an interruption adds nothing; the old table goes in migration 21, after
// this one is recorded, so a run again always finds it to copy from. On a
// cluster each shard copies its own rows, on one replica (EachShard).
func liveByHourMigration(db string, d Dialect) []string {
	s := []string{Live.createTable(db, d)}
	if d.Cluster != "" {
		s = append(s, distributed(db, Live.Name, d))
	}
	list := strings.Join(Live.columns(), ", ")
	copyRows := fmt.Sprintf("INSERT INTO %s.%s (%s)\nSELECT %s FROM %s.%s\nWHERE (SELECT count() FROM %s.%s) = 0",
		db, localName(Live.Name, d), list, list, db, localName(liveByDay.Name, d), db, localName(Live.Name, d))
	if d.Modern {
		// Modern servers refuse an INSERT block of more than 100
		// partitions: 100 hours, where live_1s may hold days that
		// retention has not yet dropped.
		copyRows += "\nSETTINGS max_partitions_per_insert_block = 0"
	}
	if d.Cluster != "" {
		copyRows = EachShard + copyRows
	}
	return append(s, copyRows, Live.createView(db, d),
		dropTable(db, liveByDay.Name+"_mv", d))
}

// dropLiveByDay drops the day-partitioned live counter's tables (migration
// 21), whose rows migration 20 copied into Live.
func dropLiveByDay(db string, d Dialect) []string { return dropRollup(db, liveByDay.Name, d) }
