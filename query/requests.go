package query

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/schema"
)

// The drill-down (Requests) is the one query that reads the raw table. Its
// bounds, each refused with a 400 when asked for more:
//   - MaxRequestsWindow: the window is at most an hour;
//   - MaxLimit: at most 1000 rows answered;
//   - Store.MaxRawRows (DefaultMaxRawRows, `edgelog query --max-raw-rows`): ClickHouse's max_rows_to_read,
//     the rows a drill-down may read before the server stops it;
//   - DefaultMaxRawExecution: its max_execution_time (or the store's
//     MaxExecution when that is shorter).
//
// A query over the bounds is stopped by ClickHouse itself (TOO_MANY_ROWS,
// TIMEOUT_EXCEEDED, both enforced by 18.16) and answered as a 400 that says
// to narrow the window or add filters.
const (
	MaxRequestsWindow      = time.Hour
	DefaultMaxRawRows      = 20_000_000
	DefaultMaxRawExecution = 10 * time.Second
)

// RequestsOptions are a drill-down's window, filters, order and limit.
// Empty filters match everything.
type RequestsOptions struct {
	From, To time.Time
	// Customer is forced by the server for customer tokens.
	Customer, Host, Region, PoP, Server, Country string
	// ASN filters by network when HasASN (AS 0 is "unknown").
	ASN    uint32
	HasASN bool
	// Status is an exact code ("503") or a class ("5xx").
	Status string
	// CacheStatus is the cache outcome as the breakdowns name it: hit
	// (HIT, STALE, UPDATING, REVALIDATED), miss (MISS, EXPIRED) or other.
	CacheStatus string
	PathPrefix  string
	// MinRequestTime and MinTTFB keep requests at least that slow.
	MinRequestTime, MinTTFB time.Duration
	// Order is "newest" (default) or "slowest"; Metric ("request_time",
	// the default, or "ttfb") is what slowest ranks by.
	Order, Metric string
	Limit         int // default 100, at most MaxLimit
}

// cacheOutcomes are the raw cache_status values of each outcome, the same
// lists the traffic rollups count (schema: cache_hit, cache_miss; a test
// holds them equal).
var cacheOutcomes = map[string]string{
	"hit":  "('HIT', 'STALE', 'UPDATING', 'REVALIDATED')",
	"miss": "('MISS', 'EXPIRED')",
}

// requestOrders are the sort keys of each order, ties broken by the other.
var requestOrders = map[string]map[string]string{
	"newest":  {"request_time": "time DESC, request_time_us DESC", "ttfb": "time DESC, ttfb_us DESC"},
	"slowest": {"request_time": "request_time_us DESC, time DESC", "ttfb": "ttfb_us DESC, time DESC"},
}

// requestColumns are the columns a drill-down answers, in RequestRow's
// order. Time is read as whole seconds and the client address as text
// so that one statement reads both the 18.16 and the modern table.
const requestColumns = `toUInt32(toDateTime(time)), customer, host, region, pop, server, country, asn, IPv6NumToString(client_ip),
    method, scheme, protocol, path, status, bytes_sent, bytes_received, request_time_us, ttfb_us,
    cache_status, content_type, user_agent, referer, x_forwarded_for`

// check validates o and fills its defaults.
func (o *RequestsOptions) check() error {
	if o.Order == "" {
		o.Order = "newest"
	}
	if o.Metric == "" {
		o.Metric = "request_time"
	}
	if o.Limit == 0 {
		o.Limit = 100
	}
	switch {
	case o.From.IsZero() || o.To.IsZero():
		return errors.New("from and to are required")
	case !o.To.After(o.From):
		return errors.New("to must be after from")
	case o.To.Sub(o.From) > MaxRequestsWindow:
		return fmt.Errorf("the window is at most %s (from %s to %s is %s): narrow it", MaxRequestsWindow, o.From.Format(time.RFC3339), o.To.Format(time.RFC3339), o.To.Sub(o.From))
	case requestOrders[o.Order] == nil:
		return errors.New("order must be newest or slowest")
	case requestOrders[o.Order][o.Metric] == "":
		return errors.New("metric must be request_time or ttfb")
	case o.Limit < 1 || o.Limit > MaxLimit:
		return fmt.Errorf("limit must be between 1 and %d", MaxLimit)
	case o.CacheStatus != "" && o.CacheStatus != "hit" && o.CacheStatus != "miss" && o.CacheStatus != "other":
		return errors.New("cache_status must be hit, miss or other")
	case o.MinRequestTime < 0 || o.MinTTFB < 0 || o.MinRequestTime > time.Hour || o.MinTTFB > time.Hour:
		return errors.New("minimum times must be between 0 and an hour")
	}
	if err := CheckTime("from", o.From, 0); err != nil {
		return err
	}
	if err := CheckTime("to", o.To, 0); err != nil {
		return err
	}
	if o.Status != "" {
		if _, _, err := statusBounds(o.Status); err != nil {
			return err
		}
	}
	return nil
}

// statusBounds turns "503" into [503, 504) and "5xx" into [500, 600).
func statusBounds(s string) (lo, hi uint16, err error) {
	bad := errors.New("status must be a code such as 503 or a class such as 5xx")
	if len(s) != 3 || s[0] < '1' || s[0] > '5' {
		return 0, 0, bad
	}
	if s[1:] == "xx" {
		lo = uint16(s[0]-'0') * 100
		return lo, lo + 100, nil
	}
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, 0, bad
	}
	return uint16(n), uint16(n) + 1, nil
}

// requestsSQL builds the drill-down statement and its arguments: every
// value a bound parameter, every identifier from requestOrders or the
// schema.
func (s *Store) requestsSQL(o RequestsOptions) (string, []any) {
	var where strings.Builder
	args := []any{uint32(o.From.Unix()), uint32(o.To.Unix())} // #nosec G115 -- from and to range-checked (CheckTime): UInt32 seconds
	where.WriteString("time >= toDateTime(?) AND time < toDateTime(?)")
	for _, f := range []struct{ col, v string }{
		{"customer", o.Customer}, {"host", o.Host}, {"region", o.Region}, {"pop", o.PoP},
		{"server", o.Server}, {"country", o.Country},
	} {
		if f.v != "" {
			fmt.Fprintf(&where, " AND %s = ?", f.col)
			args = append(args, f.v)
		}
	}
	if o.HasASN {
		where.WriteString(" AND asn = ?")
		args = append(args, o.ASN)
	}
	if o.Status != "" {
		lo, hi, _ := statusBounds(o.Status)
		where.WriteString(" AND status >= ? AND status < ?")
		args = append(args, lo, hi)
	}
	switch o.CacheStatus {
	case "hit", "miss":
		fmt.Fprintf(&where, " AND cache_status IN %s", cacheOutcomes[o.CacheStatus])
	case "other":
		fmt.Fprintf(&where, " AND cache_status NOT IN %s AND cache_status NOT IN %s", cacheOutcomes["hit"], cacheOutcomes["miss"])
	}
	if o.PathPrefix != "" {
		where.WriteString(" AND startsWith(path, ?)")
		args = append(args, o.PathPrefix)
	}
	if o.MinRequestTime > 0 {
		where.WriteString(" AND request_time_us >= ?")
		args = append(args, uint32(o.MinRequestTime/time.Microsecond)) // #nosec G115 -- at most an hour (check): fits UInt32 microseconds
	}
	if o.MinTTFB > 0 {
		where.WriteString(" AND ttfb_us >= ?")
		args = append(args, uint32(o.MinTTFB/time.Microsecond)) // #nosec G115 -- at most an hour (check): fits UInt32 microseconds
	}
	args = append(args, o.Limit+1)
	return fmt.Sprintf(`SELECT %s
FROM %s.%s
WHERE %s
ORDER BY %s
LIMIT ?`, requestColumns, s.DB, schema.RawTable, where.String(), requestOrders[o.Order][o.Metric]), args
}

// rawLimits adds the drill-down's own ClickHouse settings to ctx. Their
// overflow modes stay the servers' default, throw: 18.16 takes settings
// from the native protocol as integers only, so the driver cannot send a
// string setting there.
func (s *Store) rawLimits(ctx context.Context) context.Context {
	rows := s.MaxRawRows
	if rows <= 0 {
		rows = DefaultMaxRawRows
	}
	exec := DefaultMaxRawExecution
	if s.MaxExecution > 0 && s.MaxExecution < exec {
		exec = s.MaxExecution
	}
	secs := int((exec + time.Second - 1) / time.Second)
	return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{
		"max_rows_to_read":   int(rows),
		"max_execution_time": secs,
	}))
}

// ClickHouse's codes for a query stopped by its limits.
const (
	chTooManyRows     = 158
	chTimeoutExceeded = 159
)

// limitError turns ClickHouse stopping a drill-down at its limits into
// the client's error: the window or the filters are too wide.
func limitError(err error) error {
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) {
		return err
	}
	switch ex.Code {
	case chTooManyRows:
		return UserError{fmt.Errorf("the window holds more rows than a drill-down may read (max_rows_to_read): narrow the window or add filters (customer, host, pop, server)")}
	case chTimeoutExceeded:
		return UserError{fmt.Errorf("the drill-down ran longer than its limit (max_execution_time): narrow the window or add filters")}
	}
	return err
}

// Requests returns the raw rows of a window of at most an hour, filtered,
// newest or slowest first; each row names its customer.
func (s *Store) Requests(ctx context.Context, o RequestsOptions) (*api.Requests, error) {
	o.From, o.To = o.From.UTC(), o.To.UTC()
	if err := o.check(); err != nil {
		var ue UserError
		if errors.As(err, &ue) {
			return nil, err
		}
		return nil, UserError{err}
	}
	sql, args := s.requestsSQL(o)
	rows, err := s.Query(s.rawLimits(ctx), sql, args...)
	if err != nil {
		return nil, limitError(err)
	}
	defer rows.Close()
	out := &api.Requests{Table: schema.RawTable, Customer: o.Customer, From: o.From, To: o.To, Order: o.Order, Metric: o.Metric, Limit: o.Limit, Rows: []api.RequestRow{}}
	for rows.Next() {
		var r api.RequestRow
		var t, rt, ttfb uint32
		if err := rows.Scan(&t, &r.Customer, &r.Host, &r.Region, &r.PoP, &r.Server, &r.Country, &r.ASN, &r.ClientIP,
			&r.Method, &r.Scheme, &r.Protocol, &r.Path, &r.Status, &r.BytesSent, &r.BytesReceived, &rt, &ttfb,
			&r.CacheStatus, &r.ContentType, &r.UserAgent, &r.Referer, &r.ForwardedFor); err != nil {
			return nil, err
		}
		if len(out.Rows) == o.Limit {
			out.More = true
			break
		}
		r.Time = time.Unix(int64(t), 0).UTC()
		r.ClientIP = strings.TrimPrefix(r.ClientIP, "::ffff:")
		r.RequestTimeMs, r.TTFBMs = float64(rt)/1000, float64(ttfb)/1000
		out.Rows = append(out.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return nil, limitError(err)
	}
	return out, nil
}
