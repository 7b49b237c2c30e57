package collector

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Batch waits adapt to load (issue 23), Nagle-like: a batch is cut when it
// is full (BatchRows) or when it is older than its wait, and each batch's
// wait grows with the size of the one before it:
//
//	wait = BatchWaitMin + (BatchWait - BatchWaitMin) * previous rows / BatchRows
//
// within [BatchWaitMin, BatchWait]. An idle input cuts its few lines after
// BatchWaitMin (fresh figures; small batches cost little at a low rate);
// under load the wait grows toward BatchWait and batches toward BatchRows,
// so a busy edge server sends fewer, fuller Kafka messages (compression
// and ingest work per message as before). At a steady rate r the wait
// settles where wait = min + (max-min)*r*wait/BatchRows: with 100ms,
// 500ms and 50,000 rows about 110 ms at 10k lines/s, 190 ms at 60k, and
// BatchWait from 100k lines/s, where batches fill by rows as well.
// BatchWaitMin equal to BatchWait gives the fixed wait of old, and is the
// default: measured with `edgelog bench --fresh` (README, "Freshness,
// second pass"), BatchWaitMin 100ms made the figures fresher at 20% and
// 50% of the maximum (minute rollups p99 1.9 -> 1.2 s at 20%) but not
// measurably at 80%, and cost CPU per million requests: the collector
// +10% at 80% (+60% at 20%), ClickHouse +50% at 20% (more, smaller Kafka
// messages and ledger rows). An edge server that wants the freshness sets
// it lower.
//
// The fixed default is 250 ms since December 2026 (it was 500 ms): the live
// counter's lateness must cover a collector's wait (a partition's rows run
// back in time by up to one), and with the query service's live tail
// (query/livetail) the wait and the lateness are most of the wall's lag.
// Measured with `edgelog bench --fresh` (README, "Freshness, third
// pass"): 250 ms and a 350 ms lateness took the live stream's p99 at 80%
// of the maximum to 0.65 s (1.2-1.4 s at 500 and 600 ms), for about 0.2-0.3
// more collector CPU-s per million requests at 80% and the same in
// ClickHouse (one INSERT a second either way: ingest's aligned flushes).

// Defaults and bound of the collector's batch waits.
const (
	DefaultBatchWaitMin = 250 * time.Millisecond
	DefaultBatchWait    = 250 * time.Millisecond
	// MaxBatchWait bounds both: lines held longer are lost on a crash of
	// the edge server before they are shipped (see doc.go) and hold the
	// live counter's watermark back.
	MaxBatchWait = time.Minute
)

// batchWait is one read loop's adaptive wait (a read loop is one
// goroutine: no locks).
type batchWait struct {
	min, max  time.Duration
	batchRows int
	next      time.Duration
}

func newBatchWait(lo, hi time.Duration, batchRows int) batchWait {
	return batchWait{min: lo, max: hi, batchRows: max(batchRows, 1), next: lo}
}

// observe takes a cut batch's rows: the next batch's wait.
func (w *batchWait) observe(rows int) {
	f := min(float64(rows)/float64(w.batchRows), 1)
	w.next = w.min + time.Duration(f*float64(w.max-w.min))
}

// batchAgeHistogram times the collector's first stage (issue 23: where the
// lag goes): how long a batch's first line waited until the batch was cut.
// edgelog_collector_produce_seconds times the next.
func newBatchAgeHistogram() prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgelog_collector_batch_age_seconds",
		Help:    "How long a batch was held, from its first line read to its cut (the adaptive batch wait, or sooner when full).",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)})
}
