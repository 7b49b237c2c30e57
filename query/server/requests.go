package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/edgelog/edgelog/query"
)

// requestsParams are what GET /requests takes.
const requestsParams = "from to customer host region pop server country asn status cache_status path_prefix min_request_time_ms min_ttfb_ms order metric limit"

// requests serves the drill-down to raw rows:
// ?from&to (at most an hour)&customer&host&region&pop&server&country&asn
// &status=503|5xx&cache_status=hit|miss|other&path_prefix
// &min_request_time_ms&min_ttfb_ms&order=newest|slowest
// &metric=request_time|ttfb&limit. A customer token reads its own
// customer's rows only, whatever it asks (asking for another is a 403).
func (s *Server) requests(r *http.Request, p Principal) (result, error) {
	q := r.URL.Query()
	var o query.RequestsOptions
	var err error
	for name, dst := range map[string]*time.Time{"from": &o.From, "to": &o.To} {
		if *dst, err = time.Parse(time.RFC3339, q.Get(name)); err != nil {
			return result{}, query.UserError{Err: fmt.Errorf("%s must be an RFC 3339 time", name)}
		}
	}
	if o.Customer, err = p.scope(q.Get("customer")); err != nil {
		return result{}, err
	}
	o.Host, o.Region, o.PoP, o.Server, o.Country = q.Get("host"), q.Get("region"), q.Get("pop"), q.Get("server"), q.Get("country")
	o.Status, o.CacheStatus, o.PathPrefix = q.Get("status"), q.Get("cache_status"), q.Get("path_prefix")
	o.Order, o.Metric = q.Get("order"), q.Get("metric")
	if v := q.Get("asn"); v != "" {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return result{}, query.UserError{Err: errors.New("asn must be a number")}
		}
		o.ASN, o.HasASN = uint32(n), true
	}
	for name, dst := range map[string]*time.Duration{"min_request_time_ms": &o.MinRequestTime, "min_ttfb_ms": &o.MinTTFB} {
		if d, ok, err := parseMs(q, name); err != nil {
			return result{}, err
		} else if ok {
			*dst = d
		}
	}
	if v := q.Get("limit"); v != "" {
		if o.Limit, err = strconv.Atoi(v); err != nil || o.Limit < 1 {
			return result{}, query.UserError{Err: fmt.Errorf("limit must be between 1 and %d", query.MaxLimit)}
		}
	}
	res, err := s.Store.Requests(r.Context(), o)
	if err != nil {
		return result{}, err
	}
	return result{value: res, table: res.Table, through: o.To}, nil
}

// parseMs reads a parameter of milliseconds (decimals allowed) within an
// hour.
func parseMs(q url.Values, name string) (time.Duration, bool, error) {
	v := q.Get(name)
	if v == "" {
		return 0, false, nil
	}
	ms, err := strconv.ParseFloat(v, 64)
	if err != nil || ms < 0 || ms > float64(time.Hour/time.Millisecond) {
		return 0, false, query.UserError{Err: fmt.Errorf("%s must be milliseconds between 0 and 3600000", name)}
	}
	return time.Duration(ms * float64(time.Millisecond)), true, nil
}
