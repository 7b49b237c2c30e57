package ingest

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the worker's Prometheus metrics. Each worker registers its own
// set on the registry it is given, so tests can run several in a process.
type metrics struct {
	rows          prometheus.Counter
	messages      prometheus.Counter
	batches       prometheus.Counter
	skipped       prometheus.Counter
	resent        prometheus.Counter
	deadLetters   *prometheus.CounterVec
	retries       prometheus.Counter
	insertSeconds prometheus.Histogram
	batchRows     prometheus.Histogram
	lag           *prometheus.GaugeVec
	lastMsgTime   *prometheus.GaugeVec
	lastInsertOK  prometheus.Gauge
	combined      prometheus.Histogram
	// Issue 17: time that lies, data Kafka no longer has.
	invalidTimeRows prometheus.Counter
	clockSkewedRows prometheus.Counter
	lostOffsets     *prometheus.CounterVec
	feedRebuilt     *prometheus.CounterVec
	partialRows     *prometheus.CounterVec
	partialFeed     *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		rows:     prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_ingest_rows_total", Help: "Rows inserted into ClickHouse."}),
		messages: prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_ingest_messages_total", Help: "Kafka messages consumed."}),
		batches:  prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_ingest_batches_total", Help: "INSERTs acknowledged by ClickHouse."}),
		skipped: prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_ingest_replayed_messages_skipped_total",
			Help: "Messages skipped because the offsets ledger shows them inserted (replays after a crash or rebalance)."}),
		resent: prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_ingest_resent_batches_skipped_total",
			Help: "Collector batches skipped because the source ledger shows them inserted (re-sent after a collector restart)."}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgelog_ingest_dead_letters_total", Help: "Messages sent to the dead-letter topic, by reason."}, []string{"reason"}),
		retries:     prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_ingest_insert_retries_total", Help: "Failed INSERT attempts that were retried."}),
		insertSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgelog_ingest_insert_seconds", Help: "INSERT latency.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}),
		batchRows: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgelog_ingest_batch_rows", Help: "Rows per INSERT.",
			Buckets: prometheus.ExponentialBuckets(100, 4, 10)}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "edgelog_ingest_lag_messages", Help: "Messages between the last one read and the partition end."}, []string{"partition"}),
		lastMsgTime: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "edgelog_ingest_last_message_timestamp_seconds",
			Help: "Kafka timestamp of the last message read, per partition: with messages waiting (edgelog_ingest_lag_messages > 0), time() minus it is how far ingest is behind."}, []string{"partition"}),
		lastInsertOK: prometheus.NewGauge(prometheus.GaugeOpts{Name: "edgelog_ingest_last_insert_success_timestamp_seconds", Help: "Unix time of the last acknowledged INSERT."}),
		combined: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgelog_ingest_combined_batches", Help: "Partition batches merged into one INSERT (when more than one).",
			Buckets: prometheus.LinearBuckets(2, 2, 8)}),
	}
	m.invalidTimeRows = prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_ingest_invalid_time_rows_total",
		Help: "Rows dead-lettered alone because ClickHouse cannot store their time (before 1970-01-02 or from 2100 on); the rest of their message was inserted."})
	m.clockSkewedRows = prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_ingest_clock_skewed_rows_total",
		Help: "Rows stamped more than 5 minutes after ingest read them: their edge server's clock is ahead (stored as stamped; see the clock_skew table)."})
	m.lostOffsets = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgelog_ingest_lost_offsets_total",
		Help: "Kafka offsets never read because the partition's log start moved past them (retention deleted them): data lost, recorded in the offset_gaps table."}, []string{"partition"})
	m.feedRebuilt = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgelog_ingest_feed_rebuilt_offsets_total",
		Help: "Kafka offsets whose rollup-feed rows were rebuilt from their raw rows in ClickHouse: Kafka had deleted them before ingest re-read them after a crash between a batch's two INSERTs (nothing lost)."}, []string{"partition"})
	m.partialRows = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgelog_ingest_partial_insert_rows_total",
		Help: "Raw rows of failed INSERTs found in ClickHouse without their ledger row (the server stopped within the INSERT): sent again, so counted twice (recorded in the partial_inserts table)."}, []string{"partition"})
	m.partialFeed = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgelog_ingest_partial_feed_requests_total",
		Help: "Requests of failed rollup-feed INSERTs that had begun without landing in the feed ledger (the server stopped within the INSERT): sent again, so up to these are counted twice in some rollups (recorded in the partial_inserts table)."}, []string{"partition"})
	// Every reason has its series from the start: a dashboard reads 0, not
	// "No data", until the first dead letter.
	for _, r := range deadLetterReasons {
		m.deadLetters.WithLabelValues(r)
	}
	reg.MustRegister(m.rows, m.messages, m.batches, m.skipped, m.resent, m.deadLetters, m.retries, m.insertSeconds, m.batchRows, m.lag, m.lastMsgTime, m.lastInsertOK, m.combined, m.invalidTimeRows, m.clockSkewedRows, m.lostOffsets, m.feedRebuilt, m.partialRows, m.partialFeed)
	return m
}
