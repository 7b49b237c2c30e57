package plugin

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/edgelog/edgelog/query/api"
)

// seriesUnits are the Grafana units of the traffic series metrics.
var seriesUnits = map[string]string{
	"requests_per_s":  "reqps",
	"bandwidth_bps":   "bps",
	"bytes_out":       "decbytes",
	"bytes_total":     "decbytes",
	"cache_hit_ratio": "percentunit",
	"byte_hit_ratio":  "percentunit",
	"error_rate_5xx":  "percentunit",
}

// allCustomers names a series summed over every customer.
const allCustomers = "all customers"

// trafficSeries asks GET /traffic/timeseries with a step picked from the
// panel and answers one wide frame: time and the metric.
func trafficSeries(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	step := seriesStep(dq.TimeRange, dq.Interval, dq.MaxDataPoints)
	from, to := alignOut(dq.TimeRange, step)
	p := withFilters(rangeParams(from, to), q)
	p.Set("step", step.String())
	var s api.Series
	if err := d.API.Get(ctx, "traffic/timeseries", p, &s); err != nil {
		return nil, err
	}
	secs := step.Seconds()
	value := func(pt api.Point) (float64, bool) {
		switch q.Metric {
		case "requests_per_s":
			return float64(pt.Requests) / secs, true
		case "bandwidth_bps": // what the edge wrote: the total bytes (api.Point)
			return float64(pt.BytesTotal) * 8 / secs, true
		case "bytes_out":
			return float64(pt.BytesOut), true
		case "bytes_total":
			return float64(pt.BytesTotal), true
		case "cache_hit_ratio":
			return pt.CacheHitRatio, pt.Requests > 0
		case "byte_hit_ratio":
			if pt.ByteHitRatio == nil {
				return 0, false
			}
			return *pt.ByteHitRatio, true
		case "error_rate_5xx":
			return float64(pt.Status5xx) / float64(max(pt.Requests, 1)), pt.Requests > 0
		}
		panic("BUG: unknown series metric " + q.Metric)
	}
	// A step without requests is absent from the API's answer; for counts
	// it is a true zero and is drawn as one (up to now), while a ratio of
	// nothing stays a gap.
	ratio := q.Metric == "cache_hit_ratio" || q.Metric == "byte_hit_ratio" || q.Metric == "error_rate_5xx"
	byT := make(map[int64]api.Point, len(s.Points))
	for _, pt := range s.Points {
		byT[pt.Time.Unix()] = pt
	}
	var times []time.Time
	var values []float64
	last := earlier(to, d.now().Add(step))
	for t := from; t.Before(last); t = t.Add(step) {
		pt, ok := byT[t.Unix()]
		if !ok && ratio {
			continue
		}
		if v, ok := value(pt); ok || !ratio {
			times = append(times, t)
			values = append(values, v)
		}
	}
	// Staff asking for no customer get every customer's traffic summed:
	// the API answers no customer, and the series has no customer label.
	name, labels := allCustomers, data.Labels(nil)
	if s.Customer != "" {
		name, labels = s.Customer, data.Labels{"customer": s.Customer}
	}
	f := data.NewFrame(name,
		data.NewField("time", nil, times).SetConfig(&data.FieldConfig{Interval: float64(step.Milliseconds())}),
		data.NewField(q.Metric, labels, values).SetConfig(&data.FieldConfig{
			Unit: seriesUnits[q.Metric], DisplayNameFromDS: q.Metric + " " + name}),
	)
	f.Meta = &data.FrameMeta{ExecutedQueryString: "GET traffic/timeseries?" + p.Encode() + " (" + s.Table + ")"}
	return data.Frames{f}, nil
}

// breakdownAlign is the unit a breakdown's range is widened to: the
// rollups the API reads hold whole minutes.
const breakdownAlign = time.Minute

func trafficBreakdown(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	from, to := alignOut(dq.TimeRange, breakdownAlign)
	p := withFilters(rangeParams(from, to), q)
	p.Set("by", q.GroupBy)
	var b api.Breakdown
	if err := d.API.Get(ctx, "traffic/breakdown", p, &b); err != nil {
		return nil, err
	}
	// A figure the API leaves out (the rollups have none for the range) is
	// a null cell, never a 0.
	n := len(b.Rows)
	keys, req, share := make([]string, n), make([]uint64, n), make([]float64, n)
	out, total, hit, byteHit := make([]*uint64, n), make([]*uint64, n), make([]*float64, n), make([]*float64, n)
	for i, r := range b.Rows {
		keys[i], req[i], share[i] = r.Key, r.Requests, r.Share
		out[i], total[i], hit[i], byteHit[i] = r.BytesOut, r.BytesTotal, r.CacheHitRatio, r.ByteHitRatio
	}
	f := data.NewFrame("breakdown by "+q.GroupBy,
		data.NewField(q.GroupBy, nil, keys),
		data.NewField("requests", nil, req).SetConfig(&data.FieldConfig{Unit: "short"}),
		data.NewField("bytes_out", nil, out).SetConfig(&data.FieldConfig{Unit: "decbytes", Description: "body bytes"}),
		data.NewField("bytes_total", nil, total).SetConfig(&data.FieldConfig{Unit: "decbytes", Description: "headers and body bytes"}),
		data.NewField("cache_hit_ratio", nil, hit).SetConfig(&data.FieldConfig{Unit: "percentunit"}),
		data.NewField("byte_hit_ratio", nil, byteHit).SetConfig(&data.FieldConfig{Unit: "percentunit", Description: "body bytes served from cache over body bytes"}),
		data.NewField("share", nil, share).SetConfig(&data.FieldConfig{Unit: "percentunit"}),
	)
	if b.Absent != "" {
		f.AppendNotices(data.Notice{Severity: data.NoticeSeverityInfo, Text: b.Absent})
	}
	f.Meta = &data.FrameMeta{ExecutedQueryString: "GET traffic/breakdown?" + p.Encode() + " (" + b.Table + ")"}
	return data.Frames{f}, nil
}

func trafficTop(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	// Top paths come from an hourly rollup; hosts from the minute one.
	align, kind := breakdownAlign, "hosts"
	if q.GroupBy == "path" {
		align, kind = time.Hour, "paths"
	}
	from, to := alignOut(dq.TimeRange, align)
	p := withFilters(rangeParams(from, to), q)
	p.Set("kind", kind)
	var t api.Top
	if err := d.API.Get(ctx, "traffic/top", p, &t); err != nil {
		return nil, err
	}
	n := len(t.Items)
	rank, keys, req, out := make([]uint64, n), make([]string, n), make([]uint64, n), make([]uint64, n)
	for i, it := range t.Items {
		rank[i], keys[i], req[i], out[i] = uint64(i+1), it.Key, it.Requests, it.BytesOut
	}
	f := data.NewFrame("top "+kind,
		data.NewField("rank", nil, rank), data.NewField(q.GroupBy, nil, keys),
		data.NewField("requests", nil, req).SetConfig(&data.FieldConfig{Unit: "short"}),
		data.NewField("bytes_out", nil, out).SetConfig(&data.FieldConfig{Unit: "decbytes"}))
	f.Meta = &data.FrameMeta{ExecutedQueryString: "GET traffic/top?" + p.Encode()}
	return data.Frames{f}, nil
}

func trafficSummary(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	from, to := alignOut(dq.TimeRange, breakdownAlign)
	p := withFilters(rangeParams(from, to), q)
	var s api.Summary
	if err := d.API.Get(ctx, "traffic/summary", p, &s); err != nil {
		return nil, err
	}
	n := len(s.Customers)
	cust, req, out, hit := make([]string, n), make([]uint64, n), make([]uint64, n), make([]float64, n)
	for i, c := range s.Customers {
		cust[i], req[i], out[i], hit[i] = c.Customer, c.Requests, c.BytesOut, c.CacheHitRatio
	}
	f := data.NewFrame("customers",
		data.NewField("customer", nil, cust),
		data.NewField("requests", nil, req).SetConfig(&data.FieldConfig{Unit: "short"}),
		data.NewField("bytes_out", nil, out).SetConfig(&data.FieldConfig{Unit: "decbytes"}),
		data.NewField("cache_hit_ratio", nil, hit).SetConfig(&data.FieldConfig{Unit: "percentunit"}),
	)
	f.Meta = &data.FrameMeta{ExecutedQueryString: "GET traffic/summary?" + p.Encode()}
	return data.Frames{f}, nil
}
