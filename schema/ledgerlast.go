package schema

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// The ledgers' views run last in their INSERT (migration 18).
//
// ClickHouse 18.16 writes an INSERT's target table, then runs its
// materialized views one after the other in the order of their names,
// each table's part committed on its own (TestViewsRunInNameOrder): a
// server killed in the middle keeps what was written before the kill.
// A ledger row must mean that every table has the INSERT's rows, so each
// ledger's view is named to run after every other view of its INSERT.
// Killed before the ledger's view, the INSERT is not in the ledger and
// ingest sends it again: the tables written before the kill then hold its
// rows twice, which ingest detects (in the raw table; for the feed's
// INSERT, in FeedAttemptsTable) and records (PartialInsertsTable). Killed
// after it, the INSERT is whole.
//
// Before this migration the ledgers ran in the middle: ingest_ledger_mv
// before live_1s, path_hits_1h and the latency views, feed_ledger_mv
// before traffic_1m's. A kill after the ledger's view lost the later
// views' rows without a trace. (`edgelog chaos` with kill_clickhouse found
// the other side: raw rows written twice.)
//
// The raw ledger's view runs before the source ledger's. Killed between
// the two, the INSERT is whole for every table, and the source ledger
// lacks its collector cut: a collector that sends that cut again (it
// crashed before its checkpoint, in the same instant) would have it
// counted twice. The other order fails worse: the source ledger has the
// cut, the raw ledger not, and a new owner of the partition skips the
// message as a collector's re-send without ever inserting its feed rows.
const (
	LedgerView       = "zy_ingest_ledger_mv"
	SourceLedgerView = "zz_source_ledger_mv"
	// FeedLedgerView sorts before WatermarkView: the watermark's row says
	// the feed INSERT is whole, so it comes after the feed's ledger.
	FeedLedgerView = "zz_feed_ledger_mv"
	// FeedAttemptsView runs first in the feed's INSERT and writes
	// FeedAttemptsTable: a feed INSERT found there and not in the feed
	// ledger was cut after it began (its rollup views may have run).
	FeedAttemptsView = "a_feed_attempts_mv"
)

// FeedAttemptsTable records, per feed INSERT and partition, the offsets
// it carried, written before any rollup of the INSERT (FeedAttemptsView).
// The feed's rows carry no offsets into the rollups, so this is how
// ingest tells a feed INSERT cut by a kill (rollups may hold its rows;
// recorded in PartialInsertsTable as feed_requests, an upper bound) from
// one that never began. Single servers only, like the feed.
const FeedAttemptsTable = "feed_attempts"

// PartialInsertsTable records INSERTs the server applied in part. A
// failed raw INSERT whose rows ingest found in the raw table although the
// ledger did not have them (the server was killed between its raw part
// and its ledger's view): ingest sends the batch again (a view that had
// not run must get its rows), so raw_rows of those rows are in the raw
// table twice, and as many at most in each rollup fed by the views over
// raw rows that ran before the kill. A failed feed INSERT found in
// FeedAttemptsTable and not in the feed ledger: sent again, its
// feed_requests (the batch's requests, an upper bound) may be counted
// twice in the traffic and billing rollups whose views ran. A double
// count detected, counted and bounded by one batch per failed INSERT, not
// repaired (18.16 can neither delete rows cheaply nor deduplicate a
// view's rows). Ingest writes it directly; `schema verify` and the
// metrics edgelog_ingest_partial_insert_rows_total and
// edgelog_ingest_partial_feed_requests_total report it.
const PartialInsertsTable = "partial_inserts"

func createPartialInserts(db string, d Dialect) string {
	return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s%s (
    src_stream String,
    src_partition UInt16,
    min_offset UInt64,
    max_offset UInt64,
    raw_rows UInt64,
    feed_requests UInt64,
    detected_at DateTime
) ENGINE = %s
ORDER BY (src_stream, src_partition, min_offset)`, db, PartialInsertsTable, onCluster(d), engineEverywhere(d, db, PartialInsertsTable))
}

// ledgerView renders the raw ledger's view named name, reading raw string
// columns through read (castDict from RawDictViewsMigration on, else
// asIs).
func ledgerView(db, name string, d Dialect, read func(string) string) string {
	return fmt.Sprintf(`CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s%s TO %s.%s AS
SELECT %s, src_partition, min(src_offset) AS min_offset, max(src_offset) AS max_offset, count() AS rows, now() AS inserted_at
FROM %s.%s
GROUP BY src_stream, src_partition`, db, name, onCluster(d), db, localName(LedgerTable, d), selectAs(read, "src_stream"), db, localName(RawTable, d))
}

// sourceLedgerView renders the source ledger's view named name, reading
// raw string columns through read, as ledgerView.
func sourceLedgerView(db, name string, d Dialect, read func(string) string) string {
	return fmt.Sprintf(`CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s%s TO %s.%s AS
SELECT %s, %s, src_partition, any(src_file_end) AS batch_end, any(src_seq) AS seq, count() AS rows, now() AS inserted_at
FROM %s.%s
WHERE src_file != ''
GROUP BY src_file, src_stream, src_partition, src_file_end, src_seq`, db, name, onCluster(d), db, localName(SourceLedgerTable, d),
		selectAs(read, "src_file"), selectAs(read, "src_stream"), db, localName(RawTable, d))
}

// asIs reads a column as it is.
func asIs(col string) string { return col }

// selectAs renders col read through read as a SELECT item named col: the
// bare name where read leaves it as it is. The alias makes the GROUP BY
// and WHERE that name it use the same expression.
func selectAs(read func(string) string, col string) string {
	if e := read(col); e != col {
		return e + " AS " + col
	}
	return col
}

// feedLedgerView renders a view named name writing the feed's offsets
// into table (the feed ledger, or the feed's attempts).
func feedLedgerView(db, name, table string) string {
	return fmt.Sprintf(`CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s TO %s.%s AS
SELECT src_stream, src_partition, min(min_offset) AS min_offset, max(max_offset) AS max_offset, sum(requests) AS rows, now() AS inserted_at
FROM %s.%s
GROUP BY src_stream, src_partition`, db, name, db, table, db, FeedTable)
}

// createFeedLedger creates table with the feed ledger's columns.
func createFeedLedger(db, table string) string {
	return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s (
    src_stream String,
    src_partition UInt16,
    min_offset UInt64,
    max_offset UInt64,
    rows UInt64,
    inserted_at DateTime DEFAULT now()
) ENGINE = MergeTree
ORDER BY (src_stream, src_partition, max_offset)`, db, table)
}

// ledgerLastMigration (migration 18) creates each ledger's view under its
// new name, then drops the old one: an INSERT in between writes its
// ledger rows twice (readers take the highest offset, harmless), never
// none. It creates PartialInsertsTable and, on a single server, the
// feed's attempts (FeedAttemptsTable) too.
func ledgerLastMigration(db string, d Dialect) []string {
	drop := func(name string) string { return dropTable(db, name, d) }
	s := []string{createPartialInserts(db, d),
		ledgerView(db, LedgerView, d, asIs), drop(LedgerTable + "_mv"),
		sourceLedgerView(db, SourceLedgerView, d, asIs), drop(SourceLedgerTable + "_mv"),
	}
	if d.Cluster == "" { // the feed exists on single servers only (migration 15)
		s = append(s, feedLedgerView(db, FeedLedgerView, FeedLedgerTable), drop(FeedLedgerTable+"_mv"),
			createFeedLedger(db, FeedAttemptsTable), feedLedgerView(db, FeedAttemptsView, FeedAttemptsTable))
	}
	return s
}

// PartialInsert is one INSERT the server applied in part
// (PartialInsertsTable).
type PartialInsert struct {
	Stream               string
	Partition            uint16
	MinOffset, MaxOffset uint64
	RawRows              uint64
	FeedRequests         uint64
	DetectedAt           time.Time
}

func (p PartialInsert) String() string {
	what := fmt.Sprintf("%d raw rows of a failed INSERT found in the raw table without their ledger row", p.RawRows)
	if p.RawRows == 0 {
		what = fmt.Sprintf("a failed feed INSERT of %d requests begun without its feed ledger row", p.FeedRequests)
	}
	return fmt.Sprintf("%s partition %d offsets [%d, %d]: %s (the server stopped within the INSERT); sent again, so counted twice at most, detected %s",
		p.Stream, p.Partition, p.MinOffset, p.MaxOffset, what, p.DetectedAt.UTC().Format(time.RFC3339))
}

// PartialInserts returns every recorded partial INSERT.
func PartialInserts(ctx context.Context, conn driver.Conn, db string) ([]PartialInsert, error) {
	if !ValidIdent(db) {
		return nil, fmt.Errorf("invalid database name %q", db)
	}
	rows, err := conn.Query(ctx, fmt.Sprintf(`SELECT src_stream, src_partition, min_offset, max_offset, raw_rows, feed_requests, detected_at
FROM %s.%s
ORDER BY src_stream, src_partition, min_offset, detected_at`, db, PartialInsertsTable))
	if err != nil {
		return nil, fmt.Errorf("cannot read partial inserts: %w", err)
	}
	defer rows.Close()
	var out []PartialInsert
	for rows.Next() {
		var p PartialInsert
		if err := rows.Scan(&p.Stream, &p.Partition, &p.MinOffset, &p.MaxOffset, &p.RawRows, &p.FeedRequests, &p.DetectedAt); err != nil {
			return nil, fmt.Errorf("cannot read partial inserts: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
