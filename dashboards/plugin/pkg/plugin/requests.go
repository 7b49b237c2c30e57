package plugin

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/edgelog/edgelog/query/api"
)

// allValue is the value a dashboard variable's "All" option sends (its
// allValue): every region, every PoP.
const allValue = "*"

// maxRequestsWindow is the query service's bound on a drill-down's window
// (query.MaxRequestsWindow).
const maxRequestsWindow = time.Hour

// checkRowFilters normalizes the place and row filters (a variable's All
// value matches everything) and refuses them on a query type that does
// not take them.
func (q *Query) checkRowFilters(s Spec) error {
	for _, v := range []*string{&q.Region, &q.PoP, &q.Host, &q.Server, &q.Country} {
		if *v == allValue {
			*v = ""
		}
	}
	set := q.Host != "" || q.Server != "" || q.Country != "" || q.ASN != nil || q.Status != "" ||
		q.CacheStatus != "" || q.PathPrefix != "" || q.MinRequestTimeMs != 0 || q.MinTTFBMs != 0
	switch {
	case set && !s.RowFilters:
		return fmt.Errorf("%s does not take the drill-down's filters (host, server, country, asn, status, cacheStatus, pathPrefix, minimum times)", q.QueryType)
	case q.CacheStatus != "" && q.CacheStatus != "hit" && q.CacheStatus != "miss" && q.CacheStatus != "other":
		return fmt.Errorf("cacheStatus must be hit, miss or other, not %q", q.CacheStatus)
	case q.MinRequestTimeMs < 0 || q.MinTTFBMs < 0:
		return errors.New("minimum times must not be negative")
	}
	return nil
}

// requestsWindow is the drill-down's window: the last hour of the panel's
// range at most, in whole seconds.
func requestsWindow(tr backend.TimeRange) (from, to time.Time) {
	to = tr.To.UTC().Truncate(time.Second)
	from = tr.From.UTC().Truncate(time.Second)
	if to.Sub(from) > maxRequestsWindow {
		from = to.Add(-maxRequestsWindow)
	}
	if !to.After(from) {
		to = from.Add(time.Second)
	}
	return from, to
}

// requests asks GET /requests and answers one table frame: a row per
// logged request, each naming its customer.
func requests(ctx context.Context, d *Datasource, q Query, dq backend.DataQuery) (data.Frames, error) {
	from, to := requestsWindow(dq.TimeRange)
	p := withFilters(rangeParams(from, to), q)
	p.Set("order", q.Order)
	p.Set("metric", q.Metric)
	for k, v := range map[string]string{"region": q.Region, "pop": q.PoP, "host": q.Host, "server": q.Server, "country": q.Country,
		"status": q.Status, "cache_status": q.CacheStatus, "path_prefix": q.PathPrefix} {
		if v != "" {
			p.Set(k, v)
		}
	}
	if q.ASN != nil {
		p.Set("asn", strconv.FormatUint(uint64(*q.ASN), 10))
	}
	for k, v := range map[string]float64{"min_request_time_ms": q.MinRequestTimeMs, "min_ttfb_ms": q.MinTTFBMs} {
		if v > 0 {
			p.Set(k, strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
	var res api.Requests
	if err := d.API.Get(ctx, "requests", p, &res); err != nil {
		return nil, err
	}
	return data.Frames{requestsFrame(res, p)}, nil
}

func requestsFrame(res api.Requests, p url.Values) *data.Frame {
	n := len(res.Rows)
	times := make([]time.Time, n)
	str := map[string][]string{}
	strNames := []string{"customer", "host", "region", "pop", "server", "country", "client_ip", "x_forwarded_for", "method", "scheme", "protocol", "path", "cache_status", "content_type", "user_agent", "referer"}
	for _, name := range strNames {
		str[name] = make([]string, n)
	}
	asn, status, sent, recv := make([]uint64, n), make([]uint64, n), make([]uint64, n), make([]uint64, n)
	rt, ttfb := make([]float64, n), make([]float64, n)
	for i, r := range res.Rows {
		times[i] = r.Time
		for name, v := range map[string]string{"customer": r.Customer, "host": r.Host, "region": r.Region, "pop": r.PoP, "server": r.Server,
			"country": r.Country, "client_ip": r.ClientIP, "x_forwarded_for": r.ForwardedFor, "method": r.Method, "scheme": r.Scheme, "protocol": r.Protocol, "path": r.Path,
			"cache_status": r.CacheStatus, "content_type": r.ContentType, "user_agent": r.UserAgent, "referer": r.Referer} {
			str[name][i] = v
		}
		asn[i], status[i], sent[i], recv[i] = uint64(r.ASN), uint64(r.Status), r.BytesSent, r.BytesReceived
		rt[i], ttfb[i] = r.RequestTimeMs, r.TTFBMs
	}
	ms := &data.FieldConfig{Unit: "ms", Decimals: ptr[uint16](0)}
	sf := func(name string) *data.Field { return data.NewField(name, nil, str[name]) }
	f := data.NewFrame("requests",
		data.NewField("time", nil, times),
		sf("customer"), sf("host"), sf("region"), sf("pop"), sf("server"),
		data.NewField("request_time_ms", nil, rt).SetConfig(ms),
		data.NewField("ttfb_ms", nil, ttfb).SetConfig(&data.FieldConfig{Unit: "ms", Decimals: ptr[uint16](0), Description: "0: no upstream asked (a cache hit)"}),
		data.NewField("status", nil, status).SetConfig(&data.FieldConfig{Unit: "none"}),
		sf("cache_status"), sf("method"), sf("path"),
		data.NewField("bytes_sent", nil, sent).SetConfig(&data.FieldConfig{Unit: "decbytes"}),
		data.NewField("bytes_received", nil, recv).SetConfig(&data.FieldConfig{Unit: "decbytes"}),
		sf("client_ip"), sf("x_forwarded_for"), sf("country"),
		data.NewField("asn", nil, asn).SetConfig(&data.FieldConfig{Unit: "none"}),
		sf("scheme"), sf("protocol"), sf("content_type"), sf("user_agent"), sf("referer"),
	)
	notice := []data.Notice{}
	if res.More {
		notice = append(notice, data.Notice{Severity: data.NoticeSeverityInfo,
			Text: fmt.Sprintf("more requests match than the %d shown: narrow the range or add filters", res.Limit)})
	}
	f.Meta = &data.FrameMeta{ExecutedQueryString: "GET requests?" + p.Encode() + " (" + res.Table + ")", PreferredVisualization: data.VisTypeTable, Notices: notice}
	return f
}
