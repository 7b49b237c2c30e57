package plugin

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Query is what a panel target asks, as the query editor writes it into
// the dashboard JSON. Grafana adds its own keys beside these (refId,
// datasource, intervalMs, ...); see grafanaKeys.
type Query struct {
	QueryType string `json:"queryType"`
	// Metric picks the value of a series (traffic_series) or the latency
	// measure (perf_*); see Spec.Metrics.
	Metric string `json:"metric,omitempty"`
	// GroupBy picks the dimension of a breakdown or top list.
	GroupBy string `json:"groupBy,omitempty"`
	// Customer restricts the query to one customer; "" means every customer
	// the token may see. A dashboard puts "$customer" here.
	Customer string `json:"customer,omitempty"`
	// Limit caps a list (default: the API's, at most 1000).
	Limit int `json:"limit,omitempty"`
	// Window is the recent window of perf_slowest (default 15m).
	Window string `json:"window,omitempty"`
	// Region and PoP narrow a latency series to one place; "" means
	// everywhere. A dashboard may put "$region" here.
	Region string `json:"region,omitempty"`
	PoP    string `json:"pop,omitempty"`
	// WeekBefore adds the same range a week earlier, drawn over this one,
	// as fields named <field>_week_before.
	WeekBefore bool `json:"weekBefore,omitempty"`
	// Order and the row filters below are the drill-down's (requests):
	// newest or slowest first, and what the rows must match. "" (and a
	// dashboard variable's All value, "*") matches everything.
	Order            string  `json:"order,omitempty"`
	Host             string  `json:"host,omitempty"`
	Server           string  `json:"server,omitempty"`
	Country          string  `json:"country,omitempty"`
	ASN              *uint32 `json:"asn,omitempty"`
	Status           string  `json:"status,omitempty"`      // a code (503) or class (5xx)
	CacheStatus      string  `json:"cacheStatus,omitempty"` // hit, miss or other
	PathPrefix       string  `json:"pathPrefix,omitempty"`
	MinRequestTimeMs float64 `json:"minRequestTimeMs,omitempty"`
	MinTTFBMs        float64 `json:"minTtfbMs,omitempty"`
	// MinRequests leaves out of a perf_breakdown the places with fewer
	// requests (and compares a place with the week before only when that
	// week had as many): the p90 of a handful of requests is one slow
	// client, not a slow place.
	MinRequests uint64 `json:"minRequests,omitempty"`
	// Value names the one numeric field a table query answers, beside its
	// string fields, as a numeric frame: what Grafana's alerting reads
	// (each row a number labelled by the string fields).
	Value string `json:"value,omitempty"`
}

// Query types.
const (
	TrafficSeries    = "traffic_series"
	TrafficBreakdown = "traffic_breakdown"
	TrafficTop       = "traffic_top"
	TrafficSummary   = "traffic_summary"
	PerfBreakdown    = "perf_breakdown"
	PerfSlowest      = "perf_slowest"
	PerfSeries       = "perf_series"
	BillingRegions   = "billing_regions"
	BillingP95       = "billing_p95"
	BillingSummary   = "billing_summary"
	BillingCustomers = "billing_customers"
	OpsOverview      = "ops_overview"
	OpsFallbacks     = "ops_fallbacks"
	Requests         = "requests"
	OpsLive          = "ops_live"
)

// FieldType is the Go type of a frame field, as Grafana sees it.
type FieldType = data.FieldType

// Spec describes one query type: what it accepts and what it answers.
type Spec struct {
	Type        string
	Description string
	// Metrics and GroupBys list the accepted values, the default first;
	// nil means the key is not accepted.
	Metrics  []string
	GroupBys []string
	// CustomerRequired: the API needs one customer (a customer token's own
	// customer is taken when the query names none).
	CustomerRequired bool
	// NoCustomer: the query lists every customer the token may see and
	// takes no customer filter.
	NoCustomer    bool
	Limit, Window bool
	// Place: the query takes region and pop filters.
	Place bool
	// WeekBefore: the query can add the week before's figures.
	WeekBefore bool
	// Fields are the frame fields the query type answers, by name. A
	// breakdown's key field is named after its group-by.
	Fields map[string]FieldType
	// TimeSeries: the frame is a wide time series (a time field first).
	TimeSeries bool
	// Orders lists the accepted orders, the default first; RowFilters: the
	// query takes the drill-down's row filters (host, server, country,
	// asn, status, cacheStatus, pathPrefix, minRequestTimeMs, minTtfbMs).
	Orders     []string
	RowFilters bool
	// MinRequests: the query takes minRequests.
	MinRequests bool
}

var (
	tTime    = data.FieldTypeTime
	tNTime   = data.FieldTypeNullableTime
	tString  = data.FieldTypeString
	tUint    = data.FieldTypeUint64
	tNUint   = data.FieldTypeNullableUint64
	tFloat   = data.FieldTypeFloat64
	tNFloat  = data.FieldTypeNullableFloat64
	tBool    = data.FieldTypeBool
	seriesOf = func(metrics ...string) map[string]FieldType {
		m := map[string]FieldType{"time": tTime}
		for _, v := range metrics {
			m[v] = tFloat
		}
		return m
	}
)

// perfSeriesFields are the figures of a latency series, each also as
// <name>_week_before. They are nullable: a step without requests has no
// latency, and the two weeks need not have requests at the same steps.
var perfSeriesFields = []string{"p50_ms", "p90_ms", "p99_ms", "error_rate_5xx"}

func perfSeriesModel() map[string]FieldType {
	m := map[string]FieldType{"time": tTime}
	for _, f := range perfSeriesFields {
		m[f], m[f+weekBeforeSuffix] = tNFloat, tNFloat
	}
	return m
}

// seriesMetrics are the values of a traffic series, each a per-step figure.
// bandwidth_bps and bytes_total count every byte the edge wrote (headers
// and body), bytes_out body bytes; byte_hit_ratio is body bytes served
// from cache over body bytes.
var seriesMetrics = []string{"requests_per_s", "bandwidth_bps", "bytes_out", "bytes_total", "cache_hit_ratio", "byte_hit_ratio", "error_rate_5xx"}

// Specs is the query model: every query type the plugin answers.
var Specs = map[string]Spec{
	TrafficSeries: {
		Description: "requests/s, bandwidth, bytes, cache hit ratio (of requests or bytes) or 5xx rate per step: a customer's, or every customer's summed (staff without a customer)",
		Metrics:     seriesMetrics, TimeSeries: true,
		Fields: seriesOf(seriesMetrics...),
	},
	TrafficBreakdown: {
		Description: "traffic over the range by host, region, PoP, country, status class or cache status",
		GroupBys:    []string{"host", "region", "pop", "country", "status_class", "cache_status"}, Limit: true,
		Fields: map[string]FieldType{"host": tString, "region": tString, "pop": tString, "country": tString, "status_class": tString, "cache_status": tString,
			"requests": tUint, "bytes_out": tNUint, "bytes_total": tNUint, "cache_hit_ratio": tNFloat, "byte_hit_ratio": tNFloat, "share": tFloat},
	},
	TrafficTop: {
		Description: "a customer's top hosts (with requests and bytes) or paths (ranked)",
		GroupBys:    []string{"host", "path"}, CustomerRequired: true, Limit: true,
		Fields: map[string]FieldType{"rank": tUint, "host": tString, "path": tString, "requests": tUint, "bytes_out": tUint},
	},
	TrafficSummary: {
		Description: "totals per customer over the range",
		Fields:      map[string]FieldType{"customer": tString, "requests": tUint, "bytes_out": tUint, "cache_hit_ratio": tFloat},
	},
	PerfBreakdown: {
		Description: "p50/p90/p99 latency and error rates by region, PoP, country or ASN, beside the same window a week before",
		Metrics:     []string{"ttfb", "request_time"}, GroupBys: []string{"region", "pop", "country", "asn"},
		Fields: map[string]FieldType{"region": tString, "pop": tString, "country": tString, "asn": tString,
			"requests": tUint, "p50_ms": tFloat, "p90_ms": tFloat, "p99_ms": tFloat,
			"errors_4xx": tUint, "errors_5xx": tUint, "error_rate_5xx": tFloat,
			"p90_ms_week_before": tNFloat, "p90_change": tNFloat, "error_rate_5xx_week_before": tNFloat},
		MinRequests: true,
	},
	PerfSlowest: {
		Description: "the slowest places now: PoPs by p90 over the recent window against the hours before, with since when",
		Metrics:     []string{"request_time", "ttfb"}, Limit: true, Window: true,
		Fields: map[string]FieldType{"region": tString, "pop": tString, "requests": tUint, "p50_ms": tFloat, "p90_ms": tFloat, "p99_ms": tFloat,
			"baseline_p90_ms": tFloat, "slowdown": tFloat, "slow_since": tNTime},
	},
	PerfSeries: {
		Description: "p50/p90/p99 latency and 5xx error rate per step, everywhere or in a region or PoP, optionally with the same range a week before drawn over it",
		Metrics:     []string{"ttfb", "request_time"}, Place: true, WeekBefore: true, TimeSeries: true,
		Fields: perfSeriesModel(),
	},
	BillingRegions: {
		Description:      "a customer's delivered GB by billing region, month to date (the month of the range's end)",
		CustomerRequired: true,
		Fields:           map[string]FieldType{"region": tString, "gb": tFloat, "bytes_out": tUint},
	},
	BillingP95: {
		Description:      "a customer's 5-minute bandwidth samples in Mbps with the month's billed 95th percentile as a line",
		CustomerRequired: true, TimeSeries: true,
		Fields: seriesOf("mbps", "p95_mbps"),
	},
	BillingSummary: {
		Description:      "a customer's bill for the month so far and projected to the month's end",
		CustomerRequired: true,
		Fields: map[string]FieldType{"customer": tString, "month": tString, "plan": tString, "currency": tString,
			"requests": tUint, "bytes_out": tUint, "p95_mbps": tFloat, "total": tFloat, "projected_total": tFloat, "month_elapsed": tFloat},
	},
	BillingCustomers: {
		Description: "every customer's bill for the month so far and projected (finance)",
		NoCustomer:  true,
		Fields: map[string]FieldType{"customer": tString, "plan": tString, "currency": tString, "requests": tUint, "bytes_out": tUint,
			"p95_mbps": tFloat, "total": tFloat, "projected_total": tFloat},
	},
	Requests: {
		Description: "drill-down: the logged requests of the last hour of the range at most (newest or slowest first), filtered by customer, host, region, PoP, server, country, ASN, status, cache outcome, path prefix and minimum times",
		Metrics:     []string{"request_time", "ttfb"}, Orders: []string{"slowest", "newest"}, Place: true, RowFilters: true, Limit: true,
		Fields: map[string]FieldType{"time": tTime, "customer": tString, "host": tString, "region": tString, "pop": tString, "server": tString,
			"country": tString, "asn": tUint, "client_ip": tString, "x_forwarded_for": tString, "method": tString, "scheme": tString, "protocol": tString, "path": tString,
			"status": tUint, "bytes_sent": tUint, "bytes_received": tUint, "request_time_ms": tFloat, "ttfb_ms": tFloat,
			"cache_status": tString, "content_type": tString, "user_agent": tString, "referer": tString},
	},
	OpsOverview: {
		Description: "the network operations wall: hits/s now and today's peak, requests and bytes in 24 hours, edge servers reporting, stored bytes",
		Fields: map[string]FieldType{"requests_per_s_now": tFloat, "peak_requests_per_s_today": tFloat, "peak_at": tNTime,
			"requests_24h": tUint, "bytes_out_24h": tUint, "servers_reporting": tUint, "stored_bytes": tUint},
	},
	OpsFallbacks: {
		Description: "requests of the last 24 hours kept with a field fallback (a field of their log line the collector could not read), per log family, field and reason",
		Fields:      map[string]FieldType{"format": tString, "field": tString, "reason": tString, "lines": tUint},
	},
	OpsLive: {
		Description: "the live counter, ticking every second through Grafana Live: hits/s and bytes/s in the last complete second, requests and bytes today, edge servers reporting, how far the wall is behind the clock and whether nothing landed for a minute; the fleet, a region (no PoP) or a customer",
		Place:       true,
		Fields: map[string]FieldType{"time": tTime, "requests_per_s": tUint, "bytes_out_per_s": tUint,
			"requests_today": tUint, "bytes_out_today": tUint, "servers_reporting": tUint,
			"behind_s": tFloat, "idle": tBool},
	},
}

func init() {
	for name, s := range Specs {
		s.Type = name
		Specs[name] = s
	}
}

// QueryTypes returns the query type names, sorted.
func QueryTypes() []string {
	out := make([]string, 0, len(Specs))
	for k := range Specs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// grafanaKeys are the keys Grafana itself writes into a dashboard's target
// beside the data source's own.
var grafanaKeys = []string{"refId", "datasource", "datasourceId", "intervalMs", "maxDataPoints", "hide", "key", "queryType"}

// ParseQuery decodes a query as QueryData receives it: keys the plugin
// does not know are ignored (Grafana adds keys of its own, and which ones
// changes between versions), while a query type the plugin does not answer
// or a value outside a key's list is an error (the user's mistake, not the
// plugin's).
func ParseQuery(raw []byte) (Query, error) {
	var q Query
	if err := json.Unmarshal(raw, &q); err != nil {
		return Query{}, fmt.Errorf("query is not a JSON object of the query model: %w", err)
	}
	return q, q.Validate()
}

// CheckQuery is ParseQuery for queries written into dashboards: there any
// key beside the query model's and Grafana's own is a mistake, such as a
// misspelled groupBy that QueryData would ignore.
func CheckQuery(raw []byte) (Query, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return Query{}, fmt.Errorf("query is not a JSON object: %w", err)
	}
	// Keys are compared exactly: encoding/json would match "groupby" to
	// groupBy, which Grafana's frontend would not.
	allowed := map[string]bool{}
	for _, k := range grafanaKeys {
		allowed[k] = true
	}
	rt := reflect.TypeOf(Query{})
	for i := range rt.NumField() {
		allowed[strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]] = true
	}
	for k := range m {
		if !allowed[k] {
			return Query{}, fmt.Errorf("query: unknown field %q", k)
		}
	}
	return ParseQuery(raw)
}

// Validate checks q against its query type's spec and fills defaults.
func (q *Query) Validate() error {
	s, ok := Specs[q.QueryType]
	if !ok {
		return fmt.Errorf("queryType %q is not one of %v", q.QueryType, QueryTypes())
	}
	check := func(key, v string, allowed []string) (string, error) {
		switch {
		case allowed == nil && v != "":
			return "", fmt.Errorf("%s does not take %s", q.QueryType, key)
		case allowed == nil:
			return "", nil
		case v == "":
			return allowed[0], nil
		case !slices.Contains(allowed, v):
			return "", fmt.Errorf("%s of %s must be one of %v, not %q", key, q.QueryType, allowed, v)
		}
		return v, nil
	}
	var err error
	if q.Metric, err = check("metric", q.Metric, s.Metrics); err != nil {
		return err
	}
	if q.GroupBy, err = check("groupBy", q.GroupBy, s.GroupBys); err != nil {
		return err
	}
	if q.Order, err = check("order", q.Order, s.Orders); err != nil {
		return err
	}
	if err := q.checkRowFilters(s); err != nil {
		return err
	}
	if err := q.checkAlerting(s); err != nil {
		return err
	}
	switch {
	case q.Customer != "" && s.NoCustomer:
		return fmt.Errorf("%s lists every customer the token may see and takes no customer", q.QueryType)
	case q.Limit != 0 && !s.Limit:
		return fmt.Errorf("%s does not take limit", q.QueryType)
	case q.Limit < 0 || q.Limit > 1000:
		return fmt.Errorf("limit must be between 1 and 1000")
	case q.Window != "" && !s.Window:
		return fmt.Errorf("%s does not take window", q.QueryType)
	case (q.Region != "" || q.PoP != "") && !s.Place:
		return fmt.Errorf("%s does not take region or pop", q.QueryType)
	case q.WeekBefore && !s.WeekBefore:
		return fmt.Errorf("%s does not take weekBefore", q.QueryType)
	}
	if q.Window != "" {
		if d, err := time.ParseDuration(q.Window); err != nil || d < time.Minute || d%time.Minute != 0 {
			return fmt.Errorf("window must be whole minutes such as 15m, not %q", q.Window)
		}
	}
	return nil
}
