package plugin

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/edgelog/edgelog/query/api"
)

// weekBeforeSuffix names the week before's copy of a perf_series field.
const weekBeforeSuffix = "_week_before"

// perfSeriesDisplay are the legend names of perf_series' fields; the week
// before's add " (week before)".
var perfSeriesDisplay = map[string]string{"p50_ms": "p50", "p90_ms": "p90", "p99_ms": "p99", "error_rate_5xx": "5xx error rate"}

// perfSeries asks GET /perf/timeseries with a step picked from the panel
// (as traffic_series does) and answers one wide frame: time, p50/p90/p99
// in ms and the 5xx error rate, and with weekBefore the same figures of
// the week before on the same times.
func perfSeries(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	step := seriesStep(dq.TimeRange, dq.Interval, dq.MaxDataPoints)
	// Every nice step is whole minutes, so the aligned range suits a minute
	// rollup; steps of an hour or more align to whole hours and let the API
	// read an hourly one.
	from, to := alignOut(dq.TimeRange, step)
	p := withFilters(rangeParams(from, to), q)
	p.Set("step", step.String())
	p.Set("metric", q.Metric)
	if q.Region != "" {
		p.Set("region", q.Region)
	}
	if q.PoP != "" {
		p.Set("pop", q.PoP)
	}
	var s api.PerfSeries
	if err := d.API.Get(ctx, "perf/timeseries", p, &s); err != nil {
		return nil, err
	}
	weeks := [][]api.PerfPoint{s.Points}
	if q.WeekBefore {
		weeks = append(weeks, s.WeekBefore)
	}
	// The frame's times are every step either week has requests in: a step
	// without requests has no latency and stays a gap, not a zero.
	var times []time.Time
	for _, pts := range weeks {
		for _, pt := range pts {
			if pt.Requests > 0 {
				times = append(times, pt.Time.UTC())
			}
		}
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	times = slices.CompactFunc(times, time.Time.Equal)
	row := make(map[int64]int, len(times))
	for i, t := range times {
		row[t.Unix()] = i
	}

	labels := data.Labels{}
	for k, v := range map[string]string{"customer": q.Customer, "region": q.Region, "pop": q.PoP} {
		if v != "" {
			labels[k] = v
		}
	}
	fields := []*data.Field{data.NewField("time", nil, times).SetConfig(&data.FieldConfig{Interval: float64(step.Milliseconds())})}
	for w, pts := range weeks {
		vals := make(map[string][]*float64, len(perfSeriesFields))
		for _, name := range perfSeriesFields {
			vals[name] = make([]*float64, len(times))
		}
		for _, pt := range pts {
			if pt.Requests == 0 {
				continue
			}
			i := row[pt.Time.Unix()]
			vals["p50_ms"][i], vals["p90_ms"][i], vals["p99_ms"][i] = ptr(pt.P50Ms), ptr(pt.P90Ms), ptr(pt.P99Ms)
			vals["error_rate_5xx"][i] = ptr(pt.ErrorRate)
		}
		for _, name := range perfSeriesFields {
			cfg := &data.FieldConfig{Unit: "ms", Decimals: ptr[uint16](1), DisplayNameFromDS: perfSeriesDisplay[name]}
			if name == "error_rate_5xx" {
				cfg = &data.FieldConfig{Unit: "percentunit", DisplayNameFromDS: perfSeriesDisplay[name]}
			}
			if w == 1 {
				name += weekBeforeSuffix
				cfg.DisplayNameFromDS += " (week before)"
				// Dashed, so the week before reads as the reference line.
				cfg.Custom = map[string]any{"lineStyle": map[string]any{"fill": "dash", "dash": []int{10, 10}}}
			}
			fields = append(fields, data.NewField(name, labels, vals[strings.TrimSuffix(name, weekBeforeSuffix)]).SetConfig(cfg))
		}
	}
	f := data.NewFrame(perfSeriesName(q), fields...)
	f.Meta = &data.FrameMeta{ExecutedQueryString: "GET perf/timeseries?" + p.Encode() + " (" + s.Table + ")"}
	return data.Frames{f}, nil
}

// perfSeriesName says what and where, e.g. "ttfb, pop bom1".
func perfSeriesName(q Query) string {
	name := q.Metric
	for _, f := range []struct{ k, v string }{{"customer", q.Customer}, {"region", q.Region}, {"pop", q.PoP}} {
		if f.v != "" {
			name += ", " + f.k + " " + f.v
		}
	}
	return name
}
