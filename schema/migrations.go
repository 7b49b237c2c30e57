package schema

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
		var s []string
		for _, r := range rollupsV3 {
			s = append(s, r.create(db, d)...)
		}
		return s
	}},
	{4, "bill snapshots for month close", func(db string, d Dialect) []string {
		return []string{createBillSnapshots(db, d)}
	}},
	{5, "edge servers rollup for the operations wall", func(db string, d Dialect) []string {
		return EdgeServers.create(db, d)
	}},
	{6, "hour and day latency rollups", func(db string, d Dialect) []string {
		var s []string
		// History before this migration stays in perf_1m and
		// perf_geo_1h only: a backfill merging a month of states in one
		// statement needs more memory than a query may use at production
		// scale, and no install predates this migration.
		for _, r := range CoarsePerf {
			s = append(s, r.create(db, d)...)
		}
		return s
	}},
	{7, "latency rollups across all customers", func(db string, d Dialect) []string {
		var s []string
		for _, r := range AllCustomersPerf {
			s = append(s, r.create(db, d)...)
		}
		return s
	}},
}
