package query

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/edgelog/edgelog/schema"
)

// latencyColumns maps the API's metric names to perf rollup columns: the
// allow-list that keeps identifiers out of user input.
var latencyColumns = map[string]string{
	"request_time": "request_time_us_q",
	"ttfb":         "ttfb_us_q",
}

// SlowPlace is one PoP in the "slowest places now" ranking.
type SlowPlace struct {
	Region        string  `json:"region"`
	PoP           string  `json:"pop"`
	Requests      uint64  `json:"requests"`
	P50Ms         float64 `json:"p50_ms"`
	P90Ms         float64 `json:"p90_ms"`
	P99Ms         float64 `json:"p99_ms"`
	BaselineP90Ms float64 `json:"baseline_p90_ms"`
	// Slowdown is P90Ms / BaselineP90Ms.
	Slowdown float64 `json:"slowdown"`
	// Since is the first minute of the unbroken run of slow minutes that
	// reaches the end of the window; nil when the place is not slow.
	Since *time.Time `json:"since,omitempty"`
}

// Slowest is the ranking of places by how much slower they are now than in
// the hours before.
type Slowest struct {
	Table    string      `json:"table"`
	Metric   string      `json:"metric"`
	At       time.Time   `json:"at"`
	Window   string      `json:"window"`
	Baseline string      `json:"baseline"`
	Places   []SlowPlace `json:"places"`
}

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
	// ranked (default 20): a p90 of three requests says nothing.
	MinRequests uint64
}

const perfTable = "perf_1m"

// Slowest ranks PoPs by p90 latency over the window against their own p90
// over the baseline period before it, and says since when each slow one has
// been slow, minute by minute.
func (s *Store) Slowest(ctx context.Context, o SlowOptions) (*Slowest, error) {
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
		o.MinRequests = 20
	}
	col, ok := latencyColumns[o.Metric]
	switch {
	case !ok:
		return nil, userError{fmt.Errorf("metric must be request_time or ttfb")}
	case o.Window < time.Minute || o.Window > 24*time.Hour || o.Window%time.Minute != 0:
		return nil, userError{fmt.Errorf("window must be whole minutes between 1m and 24h")}
	case o.Baseline < o.Window || o.Baseline > 7*24*time.Hour:
		return nil, userError{fmt.Errorf("baseline must be between the window and 7 days")}
	case o.Limit < 1 || o.Limit > 1000:
		return nil, userError{fmt.Errorf("limit must be between 1 and 1000")}
	}
	from := o.At.Add(-o.Window)
	cur, err := s.placeQuantiles(ctx, col, from, o.At)
	if err != nil {
		return nil, err
	}
	base, err := s.placeQuantiles(ctx, col, from.Add(-o.Baseline), from)
	if err != nil {
		return nil, err
	}
	out := &Slowest{Table: perfTable, Metric: o.Metric, At: o.At, Window: o.Window.String(), Baseline: o.Baseline.String(), Places: []SlowPlace{}}
	for key, c := range cur {
		b, ok := base[key]
		if !ok || c.requests < o.MinRequests || b.q[1] <= 0 {
			continue
		}
		out.Places = append(out.Places, SlowPlace{
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
		since, err := s.slowSince(ctx, col, p.PoP, p.BaselineP90Ms*1000*o.Factor, from.Add(-o.Baseline), o.At)
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

func (s *Store) placeQuantiles(ctx context.Context, col string, from, to time.Time) (map[place]placeStats, error) {
	sql := fmt.Sprintf(`SELECT region, pop, sum(requests), quantilesTDigestMerge(%s)(%s)
FROM %s.%s
WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY region, pop`, schema.Quantiles, col, s.DB, perfTable)
	rows, err := s.Conn.Query(ctx, sql, uint32(from.Unix()), uint32(to.Unix()))
	if err != nil {
		return nil, fmt.Errorf("cannot query %s: %w", perfTable, err)
	}
	defer rows.Close()
	out := map[place]placeStats{}
	for rows.Next() {
		var p place
		var st placeStats
		var q []float32
		if err := rows.Scan(&p.region, &p.pop, &st.requests, &q); err != nil {
			return nil, err
		}
		for _, v := range q {
			st.q = append(st.q, float64(v))
		}
		if len(st.q) == 3 {
			out[p] = st
		}
	}
	return out, rows.Err()
}

// slowSince walks back minute by minute from to while the PoP's p90 stays
// at or above threshold (minutes with too little traffic to tell are
// stepped over) and returns the first minute of that run.
func (s *Store) slowSince(ctx context.Context, col, pop string, thresholdUs float64, from, to time.Time) (*time.Time, error) {
	sql := fmt.Sprintf(`SELECT toUInt32(t), sum(requests), quantilesTDigestMerge(%s)(%s)
FROM %s.%s
WHERE pop = ? AND t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY t
ORDER BY t DESC`, schema.Quantiles, col, s.DB, perfTable)
	rows, err := s.Conn.Query(ctx, sql, pop, uint32(from.Unix()), uint32(to.Unix()))
	if err != nil {
		return nil, fmt.Errorf("cannot query %s: %w", perfTable, err)
	}
	defer rows.Close()
	var since *time.Time
	for rows.Next() {
		var t uint32
		var n uint64
		var q []float32
		if err := rows.Scan(&t, &n, &q); err != nil {
			return nil, err
		}
		if n < 3 || len(q) != 3 {
			continue // too few requests to call this minute either way
		}
		if float64(q[1]) < thresholdUs {
			break
		}
		at := time.Unix(int64(t), 0).UTC()
		since = &at
	}
	return since, rows.Err()
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
