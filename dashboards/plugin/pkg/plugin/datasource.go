package plugin

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// PluginID is the id in plugin.json.
const PluginID = "edgelog-edgelog-datasource"

// Datasource is one configured edgelog data source: the query service's
// URL and the token its queries carry.
type Datasource struct {
	API *Client
	// Now is the clock for "month so far" figures (default time.Now).
	Now func() time.Time
	// UID is the data source's uid: the namespace of its live channels.
	UID string
}

var (
	_ backend.QueryDataHandler    = (*Datasource)(nil)
	_ backend.CheckHealthHandler  = (*Datasource)(nil)
	_ backend.CallResourceHandler = (*Datasource)(nil)
)

// NewDatasource is the instance factory datasource.Manage calls for each
// data source configuration: the URL is the data source's URL field, the
// token its secure "token" field.
func NewDatasource(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	base := strings.TrimSpace(s.URL)
	if base == "" {
		return nil, backend.DownstreamError(errors.New("the data source has no URL: set the query service's URL, e.g. http://query:8080"))
	}
	if _, err := url.ParseRequestURI(base); err != nil {
		return nil, backend.DownstreamError(fmt.Errorf("the data source URL %q is not a URL: %w", base, err))
	}
	opts, err := s.HTTPClientOptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read HTTP client options: %w", err)
	}
	opts.Timeouts.Timeout = 60 * time.Second
	hc, err := httpclient.New(opts)
	if err != nil {
		return nil, fmt.Errorf("cannot build HTTP client: %w", err)
	}
	return &Datasource{API: &Client{BaseURL: base, Token: s.DecryptedSecureJSONData["token"], HTTP: hc}, UID: s.UID}, nil
}

// Dispose is called when the data source's settings change.
func (d *Datasource) Dispose() { d.API.HTTP.CloseIdleConnections() }

func (d *Datasource) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// QueryData answers each query independently: one query's error does not
// fail the others.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	for _, dq := range req.Queries {
		frames, err := d.query(ctx, dq)
		if err != nil {
			r := backend.ErrorResponseWithErrorSource(err)
			r.Status = statusOf(err)
			resp.Responses[dq.RefID] = r
			continue
		}
		resp.Responses[dq.RefID] = backend.DataResponse{Frames: frames}
	}
	return resp, nil
}

func (d *Datasource) query(ctx context.Context, dq backend.DataQuery) (data.Frames, error) {
	q, err := ParseQuery(dq.JSON)
	if err != nil {
		return nil, badQuery(err)
	}
	if dq.QueryType != "" && dq.QueryType != q.QueryType {
		return nil, badQuery(fmt.Errorf("query type %q disagrees with queryType %q in the query", dq.QueryType, q.QueryType))
	}
	if !dq.TimeRange.To.After(dq.TimeRange.From) {
		return nil, badQuery(errors.New("the time range is empty"))
	}
	run, ok := handlers[q.QueryType]
	if !ok {
		panic("BUG: no handler for query type " + q.QueryType)
	}
	frames, err := run(ctx, d, q, dq)
	if err != nil {
		return nil, err
	}
	if q.Value != "" {
		if frames, err = numericFrames(frames, q.Value); err != nil {
			return nil, err
		}
	}
	for _, f := range frames {
		f.RefID = dq.RefID
		if f.Meta == nil {
			f.Meta = &data.FrameMeta{}
		}
		if q.Value == "" {
			f.Meta.Type = frameType(q.QueryType)
		}
		f.Meta.TypeVersion = data.FrameTypeVersion{0, 1}
	}
	return frames, nil
}

// queryError is a mistake in a query, found before asking the API.
type queryError struct{ err error }

func (e queryError) Error() string { return e.err.Error() }
func (e queryError) Unwrap() error { return e.err }

func badQuery(err error) error { return backend.DownstreamError(queryError{err}) }

func frameType(queryType string) data.FrameType {
	if Specs[queryType].TimeSeries {
		return data.FrameTypeTimeSeriesWide
	}
	return data.FrameTypeTable
}

type handler func(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error)

var handlers = map[string]handler{
	TrafficSeries:    trafficSeries,
	TrafficBreakdown: trafficBreakdown,
	TrafficTop:       trafficTop,
	TrafficSummary:   trafficSummary,
	PerfBreakdown:    perfBreakdown,
	PerfSlowest:      perfSlowest,
	PerfSeries:       perfSeries,
	BillingRegions:   billingRegions,
	BillingP95:       billingP95,
	BillingSummary:   billingSummary,
	BillingCustomers: billingCustomers,
	OpsOverview:      opsOverview,
	OpsFallbacks:     opsFallbacks,
	Requests:         requests,
	OpsLive:          opsLive,
}

// withFilters adds the customer and limit filters of q to v.
func withFilters(v url.Values, q Query) url.Values {
	if q.Customer != "" {
		v.Set("customer", q.Customer)
	}
	if q.Limit > 0 {
		v.Set("limit", fmt.Sprint(q.Limit))
	}
	return v
}
