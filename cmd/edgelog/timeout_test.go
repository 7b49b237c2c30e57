package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/edgelog/edgelog/query/api"
)

// TestTimeoutAnswersLikeTheAPI: a request that outlives the query
// service's time limit gets the 503 the OpenAPI document describes (JSON
// error body, Retry-After), and the handler's own answers pass unchanged.
func TestTimeoutAnswersLikeTheAPI(t *testing.T) {
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	const path = "/api/v1/traffic/summary"
	item := doc.Paths.Find(path)
	if item == nil || item.Get == nil {
		t.Fatalf("GET %s is not in openapi.yaml", path)
	}
	route := &routers.Route{Spec: doc, Server: doc.Servers[0], Path: path, PathItem: item, Method: http.MethodGet, Operation: item.Get}

	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("busy") != "" { // the admission's own 503
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"error": "busy"}`)
			return
		}
		<-r.Context().Done() // a query that does not come back in time
	})
	hs := httptest.NewServer(timeoutJSON(slow, 50*time.Millisecond))
	defer hs.Close()
	for _, c := range []struct{ query, retryAfter string }{{"", timeoutRetryAfter}, {"?busy=1", "1"}} {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+path+c.query, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != c.retryAfter {
			t.Errorf("%s: %d Retry-After %q, want 503 and %q: %s", c.query, resp.StatusCode, resp.Header.Get("Retry-After"), c.retryAfter, body)
		}
		in := &openapi3filter.RequestValidationInput{Request: req, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
			Body: io.NopCloser(bytes.NewReader(body)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
			t.Errorf("%s: the answer does not match openapi.yaml: %v\n%s", c.query, err, body)
		}
	}
}
