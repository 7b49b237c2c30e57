package plugin

import (
	"context"
	"net/url"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/edgelog/edgelog/query/api"
)

// opsOverview answers the operations wall's figures at the panel's end,
// one row (GET ops/overview). A range that ends now asks without `at`: the
// query service then answers at its watermark, the last complete minute,
// rather than for a minute still filling.
func opsOverview(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	p := withFilters(url.Values{}, q)
	if end := dq.TimeRange.To; end.Before(d.now().Add(-2 * time.Minute)) {
		p.Set("at", end.UTC().Truncate(time.Second).Format(time.RFC3339))
	}
	var o api.Overview
	if err := d.API.Get(ctx, "ops/overview", p, &o); err != nil {
		return nil, err
	}
	f := data.NewFrame("operations",
		data.NewField("requests_per_s_now", nil, []float64{o.RequestsPerSNow}).SetConfig(&data.FieldConfig{Unit: "reqps", DisplayNameFromDS: "hits/s now"}),
		data.NewField("peak_requests_per_s_today", nil, []float64{o.PeakRequestsPerS}).SetConfig(&data.FieldConfig{Unit: "reqps", DisplayNameFromDS: "peak hits/s today"}),
		data.NewField("peak_at", nil, []*time.Time{&o.PeakAt}).SetConfig(&data.FieldConfig{Unit: "dateTimeAsIso"}),
		data.NewField("requests_24h", nil, []uint64{o.Requests24h}).SetConfig(&data.FieldConfig{Unit: "short", DisplayNameFromDS: "requests in 24 h"}),
		data.NewField("bytes_out_24h", nil, []uint64{o.BytesOut24h}).SetConfig(&data.FieldConfig{Unit: "decbytes", DisplayNameFromDS: "delivered in 24 h"}),
		data.NewField("servers_reporting", nil, []uint64{o.ServersReporting}).SetConfig(&data.FieldConfig{Unit: "short", DisplayNameFromDS: "edge servers reporting"}),
		data.NewField("stored_bytes", nil, []uint64{o.StoredBytes}).SetConfig(&data.FieldConfig{Unit: "bytes", DisplayNameFromDS: "stored"}),
	)
	f.Meta = &data.FrameMeta{ExecutedQueryString: "GET ops/overview?" + p.Encode() + " (" + o.Table + ")"}
	return data.Frames{f}, nil
}

// opsFallbacks answers the overview's field fallbacks of the 24 hours
// before the panel's end, one row per log family, field and reason (GET
// ops/overview).
func opsFallbacks(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	p := withFilters(url.Values{"at": {dq.TimeRange.To.UTC().Truncate(time.Second).Format(time.RFC3339)}}, q)
	var o api.Overview
	if err := d.API.Get(ctx, "ops/overview", p, &o); err != nil {
		return nil, err
	}
	n := len(o.FieldFallbacks24h)
	format, fld, reason, lines := make([]string, n), make([]string, n), make([]string, n), make([]uint64, n)
	for i, fb := range o.FieldFallbacks24h {
		format[i], fld[i], reason[i], lines[i] = fb.Format, fb.Field, fb.Reason, fb.Lines
	}
	f := data.NewFrame("field fallbacks",
		data.NewField("format", nil, format),
		data.NewField("field", nil, fld),
		data.NewField("reason", nil, reason),
		data.NewField("lines", nil, lines).SetConfig(&data.FieldConfig{Unit: "short", DisplayNameFromDS: "requests in 24 h"}),
	)
	f.Meta = &data.FrameMeta{ExecutedQueryString: "GET ops/overview?" + p.Encode() + " (" + o.Table + ")"}
	return data.Frames{f}, nil
}
