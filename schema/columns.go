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
	// Codec is the modern compression codec, e.g. "T64, ZSTD(1)".
	Codec string
	// CompatOnly columns exist only on 18.16 (time_ms: DateTime there has
	// no sub-second part).
	CompatOnly bool
	Comment    string
}

// TypeFor returns the column's type in d.
func (c Column) TypeFor(d Dialect) string {
	if d.Modern && c.Modern != "" {
		return c.Modern
	}
	return c.Type
}

const lc = "LowCardinality(String)"

// rawColumns is the one definition of the raw table, in insert order.
var rawColumns = []Column{
	{Name: "time", Type: "DateTime('UTC')", Modern: "DateTime64(3, 'UTC')", Codec: "Delta, ZSTD(3)", Comment: "request end time; Delta beats DoubleDelta on irregular gaps (2.9 -> 2.3 B/request)"},
	{Name: "time_ms", Type: "UInt16", CompatOnly: true, Comment: "milliseconds within the second (18.16 has no DateTime64)"},
	{Name: "customer", Type: "String", Modern: lc, Comment: "tenant"},
	{Name: "host", Type: "String", Modern: lc},
	{Name: "pop", Type: "String", Modern: lc},
	{Name: "region", Type: "String", Modern: lc},
	{Name: "server", Type: "String", Modern: lc},
	{Name: "client_ip", Type: "FixedString(16)", Modern: "IPv6", Codec: "ZSTD(1)", Comment: "IPv4 as ::ffff:a.b.c.d"},
	{Name: "country", Type: "String", Modern: lc, Comment: "ISO 3166 alpha-2, empty when unknown"},
	{Name: "asn", Type: "UInt32", Codec: "T64, ZSTD(1)"},
	{Name: "method", Type: "String", Modern: lc},
	{Name: "scheme", Type: "String", Modern: lc},
	{Name: "protocol", Type: "String", Modern: lc},
	{Name: "path", Type: "String", Codec: "ZSTD(3)"},
	{Name: "status", Type: "UInt16", Codec: "T64, ZSTD(1)"},
	{Name: "bytes_sent", Type: "UInt64", Codec: "T64, ZSTD(1)"},
	{Name: "bytes_received", Type: "UInt64", Codec: "T64, ZSTD(1)"},
	{Name: "request_time_us", Type: "UInt32", Codec: "T64, ZSTD(1)"},
	{Name: "ttfb_us", Type: "UInt32", Codec: "T64, ZSTD(1)", Comment: "time to first byte"},
	{Name: "cache_status", Type: "String", Modern: lc},
	{Name: "content_type", Type: "String", Modern: lc},
	// A few user agents and referers make most requests: a dictionary per
	// part stores each once (storage benchmark: user_agent 2.7 -> under
	// 1 byte per request against ZSTD(3) on the plain string).
	{Name: "user_agent", Type: "String", Modern: lc},
	{Name: "referer", Type: "String", Modern: lc},
	{Name: "src_partition", Type: "UInt16", Codec: "ZSTD(1)", Comment: "Kafka partition the row came from (offsets ledger)"},
	{Name: "src_offset", Type: "UInt64", Codec: "DoubleDelta, ZSTD(1)", Comment: "Kafka offset of the batch message the row came from"},
	{Name: "src_file", Type: "String", Modern: lc, Comment: "collector source: server, file and file identity (source ledger)"},
	{Name: "src_file_end", Type: "UInt64", Codec: "DoubleDelta, ZSTD(1)", Comment: "file offset that ends the collector batch the row came from"},
	{Name: "src_seq", Type: "UInt32", Codec: "ZSTD(1)", Comment: "sequence number of the row's message within its collector batch"},
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
