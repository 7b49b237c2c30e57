package schema

// Streams: a raw row records the Kafka stream it came from (src_stream,
// "cluster/topic"), and both ledgers are keyed by it besides the
// partition, so ingests of several topics or Kafka clusters can feed one
// database: each reads back only its own stream's offsets and batches.
// Before migration 9 the ledgers were keyed by partition alone, and a
// second topic skipped every message whose partition and offset the first
// had used.
//
// Rows written before migration 9 carry the stream ''. Ingest reads them as
// its own only when told which stream wrote them (ingest's
// LedgerLegacyStream, --ledger-legacy-stream); otherwise they count for
// nobody, which after a clean stop costs nothing (the consumer group's
// committed offsets are past them) and after a crash at most re-inserts
// the batches between the last commit and the crash.

// streamsMigration adds src_stream to the raw table and both ledgers and
// makes the ledger views group by it. The views are replaced (dropped,
// created): INSERTs between the two are not in the ledgers, so migrate with
// ingest stopped, as for migration 8.
func streamsMigration(db string, d Dialect) []string {
	var col Column
	for _, c := range rawColumns {
		if c.Name == "src_stream" {
			col = c
		}
	}
	if col.Since != 9 {
		panic("BUG: raw column src_stream is not migration 9's")
	}
	// On a cluster the Distributed table in front of a local one is
	// created again over the altered local table: ClickHouse refuses an
	// ALTER ... ON CLUSTER of a table that is not replicated when the
	// cluster's shards are, and a Distributed table holds no rows.
	addTo := func(table, def, after string) []string {
		return append([]string{addColumn(db, table, "src_stream", def, after, d)}, redistribute(db, table, d)...)
	}
	s := addTo(RawTable, columnDef(col, d), "src_seq")
	s = append(s, addTo(LedgerTable, "String", "src_partition")...)
	s = append(s, addTo(SourceLedgerTable, "String", "src_partition")...)
	s = append(s,
		dropTable(db, LedgerTable+"_mv", d),
		ledgerView(db, LedgerTable+"_mv", d, asIs),
		dropTable(db, SourceLedgerTable+"_mv", d),
		sourceLedgerView(db, SourceLedgerTable+"_mv", d, asIs),
	)
	return s
}
