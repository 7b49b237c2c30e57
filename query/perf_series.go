package query

import (
	"context"
	"fmt"
	"time"

	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/schema"
)

// PerfPlace narrows a latency series; empty fields mean everywhere.
type PerfPlace struct {
	Customer, Region, PoP string
}

// PerfSeries returns p50/p90/p99 of metric per step, from an hourly rollup
// (perf_all_1h for every customer, perf_1h for one) when the range and step
// are whole hours, else from the minute rollup (perf_all_1m, perf_1m).
func (s *Store) PerfSeries(ctx context.Context, place PerfPlace, metric string, r Range) (*api.PerfSeries, error) {
	if metric == "" {
		metric = "ttfb"
	}
	quantiles, ok := schema.LatencyQuantilesSQL(metric)
	if !ok {
		return nil, UserError{fmt.Errorf("metric must be request_time or ttfb")}
	}
	if err := r.Validate(); err != nil {
		return nil, UserError{err}
	}
	family := []string{"perf_1m", "perf_1h"}
	if place.Customer == "" {
		family = []string{"perf_all_1m", "perf_all_1h"}
	}
	ru, err := pickRollup(family, r)
	if err != nil {
		return nil, UserError{err}
	}
	out := &api.PerfSeries{Table: ru.Name, Customer: place.Customer, Region: place.Region, PoP: place.PoP, Metric: metric, Step: r.Step.String()}
	week := 7 * 24 * time.Hour
	if out.Points, err = s.perfPoints(ctx, ru.Name, quantiles, place, r, 0); err != nil {
		return nil, err
	}
	r.From, r.To = r.From.Add(-week), r.To.Add(-week)
	if out.WeekBefore, err = s.perfPoints(ctx, ru.Name, quantiles, place, r, week); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) perfPoints(ctx context.Context, table, quantiles string, place PerfPlace, r Range, shift time.Duration) ([]api.PerfPoint, error) {
	step := uint32(r.Step / time.Second)                                  // #nosec G115 -- r.Validate: step in [1m, MaxStep], far below 2^32 s
	args := []any{step, step, uint32(r.From.Unix()), uint32(r.To.Unix())} // #nosec G115 -- r.Validate: from/to within MinTime..MaxTime, UInt32 seconds
	filter := ""
	for _, f := range []struct{ col, v string }{{"customer", place.Customer}, {"region", place.Region}, {"pop", place.PoP}} {
		if f.v != "" {
			filter += " AND " + f.col + " = ?"
			args = append(args, f.v)
		}
	}
	sql := fmt.Sprintf(`SELECT intDiv(toUInt32(t), ?) * ? AS bucket, sum(requests), sum(errors_5xx), %s
FROM %s.%s
WHERE t >= toDateTime(?) AND t < toDateTime(?)%s
GROUP BY bucket
ORDER BY bucket`, quantiles, s.DB, table, filter)
	rows, err := s.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []api.PerfPoint{}
	for rows.Next() {
		var bucket uint64
		var p api.PerfPoint
		var q []float64
		if err := rows.Scan(&bucket, &p.Requests, &p.Errors5xx, &q); err != nil {
			return nil, err
		}
		p.Time = time.Unix(int64(bucket), 0).UTC().Add(shift)
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
