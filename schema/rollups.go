package schema

import (
	"fmt"
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
	Type string // may use {lc} for LowCardinality(String) on modern servers
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
}

// Quantiles kept in latency states. t-digest's error is relative to the
// rank: around 1% of rank near the median, much less at the tails.
const Quantiles = "0.5, 0.9, 0.99"

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

// Rollups are every rollup the current schema has, finest first within
// each family.
var Rollups = current(rollupsV3, []Rollup{EdgeServers}, CoarsePerf, AllCustomersPerf, RollupsV8)

// Complete reports whether the rollup's sums account for every raw row:
// all do but heavy-hitter rollups (KeepTop), whose sums are at most the
// raw sums.
func (r Rollup) Complete() bool { return r.KeepTop == 0 }

// Dropped are rollups a later migration removed.
var Dropped = []string{"top_paths_1h"}

func current(lists ...[]Rollup) []Rollup {
	var out []Rollup
	for _, l := range lists {
		for _, r := range l {
			if !slices.Contains(Dropped, r.Name) {
				out = append(out, r)
			}
		}
	}
	return out
}

// RollupsV8 are migration 8's rollups, each replacing a read that cost
// more than a dashboard can wait (query benchmark at 43.71 billion
// requests a day):
//   - billing_1d: a month's requests and bytes per billing region for
//     every customer read 3.6M billing_5m rows; a day row per customer
//     and region makes it 12k. (The 95th percentile still needs the
//     5-minute samples of billing_5m. Keeping them in day rows as
//     sumMap or sumForEach states was tried: ClickHouse 18.16 takes about
//     100 ns per state element to read them back, slower than grouping
//     billing_5m, and its views cannot pre-aggregate in a subquery.)
//   - path_hits_1h: 18.16's topKMerge(N) ignores N and returns 10 paths,
//     so top_paths_1h could not rank more than 10 and never had counts.
//     Per insert block, the view keeps each customer-host-hour's
//     PathsKeptPerBlock most requested paths with their counts; the table
//     sums them. A path that ranks in every block has its exact count;
//     one that sometimes falls outside a block's top has a lower bound.
//   - perf_all_1m: "slowest places now" merged every customer's perf_1m
//     state minute by minute for three hours (360k states).
var RollupsV8 = []Rollup{
	billingRollup("billing_1d", "requests and bytes per day by customer and billing region", "toStartOfDay", 86400),
	{
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
	},
	latencyRollup("perf_all_1m", "latency quantile states and errors per minute by region and PoP, all customers",
		"toStartOfMinute", "toYYYYMMDD(t)", 60, popPlace, true),
}

// PathsKeptPerBlock bounds path_hits_1h: paths kept per customer, host and
// hour from each insert block.
const PathsKeptPerBlock = 200

// AllCustomersPerf are latency rollups without the customer dimension
// (migration 7): engineers look at places across every customer, and
// merging one state per customer made a day by PoP 15.5k states of
// perf_1h at 43.71 billion requests a day; without customers it is 960.
var AllCustomersPerf = []Rollup{
	latencyRollup("perf_all_1h", "latency quantile states and errors per hour by region and PoP, all customers",
		"toStartOfHour", "toYYYYMM(t)", 3600, popPlace, true),
	latencyRollup("perf_geo_all_1d", "latency quantile states and errors per day by region, country and ASN, all customers",
		"toStartOfDay", "toYear(t)", 86400, geoPlace, true),
}

// CoarsePerf are hour and day latency rollups (migration 6). A dashboard's
// day of latency by PoP merged 933k perf_1m states at 43.71 billion
// requests a day; perf_1h holds 60 times fewer. ClickHouse 18.16
// does not feed a view from another view's target table, so these are fed
// from raw rows like the others: building a t-digest costs per value, the
// same for any bucket width, and the coarser states are few.
var CoarsePerf = []Rollup{
	latencyRollup("perf_1h", "latency quantile states and errors per hour by region, PoP and customer",
		"toStartOfHour", "toYYYYMM(t)", 3600, popPlace, false),
	latencyRollup("perf_geo_1d", "latency quantile states and errors per day by region, country, ASN and customer",
		"toStartOfDay", "toYear(t)", 86400, geoPlace, false),
}

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

// rollupsV3 are the rollups migration 3 created; a migration never changes
// meaning, so later rollups come with their own migration.
var rollupsV3 = []Rollup{
	{
		// Latency states live in perf_1m only: a t-digest per traffic row
		// would cost more insert CPU than the rest of this view.
		Name: "traffic_1m", Comment: "traffic per minute by customer, host, region, PoP, country",
		Dims: trafficDims("toStartOfMinute"), Measures: trafficMeasures, Partition: "toYYYYMMDD(t)", Step: 60,
	},
	{
		Name: "traffic_1h", Comment: "traffic per hour by customer, host, region, PoP, country",
		Dims: trafficDims("toStartOfHour"), Measures: trafficMeasures, Partition: "toYYYYMM(t)", Step: 3600,
	},
	{
		Name: "traffic_1d", Comment: "traffic per day by customer, host, region, PoP, country",
		Dims: trafficDims("toStartOfDay"), Measures: trafficMeasures, Partition: "toYear(t)", Step: 86400,
	},
	billingRollup("billing_5m", "5-minute billing samples: bytes out and requests per customer and billing region", "toStartOfFiveMinute", 300),
	latencyRollup("perf_1m", "latency quantile states and errors per minute by region, PoP and customer",
		"toStartOfMinute", "toYYYYMMDD(t)", 60, popPlace, false),
	latencyRollup("perf_geo_1h", "latency quantile states and errors per hour by region, country, ASN and customer",
		"toStartOfHour", "toYYYYMM(t)", 3600, geoPlace, false),
	{
		// Bounded: one topK state of at most TopPathsKept paths per customer,
		// host and hour, however many distinct paths there are. 18.16's topK
		// returns paths in rank order without counts.
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
	},
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
	var sel, group []string
	for _, f := range r.Dims {
		sel = append(sel, f.Expr+" AS "+f.Name)
		group = append(group, f.Name)
	}
	for _, f := range r.Measures {
		sel = append(sel, f.Expr+" AS "+f.Name)
	}
	keep := ""
	if r.KeepTop > 0 {
		// Ties broken by the kept dimension: the same block keeps the same
		// rows on every server.
		last := len(group) - 1
		keep = fmt.Sprintf("\nORDER BY requests DESC, %s\nLIMIT %d BY %s", group[last], r.KeepTop, strings.Join(group[:last], ", "))
	}
	return fmt.Sprintf("CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s_mv%s TO %s.%s AS\nSELECT\n    %s\nFROM %s.%s\nGROUP BY %s%s",
		db, r.Name, onCluster(d), db, localName(r.Name, d), strings.Join(sel, ",\n    "), db, localName(RawTable, d), strings.Join(group, ", "), keep)
}
