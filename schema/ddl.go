package schema

import (
	"fmt"
	"regexp"
	"strings"
)

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// ValidIdent reports whether s may be pasted into SQL as a database, table
// or cluster name. Identifiers cannot be bound parameters, so every one that
// comes from configuration passes through this check.
func ValidIdent(s string) bool { return identRe.MatchString(s) }

func onCluster(d Dialect) string {
	if d.Cluster == "" {
		return ""
	}
	return " ON CLUSTER " + d.Cluster
}

// dropTable is the DROP of a table or view, if it exists, on every shard
// of a cluster (onCluster).
func dropTable(db, name string, d Dialect) string {
	return "DROP TABLE IF EXISTS " + db + "." + name + onCluster(d)
}

// EachShard begins a statement the migrator runs on one replica of each
// shard of the cluster, not through ClickHouse's distributed DDL queue
// (Migrator.Migrate). It is a comment, so the statement as printed by
// `schema plan` is the SQL that runs, and says where.
const EachShard = "/* on one replica of each shard */ "

// alterData begins an ALTER of the table holding table's rows. On a
// cluster that is a replicated "_local" table, and ReplicatedMergeTree
// replicates an ALTER to the shard's other replicas itself (through
// ZooKeeper; 18.16 returns once every active replica has applied it), so
// the migrator sends it to one replica of each shard (EachShard) rather
// than ON CLUSTER. ClickHouse 18.16's DDL worker races on a replicated
// ALTER ON CLUSTER: each replica loops on "executed by another replica?"
// then "take the shard's lock?", and a replica that asked the first just
// before another created the executed node and took the lock just after
// it released it runs the ALTER again, fails to create the executed node
// and stops its DDL worker for good ("Unexpected ZooKeeper error ...
// Terminating."), so that every later ON CLUSTER statement waits on that
// server until it is restarted (seen in CI: lab/clustertest, 2026-12-06).
// Later ClickHouse checks again under the lock; one path serves both.
func alterData(db, table string, d Dialect) string {
	alter := fmt.Sprintf("ALTER TABLE %s.%s", db, localName(table, d))
	if d.Cluster != "" {
		alter = EachShard + alter
	}
	return alter
}

// localName is the name of the table that stores data: in cluster mode the
// replicated "_local" table behind a Distributed table of the plain name.
func localName(name string, d Dialect) string {
	if d.Cluster == "" {
		return name
	}
	return ShardTable(name)
}

// ShardTable is the table holding one shard's rows of the Distributed
// table name on a cluster.
func ShardTable(name string) string { return name + "_local" }

// engine renders a MergeTree-family engine for a table of db, replicated
// in cluster mode. Each shard replicates its own part of the data under
// its {shard} macro. The database name is written into the ZooKeeper path
// rather than taken from a {database} macro: ClickHouse 18.16 expands only
// the macros of its config.
func engine(d Dialect, family, db, table string) string {
	if d.Cluster == "" {
		return family
	}
	return fmt.Sprintf("Replicated%s('/clickhouse/tables/{shard}/%s/%s', '{replica}')", family, db, localName(table, d))
}

// engineEverywhere renders the engine of a small table every server holds
// in full (applied migrations, closed bills): one replica per server
// whatever its shard, so any server answers for all of it. The {replica}
// macro must be unique across the cluster.
func engineEverywhere(d Dialect, db, table string) string {
	if d.Cluster == "" {
		return "MergeTree"
	}
	return fmt.Sprintf("ReplicatedMergeTree('/clickhouse/tables/all/%s/%s', '{replica}')", db, table)
}

func createDatabase(db string, d Dialect) string {
	return "CREATE DATABASE IF NOT EXISTS " + db + onCluster(d)
}

func createRaw(db string, d Dialect) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s.%s%s (\n", db, localName(RawTable, d), onCluster(d))
	var cols []Column
	for _, c := range RawColumns(d) {
		if c.Since == 0 { // later columns are added by their migration
			cols = append(cols, c)
		}
	}
	for i, c := range cols {
		fmt.Fprintf(&b, "    %s %s", c.Name, columnDef(c, d))
		if i < len(cols)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, ") ENGINE = %s\nPARTITION BY toYYYYMMDD(time)\nORDER BY (%s)", engine(d, "MergeTree", db, RawTable), RawOrderBy(d))
	if d.Modern && d.RetentionDays > 0 {
		fmt.Fprintf(&b, "\nTTL toDateTime(time) + INTERVAL %d DAY", d.RetentionDays)
	}
	return b.String()
}

// columnDef renders a raw column's type, codec and TTL.
func columnDef(c Column, d Dialect) string {
	def := c.TypeFor(d)
	if c.Default != "" {
		def += " DEFAULT " + c.Default
	}
	if codec := c.CodecFor(d); codec != "" {
		def += fmt.Sprintf(" CODEC(%s)", codec)
	}
	if d.Modern && c.Expires {
		def += fmt.Sprintf(" TTL toDateTime(time) + INTERVAL %d DAY", SourceKeepDays)
	}
	return def
}

func createLedger(db string, d Dialect) []string {
	return []string{
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s%s (
    src_partition UInt16,
    min_offset UInt64,
    max_offset UInt64,
    rows UInt64,
    inserted_at DateTime DEFAULT now()
) ENGINE = %s
ORDER BY (src_partition, max_offset)`, db, localName(LedgerTable, d), onCluster(d), engine(d, "MergeTree", db, LedgerTable)),
		// Written by the same INSERT as the raw rows, so the ledger can never
		// disagree with the data: see package ingest for how it is used.
		fmt.Sprintf(`CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s_mv%s TO %s.%s AS
SELECT src_partition, min(src_offset) AS min_offset, max(src_offset) AS max_offset, count() AS rows, now() AS inserted_at
FROM %s.%s
GROUP BY src_partition`, db, LedgerTable, onCluster(d), db, localName(LedgerTable, d), db, localName(RawTable, d)),
	}
}

func createSourceLedger(db string, d Dialect) []string {
	return []string{
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s%s (
    src_file String,
    src_partition UInt16,
    batch_end UInt64,
    seq UInt32,
    rows UInt64,
    inserted_at DateTime DEFAULT now()
) ENGINE = %s
ORDER BY (src_partition, src_file, batch_end, seq)`, db, localName(SourceLedgerTable, d), onCluster(d), engine(d, "MergeTree", db, SourceLedgerTable)),
		fmt.Sprintf(`CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s_mv%s TO %s.%s AS
SELECT src_file, src_partition, any(src_file_end) AS batch_end, any(src_seq) AS seq, count() AS rows, now() AS inserted_at
FROM %s.%s
WHERE src_file != ''
GROUP BY src_file, src_partition, src_file_end, src_seq`, db, SourceLedgerTable, onCluster(d), db, localName(SourceLedgerTable, d), db, localName(RawTable, d)),
	}
}

// distributed renders the Distributed table in front of a local table,
// for reading every shard. Only the raw table is written through its
// Distributed table; the others are filled by materialized views on each
// shard, so they get no sharding key and an INSERT into them fails.
func distributed(db, name string, d Dialect) string {
	key := ""
	if name == RawTable {
		key = ", " + RawShardingKey
	}
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s%s AS %s.%s ENGINE = Distributed(%s, %s, %s%s)",
		db, name, onCluster(d), db, localName(name, d), d.Cluster, db, localName(name, d), key)
}

// RawOrderBy is the raw table's sorting key in d.
//
// Modern servers sort by (customer, host, time): rows of one host sit
// together, so its paths, object sizes and content types repeat within
// a few rows and compress (raw layouts benchmark, 2M requests: 28.25 ->
// 26.29 bytes per request on the earlier column layout; 19.59 -> 18.91
// with every codec choice of columns.go in place, mostly in bytes_sent,
// host and content_type, while time grows 1.84 -> 2.01). Per-customer time
// scans stay index-bound: the key still starts with customer, and where a
// run of granules belongs to one host the time bounds prune it, so a
// customer's time range reads about one granule per host more than with
// (customer, time); a customer has a handful of hosts. Daily partitions
// prune first in any case.
//
// 18.16 keeps (customer, time), the order tables there were created with.
func RawOrderBy(d Dialect) string { return strings.Join(RawSortKey(d), ", ") }

// RawSortKey is RawOrderBy as column names, for ingest, which sends each
// INSERT's rows in this order to 18.16 (package ingest, order.go).
func RawSortKey(d Dialect) []string {
	if d.Modern {
		return []string{"customer", "host", "time"}
	}
	return []string{"customer", "time"}
}

// RawShardingKey spreads raw rows over shards. It is a function of the row
// (not rand()), so a block sent again after a failed acknowledgement is cut
// into the same per-shard blocks, which each shard's ReplicatedMergeTree
// then recognises and drops: insert deduplication survives the
// Distributed table. Customer and host together spread a large customer's
// sites over shards.
const RawShardingKey = "cityHash64(customer, host)"

// BillSnapshotsTable keeps each closed month's bills, immutable and
// versioned: data that arrives after a close becomes an adjustment on the
// next bill, never a change to a closed one.
const BillSnapshotsTable = "bill_snapshots"

func createBillSnapshots(db string, d Dialect) string {
	return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s%s (
    month String,
    customer String,
    version UInt32,
    closed_at DateTime,
    requests UInt64,
    bytes_out UInt64,
    total String,
    bill String
) ENGINE = %s
ORDER BY (month, customer, version)`, db, BillSnapshotsTable, onCluster(d), engineEverywhere(d, db, BillSnapshotsTable))
}
