package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/edgelog/edgelog/query/api"
)

// Resources are the lists CallResource serves for dashboard variables, by
// path: customers the token may see, and the values of a dimension seen in
// the range (for one customer when ?customer= is given).
var Resources = map[string]string{
	"customers": "",
	"hosts":     "host",
	"regions":   "region",
	"pops":      "pop",
	"countries": "country",
}

// CallResource serves GET <resource>?from=&to=&customer= as a JSON array
// of strings. from and to are RFC 3339 or Unix milliseconds (as Grafana's
// frontend has them); the default is the last 24 hours.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	list, err := d.resource(ctx, req)
	if err != nil {
		code := http.StatusBadGateway
		var ae *APIError
		switch {
		case errors.As(err, &ae) && ae.Status < 500:
			code = ae.Status
		case errors.Is(err, errBadResource):
			code = http.StatusBadRequest
		}
		body, _ := json.Marshal(map[string]string{"error": err.Error()})
		return sender.Send(&backend.CallResourceResponse{Status: code, Body: body,
			Headers: map[string][]string{"Content-Type": {"application/json"}}})
	}
	body, err := json.Marshal(list)
	if err != nil {
		return err
	}
	return sender.Send(&backend.CallResourceResponse{Status: http.StatusOK, Body: body,
		Headers: map[string][]string{"Content-Type": {"application/json"}}})
}

var errBadResource = errors.New("bad resource request")

func (d *Datasource) resource(ctx context.Context, req *backend.CallResourceRequest) ([]string, error) {
	if req.Method != "" && req.Method != http.MethodGet {
		return nil, fmt.Errorf("%w: only GET is served", errBadResource)
	}
	dim, ok := Resources[strings.Trim(req.Path, "/")]
	if !ok {
		return nil, fmt.Errorf("%w: unknown resource %q (want customers, hosts, regions, pops or countries)", errBadResource, req.Path)
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadResource, err)
	}
	in := u.Query()
	tr := backend.TimeRange{To: d.now(), From: d.now().Add(-24 * time.Hour)}
	for name, dst := range map[string]*time.Time{"from": &tr.From, "to": &tr.To} {
		if v := in.Get(name); v != "" {
			if *dst, err = parseTime(v); err != nil {
				return nil, fmt.Errorf("%w: %s: %v", errBadResource, name, err)
			}
		}
	}
	if !tr.To.After(tr.From) {
		return nil, fmt.Errorf("%w: to must be after from", errBadResource)
	}
	from, to := alignOut(tr, time.Minute)
	p := rangeParams(from, to)
	if c := in.Get("customer"); c != "" {
		p.Set("customer", c)
	}
	if dim == "" {
		var res api.Customers
		err := d.API.Get(ctx, "customers", p, &res)
		return res.Customers, err
	}
	p.Set("by", dim)
	p.Set("limit", "1000")
	var b api.Breakdown
	if err := d.API.Get(ctx, "traffic/breakdown", p, &b); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(b.Rows))
	for _, r := range b.Rows {
		out = append(out, r.Key)
	}
	return out, nil
}

// parseTime reads RFC 3339 or Unix milliseconds.
func parseTime(v string) (time.Time, error) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	return time.Parse(time.RFC3339, v)
}
