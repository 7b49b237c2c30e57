package plugin

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/edgelog/edgelog/query/api"
)

// perfAlign is the unit a performance breakdown's range is widened to:
// regions and PoPs are kept per minute, countries and ASNs per hour.
var perfAlign = map[string]time.Duration{"region": time.Minute, "pop": time.Minute, "country": time.Hour, "asn": time.Hour}

func perfBreakdown(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	from, to := alignOut(dq.TimeRange, perfAlign[q.GroupBy])
	p := withFilters(rangeParams(from, to), q)
	p.Set("by", q.GroupBy)
	p.Set("metric", q.Metric)
	var b api.PerfBreakdown
	if err := d.API.Get(ctx, "perf/breakdown", p, &b); err != nil {
		return nil, err
	}
	b.Rows = slices.DeleteFunc(b.Rows, func(r api.PerfRow) bool { return r.Requests < q.MinRequests })
	n := len(b.Rows)
	var (
		keys                      = make([]string, n)
		req, e4, e5               = make([]uint64, n), make([]uint64, n), make([]uint64, n)
		p50, p90, p99, rate       = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		p90Before, change, rateWB = make([]*float64, n), make([]*float64, n), make([]*float64, n)
	)
	for i, r := range b.Rows {
		keys[i], req[i], e4[i], e5[i] = r.Key, r.Requests, r.Errors4xx, r.Errors5xx
		p50[i], p90[i], p99[i], rate[i] = r.P50Ms, r.P90Ms, r.P99Ms, r.ErrorRate
		if wb := r.WeekBefore; wb != nil && wb.Requests > 0 && wb.Requests >= q.MinRequests {
			p90Before[i], rateWB[i] = &wb.P90Ms, &wb.ErrorRate
			if wb.P90Ms > 0 {
				c := r.P90Ms/wb.P90Ms - 1
				change[i] = &c
			}
		}
	}
	ms := &data.FieldConfig{Unit: "ms", Decimals: ptr[uint16](1)}
	pct := &data.FieldConfig{Unit: "percentunit"}
	f := data.NewFrame(fmt.Sprintf("%s by %s", q.Metric, q.GroupBy),
		data.NewField(q.GroupBy, nil, keys),
		data.NewField("requests", nil, req).SetConfig(&data.FieldConfig{Unit: "short"}),
		data.NewField("p50_ms", nil, p50).SetConfig(ms),
		data.NewField("p90_ms", nil, p90).SetConfig(ms),
		data.NewField("p99_ms", nil, p99).SetConfig(ms),
		data.NewField("errors_4xx", nil, e4).SetConfig(&data.FieldConfig{Unit: "short"}),
		data.NewField("errors_5xx", nil, e5).SetConfig(&data.FieldConfig{Unit: "short"}),
		data.NewField("error_rate_5xx", nil, rate).SetConfig(pct),
		data.NewField("p90_ms_week_before", nil, p90Before).SetConfig(ms),
		data.NewField("p90_change", nil, change).SetConfig(&data.FieldConfig{Unit: "percentunit", Description: "p90 now against the same window a week before"}),
		data.NewField("error_rate_5xx_week_before", nil, rateWB).SetConfig(pct),
	)
	f.Meta = &data.FrameMeta{ExecutedQueryString: "GET perf/breakdown?" + p.Encode() + " (" + b.Table + ")"}
	return data.Frames{f}, nil
}

// perfSlowest ranks places by how much slower they are in the window
// ending at the panel's end than in the hours before.
func perfSlowest(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	at := dq.TimeRange.To.UTC().Truncate(time.Minute) // the last whole minute
	p := withFilters(url.Values{"at": {at.Format(time.RFC3339)}, "metric": {q.Metric}}, q)
	if q.Window != "" {
		p.Set("window", q.Window)
	}
	var s api.Slowest
	if err := d.API.Get(ctx, "perf/slowest", p, &s); err != nil {
		return nil, err
	}
	n := len(s.Places)
	var (
		region, pop                = make([]string, n), make([]string, n)
		req                        = make([]uint64, n)
		p50, p90, p99, base, ratio = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		since                      = make([]*time.Time, n)
	)
	for i, pl := range s.Places {
		region[i], pop[i], req[i] = pl.Region, pl.PoP, pl.Requests
		p50[i], p90[i], p99[i], base[i], ratio[i] = pl.P50Ms, pl.P90Ms, pl.P99Ms, pl.BaselineP90Ms, pl.Slowdown
		since[i] = pl.Since
	}
	ms := &data.FieldConfig{Unit: "ms", Decimals: ptr[uint16](1)}
	f := data.NewFrame("slowest places",
		data.NewField("region", nil, region),
		data.NewField("pop", nil, pop),
		data.NewField("requests", nil, req).SetConfig(&data.FieldConfig{Unit: "short"}),
		data.NewField("p50_ms", nil, p50).SetConfig(ms),
		data.NewField("p90_ms", nil, p90).SetConfig(ms),
		data.NewField("p99_ms", nil, p99).SetConfig(ms),
		data.NewField("baseline_p90_ms", nil, base).SetConfig(ms),
		data.NewField("slowdown", nil, ratio).SetConfig(&data.FieldConfig{Unit: "x", Decimals: ptr[uint16](2), Description: "p90 in the window / p90 in the hours before"}),
		data.NewField("slow_since", nil, since).SetConfig(&data.FieldConfig{Unit: "dateTimeAsIso", Description: "first minute of the unbroken slow run"}),
	)
	f.Meta = &data.FrameMeta{ExecutedQueryString: "GET perf/slowest?" + p.Encode()}
	return data.Frames{f}, nil
}

func ptr[T any](v T) *T { return &v }
