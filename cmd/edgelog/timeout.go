package main

import (
	"net/http"
	"time"
)

// timeoutRetryAfter is the Retry-After of a timed-out request, in seconds:
// longer than the busy answer's 1 s, as a query that ran out of time is
// heavy, and by then its answer may be in the cache.
const timeoutRetryAfter = "5"

// timeoutBody is the API's error body (query/api.Error) of a request that
// ran out of time.
const timeoutBody = `{"error": "query timed out"}` + "\n"

// timeoutJSON is http.TimeoutHandler answering in the API's terms: a
// request still running after d gets 503 with the JSON error body,
// Content-Type application/json and Retry-After, as the OpenAPI document's
// 503 promises (http.TimeoutHandler alone answers text/plain without
// Retry-After). The stdlib handler keeps doing the hard part (buffering the
// answer, refusing writes after the timeout); this only sets the headers
// of its timeout answer, which it writes with no headers at all, where
// every answer of the API's handler has a Content-Type.
func timeoutJSON(h http.Handler, d time.Duration) http.Handler {
	th := http.TimeoutHandler(h, d, timeoutBody)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		th.ServeHTTP(timeoutHeaders{w}, r)
	})
}

type timeoutHeaders struct{ http.ResponseWriter }

func (t timeoutHeaders) WriteHeader(code int) {
	if h := t.Header(); code == http.StatusServiceUnavailable && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
		h.Set("Retry-After", timeoutRetryAfter)
	}
	t.ResponseWriter.WriteHeader(code)
}
