package server

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the API's Prometheus metrics.
type Metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	queryTime prometheus.Histogram
	cacheHits prometheus.Counter
	cacheMiss prometheus.Counter
	busy      prometheus.Counter
	tokenBusy prometheus.Counter
	// admission is the Server's, read by the in-flight gauge at scrape
	// time (set by Handler; nil reads 0).
	admission atomic.Pointer[Admission]
}

// NewMetrics registers the metrics with reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgelog_query_requests_total", Help: "API requests by endpoint and status code."}, []string{"endpoint", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "edgelog_query_request_seconds", Help: "API request latency by endpoint.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}, []string{"endpoint"}),
		queryTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgelog_query_clickhouse_seconds", Help: "ClickHouse query time.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		cacheHits: prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_query_cache_hits_total", Help: "Answers served from the short-TTL cache."}),
		cacheMiss: prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_query_cache_misses_total", Help: "Answers computed."}),
		busy:      prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_query_rejected_busy_total", Help: "Requests answered 503 because no admission slot freed up in time."}),
		tokenBusy: prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_query_rejected_token_busy_total",
			Help: "Requests answered 429 because their token had too many requests computing and waiting (per-token admission)."}),
	}
	inFlight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "edgelog_query_in_flight", Help: "Requests holding an admission slot (computing an answer)."},
		func() float64 { return float64(m.admission.Load().InFlight()) })
	if reg != nil {
		reg.MustRegister(m.requests, m.latency, m.queryTime, m.cacheHits, m.cacheMiss, m.busy, m.tokenBusy, inFlight)
	}
	return m
}

// answerCodes are the status codes an endpoint answers (openapi.yaml lists
// them); each endpoint's series start at 0 for each, so a panel reads 0,
// not "No data", until the first such answer. (A 401 is answered by
// authenticate before serve and is not counted.)
var answerCodes = []int{200, 400, 403, 500, 503}

// preinit creates an endpoint's request and latency series.
func (m *Metrics) preinit(endpoint string) {
	for _, code := range answerCodes {
		m.requests.WithLabelValues(endpoint, strconv.Itoa(code))
	}
	m.latency.WithLabelValues(endpoint)
}

func (m *Metrics) observe(endpoint string, code int, d time.Duration) {
	m.requests.WithLabelValues(endpoint, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(endpoint).Observe(d.Seconds())
}

// ObserveQuery records one ClickHouse query's time (Store.QueryTime).
func (m *Metrics) ObserveQuery(d time.Duration) { m.queryTime.Observe(d.Seconds()) }

func (m *Metrics) cache(hit bool) {
	if hit {
		m.cacheHits.Inc()
	} else {
		m.cacheMiss.Inc()
	}
}
