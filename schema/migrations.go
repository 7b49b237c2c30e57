package schema

import "fmt"

// Migration is one versioned schema change. Its statements are idempotent
// (IF NOT EXISTS), so a migration interrupted half-way is simply run again.
type Migration struct {
	Version int
	Name    string
	SQL     func(db string, d Dialect) []string
}

// Migrations is every migration in order. Append only: an applied version
// never changes meaning.
var Migrations = []Migration{
	{1, "raw requests table", func(db string, d Dialect) []string {
		s := []string{createRaw(db, d)}
		if d.Cluster != "" {
			s = append(s, distributed(db, RawTable, d))
		}
		return s
	}},
	{2, "ingest offsets ledger and collector source ledger", func(db string, d Dialect) []string {
		s := append(createLedger(db, d), createSourceLedger(db, d)...)
		if d.Cluster != "" {
			// Ingest reads the ledgers by their plain names: on a cluster a
			// partition's rows, and so its ledger rows, are on every shard.
			s = append(s, distributed(db, LedgerTable, d), distributed(db, SourceLedgerTable, d))
		}
		return s
	}},
	{3, "traffic, billing and performance rollups", func(db string, d Dialect) []string {
		return createAll(db, d, 3, traffic1m, traffic1h, traffic1d, billing5m, perf1m, perfGeo1h, topPaths1h)
	}},
	{4, "bill snapshots for month close", func(db string, d Dialect) []string {
		return []string{createBillSnapshots(db, d)}
	}},
	{5, "edge servers rollup for the operations wall", func(db string, d Dialect) []string {
		return EdgeServers.asOf(5).create(db, d)
	}},
	{6, "hour and day latency rollups", func(db string, d Dialect) []string {
		// History before this migration stays in perf_1m and
		// perf_geo_1h only: a backfill merging a month of states in one
		// statement needs more memory than a query may use at production
		// scale, and no install predates this migration.
		return createAll(db, d, 6, perf1h, perfGeo1d)
	}},
	{7, "latency rollups across all customers", func(db string, d Dialect) []string {
		return createAll(db, d, 7, perfAll1h, perfGeoAll1d)
	}},
	{8, "daily bills, path counts and minute latency across customers; top_paths_1h dropped", func(db string, d Dialect) []string {
		billing1d := billing1d.asOf(8)
		s := []string{billing1d.createTable(db, d)}
		if d.Cluster != "" {
			s = append(s, distributed(db, billing1d.Name, d))
		} else {
			s = append(s, backfillBillingDaily(db))
		}
		s = append(s, billing1d.createView(db, d))
		s = append(s, createAll(db, d, 8, pathHits1h, perfAll1m)...)
		return append(s, dropRollup(db, topPaths1h.Name, d)...)
	}},
	{9, "ledgers keyed by Kafka cluster and topic (src_stream)", streamsMigration},
	{10, "total bytes (bytes_total) in raw rows and rollups; body bytes per cache outcome and status class", bytesMigration},
	{11, "field fallbacks per message for the operations overview", createFallbacks},
	{12, "offset gaps (Kafka data lost to retention) and clock skew of edge servers", func(db string, d Dialect) []string {
		return []string{createOffsetGaps(db, d), createClockSkew(db, d)}
	}},
	{13, "per-second live counter and ingest watermark", liveMigration},
	{14, "the client's address list (x_forwarded_for) in raw rows", addressListMigration},
	{FeedMigration, "traffic and billing rollups fed from ingest's per-block aggregates (rollup_feed, feed_ledger)", feedMigration},
	{16, "the ingest watermark's view runs last (the live counter trusts a partition's latest INSERT)", watermarkLastMigration},
	{ChainMigration, "coarse latency rollups fed from their finer rollup's view, traffic_1m's feed view without a GROUP BY (single server)", chainMigration},
	{18, "the ledgers' views run last in their INSERT; partial INSERTs recorded (partial_inserts)", ledgerLastMigration},
	{PlainKeysMigration, "rollup, live counter and feed keys as String on modern servers (LowCardinality kept in raw rows)", plainKeysMigration},
	{LiveByHourMigration, "the live counter in hour partitions (live_1s_by_hour, rows copied from live_1s)", liveByHourMigration},
	{21, "the day-partitioned live counter (live_1s) dropped", dropLiveByDay},
	{RawDictMigration, "raw strings no view reads as LowCardinality on a single ClickHouse 18.16 server (method, scheme, protocol, cache_status, content_type, user_agent, referer)", rawDictMigration},
	{RawDictViewsMigration, "raw strings views read as LowCardinality on a single ClickHouse 18.16 server (host, pop, region, server, country, path, src_file, src_stream), the views over raw rows made again casting them to String", rawDictViewsMigration},
	{SketchMigration, "latency quantiles as log-coded histograms (ttfb_us_h, request_time_us_h: quantileTiming of a log code, 1.2% relative error) instead of t-digests", sketchMigration},
}

// createAll returns the statements that create each rollup in turn, as
// migration v creates them (Rollup.asOf).
func createAll(db string, d Dialect, v int, rs ...Rollup) []string {
	var s []string
	for _, r := range rs {
		s = append(s, r.asOf(v).create(db, d)...)
	}
	return s
}

// backfillBillingDaily copies billing_5m's history into billing_1d before
// the view that feeds billing_1d exists, once: only while billing_1d is
// empty, so a migration run again after an interruption past this point
// adds nothing. Rows ingested between this copy and the view's creation
// would be in billing_5m only, so migrate with ingest stopped (Kafka keeps
// what arrives meanwhile; `edgelog bill verify` shows any difference). On
// a cluster each shard holds its own part of billing_5m, out of reach of
// one INSERT from the migrating server, so there is no backfill there: no
// cluster install predates this migration.
func backfillBillingDaily(db string) string {
	return billing1d.asOf(8).Fold(db, billing5m.asOf(8), fmt.Sprintf("(SELECT count() FROM %s.billing_1d) = 0", db))
}

// dropRollup removes a rollup's view, then its tables.
func dropRollup(db, name string, d Dialect) []string {
	s := []string{dropTable(db, name+"_mv", d)}
	if d.Cluster != "" {
		s = append(s, dropTable(db, name, d))
	}
	return append(s, dropTable(db, localName(name, d), d))
}
