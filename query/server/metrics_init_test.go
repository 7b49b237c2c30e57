package server

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestRequestSeriesPreinitialised: once the routes exist, every endpoint
// has a request series at 0 for each answer code and a latency series, so
// the pipeline-health panels read 0 rather than "No data".
func TestRequestSeriesPreinitialised(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	(&Server{Metrics: m}).Handler()
	const endpoints = 13 // the GET routes under /api/v1 but the document
	if n := testutil.CollectAndCount(m.requests); n != endpoints*len(answerCodes) {
		t.Errorf("%d request series before any request, want %d", n, endpoints*len(answerCodes))
	}
	if v := testutil.ToFloat64(m.requests.WithLabelValues("GET /api/v1/billing/bills", "503")); v != 0 {
		t.Errorf("bills 503: %v", v)
	}
	if n := testutil.CollectAndCount(m.latency); n != endpoints {
		t.Errorf("%d latency series, want %d", n, endpoints)
	}
}
