package ingest

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Batch waits adapt to load (issue 23), Nagle-like: a partition's batch goes
// to the inserter when it is full (BatchRows, BatchBytes) or at a multiple
// of the current wait (flushAt), and the current wait is as long as the
// worker's last INSERT took, kept within [BatchWaitMin, BatchWait].
//
// Why the INSERT's duration: it is what the wait protects. ClickHouse pays
// per INSERT (a part per table, every view run once, merges later), so an
// idle pipeline inserts small batches every BatchWaitMin (fresh figures at
// little cost in absolute terms), and a loaded one waits about as long as
// an INSERT takes: at most about half the worker's time goes to inserting,
// batches grow with the load, and the wait reaches BatchWait only when
// INSERTs take that long. With one INSERT stream (InsertConcurrency 1) the
// partitions' batches still fill and merge while one runs (combine.go,
// readahead.go).
// BatchWaitMin equal to BatchWait gives the fixed wait of old, and is the
// default: measured with `edgelog bench --fresh` (README, "Freshness"),
// BatchWaitMin 200ms made the minute rollups and the live counter about
// 0.5 s fresher at 80% of the maximum, but ClickHouse spent about half as
// much CPU again per million requests (more INSERTs, so more parts to
// merge and for every poll of the wall to read), past the cost budget.
// An operator who wants the freshness and has the CPU sets it lower.

// flushAt is when a partition's batch whose first message was read at
// started goes to the inserter unless it fills first: the first multiple
// of wait (on the wall clock, counted from the zero time) at least half a
// wait after started, not started plus wait. Every partition's batch then
// goes at the same instants, so the combiner merges them into one INSERT a
// wait (combine.go) instead of one a partition at moments of its own: with
// eight partitions at 20% of the maximum load `edgelog bench --fresh` saw
// 3.6-5.9 INSERTs a second, 1.9 after. The half wait keeps batches whole
// under load: a partition that resumes reading late in a wait, after an
// INSERT that took long, goes at the multiple after next rather than with
// the few rows it could read before the next one (at full speed, the
// multiple right after gave 57 INSERTs of 351k rows where the old wait gave
// 51 of 392k). A batch whose first message comes within half a wait of the
// last flush, as under steady traffic, goes at the next multiple; one that
// begins later waits up to one and a half waits.
func flushAt(started time.Time, wait time.Duration) time.Time {
	return started.Add(wait / 2).Truncate(wait).Add(wait)
}

// Defaults and bounds of the batch waits (Config.BatchWaitMin,
// Config.BatchWait).
const (
	DefaultBatchWaitMin = time.Second
	DefaultBatchWait    = time.Second
	// MaxBatchWait bounds both waits: a batch held longer would hold its
	// partition's offsets (and the live counter's watermark) back for
	// nothing, and must stay well inside the group's session timeout.
	MaxBatchWait = time.Minute
)

// batchWaits is a worker's current batch wait, shared by its partitions
// and set by its combiners after each INSERT.
type batchWaits struct {
	min, max time.Duration
	cur      atomic.Int64 // nanoseconds
	gauge    prometheus.Gauge
}

func newBatchWaits(min, max time.Duration, gauge prometheus.Gauge) *batchWaits {
	if min <= 0 || max < min {
		panic("BUG: batch waits not validated")
	}
	a := &batchWaits{min: min, max: max, gauge: gauge}
	a.set(min)
	return a
}

// wait is how long a batch may be held after its first row now.
func (a *batchWaits) wait() time.Duration { return time.Duration(a.cur.Load()) }

// observe takes an acknowledged INSERT's duration as the next wait,
// within [min, max].
func (a *batchWaits) observe(took time.Duration) { a.set(took) }

func (a *batchWaits) set(d time.Duration) {
	d = min(max(d, a.min), a.max)
	a.cur.Store(int64(d))
	if a.gauge != nil {
		a.gauge.Set(d.Seconds())
	}
}

// stageMetrics time each stage a row passes in ingest (issue 23: where the
// lag goes): the Kafka message's age when read (the collector's produce,
// the broker and the fetch), how long a batch was held, and how long its
// hand-over to the inserter took until acknowledged (the queue behind
// other INSERTs plus its own; edgelog_ingest_insert_seconds is the INSERT
// alone).
type stageMetrics struct {
	messageAge, batchAge, flushSecs prometheus.Histogram
	wait                            prometheus.Gauge
}

func newStageMetrics(reg prometheus.Registerer) *stageMetrics {
	b := prometheus.ExponentialBuckets(0.005, 2, 14) // 5 ms .. 41 s
	m := &stageMetrics{
		messageAge: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgelog_ingest_message_age_seconds",
			Help: "Age of a Kafka message when ingest read it (from its Kafka timestamp: the collector's produce, the broker and the fetch).", Buckets: b}),
		batchAge: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgelog_ingest_batch_age_seconds",
			Help: "How long a partition's batch was held, from its first message read to its hand-over to the inserter.", Buckets: b}),
		flushSecs: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgelog_ingest_flush_seconds",
			Help: "From a batch's hand-over to the inserter until ClickHouse acknowledged it (queued behind other INSERTs, then its own).", Buckets: b}),
		wait: prometheus.NewGauge(prometheus.GaugeOpts{Name: "edgelog_ingest_batch_wait_seconds",
			Help: "The current batch wait: the last INSERT's duration within [batch_wait_min, batch_wait]."}),
	}
	reg.MustRegister(m.messageAge, m.batchAge, m.flushSecs, m.wait)
	return m
}
