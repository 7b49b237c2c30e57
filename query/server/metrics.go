package query

import (
	"strconv"
	"sync"
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
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.latency, m.queryTime, m.cacheHits, m.cacheMiss, m.busy)
	}
	return m
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

// Cache keeps answers for a few seconds: a dashboard refreshed by many
// viewers at once costs ClickHouse one query. A nil Cache caches nothing.
type Cache struct {
	TTL     time.Duration
	MaxSize int

	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	res     result
	expires time.Time
}

// NewCache returns a cache of at most size answers kept for ttl.
func NewCache(ttl time.Duration, size int) *Cache {
	return &Cache{TTL: ttl, MaxSize: size, entries: map[string]cacheEntry{}}
}

func (c *Cache) get(key string) (result, bool) {
	if c == nil {
		return result{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || time.Now().After(e.expires) {
		return result{}, false
	}
	return e.res, true
}

func (c *Cache) put(key string, res result) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if len(c.entries) >= c.MaxSize {
		for k, e := range c.entries { // drop the expired, then anything
			if now.After(e.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.MaxSize {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = cacheEntry{res: res, expires: now.Add(c.TTL)}
}
