package query

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/schema"
)

// MaxSlowLookback is how far before At Slowest may read: a window of at
// most 24h and a baseline of at most 7 days before it.
const MaxSlowLookback = 8 * 24 * time.Hour

// SlowOptions tune Slowest; zero values mean the defaults.
type SlowOptions struct {
	At       time.Time     // end of the window (default now)
	Window   time.Duration // default 15m
	Baseline time.Duration // hours before the window to compare with (default 3h)
	Metric   string        // "request_time" (default) or "ttfb"
	Limit    int           // default 10
	// Factor is how many times the baseline p90 makes a minute slow
	// (default 2).
	Factor float64
	// MinRequests is the least traffic a place needs in the window to be
	// ranked (default 100): the p90 of a few dozen requests is one slow
	// client, not a slow place.
	MinRequests uint64
	// Customer, when set, ranks places by that customer's requests only.
	Customer string
}

// slowTable is what Slowest reads: minute latency states per place, of
// one customer (perf_1m) or of every customer merged (perf_all_1m: 40
// times fewer states to merge at 50 customers).
func slowTable(customer string) string {
	if customer == "" {
		return "perf_all_1m"
	}
	return "perf_1m"
}

// Slowest ranks PoPs by p90 latency over the window against their own p90
// over the baseline period before it, and says since when each slow one has
// been slow, minute by minute.
func (s *Store) Slowest(ctx context.Context, o SlowOptions) (*api.Slowest, error) {
	if o.At.IsZero() {
		o.At = time.Now()
	}
	o.At = o.At.UTC().Truncate(time.Minute)
	if o.Window == 0 {
		o.Window = 15 * time.Minute
	}
	if o.Baseline == 0 {
		o.Baseline = 3 * time.Hour
	}
	if o.Metric == "" {
		o.Metric = "request_time"
	}
	if o.Limit == 0 {
		o.Limit = 10
	}
	if o.Factor == 0 {
		o.Factor = 2
	}
	if o.MinRequests == 0 {
		o.MinRequests = 100
	}
	quantiles, ok := schema.LatencyQuantilesSQL(o.Metric)
	switch {
	case !ok:
		return nil, UserError{fmt.Errorf("metric must be request_time or ttfb")}
	case o.Window < time.Minute || o.Window > 24*time.Hour || o.Window%time.Minute != 0:
		return nil, UserError{fmt.Errorf("window must be whole minutes between 1m and 24h")}
	case o.Baseline < o.Window || o.Baseline > MaxSlowLookback-24*time.Hour:
		return nil, UserError{fmt.Errorf("baseline must be between the window and 7 days")}
	case o.Limit < 1 || o.Limit > 1000:
		return nil, UserError{fmt.Errorf("limit must be between 1 and 1000")}
	}
	from := o.At.Add(-o.Window)
	cur, err := s.placeQuantiles(ctx, quantiles, o.Customer, from, o.At)
	if err != nil {
		return nil, err
	}
	base, err := s.placeQuantiles(ctx, quantiles, o.Customer, from.Add(-o.Baseline), from)
	if err != nil {
		return nil, err
	}
	out := &api.Slowest{Table: slowTable(o.Customer), Metric: o.Metric, At: o.At, Window: o.Window.String(), Baseline: o.Baseline.String(), Places: []api.SlowPlace{}}
	for key, c := range cur {
		b, ok := base[key]
		if !ok || c.requests < o.MinRequests || b.q[1] <= 0 {
			continue
		}
		out.Places = append(out.Places, api.SlowPlace{
			Region: key.region, PoP: key.pop, Requests: c.requests,
			P50Ms: c.q[0] / 1000, P90Ms: c.q[1] / 1000, P99Ms: c.q[2] / 1000,
			BaselineP90Ms: b.q[1] / 1000, Slowdown: round3(c.q[1] / b.q[1]),
		})
	}
	sort.Slice(out.Places, func(i, j int) bool {
		if out.Places[i].Slowdown != out.Places[j].Slowdown {
			return out.Places[i].Slowdown > out.Places[j].Slowdown
		}
		return out.Places[i].PoP < out.Places[j].PoP
	})
	if len(out.Places) > o.Limit {
		out.Places = out.Places[:o.Limit]
	}
	for i := range out.Places {
		p := &out.Places[i]
		if p.Slowdown < o.Factor {
			continue
		}
		since, err := s.slowSince(ctx, quantiles, o.Customer, p.PoP, p.BaselineP90Ms*1000*o.Factor, from.Add(-o.Baseline), o.At)
		if err != nil {
			return nil, err
		}
		p.Since = since
	}
	return out, nil
}

type place struct{ region, pop string }

type placeStats struct {
	requests uint64
	q        []float64 // p50, p90, p99 in microseconds
}

func (s *Store) placeQuantiles(ctx context.Context, quantiles, customer string, from, to time.Time) (map[place]placeStats, error) {
	filter, args := CustomerFilter(customer, []any{uint32(from.Unix()), uint32(to.Unix())}) // #nosec G115 -- at, window and baseline range-checked (query.CheckTime, MaxSlowLookback): UInt32 seconds
	sql := fmt.Sprintf(`SELECT region, pop, sum(requests), %s
FROM %s.%s
WHERE t >= toDateTime(?) AND t < toDateTime(?)%s
GROUP BY region, pop`, quantiles, s.DB, slowTable(customer), filter)
	rows, err := s.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[place]placeStats{}
	for rows.Next() {
		var p place
		var st placeStats
		var q []float64
		if err := rows.Scan(&p.region, &p.pop, &st.requests, &q); err != nil {
			return nil, err
		}
		st.q = q
		if len(st.q) == 3 {
			out[p] = st
		}
	}
	return out, rows.Err()
}

// slowSince walks back minute by minute from to while the PoP's p90 stays
// at or above threshold (minutes with too little traffic to tell are
// stepped over) and returns the first minute of that run.
func (s *Store) slowSince(ctx context.Context, quantiles, customer, pop string, thresholdUs float64, from, to time.Time) (*time.Time, error) {
	filter, args := CustomerFilter(customer, []any{pop, uint32(from.Unix()), uint32(to.Unix())}) // #nosec G115 -- at, window and baseline range-checked (query.CheckTime, MaxSlowLookback): UInt32 seconds
	sql := fmt.Sprintf(`SELECT toUInt32(t), sum(requests), %s
FROM %s.%s
WHERE pop = ? AND t >= toDateTime(?) AND t < toDateTime(?)%s
GROUP BY t
ORDER BY t DESC`, quantiles, s.DB, slowTable(customer), filter)
	rows, err := s.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var since *time.Time
	for rows.Next() {
		var t uint32
		var n uint64
		var q []float64
		if err := rows.Scan(&t, &n, &q); err != nil {
			return nil, err
		}
		if n < 3 || len(q) != 3 {
			continue // too few requests to call this minute either way
		}
		if q[1] < thresholdUs {
			break
		}
		at := time.Unix(int64(t), 0).UTC()
		since = &at
	}
	return since, rows.Err()
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// perfDims maps a breakdown dimension to the rollups that hold it, finest
// first.
var perfDims = map[string][]string{
	"region":  {"perf_1m", "perf_1h"},
	"pop":     {"perf_1m", "perf_1h"},
	"country": {"perf_geo_1h", "perf_geo_1d"},
	"asn":     {"perf_geo_1h", "perf_geo_1d"},
}

// perfDimsAll are the same for every customer together: the hour and day
// rollups without the customer dimension hold 50 times fewer states.
var perfDimsAll = map[string][]string{
	"region":  {"perf_all_1m", "perf_all_1h"},
	"pop":     {"perf_all_1m", "perf_all_1h"},
	"country": {"perf_geo_1h", "perf_geo_all_1d"},
	"asn":     {"perf_geo_1h", "perf_geo_all_1d"},
}

// PerfBreakdown returns p50/p90/p99 of a latency metric and error counts per
// region, pop, country or ASN, beside the same window a week earlier.
func (s *Store) PerfBreakdown(ctx context.Context, customer, by, metric string, r Range) (*api.PerfBreakdown, error) {
	if by == "" {
		by = "region"
	}
	if metric == "" {
		metric = "ttfb"
	}
	family, ok := perfDims[by]
	if customer == "" {
		family = perfDimsAll[by]
	}
	quantiles, okm := schema.LatencyQuantilesSQL(metric)
	switch {
	case !ok:
		return nil, UserError{fmt.Errorf("by must be one of region, pop, country, asn")}
	case !okm:
		return nil, UserError{fmt.Errorf("metric must be request_time or ttfb")}
	}
	r, err := wholeRange(r)
	if err != nil {
		return nil, err
	}
	ru, err := pickRollup(family, r)
	if err != nil {
		return nil, UserError{fmt.Errorf("%s breakdowns need from and to on whole %s", by, map[bool]string{true: "minutes", false: "hours"}[strings.HasSuffix(family[0], "_1m")])}
	}
	out := &api.PerfBreakdown{Table: ru.Name, Customer: customer, By: by, Metric: metric, From: r.From, To: r.To, Rows: []api.PerfRow{}}
	cur, err := s.perfGroups(ctx, ru.Name, by, quantiles, customer, r.From, r.To)
	if err != nil {
		return nil, err
	}
	week := 7 * 24 * time.Hour
	prev, err := s.perfGroups(ctx, ru.Name, by, quantiles, customer, r.From.Add(-week), r.To.Add(-week))
	if err != nil {
		return nil, err
	}
	byKey := map[string]api.PerfRow{}
	for _, p := range prev {
		byKey[p.Key] = p
	}
	for _, c := range cur {
		if p, ok := byKey[c.Key]; ok {
			c.WeekBefore = &p
		}
		out.Rows = append(out.Rows, c)
	}
	return out, nil
}

func (s *Store) perfGroups(ctx context.Context, table, by, quantiles, customer string, from, to time.Time) ([]api.PerfRow, error) {
	filter, args := CustomerFilter(customer, []any{uint32(from.Unix()), uint32(to.Unix())}) // #nosec G115 -- from/to range-checked by the server (query.CheckTime): UInt32 seconds
	sql := fmt.Sprintf(`SELECT toString(%s) AS key, sum(requests) AS req, sum(errors_4xx), sum(errors_5xx), %s
FROM %s.%s
WHERE t >= toDateTime(?) AND t < toDateTime(?)%s
GROUP BY key
ORDER BY req DESC, key
LIMIT %d`, by, quantiles, s.DB, table, filter, MaxLimit)
	rows, err := s.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []api.PerfRow
	for rows.Next() {
		var p api.PerfRow
		var q []float64
		if err := rows.Scan(&p.Key, &p.Requests, &p.Errors4xx, &p.Errors5xx, &q); err != nil {
			return nil, err
		}
		if len(q) == 3 {
			p.P50Ms, p.P90Ms, p.P99Ms = q[0]/1000, q[1]/1000, q[2]/1000
		}
		if p.Requests > 0 {
			p.ErrorRate = float64(p.Errors5xx) / float64(p.Requests)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
