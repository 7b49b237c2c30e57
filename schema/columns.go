package schema

import (
	"strings"

	"github.com/edgelog/edgelog/internal/record"
)

// Column is a column of the raw requests table.
type Column struct {
	Name string
	// Type on ClickHouse 18.16; Modern overrides it on modern servers.
	Type   string
	Modern string
	// Codec is the modern compression codec, e.g. "T64, ZSTD(1)". A
	// column without one gets the server's default, LZ4.
	Codec string
	// GCD puts the GCD codec in front of Codec on servers that have it
	// (Dialect.GCD).
	GCD bool
	// Expires columns are blanked (reset to their default, which costs
	// nothing on disk) SourceKeepDays after the request on modern servers,
	// by a column TTL.
	Expires bool
	// CompatOnly columns exist only on 18.16 (time_ms: DateTime there has
	// no sub-second part).
	CompatOnly bool
	// Since is the migration that added the column to an existing table;
	// 0 for the columns the table was created with (migration 1).
	Since int
	// DictSince is the migration that made the column LowCardinality(String)
	// on a single 18.16 server (RawDictMigration, RawDictViewsMigration);
	// Type stays what the table was created with. Modern servers had it
	// from the start (Modern).
	DictSince int
	// Default is the column's DEFAULT expression: what rows written before
	// Since read, and what an INSERT that leaves the column out writes.
	Default string
	Comment string
}

// TypeFor returns the column's type in d.
func (c Column) TypeFor(d Dialect) string {
	if d.Modern && c.Modern != "" {
		return c.Modern
	}
	return c.Type
}

// CodecFor returns the column's codec chain in d, "" for none (18.16 has
// no codecs).
func (c Column) CodecFor(d Dialect) string {
	if !d.Modern || c.Codec == "" {
		return ""
	}
	if c.GCD && d.GCD {
		return "GCD, " + c.Codec
	}
	return c.Codec
}

const lc = "LowCardinality(String)"

// SourceKeepDays is how long modern servers keep a raw row's Kafka and
// collector source (the Expires columns). Nothing reads them from the raw
// table: the ledgers take them from each INSERT through their views. They
// are kept a week to trace a recent row to its message, then merges blank
// them: with production-like sources (BenchmarkRawLayouts, with_sources:
// 18.92 -> 21.98 bytes a request) they are 14% of the table.
const SourceKeepDays = 7

// The modern codecs below were chosen with the raw layouts benchmark
// (schema/conformance, BenchmarkRawLayouts: 2M generated requests, sorted
// by RawOrderBy): figures are that column's bytes per request before ->
// after the choice, as measured while choosing; the benchmark's steps undo
// each choice against the final layout. General rules that came out of
// it: ZSTD(1) is as small as ZSTD(3) or higher on every column here except
// bytes_sent, and a LowCardinality column's index is worth compressing with
// ZSTD rather than the default LZ4 (every dictionary column together:
// 6.64 -> 3.59).
const zlc = "ZSTD(1)"

// rawColumns is the one definition of the raw table, in insert order.
var rawColumns = []Column{
	{Name: "time", Type: "DateTime('UTC')", Modern: "DateTime64(3, 'UTC')", Codec: "Delta, T64, ZSTD(1)",
		Comment: "request end time; sorted within a host, so Delta leaves small gaps that T64 packs (Delta, ZSTD(3): 2.40 -> 2.01; DoubleDelta: 3.07)"},
	{Name: "time_ms", Type: "UInt16", CompatOnly: true, Comment: "milliseconds within the second (18.16 has no DateTime64)"},
	{Name: "customer", Type: "String", Modern: lc, Codec: zlc, Comment: "tenant"},
	{Name: "host", Type: "String", Modern: lc, DictSince: RawDictViewsMigration, Codec: zlc},
	{Name: "pop", Type: "String", Modern: lc, DictSince: RawDictViewsMigration, Codec: zlc},
	{Name: "region", Type: "String", Modern: lc, DictSince: RawDictViewsMigration, Codec: zlc},
	{Name: "server", Type: "String", Modern: lc, DictSince: RawDictViewsMigration, Codec: zlc},
	// Splitting addresses into an IPv4 UInt32 and an IPv6 column measured
	// larger (4.62 -> 3.33 + 1.24), and ZSTD(9) barely helps (4.58): the
	// host part of an address is close to random.
	{Name: "client_ip", Type: "FixedString(16)", Modern: "IPv6", Codec: "ZSTD(1)", Comment: "IPv4 as ::ffff:a.b.c.d"},
	{Name: "country", Type: "String", Modern: lc, DictSince: RawDictViewsMigration, Codec: zlc, Comment: "ISO 3166 alpha-2, empty when unknown"},
	{Name: "asn", Type: "UInt32", Codec: "ZSTD(1)", Comment: "a few dozen networks: ZSTD alone beats T64, ZSTD (1.50 -> 1.18)"},
	{Name: "method", Type: "String", Modern: lc, DictSince: RawDictMigration, Codec: zlc},
	{Name: "scheme", Type: "String", Modern: lc, DictSince: RawDictMigration, Codec: zlc},
	{Name: "protocol", Type: "String", Modern: lc, DictSince: RawDictMigration, Codec: zlc},
	// A host serves a few thousand objects: a dictionary per part and
	// ZSTD over its index beat ZSTD(3) on the strings (3.16 -> 1.67).
	{Name: "path", Type: "String", Modern: lc, DictSince: RawDictViewsMigration, Codec: zlc},
	{Name: "status", Type: "UInt16", Codec: "ZSTD(1)", Comment: "T64 only hides the repeats ZSTD finds (0.20 -> 0.14)"},
	// An object's size repeats exactly on every hit: ZSTD finds those
	// repeats, T64 scatters them over bit planes (T64, ZSTD(1): 2.33,
	// ZSTD(3): 1.85, ZSTD(9): 2.01).
	{Name: "bytes_sent", Type: "UInt64", Codec: "ZSTD(3)"},
	// Every byte written to the client, headers and body: the log's
	// $bytes_sent, sc-bytes or %O, else bytes_sent (record.Record.BytesTotal).
	// Rows before migration 10 read bytes_sent (old rows: total = body).
	// Same codec as bytes_sent, not measured on its own.
	{Name: "bytes_total", Type: "UInt64", Codec: "ZSTD(3)", Since: 10, Default: "bytes_sent",
		Comment: "headers and body bytes written to the client; bytes_sent where the log has no total or before migration 10"},
	{Name: "bytes_received", Type: "UInt64", Codec: "T64, ZSTD(1)", Comment: "request headers: near-uniform sizes, where T64 wins (ZSTD(3): 1.93 -> 1.28)"},
	// Logs give times in milliseconds: GCD divides the microseconds by
	// 1000 before T64 (2.15 -> 1.05, ttfb 0.95 -> 0.45).
	{Name: "request_time_us", Type: "UInt32", Codec: "T64, ZSTD(1)", GCD: true},
	{Name: "ttfb_us", Type: "UInt32", Codec: "T64, ZSTD(1)", GCD: true, Comment: "time to first byte"},
	{Name: "cache_status", Type: "String", Modern: lc, DictSince: RawDictMigration, Codec: zlc},
	{Name: "content_type", Type: "String", Modern: lc, DictSince: RawDictMigration, Codec: zlc},
	// A few user agents and referers make most requests: a dictionary per
	// part stores each once (storage benchmark: user_agent 2.7 -> under
	// 1 byte per request against ZSTD(3) on the plain string).
	{Name: "user_agent", Type: "String", Modern: lc, DictSince: RawDictMigration, Codec: zlc},
	{Name: "referer", Type: "String", Modern: lc, DictSince: RawDictMigration, Codec: zlc},
	// Most lines carry no list ("" compresses to nothing); lists are
	// near-unique per client, so no dictionary. Not measured on its own.
	{Name: "x_forwarded_for", Type: "String", Codec: "ZSTD(1)", Since: 14,
		Comment: "the client's address list as the edge logged it (X-Forwarded-For plus the peer, at most 256 bytes); '' when the line had none or before migration 14"},
	// A row's source columns follow the order of its host's requests, not
	// its message's: neighbouring rows come from other servers' messages,
	// so the offsets jump and DoubleDelta (which wants steady steps) loses
	// to T64 and ZSTD (with_sources steps: src_offset 1.36 -> 1.15,
	// src_file_end 2.27 -> 1.05).
	{Name: "src_partition", Type: "UInt16", Codec: "ZSTD(1)", Expires: true, Comment: "Kafka partition the row came from (offsets ledger)"},
	{Name: "src_offset", Type: "UInt64", Codec: "T64, ZSTD(1)", Expires: true, Comment: "Kafka offset of the batch message the row came from"},
	{Name: "src_file", Type: "String", Modern: lc, DictSince: RawDictViewsMigration, Codec: zlc, Expires: true, Comment: "collector source: server, file and file identity (source ledger)"},
	{Name: "src_file_end", Type: "UInt64", Codec: "ZSTD(1)", Expires: true, Comment: "file offset that ends the collector batch the row came from"},
	{Name: "src_seq", Type: "UInt32", Codec: "ZSTD(1)", Expires: true, Comment: "sequence number of the row's message within its collector batch"},
	{Name: "src_stream", Type: "String", Modern: lc, DictSince: RawDictViewsMigration, Codec: zlc, Expires: true, Since: 9, Comment: "Kafka cluster and topic the row came from, cluster/topic (ledgers); '' before migration 9"},
}

// RawColumns returns the raw table's columns in d, in insert order.
func RawColumns(d Dialect) []Column {
	out := make([]Column, 0, len(rawColumns))
	for _, c := range rawColumns {
		if c.CompatOnly && d.Modern {
			continue
		}
		out = append(out, c)
	}
	return out
}

// RawColumnNames returns the names of RawColumns(d), for INSERT statements
// (18.16 requires an INSERT to name its columns).
func RawColumnNames(d Dialect) []string {
	cols := RawColumns(d)
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

// InsertRawSQL is the INSERT statement for the raw table in d.
func InsertRawSQL(db string, d Dialect) string {
	return "INSERT INTO " + db + "." + RawTable + " (" + strings.Join(RawColumnNames(d), ", ") + ")"
}

func init() {
	// The raw table must hold every string field of a record; catch a
	// record field added without a column at start, not at the first insert.
	names := map[string]bool{}
	for _, c := range rawColumns {
		names[c.Name] = true
	}
	for _, n := range record.StrNames {
		if !names[n] {
			panic("BUG: record field " + n + " has no raw column")
		}
	}
}
