package schema

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Dictionary-coded raw strings on 18.16 (migration 22): the raw table's
// seven string columns that no view reads and whose values repeat
// (method, scheme, protocol, cache_status, content_type, user_agent,
// referer; Column.DictSince) become LowCardinality(String) on ClickHouse
// 18.16, as they have been on modern servers from the start.
//
// Why: the raw table is most of what ClickHouse writes and merges (377
// uncompressed bytes a request in a 20M-line `edgelog bench`, every other
// table together under 80), and its cost is in those bytes: LZ4 of the
// written and merged parts was 16% of the server's CPU samples (perf of
// the 18.16 server during that bench), with the bytes' copies and
// checksums on top. These seven columns are 137 of the 377 bytes (the
// user agent alone 82) and each holds a few hundred values at most; as
// LowCardinality a part stores each value once and a row's key in a byte
// or two. Ingest sends them dictionary-coded as they came off the wire
// (package ingest, lccol.go), so the server neither hashes nor copies the
// strings a row at a time. Measured: see the package doc, "Dictionary-coded
// raw strings".
//
// Why these seven first: a materialized view reading a LowCardinality
// column into a String column fails on 18.16 ("Type mismatch ... while
// pushing to view") unless it casts the column, so the columns views read
// (host, pop, region, server, country, path, src_file, src_stream) waited
// for migration 23 (RawDictViewsMigration), which makes the views again
// with casts. customer stays String: it is in the sorting key, whose type
// 18.16 cannot ALTER. x_forwarded_for is near-unique per client.
//
// 18.16 creates and alters LowCardinality columns only with
// LowCardinalitySetting (migrationSettings); a server restarted without
// that setting attaches the table as it is, and `ALTER ... MODIFY COLUMN
// c String` undoes the change without it (TestRawDictMigration checks
// both). The ALTER rewrites the seven columns of every part of the raw
// table once (about 1.45M rows a second on the 2-core development box),
// holding the table's structure lock meanwhile, so INSERTs wait for it:
// migrate with ingest stopped (README, upgrades). Clusters of 18.16
// servers keep String (rawDictMigration says why); ingest sends them
// String columns as before.
const RawDictMigration = 22

func rawDictMigration(db string, d Dialect) []string {
	if d.Modern {
		return nil // LowCardinality since migration 1
	}
	if d.Cluster != "" {
		// 18.16 runs ON CLUSTER DDL with each server's own profile, not
		// the statement's settings, so the Distributed table in front
		// (made by copying the local table's structure) could be made
		// again only where every server's config allowed LowCardinality.
		return nil
	}
	return []string{alterToDict(db, d, RawDictMigration)}
}

// alterToDict renders the ALTER that makes the raw columns of migration v
// (Column.DictSince) LowCardinality(String): one statement, so one pass
// over the parts for all of them.
func alterToDict(db string, d Dialect, v int) string {
	var modify []string
	for _, c := range RawColumns(d) {
		if c.DictSince == v {
			modify = append(modify, fmt.Sprintf("MODIFY COLUMN %s %s", c.Name, lc))
		}
	}
	return fmt.Sprintf("ALTER TABLE %s.%s %s", db, RawTable, strings.Join(modify, ", "))
}

// Dictionary-coded raw strings that views read (migration 23): host, pop,
// region, server, country, path, src_file and src_stream, the raw
// table's other String columns but customer (in the sorting key, whose
// type 18.16 cannot ALTER) and x_forwarded_for (near-unique per client),
// become LowCardinality(String) on a single ClickHouse 18.16 server, like
// migration 22's seven. Views read these, and on 18.16 a view writing a
// LowCardinality column into a String one fails ("Type mismatch ...
// while pushing to view"), so the migration first makes every view over
// the raw table again reading them through CAST(c AS String) (castDict),
// then ALTERs the columns.
//
// Why: after migration 22 the raw table was still 247 uncompressed bytes
// a request (106 after this one), and the raw table is most of what the
// server compresses, checksums and merges (the package doc,
// "Dictionary-coded raw strings"). Measured in the package doc, "The raw
// strings views read".
//
// The views are dropped and made again under the same names (18.16 runs
// an INSERT's views in the order of their names, TestViewsRunInNameOrder,
// so the ledgers' views stay last, and the chained latency views, which
// select from perf_1m_mv and perf_geo_1h_mv by name, follow their sources
// made again). An INSERT between a drop and its create would miss that
// view, and the ALTER holds INSERTs as migration 22's does: migrate with
// ingest stopped (README, upgrades). Queries reading these columns where
// a String is wanted cast them too (VerifyLive's UNION ALL; FeedFromRaw
// through Dialect.readRaw), and so must any view over the raw table a
// later migration makes (an INSERT fails otherwise;
// TestViewsOverRawComplete points at this). Nothing on modern servers or
// 18.16 clusters, for migration 22's reasons.
const RawDictViewsMigration = 23

// viewsOverRaw are the rollups whose views read raw rows on a single
// server at RawDictViewsMigration (the others are fed by ingest, FeedRollups,
// or chained to one of these, chains). The two ledgers' views read raw
// rows too.
var viewsOverRaw = []Rollup{perf1m, perfGeo1h, EdgeServers, pathHits1h, Live}

func rawDictViewsMigration(db string, d Dialect) []string {
	if d.Modern || d.Cluster != "" {
		return nil
	}
	drop := func(view string) string { return dropTable(db, view, d) }
	var s []string
	for _, r := range viewsOverRaw {
		s = append(s, drop(r.Name+"_mv"), r.asOf(RawDictViewsMigration).castDict().createView(db, d))
	}
	s = append(s,
		drop(LedgerView), ledgerView(db, LedgerView, d, castDict),
		drop(SourceLedgerView), sourceLedgerView(db, SourceLedgerView, d, castDict))
	return append(s, alterToDict(db, d, RawDictViewsMigration))
}

// dictColumn reports whether name is a raw column some migration made
// LowCardinality(String) on 18.16 (Column.DictSince).
func dictColumn(name string) bool {
	return slices.ContainsFunc(rawColumns, func(c Column) bool { return c.Name == name && c.DictSince != 0 })
}

// castDict returns expr read as a String: CAST(expr AS String) where
// expr is a dictionary-coded raw column, expr itself otherwise. The cast
// costs nothing on a String column, so it is also right on a server not
// yet migrated.
func castDict(expr string) string {
	if dictColumn(expr) {
		return "CAST(" + expr + " AS String)"
	}
	return expr
}

// castDict returns r with its dimensions over dictionary-coded raw
// columns read through castDict.
func (r Rollup) castDict() Rollup {
	r.Dims = slices.Clone(r.Dims)
	for i := range r.Dims {
		r.Dims[i].Expr = castDict(r.Dims[i].Expr)
	}
	return r
}

// readRaw returns expr as a query over the raw table in d must read it
// where a String is wanted: through castDict on 18.16, whose
// LowCardinality columns have no common type with String columns (UNION
// ALL, a view's String target); as it is on modern servers, which convert.
func (d Dialect) readRaw(expr string) string {
	if d.Modern {
		return expr
	}
	return castDict(expr)
}

// LowCardinalitySetting is the setting ClickHouse 18.16 wants on a
// statement that creates a LowCardinality column, also by copying a
// table's structure (CREATE TABLE ... AS requests: a copy for a test or a
// benchmark, or one a later migration makes).
const LowCardinalitySetting = "allow_experimental_low_cardinality_type"

// migrationSettings returns the settings migration v's statements need in
// d, nil for none: on 18.16, LowCardinalitySetting from RawDictMigration
// on, since any of them may make a table like the raw one.
func migrationSettings(v int, d Dialect) clickhouse.Settings {
	if v >= RawDictMigration && !d.Modern {
		return clickhouse.Settings{LowCardinalitySetting: 1}
	}
	return nil
}
