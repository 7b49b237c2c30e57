package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/query/billing"
)

// Server is the HTTP API.
type Server struct {
	Store *query.Store
	// Billing computes the bills; nil uses a Ledger over Store.
	Billing *billing.Ledger
	Log     *slog.Logger
	// Tokens authenticates callers; nil leaves the API open (local demo).
	Tokens *Tokens
	// Prices prices bills; nil serves usage without amounts.
	Prices  *billing.PriceBook
	Metrics *Metrics
	Cache   *Cache
	// Admission bounds concurrent computations; nil admits everything.
	Admission *Admission
}

// result is what an endpoint answers: a JSON value, or CSV text, and the
// table it read (the X-Edgelog-Table header).
type result struct {
	value any
	csv   []byte
	table string
	// noCache keeps the answer out of the cache: it covers a period not
	// yet complete, or changes every second (the live counter).
	noCache bool
	// through is the end of the range the answer covers (zero: none);
	// one whose last period is past the watermark is not cached
	// (complete.go).
	through time.Time
}

type endpoint func(r *http.Request, p Principal) (result, error)

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	if s.Metrics == nil {
		s.Metrics = NewMetrics(nil)
	}
	if s.Billing == nil {
		s.Billing = &billing.Ledger{Store: s.Store}
	}
	s.Metrics.admission.Store(s.Admission)
	mux := http.NewServeMux()
	route := func(pattern string, c capability, params string, e endpoint) {
		mux.Handle(pattern, s.authenticate(s.serve(pattern, c, strings.Fields(params), e)))
		s.Metrics.preinit(pattern)
	}
	// Each route takes the parameters listed and no others (an unknown or
	// repeated one is a 400, so it never reaches the cache either).
	const common = "from to step customer limit"
	route("GET /api/v1/customers", capTraffic, common, s.customers)
	route("GET /api/v1/traffic/timeseries", capTraffic, common, s.trafficSeries)
	route("GET /api/v1/traffic/summary", capTraffic, common, s.trafficSummary)
	route("GET /api/v1/traffic/breakdown", capTraffic, common+" by", s.trafficBreakdown)
	route("GET /api/v1/traffic/top", capTraffic, common+" kind", s.trafficTop)
	route("GET /api/v1/perf/breakdown", capPerf, common+" by metric", s.perfBreakdown)
	route("GET /api/v1/perf/slowest", capPerf, "at window baseline metric limit customer", s.perfSlowest)
	route("GET /api/v1/perf/timeseries", capPerf, common+" metric region pop", s.perfSeries)
	route("GET /api/v1/ops/overview", capTraffic, "at customer limit", s.opsOverview)
	route("GET /api/v1/ops/live", capTraffic, "customer region", s.opsLive)
	route("GET /api/v1/billing/bill", capBilling, "month customer format", s.billingBill)
	route("GET /api/v1/billing/bills", capBilling, "month format", s.billingBills)
	route("GET /api/v1/requests", capPerf, requestsParams, s.requests)
	mux.HandleFunc("GET /api/v1/openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(api.OpenAPI) // #nosec G104 -- the body of a 200 already sent; nothing to recover
	})
	mux.HandleFunc("GET /healthz", s.healthz)
	return mux
}

// healthz answers 200 or 503. Why it is unhealthy (ClickHouse's address
// and error) is told to admin tokens only (and on the open demo API): the
// API port faces customers and strangers, and the metrics port's /healthz
// tells operators.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	err := s.Store.Conn.Ping(r.Context())
	if err == nil {
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	if s.Tokens != nil {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if p, ok := s.Tokens.lookup(tok); !ok || tok == "" || p.Role != RoleAdmin {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
	}
	http.Error(w, "clickhouse: "+err.Error(), http.StatusServiceUnavailable)
}

// serve runs an endpoint: permission check, parameter check, short-TTL
// cache, errors as status codes, metrics.
func (s *Server) serve(name string, c capability, params []string, e endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		p := principalOf(r.Context())
		code := s.serveOnce(w, r, p, c, params, e)
		s.Metrics.observe(name, code, time.Since(start))
	})
}

// checkParams refuses a parameter the route does not take, or one given
// twice (the endpoint would read only the first).
func checkParams(q url.Values, allowed []string) error {
	for k, v := range q {
		if !slices.Contains(allowed, k) {
			return query.UserError{Err: fmt.Errorf("unknown parameter %.40q (this route takes %s)", k, strings.Join(allowed, ", "))}
		}
		if len(v) > 1 {
			return query.UserError{Err: fmt.Errorf("parameter %s given %d times", k, len(v))}
		}
	}
	return nil
}

func (s *Server) serveOnce(w http.ResponseWriter, r *http.Request, p Principal, c capability, params []string, e endpoint) int {
	if !p.may(c) {
		return s.fail(w, errForbidden)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err == nil {
		err = checkParams(q, params)
	} else {
		err = query.UserError{Err: errors.New("malformed query string")}
	}
	if err != nil {
		return s.fail(w, err)
	}
	// The cache key holds the caller's scope: a customer never gets an
	// answer computed for another scope.
	key := string(p.Role) + "\x00" + p.Customer + "\x00" + r.URL.RawQuery + "\x00" + r.URL.Path
	ans, ok := s.Cache.get(key)
	s.Metrics.cache(ok)
	if !ok {
		res, err := s.Admission.do(r.Context(), key, func() (result, error) { return e(r, p) })
		if err != nil {
			return s.fail(w, err)
		}
		ans = encode(res)
		if s.cacheable(r.Context(), res) {
			s.Cache.put(key, ans)
		}
	}
	if ans.table != "" {
		w.Header().Set("X-Edgelog-Table", ans.table)
	}
	if ans.csv {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	_, _ = w.Write(ans.body)
	return http.StatusOK
}

// encode renders an endpoint's result as it is sent (and cached).
func encode(res result) answer {
	if res.csv != nil {
		return answer{body: res.csv, csv: true, table: res.table}
	}
	b, err := json.MarshalIndent(res.value, "", "  ")
	if err != nil {
		panic("BUG: an answer that does not encode: " + err.Error())
	}
	return answer{body: append(b, '\n'), table: res.table}
}

// params are what most endpoints take: the time range, the customer the
// caller's token scopes the query to ("" for all), and a list limit.
type params struct {
	q        url.Values
	rng      query.Range
	customer string
	limit    int
}

func parseParams(r *http.Request, p Principal, defLimit int) (params, error) {
	q := r.URL.Query()
	rng, err := parseRange(q)
	if err != nil {
		return params{}, query.UserError{Err: err}
	}
	customer, err := p.scope(q.Get("customer"))
	if err != nil {
		return params{}, err
	}
	limit, err := parseLimit(q, defLimit)
	if err != nil {
		return params{}, err
	}
	return params{q: q, rng: rng, customer: customer, limit: limit}, nil
}

func (s *Server) customers(r *http.Request, p Principal) (result, error) {
	a, err := parseParams(r, p, query.MaxLimit)
	if err != nil {
		return result{}, err
	}
	list, table, err := s.Store.Customers(r.Context(), a.customer, a.rng)
	return result{value: api.Customers{Customers: list}, table: table, through: a.rng.To}, err
}

func (s *Server) trafficSeries(r *http.Request, p Principal) (result, error) {
	a, err := parseParams(r, p, query.MaxLimit)
	if err != nil {
		return result{}, err
	}
	// A customer token is always scoped; staff without ?customer= get
	// every customer's traffic summed.
	series, err := s.Store.TrafficSeries(r.Context(), a.customer, a.rng)
	if err != nil {
		return result{}, err
	}
	return result{value: series, table: series.Table, through: a.rng.To}, nil
}

func (s *Server) trafficSummary(r *http.Request, p Principal) (result, error) {
	a, err := parseParams(r, p, query.MaxLimit)
	if err != nil {
		return result{}, err
	}
	sum, err := s.Store.TrafficSummary(r.Context(), a.customer, a.rng)
	if err != nil {
		return result{}, err
	}
	return result{value: sum, table: sum.Table, through: a.rng.To}, nil
}

func (s *Server) trafficBreakdown(r *http.Request, p Principal) (result, error) {
	a, err := parseParams(r, p, 20)
	if err != nil {
		return result{}, err
	}
	b, err := s.Store.TrafficBreakdown(r.Context(), a.customer, a.q.Get("by"), a.rng, a.limit)
	if err != nil {
		return result{}, err
	}
	return result{value: b, table: b.Table, through: a.rng.To}, nil
}

func (s *Server) trafficTop(r *http.Request, p Principal) (result, error) {
	a, err := parseParams(r, p, 20)
	if err != nil {
		return result{}, err
	}
	t, err := s.Store.Top(r.Context(), a.customer, a.q.Get("kind"), a.rng, a.limit)
	if err != nil {
		return result{}, err
	}
	return result{value: t, table: t.Table, through: a.rng.To}, nil
}

func (s *Server) perfBreakdown(r *http.Request, p Principal) (result, error) {
	a, err := parseParams(r, p, query.MaxLimit)
	if err != nil {
		return result{}, err
	}
	b, err := s.Store.PerfBreakdown(r.Context(), a.customer, a.q.Get("by"), a.q.Get("metric"), a.rng)
	if err != nil {
		return result{}, err
	}
	return result{value: b, table: b.Table, through: a.rng.To}, nil
}

// perfSeries serves latency quantiles per step:
// ?from&to&step&metric=request_time|ttfb&region=&pop=&customer=.
func (s *Server) perfSeries(r *http.Request, p Principal) (result, error) {
	a, err := parseParams(r, p, query.MaxLimit)
	if err != nil {
		return result{}, err
	}
	place := query.PerfPlace{Customer: a.customer, Region: a.q.Get("region"), PoP: a.q.Get("pop")}
	res, err := s.Store.PerfSeries(r.Context(), place, a.q.Get("metric"), a.rng)
	if err != nil {
		return result{}, err
	}
	return result{value: res, table: res.Table, through: a.rng.To}, nil
}

// perfSlowest serves the "slowest places now" ranking:
// ?at=RFC3339&window=15m&baseline=3h&metric=request_time|ttfb&limit=10.
// Places are shared infrastructure, so a customer token sees the ranking of
// its own traffic only.
func (s *Server) perfSlowest(r *http.Request, p Principal) (result, error) {
	q := r.URL.Query()
	var o query.SlowOptions
	var err error
	if v := q.Get("at"); v != "" {
		if o.At, err = time.Parse(time.RFC3339, v); err != nil {
			return result{}, query.UserError{Err: errors.New("at must be an RFC 3339 time")}
		}
		if err := query.CheckTime("at", o.At, query.MaxSlowLookback); err != nil {
			return result{}, err
		}
	}
	for name, dst := range map[string]*time.Duration{"window": &o.Window, "baseline": &o.Baseline} {
		if v := q.Get(name); v != "" {
			if *dst, err = time.ParseDuration(v); err != nil {
				return result{}, query.UserError{Err: fmt.Errorf("%s must be a duration such as 15m", name)}
			}
		}
	}
	o.Metric = q.Get("metric")
	if o.Limit, err = parseLimit(q, 10); err != nil {
		return result{}, err
	}
	if o.Customer, err = p.scope(q.Get("customer")); err != nil {
		return result{}, err
	}
	through := o.At // the ranking's window ends at its minute
	if through.IsZero() {
		through = time.Now()
	}
	res, err := s.Store.Slowest(r.Context(), o)
	if err != nil {
		return result{}, err
	}
	return result{value: res, table: res.Table, through: through.Truncate(time.Minute).Add(time.Minute)}, nil
}

// opsOverview serves the operations wall's figures: ?at=RFC3339 (default
// the watermark: the last complete minute), scoped like every traffic
// query. An answer for an `at` past the watermark covers a minute not yet
// complete: it says so (complete: false) and is not cached.
func (s *Server) opsOverview(r *http.Request, p Principal) (result, error) {
	q := r.URL.Query()
	wm, err := s.Store.Watermark(r.Context())
	if err != nil {
		return result{}, err
	}
	at := wm
	if v := q.Get("at"); v != "" {
		if at, err = time.Parse(time.RFC3339, v); err != nil {
			return result{}, query.UserError{Err: errors.New("at must be an RFC 3339 time")}
		}
		if err := query.CheckTime("at", at, 24*time.Hour); err != nil {
			return result{}, err
		}
	}
	customer, err := p.scope(q.Get("customer"))
	if err != nil {
		return result{}, err
	}
	o, err := s.Store.Overview(r.Context(), customer, at)
	if err != nil {
		return result{}, err
	}
	o.Complete = !o.At.After(wm)
	return result{value: o, table: o.Table, noCache: !o.Complete}, nil
}

// opsLive serves the live counter: ?customer=&region= (both optional),
// scoped like every traffic query. Never cached: it moves every second,
// and Grafana Live already fans one stream out to every viewer.
func (s *Server) opsLive(r *http.Request, p Principal) (result, error) {
	q := r.URL.Query()
	customer, err := p.scope(q.Get("customer"))
	if err != nil {
		return result{}, err
	}
	region := q.Get("region")
	if len(region) > 100 {
		return result{}, query.UserError{Err: errors.New("region is at most 100 bytes")}
	}
	l, err := s.Store.Live(r.Context(), query.LiveScope{Customer: customer, Region: region})
	if err != nil {
		return result{}, err
	}
	return result{value: l, table: l.Table, noCache: true}, nil
}

func (s *Server) billingBill(r *http.Request, p Principal) (result, error) {
	q := r.URL.Query()
	month, err := billing.ParseMonth(q.Get("month"))
	if err != nil {
		return result{}, query.UserError{Err: err}
	}
	customer, err := p.scope(q.Get("customer"))
	if err != nil {
		return result{}, err
	}
	if customer == "" {
		return result{}, query.UserError{Err: errors.New("customer is required")}
	}
	bills, err := s.Billing.Bills(r.Context(), s.Prices, month, customer)
	if err == nil {
		bills, err = s.Billing.WithAdjustments(r.Context(), s.Prices, month, bills, customer)
	}
	if err != nil {
		return result{}, err
	}
	if len(bills) == 0 {
		bills = append(bills, billing.EmptyBill(s.Prices, month, customer))
	}
	return billResult(q.Get("format"), bills[:1], bills[0])
}

func (s *Server) billingBills(r *http.Request, p Principal) (result, error) {
	q := r.URL.Query()
	month, err := billing.ParseMonth(q.Get("month"))
	if err != nil {
		return result{}, query.UserError{Err: err}
	}
	scope, err := p.scope("")
	if err != nil {
		return result{}, err
	}
	bills, err := s.Billing.Bills(r.Context(), s.Prices, month, scope)
	if err == nil {
		bills, err = s.Billing.WithAdjustments(r.Context(), s.Prices, month, bills, scope)
	}
	if err != nil {
		return result{}, err
	}
	return billResult(q.Get("format"), bills, api.Bills{Month: month.Format("2006-01"), Bills: bills})
}

func billResult(format string, bills []api.Bill, value any) (result, error) {
	switch format {
	case "", "json":
		return result{value: value, table: billing.Table}, nil
	case "csv":
		b, err := billing.BillsCSV(bills)
		return result{csv: b, table: billing.Table}, err
	}
	return result{}, query.UserError{Err: errors.New("format must be json or csv")}
}

func parseRange(q url.Values) (query.Range, error) {
	var r query.Range
	var err error
	if r.From, err = time.Parse(time.RFC3339, q.Get("from")); err != nil {
		return r, errors.New("from must be an RFC 3339 time")
	}
	if r.To, err = time.Parse(time.RFC3339, q.Get("to")); err != nil {
		return r, errors.New("to must be an RFC 3339 time")
	}
	r.Step = time.Hour
	if st := q.Get("step"); st != "" {
		if r.Step, err = time.ParseDuration(st); err != nil {
			return r, errors.New("step must be a duration such as 5m or 1h")
		}
	}
	r.From, r.To = r.From.UTC(), r.To.UTC()
	// Range checks before anything converts them to ClickHouse's UInt32
	// seconds (query.MaxStep).
	if err := query.CheckTime("from", r.From, 0); err != nil {
		return r, err
	}
	if err := query.CheckTime("to", r.To, 0); err != nil {
		return r, err
	}
	return r, query.CheckStep(r.Step)
}

func parseLimit(q url.Values, def int) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > query.MaxLimit {
		return 0, query.UserError{Err: fmt.Errorf("limit must be between 1 and %d", query.MaxLimit)}
	}
	return n, nil
}

func (s *Server) fail(w http.ResponseWriter, err error) int {
	var ue query.UserError
	switch {
	case errors.As(err, &ue):
		writeJSONStatus(w, http.StatusBadRequest, api.Error{Error: err.Error()})
		return http.StatusBadRequest
	case errors.Is(err, errForbidden):
		writeJSONStatus(w, http.StatusForbidden, api.Error{Error: err.Error()})
		return http.StatusForbidden
	case errors.Is(err, errBusy):
		s.Metrics.busy.Inc()
		w.Header().Set("Retry-After", "1")
		writeJSONStatus(w, http.StatusServiceUnavailable, api.Error{Error: err.Error()})
		return http.StatusServiceUnavailable
	case errors.Is(err, errTokenBusy):
		s.Metrics.tokenBusy.Inc()
		w.Header().Set("Retry-After", "1")
		writeJSONStatus(w, http.StatusTooManyRequests, api.Error{Error: err.Error()})
		return http.StatusTooManyRequests
	case errors.Is(err, context.DeadlineExceeded):
		// A query that ran out of time is the API's documented 503 (Busy,
		// with Retry-After), as the listener's 30 s limit answers too: the
		// document has no 504, and a client's retry logic wants one code.
		w.Header().Set("Retry-After", "5")
		writeJSONStatus(w, http.StatusServiceUnavailable, api.Error{Error: "query timed out; try again or ask for a shorter range"})
		return http.StatusServiceUnavailable
	}
	s.Log.Error("query failed", "err", err)
	writeJSONStatus(w, http.StatusInternalServerError, api.Error{Error: "internal error"})
	return http.StatusInternalServerError
}

func writeJSONStatus(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
