package query_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/query/server"
)

const tokAdmin = "tok-admin"

// contractServer is the query service as `edgelog query` wires it (tokens,
// admission, cache, metrics) over the store given.
func contractServer(t *testing.T, store *query.Store, adm *server.Admission) *httptest.Server {
	t.Helper()
	srv := &server.Server{
		Store: store,
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Tokens: server.NewTokens(map[string]server.Principal{
			tokAcme:    {Name: "acme", Role: server.RoleCustomer, Customer: "acme"},
			tokFinance: {Name: "finance", Role: server.RoleFinance},
			tokEng:     {Name: "eng", Role: server.RoleEngineer},
			tokAdmin:   {Name: "admin", Role: server.RoleAdmin},
		}),
		Prices:    testPrices(t),
		Metrics:   server.NewMetrics(nil),
		Cache:     server.NewCache(10*time.Second, 1000),
		Admission: adm,
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return hs
}

// fakeClickHouse is a TCP listener that stands where ClickHouse should be:
// it closes every connection at once (hang false: ClickHouse down) or holds
// it open without a byte (hang true: a query that does not come back).
func fakeClickHouse(t *testing.T, hang bool) *query.Store {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !hang {
				c.Close()
				continue
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{ln.Addr().String()},
		DialTimeout: 2 * time.Second, ReadTimeout: 30 * time.Second, MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &query.Store{Conn: conn, DB: "nowhere"}
}

// TestContract is openapi.yaml held to the running service: every
// operation is called for its success and for each error the document
// lists, and every answer (status, headers, body) is validated against the
// document by kin-openapi's openapi3filter. The schemas forbid properties
// they do not list, so an undocumented field fails; a documented answer no
// call produced fails too.
func TestContract(t *testing.T) {
	ctx := context.Background()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("openapi.yaml is not valid OpenAPI: %v", err)
	}

	db := chtest.NewDB(t)
	load(t, db, 20_000, october, 30*24*time.Hour)
	live := contractServer(t, &query.Store{Conn: chtest.Conn(t), DB: db}, server.NewAdmission(4, time.Second))
	down := contractServer(t, fakeClickHouse(t, false), nil)
	hung := fakeClickHouse(t, true)
	busyAdm := server.NewAdmission(1, 20*time.Millisecond)
	busy := contractServer(t, hung, busyAdm)

	// One request holds the busy server's only admission slot until the
	// test ends (its ClickHouse never answers).
	holdCtx, release := context.WithCancel(ctx)
	held := make(chan struct{})
	go func() {
		defer close(held)
		req, _ := http.NewRequestWithContext(holdCtx, http.MethodGet, busy.URL+"/api/v1/customers?from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z", nil)
		req.Header.Set("Authorization", "Bearer "+tokAdmin)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	t.Cleanup(func() { release(); <-held })
	for deadline := time.Now().Add(10 * time.Second); busyAdm.InFlight() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the holding request never took the admission slot")
		}
	}
	// On the noisy server finance and the engineers each hold their one
	// per-token slot (their ClickHouse never answers): their next request
	// waits in its token's line and gets 429, while slots stay free.
	noisyAdm := server.NewAdmission(8, 20*time.Millisecond).LimitPerToken(1, 1)
	noisy := contractServer(t, hung, noisyAdm)
	for _, tok := range []string{tokFinance, tokEng} {
		holdCtx, release := context.WithCancel(ctx)
		held := make(chan struct{})
		go func() {
			defer close(held)
			req, _ := http.NewRequestWithContext(holdCtx, http.MethodGet, noisy.URL+"/api/v1/traffic/summary?from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		t.Cleanup(func() { release(); <-held })
	}
	for deadline := time.Now().Add(10 * time.Second); noisyAdm.InFlight() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the holding requests never took their slots")
		}
	}

	const (
		rng = "from=2026-10-01T00:00:00Z&to=2026-10-08T00:00:00Z"
		bad = "from=yesterday&to=2026-10-08T00:00:00Z"
		at  = "at=2026-10-07T12:00:00Z"
		// hour is a drill-down's window: raw rows of at most an hour.
		hour = "from=2026-10-07T11:00:00Z&to=2026-10-07T12:00:00Z"
	)
	type call struct {
		hs    *httptest.Server
		token string
		path  string // with its query
		code  int
	}
	// ops are the calls per operation: the success first, then the errors.
	ops := map[string][]call{
		"/api/v1/customers": {
			{live, tokFinance, "?" + rng, 200}, {live, tokFinance, "?" + bad, 400}, {live, "", "?" + rng, 401},
			{live, tokAcme, "?customer=globex&" + rng, 403}, {down, tokFinance, "?" + rng, 500}, {busy, tokFinance, "?" + rng, 503}, {noisy, tokFinance, "?" + rng, 429},
		},
		"/api/v1/traffic/timeseries": {
			{live, tokAcme, "?step=24h&" + rng, 200}, {live, tokEng, "?step=1h&" + rng, 200}, {live, tokAcme, "?step=1x&" + rng, 400},
			{live, "nope", "?" + rng, 401}, {live, tokAcme, "?customer=globex&" + rng, 403},
			{down, tokEng, "?" + rng, 500}, {busy, tokEng, "?" + rng, 503}, {noisy, tokEng, "?" + rng, 429},
		},
		"/api/v1/traffic/summary": {
			{live, tokFinance, "?" + rng, 200}, {live, tokFinance, "?" + bad, 400}, {live, "", "?" + rng, 401},
			{live, tokAcme, "?customer=globex&" + rng, 403}, {down, tokFinance, "?" + rng, 500}, {busy, tokFinance, "?" + rng, 503}, {noisy, tokFinance, "?" + rng, 429},
		},
		"/api/v1/traffic/breakdown": {
			{live, tokAcme, "?by=region&" + rng, 200}, {live, tokEng, "?by=country&limit=5&" + rng, 200},
			{live, tokAcme, "?by=nothing&" + rng, 400}, {live, "", "?" + rng, 401}, {live, tokAcme, "?customer=globex&" + rng, 403},
			{down, tokEng, "?" + rng, 500}, {busy, tokEng, "?" + rng, 503}, {noisy, tokEng, "?" + rng, 429},
		},
		"/api/v1/traffic/top": {
			{live, tokAcme, "?kind=paths&limit=5&" + rng, 200}, {live, tokEng, "?kind=hosts&customer=acme&" + rng, 200},
			{live, tokAcme, "?limit=0&" + rng, 400}, {live, "", "?" + rng, 401}, {live, tokAcme, "?customer=globex&" + rng, 403},
			{down, tokEng, "?customer=acme&" + rng, 500}, {busy, tokEng, "?customer=acme&" + rng, 503}, {noisy, tokEng, "?customer=acme&" + rng, 429},
		},
		"/api/v1/perf/breakdown": {
			{live, tokEng, "?by=pop&metric=request_time&" + rng, 200}, {live, tokAcme, "?by=country&" + rng, 200},
			{live, tokEng, "?by=planet&" + rng, 400}, {live, "", "?" + rng, 401}, {live, tokFinance, "?" + rng, 403},
			{down, tokEng, "?" + rng, 500}, {busy, tokEng, "?" + rng, 503}, {noisy, tokEng, "?" + rng, 429},
		},
		"/api/v1/perf/timeseries": {
			{live, tokEng, "?step=1h&" + rng, 200}, {live, tokAcme, "?step=1h&metric=request_time&" + rng, 200},
			{live, tokEng, "?" + bad, 400}, {live, "", "?" + rng, 401}, {live, tokFinance, "?" + rng, 403},
			{down, tokEng, "?" + rng, 500}, {busy, tokEng, "?" + rng, 503}, {noisy, tokEng, "?" + rng, 429},
		},
		"/api/v1/perf/slowest": {
			{live, tokEng, "?" + at, 200}, {live, tokAcme, "?window=30m&" + at, 200},
			{live, tokEng, "?at=noon", 400}, {live, "", "?" + at, 401}, {live, tokFinance, "?" + at, 403},
			{down, tokEng, "?" + at, 500}, {busy, tokEng, "?" + at, 503}, {noisy, tokEng, "?" + at, 429},
		},
		"/api/v1/ops/overview": {
			{live, tokAdmin, "?" + at, 200}, {live, tokAcme, "?" + at, 200},
			{live, tokEng, "?at=noon", 400}, {live, "", "?" + at, 401}, {live, tokAcme, "?customer=globex&" + at, 403},
			{down, tokEng, "?" + at, 500}, {busy, tokEng, "?" + at, 503}, {noisy, tokEng, "?" + at, 429},
		},
		"/api/v1/ops/live": {
			{live, tokAdmin, "", 200}, {live, tokAcme, "?region=eu", 200}, {live, tokEng, "?region=" + strings.Repeat("r", 101), 400},
			{live, "", "", 401}, {live, tokAcme, "?customer=globex", 403},
			{down, tokEng, "", 500}, {busy, tokEng, "", 503}, {noisy, tokEng, "", 429},
		},
		"/api/v1/billing/bill": {
			{live, tokAcme, "?month=2026-10", 200}, {live, tokFinance, "?month=2026-10&customer=globex&format=csv", 200},
			{live, tokFinance, "?month=October", 400}, {live, "", "?month=2026-10", 401}, {live, tokEng, "?month=2026-10&customer=acme", 403},
			{down, tokFinance, "?month=2026-10&customer=acme", 500}, {busy, tokFinance, "?month=2026-10&customer=acme", 503}, {noisy, tokFinance, "?month=2026-10&customer=acme", 429},
		},
		"/api/v1/billing/bills": {
			{live, tokFinance, "?month=2026-10", 200}, {live, tokFinance, "?month=2026-10&format=csv", 200},
			{live, tokFinance, "?month=2026-13", 400}, {live, "", "?month=2026-10", 401}, {live, tokEng, "?month=2026-10", 403},
			{down, tokFinance, "?month=2026-10", 500}, {busy, tokFinance, "?month=2026-10", 503}, {noisy, tokFinance, "?month=2026-10", 429},
		},
		"/api/v1/requests": {
			{live, tokEng, "?order=slowest&pop=bom1&limit=5&" + hour, 200}, {live, tokAcme, "?status=2xx&cache_status=hit&path_prefix=/&min_ttfb_ms=0&" + hour, 200},
			{live, tokEng, "?from=2026-10-07T11:00:00Z&to=2026-10-07T12:00:01Z", 400}, {live, tokEng, "?limit=1001&" + hour, 400},
			{live, "", "?" + hour, 401}, {live, tokAcme, "?customer=globex&" + hour, 403}, {live, tokFinance, "?" + hour, 403},
			{down, tokEng, "?" + hour, 500}, {busy, tokEng, "?" + hour, 503}, {noisy, tokEng, "?" + hour, 429},
		},
		"/api/v1/openapi.yaml": {{live, "", "", 200}},
		"/healthz":             {{live, "", "", 200}, {down, "", "", 503}},
	}

	seen := map[string]bool{} // path + " " + code
	for path, calls := range ops {
		item := doc.Paths.Find(path)
		if item == nil || item.Get == nil {
			t.Errorf("GET %s is not in openapi.yaml", path)
			continue
		}
		route := &routers.Route{Spec: doc, Server: doc.Servers[0], Path: path, PathItem: item, Method: http.MethodGet, Operation: item.Get}
		for _, c := range calls {
			req, _ := http.NewRequest(http.MethodGet, c.hs.URL+path+c.path, nil)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			where := "GET " + path + c.path + " (" + c.token + ")"
			if resp.StatusCode != c.code {
				t.Errorf("%s: %d, want %d: %.300s", where, resp.StatusCode, c.code, body)
				continue
			}
			seen[path+" "+strconv.Itoa(c.code)] = true
			in := &openapi3filter.RequestValidationInput{Request: req, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
			// The successful calls are themselves held to the document:
			// every parameter they send is one it describes.
			if c.code == 200 {
				if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
					t.Errorf("%s: the request is not one openapi.yaml describes: %v", where, err)
				}
			}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
				Body: io.NopCloser(bytes.NewReader(body)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
			if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
				t.Errorf("%s: answer %d does not match openapi.yaml: %v\n%.500s", where, resp.StatusCode, err, body)
			}
			if c.code == 503 && path != "/healthz" && resp.Header.Get("Retry-After") == "" {
				t.Errorf("%s: 503 without Retry-After", where)
			}
		}
	}

	// Every answer the document lists was produced by some call above.
	var missing []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if method != http.MethodGet {
				t.Errorf("%s %s: the test calls GET only", method, path)
			}
			for code := range op.Responses.Map() {
				if !seen[path+" "+code] {
					missing = append(missing, path+" "+code)
				}
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("openapi.yaml documents %s but no call produced it", m)
	}
	if u, _ := url.Parse(doc.Servers[0].URL); u == nil || u.Host == "" {
		t.Errorf("openapi.yaml's server URL %q has no host", doc.Servers[0].URL)
	}
}
