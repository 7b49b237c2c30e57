package schema

import (
	"fmt"
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
// Why these seven and not the others: a materialized view reading a
// LowCardinality column into a String column fails on 18.16 ("Type
// mismatch ... while pushing to view") unless it casts the column, so the
// columns views read (customer, host, pop, region, server, country, path,
// src_file, src_stream) stay String until their views are made again with
// casts (measured, and what else it takes, in the package doc); customer
// is also in the sorting key, whose type 18.16 cannot ALTER.
// x_forwarded_for is near-unique per client.
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
	var modify []string
	for _, c := range RawColumns(d) {
		if c.DictSince == RawDictMigration {
			modify = append(modify, fmt.Sprintf("MODIFY COLUMN %s %s", c.Name, lc))
		}
	}
	// One ALTER: one pass over the parts for all seven columns.
	return []string{fmt.Sprintf("ALTER TABLE %s.%s %s", db, RawTable, strings.Join(modify, ", "))}
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
