// Package schema owns edgelog's ClickHouse tables: the raw requests table,
// the rollups fed from it by materialized views, the ingest offsets ledger,
// and the versioned migrations that create them.
//
// Column definitions exist once (columns.go, rollups.go) and are rendered
// per Dialect: the ClickHouse 18.16 that Debian ships gets compatible types,
// modern servers get codecs, LowCardinality, DateTime64(3) and TTL. Nothing
// else in edgelog spells a column type.
//
// In cluster mode (Dialect.Cluster) every data table is a Replicated*
// "_local" table created ON CLUSTER, with a Distributed table of the plain
// name in front; raw rows are sharded by RawShardingKey, a function of the
// row, so a re-sent block deduplicates on its shard. lab/clustertest runs
// this on two real 18.16 servers and ZooKeeper; schema/conformance runs the
// modern DDL and the query layer's SQL on chDB (ClickHouse 26.x).
//
// Verify reconciles the rollups with the raw rows per customer-day
// (`edgelog schema verify`).
package schema
