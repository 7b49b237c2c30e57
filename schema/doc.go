// Package schema owns edgelog's ClickHouse tables: the raw requests table,
// the rollups fed from it by materialized views, the ingest offsets ledger,
// and the versioned migrations that create them.
//
// Column definitions exist once (columns.go, rollups.go) and are rendered
// per Dialect: the ClickHouse 18.16 that Debian ships gets compatible types,
// modern servers get codecs, LowCardinality, DateTime64(3) and TTL. Nothing
// else in edgelog spells a column type.
package schema
