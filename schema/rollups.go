package schema

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Table names.
const (
	RawTable    = "requests"
	LedgerTable = "ingest_ledger"
	// SourceLedgerTable records, per collector source and Kafka partition,
	// each collector message inserted, by its batch end and sequence
	// number: ingest skips a message a restarted collector re-sent (see
	// package ingest).
	SourceLedgerTable = "source_ledger"
)

// Field is a dimension or measure of a rollup: its column name and type,
// and the expression over the raw table that fills it.
type Field struct {
	Name string
	// Type may use {lc}: LowCardinality(String) on modern servers as
	// migrations 3-18 created these tables. Migration 19 made every such
	// column String (plainkeys.go says why), so a table created later
	// spells String.
	Type string
	Expr string
}

// Rollup is a table fed by a materialized view over the raw table. The view
// groups by Dims and computes Measures; the table's engine sums measures (and
// merges aggregate states) of rows with equal Dims.
type Rollup struct {
	Name      string
	Comment   string
	Dims      []Field // the first is the time bucket
	Measures  []Field
	Partition string // PARTITION BY expression over the time bucket
	// Step is the time bucket width in seconds: the query layer reads the
	// coarsest rollup whose step divides the requested step.
	Step int
	// IndexGranularity, when set, is the table's rows per index mark. A
	// query reads whole marks, so a table of large aggregate states wants
	// small marks: with the default 8192, reading one customer-day of
	// top_paths_1h (24 rows per host) deserializes thousands of topK
	// states and took 13 s on a month at 43.71 billion requests a day;
	// with 128, 0.5 s.
	IndexGranularity int
	// KeepTop, when set, makes the view keep of each insert block only the
	// KeepTop rows with the most requests per group of every dimension but
	// the last: a heavy-hitters table whose size is bounded per block
	// however many distinct values the last dimension has.
	KeepTop int
}

const hitStatuses = "('HIT', 'STALE', 'UPDATING', 'REVALIDATED')"

// trafficMeasures are the sums every traffic rollup carries.
var trafficMeasures = []Field{
	{"requests", "UInt64", "count()"},
	{"bytes_out", "UInt64", "sum(bytes_sent)"},
	{"bytes_in", "UInt64", "sum(bytes_received)"},
	{"cache_hit", "UInt64", "countIf(cache_status IN " + hitStatuses + ")"},
	{"cache_miss", "UInt64", "countIf(cache_status IN ('MISS', 'EXPIRED'))"},
	{"bytes_hit", "UInt64", "sumIf(bytes_sent, cache_status IN " + hitStatuses + ")"},
	{"status_1xx", "UInt64", "countIf(status < 200)"},
	{"status_2xx", "UInt64", "countIf(status >= 200 AND status < 300)"},
	{"status_3xx", "UInt64", "countIf(status >= 300 AND status < 400)"},
	{"status_4xx", "UInt64", "countIf(status >= 400 AND status < 500)"},
	{"status_5xx", "UInt64", "countIf(status >= 500)"},
	{"request_time_us_sum", "UInt64", "sum(toUInt64(request_time_us))"},
	// Migration 10 (see Added): total bytes, and body bytes per cache
	// outcome and status class. bytes_hit is served from cache, bytes_miss
	// came from the origin, the rest of bytes_out is neither (BYPASS,
	// DYNAMIC, no cache status).
	{"bytes_total", "UInt64", "sum(bytes_total)"},
	{"bytes_miss", "UInt64", "sumIf(bytes_sent, cache_status IN ('MISS', 'EXPIRED'))"},
	{"bytes_1xx", "UInt64", "sumIf(bytes_sent, status < 200)"},
	{"bytes_2xx", "UInt64", "sumIf(bytes_sent, status >= 200 AND status < 300)"},
	{"bytes_3xx", "UInt64", "sumIf(bytes_sent, status >= 300 AND status < 400)"},
	{"bytes_4xx", "UInt64", "sumIf(bytes_sent, status >= 400 AND status < 500)"},
	{"bytes_5xx", "UInt64", "sumIf(bytes_sent, status >= 500)"},
	{"split_requests", "UInt64", "count()"},
}

// Addition says how a measure added to existing rollups by a migration
// reads in rows written before it: a Default expression over the row's
// older measures, or, without one, nothing (the column holds 0 there, so
// a reader must know which rows have the figure: see SplitRequests).
type Addition struct {
	Since   int    // the migration that added the measure
	Default string // its value in older rows, "" for none
	// Until is the migration from which the views no longer compute the
	// measure (0: they still do). Its column stays, holding what rows
	// written before it have (the t-digest states: sketch.go); later
	// rows hold an empty state (emptyState), which the views write since
	// ClickHouse 18.16 wants every column of a view's target.
	Until int
}

// Added are the measures migrations added to existing rollups, by name (a
// name means the same measure in every rollup that has it). A measure not
// listed was created with its table.
var Added = map[string]Addition{
	// Total bytes before migration 10 are the body bytes: no older row
	// had another figure (old rows: total = body).
	"bytes_total": {Since: 10, Default: "bytes_out"},
	"bytes_miss":  {Since: 10},
	"bytes_1xx":   {Since: 10},
	"bytes_2xx":   {Since: 10},
	"bytes_3xx":   {Since: 10},
	"bytes_4xx":   {Since: 10},
	"bytes_5xx":   {Since: 10},
	// SplitRequests: see its doc.
	SplitRequests: {Since: 10},
	// Latency sketches (sketch.go): log-coded histograms since migration
	// 24, t-digest states before.
	"ttfb_us_h":         {Since: SketchMigration},
	"request_time_us_h": {Since: SketchMigration},
	"ttfb_us_q":         {Until: SketchMigration},
	"request_time_us_q": {Until: SketchMigration},
}

// SplitRequests is the measure that counts the requests whose body bytes
// the traffic rollups split by cache outcome and status class: every
// request since migration 10, none before. Where it is less than
// requests, part of the rows predate the split and its byte figures
// (bytes_miss, bytes_1xx ... bytes_5xx) are unknown: absent, never 0.
const SplitRequests = "split_requests"

// Since returns the migration that added the measure, 0 for one its table
// was created with.
func (f Field) Since() int { return Added[f.Name].Since }

// asOf returns the rollup as migration v left it: without the measures
// later migrations added, and with those earlier ones retired
// (Addition.Until) as empty states. Each migration renders its tables and
// views with it, so an applied migration's DDL never changes.
func (r Rollup) asOf(v int) Rollup {
	var ms []Field
	for _, m := range r.Measures {
		if m.Since() > v {
			continue
		}
		if until := Added[m.Name].Until; until != 0 && v >= until {
			empty, ok := emptyState(m.Type)
			if !ok {
				panic("BUG: retired measure " + m.Name + " of type " + m.Type + " has no empty state emptyState can make")
			}
			m.Expr = empty
		}
		ms = append(ms, m)
	}
	r.Measures = ms
	return r
}

// emptyState returns a constant of aggregate state type typ holding no
// value: a retired measure's in the rows written since (Addition.Until).
// The state of no value folds into nothing, so Field.merge keeps it.
// ok is false for a type that is not such a state of one simple argument.
func emptyState(typ string) (expr string, ok bool) {
	fn, params, ok := aggregateState(typ)
	_, arg, _ := cutTopLevel(strings.TrimSuffix(strings.TrimPrefix(typ, "AggregateFunction("), ")"), ',')
	if !ok || arg == "" || strings.ContainsAny(arg, "(), ") {
		return "", false
	}
	return fmt.Sprintf("arrayReduce('%sState%s', emptyArray%s())", fn, params, arg), true
}

// Quantiles kept in latency states (sketch.go says how and with what
// error).
const Quantiles = "0.5, 0.9, 0.99"

// quantileState is the t-digest state the latency rollups kept until
// migration 24 (SketchMigration): its error is relative to the rank.
const quantileState = "AggregateFunction(quantilesTDigest(" + Quantiles + "), UInt32)"

func trafficDims(bucket string) []Field {
	return []Field{
		{"t", "DateTime('UTC')", bucket + "(time)"},
		{"customer", "{lc}", "customer"},
		{"host", "{lc}", "host"},
		{"region", "{lc}", "region"},
		{"pop", "{lc}", "pop"},
		{"country", "{lc}", "country"},
	}
}

var perfMeasures = []Field{
	{"requests", "UInt64", "count()"},
	{"errors_4xx", "UInt64", "countIf(status >= 400 AND status < 500)"},
	{"errors_5xx", "UInt64", "countIf(status >= 500)"},
	{"ttfb_us_q", quantileState, "quantilesTDigestState(" + Quantiles + ")(ttfb_us)"},
	{"request_time_us_q", quantileState, "quantilesTDigestState(" + Quantiles + ")(request_time_us)"},
	{"ttfb_us_h", sketchState, sketchOf("ttfb_us")},
	{"request_time_us_h", sketchState, sketchOf("request_time_us")},
}

// Places a latency rollup groups by: PoPs within regions, or countries and
// networks within regions.
var (
	popPlace = []Field{{"region", "{lc}", "region"}, {"pop", "{lc}", "pop"}}
	geoPlace = []Field{{"region", "{lc}", "region"}, {"country", "{lc}", "country"}, {"asn", "UInt32", "asn"}}
)

// billingRollup sums requests and bytes per time bucket (a function of
// the request time), customer and billing region.
func billingRollup(name, comment, bucket string, step int) Rollup {
	return Rollup{Name: name, Comment: comment,
		Dims: []Field{
			{"t", "DateTime('UTC')", bucket + "(time)"},
			{"customer", "{lc}", "customer"},
			{"region", "{lc}", "region"},
		},
		Measures: []Field{
			{"requests", "UInt64", "count()"},
			{"bytes_out", "UInt64", "sum(bytes_sent)"},
			{"bytes_in", "UInt64", "sum(bytes_received)"},
			{"bytes_total", "UInt64", "sum(bytes_total)"}, // migration 10
		},
		Partition: "toYYYYMM(t)", Step: step,
	}
}

// latencyRollup is a rollup of perfMeasures by time bucket (a function of
// the request time) and place, per customer unless allCustomers.
func latencyRollup(name, comment, bucket, partition string, step int, place []Field, allCustomers bool) Rollup {
	dims := append([]Field{{"t", "DateTime('UTC')", bucket + "(time)"}}, place...)
	if !allCustomers {
		dims = append(dims, Field{"customer", "{lc}", "customer"})
	}
	return Rollup{Name: name, Comment: comment, Dims: dims, Measures: perfMeasures, Partition: partition, Step: step}
}

// Rollups are every rollup the current schema has, in the order the
// migrations created them.
var Rollups = current(
	traffic1m, traffic1h, traffic1d, billing5m, perf1m, perfGeo1h, topPaths1h, // migration 3
	EdgeServers,       // migration 5
	perf1h, perfGeo1d, // migration 6
	perfAll1h, perfGeoAll1d, // migration 7
	billing1d, pathHits1h, perfAll1m, // migration 8
)

// withBytesSplit are the rollups migration 10 added measures to (Added).
var withBytesSplit = []Rollup{traffic1m, traffic1h, traffic1d, billing5m, billing1d}

// Complete reports whether the rollup's sums account for every raw row:
// all do but heavy-hitter rollups (KeepTop), whose sums are at most the
// raw sums.
func (r Rollup) Complete() bool { return r.KeepTop == 0 }

// Dropped are rollups a later migration removed.
var Dropped = []string{topPaths1h.Name}

func current(all ...Rollup) []Rollup {
	var out []Rollup
	for _, r := range all {
		if !slices.Contains(Dropped, r.Name) {
			out = append(out, r.asOf(math.MaxInt))
		}
	}
	return out
}

// Traffic: every traffic measure per customer, host, region, PoP and
// country. Latency states live in the perf rollups only: a latency state per
// traffic row would cost more insert CPU than the rest of this view.
var (
	traffic1m = Rollup{
		Name: "traffic_1m", Comment: "traffic per minute by customer, host, region, PoP, country",
		Dims: trafficDims("toStartOfMinute"), Measures: trafficMeasures, Partition: "toYYYYMMDD(t)", Step: 60,
	}
	traffic1h = Rollup{
		Name: "traffic_1h", Comment: "traffic per hour by customer, host, region, PoP, country",
		Dims: trafficDims("toStartOfHour"), Measures: trafficMeasures, Partition: "toYYYYMM(t)", Step: 3600,
	}
	traffic1d = Rollup{
		Name: "traffic_1d", Comment: "traffic per day by customer, host, region, PoP, country",
		Dims: trafficDims("toStartOfDay"), Measures: trafficMeasures, Partition: "toYear(t)", Step: 86400,
	}
)

// Billing: requests and bytes per customer and billing region.
// billing_1d (migration 8) exists because a month's bytes per billing
// region for every customer read 3.6M billing_5m rows (query benchmark at
// 43.71 billion requests a day); a day row per customer and region makes
// it 12k. The 95th percentile still needs the 5-minute samples of
// billing_5m. (Keeping them in day rows as sumMap or sumForEach states was
// tried: ClickHouse 18.16 takes about 100 ns per state element to read
// them back, slower than grouping billing_5m, and its views cannot
// pre-aggregate in a subquery.)
var (
	billing5m = billingRollup("billing_5m", "5-minute billing samples: bytes out and requests per customer and billing region", "toStartOfFiveMinute", 300)
	billing1d = billingRollup("billing_1d", "requests and bytes per day by customer and billing region", "toStartOfDay", 86400)
)

// Latency per customer: quantile states and errors by PoP (perf_1m,
// perf_1h) or by country and network (perf_geo_1h, perf_geo_1d). The hour
// and day ones (migration 6) exist because a dashboard's day of latency
// by PoP merged 933k perf_1m states at 43.71 billion requests a day;
// perf_1h holds 60 times fewer. ClickHouse 18.16 does not feed a view
// from another view's target table, so they were fed from raw rows like
// the others; since migration 17 a single server feeds the coarse ones
// from their finer rollup's view instead (chain.go). History before
// migration 6 stays in perf_1m and perf_geo_1h only.
var (
	perf1m = latencyRollup("perf_1m", "latency quantile states and errors per minute by region, PoP and customer",
		"toStartOfMinute", "toYYYYMMDD(t)", 60, popPlace, false)
	perf1h = latencyRollup("perf_1h", "latency quantile states and errors per hour by region, PoP and customer",
		"toStartOfHour", "toYYYYMM(t)", 3600, popPlace, false)
	perfGeo1h = latencyRollup("perf_geo_1h", "latency quantile states and errors per hour by region, country, ASN and customer",
		"toStartOfHour", "toYYYYMM(t)", 3600, geoPlace, false)
	perfGeo1d = latencyRollup("perf_geo_1d", "latency quantile states and errors per day by region, country, ASN and customer",
		"toStartOfDay", "toYear(t)", 86400, geoPlace, false)
)

// Latency across all customers: engineers look at places across every
// customer, and merging one state per customer made a day by PoP 15.5k
// states of perf_1h at 43.71 billion requests a day; without customers it
// is 960 (perf_all_1h and perf_geo_all_1d, migration 7). perf_all_1m
// (migration 8): "slowest places now" merged every customer's perf_1m
// state minute by minute for three hours (360k states).
var (
	perfAll1m = latencyRollup("perf_all_1m", "latency quantile states and errors per minute by region and PoP, all customers",
		"toStartOfMinute", "toYYYYMMDD(t)", 60, popPlace, true)
	perfAll1h = latencyRollup("perf_all_1h", "latency quantile states and errors per hour by region and PoP, all customers",
		"toStartOfHour", "toYYYYMM(t)", 3600, popPlace, true)
	perfGeoAll1d = latencyRollup("perf_geo_all_1d", "latency quantile states and errors per day by region, country and ASN, all customers",
		"toStartOfDay", "toYear(t)", 86400, geoPlace, true)
)

// pathHits1h holds the most requested paths per customer, host and hour
// with their counts (migration 8, replacing topPaths1h: 18.16's
// topKMerge(N) ignores N and returns 10 paths, so top_paths_1h could not
// rank more than 10 and never had counts). Per insert block, the view
// keeps each customer-host-hour's PathsKeptPerBlock most requested paths
// with their counts; the table sums them. A path that ranks in every
// block has its exact count; one that sometimes falls outside a block's
// top has a lower bound.
var pathHits1h = Rollup{
	Name: "path_hits_1h", Comment: "most requested paths per customer, host and hour, with requests and bytes (heavy hitters of each insert block)",
	Dims: []Field{
		{"t", "DateTime('UTC')", "toStartOfHour(time)"},
		{"customer", "{lc}", "customer"},
		{"host", "{lc}", "host"},
		{"path", "String", "path"},
	},
	Measures: []Field{
		{"requests", "UInt64", "count()"},
		{"bytes_out", "UInt64", "sum(bytes_sent)"},
	},
	Partition: "toYYYYMM(t)", Step: 3600, KeepTop: PathsKeptPerBlock,
}

// PathsKeptPerBlock bounds path_hits_1h: paths kept per customer, host and
// hour from each insert block.
const PathsKeptPerBlock = 200

// EdgeServers counts, per minute, the traffic each edge server logged: the
// "servers reporting" figure of the operations wall, read without touching
// raw rows. Added by migration 5.
var EdgeServers = Rollup{
	Name: "edge_servers_1m", Comment: "requests and bytes per minute by region, PoP and edge server",
	Dims: []Field{
		{"t", "DateTime('UTC')", "toStartOfMinute(time)"},
		{"region", "{lc}", "region"},
		{"pop", "{lc}", "pop"},
		{"server", "{lc}", "server"},
	},
	Measures: []Field{
		{"requests", "UInt64", "count()"},
		{"bytes_out", "UInt64", "sum(bytes_sent)"},
	},
	Partition: "toYYYYMMDD(t)", Step: 60,
}

// topPaths1h kept one topK state of at most TopPathsKept paths per
// customer, host and hour, however many distinct paths there are; 18.16's
// topK returns paths in rank order without counts. Created by migration
// 3, dropped by migration 8 for pathHits1h.
var topPaths1h = Rollup{
	Name: "top_paths_1h", Comment: "most requested paths per customer, host and hour (topK states)",
	Dims: []Field{
		{"t", "DateTime('UTC')", "toStartOfHour(time)"},
		{"customer", "{lc}", "customer"},
		{"host", "{lc}", "host"},
	},
	Measures: []Field{
		{"requests", "UInt64", "count()"},
		{"top_paths", "AggregateFunction(topK(" + strconv.Itoa(TopPathsKept) + "), String)", "topKState(" + strconv.Itoa(TopPathsKept) + ")(path)"},
	},
	Partition: "toYYYYMM(t)", Step: 3600, IndexGranularity: 128,
}

// TopPathsKept is the size of each top_paths_1h state.
const TopPathsKept = 1000

// RollupByName returns the named rollup.
func RollupByName(name string) (Rollup, bool) {
	for _, r := range Rollups {
		if r.Name == name {
			return r, true
		}
	}
	return Rollup{}, false
}

func typeIn(t string, d Dialect) string {
	return strings.ReplaceAll(t, "{lc}", d.lowCard("String"))
}

// create returns the rollup's statements: its table, the Distributed table
// in front of it on a cluster, and the view that feeds it.
func (r Rollup) create(db string, d Dialect) []string {
	s := []string{r.createTable(db, d)}
	if d.Cluster != "" {
		s = append(s, distributed(db, r.Name, d))
	}
	return append(s, r.createView(db, d))
}

// createTable renders the rollup's CREATE TABLE.
func (r Rollup) createTable(db string, d Dialect) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s.%s%s (\n", db, localName(r.Name, d), onCluster(d))
	var order []string
	for _, f := range r.Dims {
		fmt.Fprintf(&b, "    %s %s,\n", f.Name, typeIn(f.Type, d))
		order = append(order, f.Name)
	}
	for i, f := range r.Measures {
		sep := ","
		if i == len(r.Measures)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "    %s %s%s\n", f.Name, typeIn(f.Type, d), sep)
	}
	// Customer first where it is a dimension: every customer-facing query
	// filters on it, so its data is contiguous.
	order = customerFirst(order)
	fmt.Fprintf(&b, ") ENGINE = %s\nPARTITION BY %s\nORDER BY (%s)", engine(d, "SummingMergeTree", db, r.Name), r.Partition, strings.Join(order, ", "))
	if r.IndexGranularity > 0 {
		fmt.Fprintf(&b, "\nSETTINGS index_granularity = %d", r.IndexGranularity)
	}
	return b.String()
}

func customerFirst(cols []string) []string {
	out := make([]string, 0, len(cols))
	for _, c := range cols {
		if c == "customer" {
			out = append(out, c)
		}
	}
	for _, c := range cols {
		if c != "customer" {
			out = append(out, c)
		}
	}
	return out
}

// createView renders the materialized view that feeds the rollup.
func (r Rollup) createView(db string, d Dialect) string {
	return fmt.Sprintf("CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s_mv%s TO %s.%s AS\n%s",
		db, r.Name, onCluster(d), db, localName(r.Name, d),
		r.selectFrom(db+"."+localName(RawTable, d), func(f Field) string { return f.Expr }))
}

// selectFrom renders the rollup's SELECT over source: its dimensions,
// each measure as measure renders it, grouped by the dimensions (and, for
// a heavy-hitters rollup, only the top rows of each group).
func (r Rollup) selectFrom(source string, measure func(Field) string) string {
	var sel, group []string
	for _, f := range r.Dims {
		sel = append(sel, f.Expr+" AS "+f.Name)
		group = append(group, f.Name)
	}
	for _, f := range r.Measures {
		sel = append(sel, measure(f)+" AS "+f.Name)
	}
	keep := ""
	if r.KeepTop > 0 {
		// Ties broken by the kept dimension: the same block keeps the same
		// rows on every server.
		last := len(group) - 1
		keep = fmt.Sprintf("\nORDER BY requests DESC, %s\nLIMIT %d BY %s", group[last], r.KeepTop, strings.Join(group[:last], ", "))
	}
	return fmt.Sprintf("SELECT\n    %s\nFROM %s\nGROUP BY %s%s", strings.Join(sel, ",\n    "), source, strings.Join(group, ", "), keep)
}
