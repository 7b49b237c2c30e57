package collector

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

type metrics struct {
	linesRead     prometheus.Counter
	bytesRead     prometheus.Counter
	linesParsed   prometheus.Counter
	linesSkipped  prometheus.Counter
	linesRejected *prometheus.CounterVec
	unknownHosts  prometheus.Counter
	fallbacks     *prometheus.CounterVec
	batches       prometheus.Counter
	rowsShipped   prometheus.Counter
	messages      prometheus.Counter
	wireBytes     prometheus.Counter
	deadLetters   prometheus.Counter
	produceSecs   prometheus.Histogram
	batchAge      prometheus.Histogram // wait.go
	produceErrors prometheus.Counter
	shipped       *prometheus.GaugeVec
	behind        *prometheus.GaugeVec
	spooled       prometheus.Counter
	spoolBytes    prometheus.Gauge
	spoolBatches  prometheus.Gauge
	reloads       prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		linesRead:     prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_lines_read_total", Help: "Lines read from all inputs."}),
		bytesRead:     prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_bytes_read_total", Help: "Bytes read from all inputs."}),
		linesParsed:   prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_lines_parsed_total", Help: "Lines parsed into records."}),
		linesSkipped:  prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_lines_skipped_total", Help: "Valid lines that hold no request (W3C #Fields and other directives)."}),
		linesRejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgelog_collector_lines_rejected_total", Help: "Lines dead-lettered, by reason."}, []string{"reason"}),
		unknownHosts:  prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_unknown_host_lines_total", Help: "Lines whose host matched no customer (assigned the default customer)."}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgelog_collector_field_fallbacks_total",
			Help: "Fields of kept lines that could not be read as the format says and were left empty or taken from elsewhere, by log family, field and reason (see format.Notes)."},
			[]string{"format", "field", "reason"}),
		batches:     prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_batches_total", Help: "Batches acknowledged by Kafka."}),
		rowsShipped: prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_rows_shipped_total", Help: "Rows acknowledged by Kafka."}),
		messages:    prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_messages_total", Help: "Kafka messages acknowledged."}),
		wireBytes:   prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_wire_bytes_total", Help: "Encoded bytes acknowledged by Kafka."}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_dead_letters_total", Help: "Dead letters written to the dead-letter sink."}),
		batchAge:    newBatchAgeHistogram(),
		produceSecs: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgelog_collector_produce_seconds", Help: "Time from produce to acknowledgement.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}),
		produceErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_produce_errors_total", Help: "Failed produce attempts (retried)."}),
		shipped:       prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "edgelog_collector_checkpoint_offset_bytes", Help: "File offset acknowledged by Kafka and checkpointed, per file."}, []string{"file"}),
		behind:        prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "edgelog_collector_bytes_behind", Help: "Bytes between the checkpoint and the end of the file, per file."}, []string{"file"}),
		spooled:       prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_spooled_batches_total", Help: "Batches written to the disk spool because Kafka did not take them."}),
		spoolBytes:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "edgelog_collector_spool_bytes", Help: "Bytes held in the disk spool."}),
		spoolBatches:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "edgelog_collector_spool_batches", Help: "Batches held in the disk spool."}),
		reloads:       prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_reloads_total", Help: "Successful reloads of the edge mapping and GeoIP databases (SIGHUP)."}),
	}
	// Every reject reason has its series from the start: a dashboard reads
	// 0, not "No data", until the first rejected line.
	for _, r := range rejectReasons {
		m.linesRejected.WithLabelValues(r)
	}
	reg.MustRegister(m.linesRead, m.bytesRead, m.linesParsed, m.linesSkipped, m.linesRejected, m.unknownHosts, m.fallbacks, m.batches, m.rowsShipped, m.messages, m.wireBytes,
		m.deadLetters, m.batchAge, m.produceSecs, m.produceErrors, m.shipped, m.behind, m.spooled, m.spoolBytes, m.spoolBatches, m.reloads)
	return m
}

// countSent counts the messages Kafka acknowledged: all of msgs, or those
// whose entry in errs is nil.
func (m *metrics) countSent(msgs []kafka.Message, errs kafka.WriteErrors) {
	for i, msg := range msgs {
		if errs == nil || errs[i] == nil {
			m.messages.Inc()
			m.wireBytes.Add(float64(len(msg.Value)))
		}
	}
}
