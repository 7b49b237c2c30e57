//go:build chdb

package conformance

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/schema"
)

// colVariant overrides a raw column's type, codec or the expression that
// fills it from the modern raw table.
type colVariant struct{ typ, codec, expr string }

// step is one raw-table layout: the modern one with some choices undone.
type step struct {
	name    string
	orderBy string                // "" = schema.RawOrderBy
	cols    map[string]colVariant // by column name
	drop    []string              // columns left out
	extra   []string              // columns added: "definition|expression"
	from    string                // the rows' source, "" = the loaded rows (table base)
}

// BenchmarkRawLayouts measures the choices behind the modern raw table:
// it loads generated requests once into chDB, copies them into the modern
// layout and into each alternative of steps, merges each (OPTIMIZE FINAL)
// and prints bytes on disk per request, with each column's share. A choice
// pays when "current" is smaller than the step that undoes it. Column TTLs
// are left out: the generated rows are older than SourceKeepDays, and the
// with_sources steps measure what the source columns cost before it.
//
//	EDGELOG_STORAGE_ROWS=2000000 go test -tags chdb -exec "$PWD/deploy/chdb-run.sh" \
//	    -run=NONE -bench=RawLayouts -benchtime=1x ./schema/conformance/
//
// (default 1,000,000 requests; EDGELOG_STEPS=current,bytes_sent_t64 runs
// some steps only). About 5 seconds a step per million requests.
func BenchmarkRawLayouts(b *testing.B) {
	rows := 1_000_000
	if v := os.Getenv("EDGELOG_STORAGE_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("EDGELOG_STORAGE_ROWS=%q: want a positive count", v)
		}
		rows = n
	}
	o := gen.Options{Lines: rows, Seed: 21, Start: gen.DefaultStart, Duration: 7 * 24 * time.Hour, Customers: 12}
	const sdb = "steps"
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(chExec("CREATE DATABASE IF NOT EXISTS " + sdb))
	must(createRaw(sdb, "base"))
	total, err := loadTraffic(o, b.TempDir(), sdb, "base")
	must(err)
	only := os.Getenv("EDGELOG_STEPS")
	for i, s := range steps {
		if only != "" && !strings.Contains(","+only+",", ","+s.name+",") {
			continue
		}
		t := fmt.Sprintf("v%d", i)
		var defs, names, exprs []string
		for _, c := range schema.RawColumns(Modern) {
			if slices.Contains(s.drop, c.Name) {
				continue
			}
			typ, codec, expr := c.TypeFor(Modern), c.CodecFor(Modern), c.Name
			if v, ok := s.cols[c.Name]; ok {
				if v.typ != "" {
					typ = v.typ
				}
				if v.codec != "" {
					codec = v.codec
				}
				if v.expr != "" {
					expr = v.expr
				}
			}
			d := c.Name + " " + typ
			if codec != "" {
				d += " CODEC(" + codec + ")"
			}
			defs = append(defs, d)
			names = append(names, c.Name)
			exprs = append(exprs, expr)
		}
		for _, e := range s.extra {
			def, expr, _ := strings.Cut(e, "|")
			defs = append(defs, def)
			names = append(names, strings.Fields(def)[0])
			exprs = append(exprs, expr)
		}
		order := s.orderBy
		if order == "" {
			order = schema.RawOrderBy(Modern)
		}
		start := time.Now()
		must(chExec(fmt.Sprintf("CREATE TABLE %s.%s (%s) ENGINE = MergeTree PARTITION BY toYYYYMMDD(time) ORDER BY (%s)", sdb, t, strings.Join(defs, ", "), order)))
		from := sdb + ".base"
		if s.from != "" {
			from = strings.ReplaceAll(s.from, "BASE", from)
		}
		must(chExec(fmt.Sprintf("INSERT INTO %s.%s (%s) SELECT %s FROM %s", sdb, t, strings.Join(names, ", "), strings.Join(exprs, ", "), from)))
		must(chExec(fmt.Sprintf("OPTIMIZE TABLE %s.%s FINAL", sdb, t)))
		all, err := chScalar(fmt.Sprintf("SELECT sum(bytes_on_disk) FROM system.parts WHERE database = '%s' AND table = '%s' AND active", sdb, t))
		must(err)
		v, _ := strconv.ParseFloat(all, 64)
		fmt.Printf("BENCH storage_step_%s_requests_bytes_per_request %.2f B/req (%s)\n", s.name, v/float64(total), time.Since(start).Round(time.Second))
		cols, err := chQuery(fmt.Sprintf("SELECT name, data_compressed_bytes FROM system.columns WHERE database = '%s' AND table = '%s' ORDER BY data_compressed_bytes DESC", sdb, t), "TSVRaw")
		must(err)
		var line []string
		for _, l := range strings.Split(strings.TrimSpace(string(cols)), "\n") {
			name, n, _ := strings.Cut(l, "\t")
			v, _ := strconv.ParseFloat(n, 64)
			line = append(line, fmt.Sprintf("%s=%.2f", name, v/float64(total)))
		}
		fmt.Printf("  columns %s\n", strings.Join(line, " "))
		must(chExec(fmt.Sprintf("DROP TABLE %s.%s", sdb, t)))
	}
	must(chExec("DROP DATABASE " + sdb))
}

// lcLZ4 is a LowCardinality string column with the server's default codec.
var lcLZ4 = colVariant{codec: "LZ4"}

const ipIs4 = "substring(reinterpretAsString(client_ip), 1, 12) = unhex('00000000000000000000FFFF')"

// steps are the alternatives to each choice the modern raw table made
// (schema/columns.go, schema.RawOrderBy), one at a time.
var steps = []step{
	{name: "current"},
	{name: "order_customer_time", orderBy: "customer, time"},
	{name: "dictionaries_lz4", cols: map[string]colVariant{
		"customer": lcLZ4, "host": lcLZ4, "pop": lcLZ4, "region": lcLZ4, "server": lcLZ4, "country": lcLZ4, "method": lcLZ4,
		"scheme": lcLZ4, "protocol": lcLZ4, "cache_status": lcLZ4, "content_type": lcLZ4, "user_agent": lcLZ4, "referer": lcLZ4,
		"src_file": lcLZ4, "path": lcLZ4,
	}},
	{name: "path_string_zstd3", cols: map[string]colVariant{"path": {typ: "String", codec: "ZSTD(3)"}}},
	{name: "time_delta_zstd3", cols: map[string]colVariant{"time": {codec: "Delta, ZSTD(3)"}}},
	{name: "time_doubledelta", cols: map[string]colVariant{"time": {codec: "DoubleDelta, ZSTD(1)"}}},
	{name: "times_without_gcd", cols: map[string]colVariant{"request_time_us": {codec: "T64, ZSTD(1)"}, "ttfb_us": {codec: "T64, ZSTD(1)"}}},
	{name: "bytes_sent_t64", cols: map[string]colVariant{"bytes_sent": {codec: "T64, ZSTD(1)"}}},
	{name: "bytes_sent_zstd9", cols: map[string]colVariant{"bytes_sent": {codec: "ZSTD(9)"}}},
	{name: "bytes_received_zstd3", cols: map[string]colVariant{"bytes_received": {codec: "ZSTD(3)"}}},
	{name: "asn_status_t64", cols: map[string]colVariant{"asn": {codec: "T64, ZSTD(1)"}, "status": {codec: "T64, ZSTD(1)"}}},
	{name: "client_ip_zstd9", cols: map[string]colVariant{"client_ip": {codec: "ZSTD(9)"}}},
	{name: "with_sources", from: withSources, cols: sourceCols(nil)},
	{name: "with_sources_doubledelta", from: withSources, cols: sourceCols(map[string]colVariant{
		"src_offset": {codec: "DoubleDelta, ZSTD(1)"}, "src_file_end": {codec: "DoubleDelta, ZSTD(1)"},
	})},
	{name: "with_sources_t64", from: withSources, cols: sourceCols(map[string]colVariant{
		"src_offset": {codec: "T64, ZSTD(1)"}, "src_file_end": {codec: "T64, ZSTD(1)"},
	})},
	{name: "with_sources_zstd", from: withSources, cols: sourceCols(map[string]colVariant{
		"src_offset": {codec: "ZSTD(1)"}, "src_file_end": {codec: "ZSTD(1)"},
	})},
	{name: "client_ip_split", drop: []string{"client_ip"}, extra: []string{
		"client_ip4 UInt32 CODEC(ZSTD(1))|if(" + ipIs4 + ", reinterpretAsUInt32(reverse(substring(reinterpretAsString(client_ip), 13, 4))), 0)",
		"client_ip6 IPv6 CODEC(ZSTD(1))|if(" + ipIs4 + ", toIPv6('::'), client_ip)",
	}},
}

// withSources gives the loaded rows the Kafka and collector sources that
// ingest would have stored (the loaded rows have none): each edge server's
// collector cuts a batch every 500 of its lines into one message per
// customer (src_seq), produced to the customer's partition of 12, where
// messages take offsets in the order their batches started.
const withSources = `(SELECT *, dense_rank() OVER (PARTITION BY p ORDER BY bstart, server, batch, customer) - 1 AS off FROM
  (SELECT *, min(time) OVER (PARTITION BY server, batch) AS bstart,
      dense_rank() OVER (PARTITION BY server, batch ORDER BY customer) - 1 AS seq FROM
    (SELECT *, cityHash64(customer) % 12 AS p,
        concat(server, ':/var/log/nginx/access.log#', hex(cityHash64(server))) AS f,
        intDiv(row_number() OVER (PARTITION BY server ORDER BY time) - 1, 500) AS batch
     FROM BASE)))`

// sourceCols fills the source columns from withSources, with codecs
// overridden by more.
func sourceCols(more map[string]colVariant) map[string]colVariant {
	cols := map[string]colVariant{
		"src_partition": {expr: "toUInt16(p)"},
		"src_offset":    {expr: "toUInt64(off)"},
		"src_file":      {expr: "f"},
		"src_file_end":  {expr: "toUInt64((batch + 1) * 500 * 300)"},
		"src_seq":       {expr: "toUInt32(seq)"},
	}
	for k, v := range more {
		c := cols[k]
		c.codec = v.codec
		cols[k] = c
	}
	return cols
}
