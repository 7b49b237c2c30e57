package collector

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	linesRead     prometheus.Counter
	bytesRead     prometheus.Counter
	linesParsed   prometheus.Counter
	linesSkipped  prometheus.Counter
	linesRejected *prometheus.CounterVec
	unknownHosts  prometheus.Counter
	batches       prometheus.Counter
	messages      prometheus.Counter
	wireBytes     prometheus.Counter
	produceSecs   prometheus.Histogram
	produceErrors prometheus.Counter
	shipped       prometheus.Gauge
	behind        prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		linesRead:     prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_lines_read_total", Help: "Lines read from log files."}),
		bytesRead:     prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_bytes_read_total", Help: "Bytes read from log files."}),
		linesParsed:   prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_lines_parsed_total", Help: "Lines parsed into records."}),
		linesSkipped:  prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_lines_skipped_total", Help: "Valid lines that hold no request (W3C #Fields and other directives)."}),
		linesRejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgelog_collector_lines_rejected_total", Help: "Lines dead-lettered, by reason."}, []string{"reason"}),
		unknownHosts:  prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_unknown_host_lines_total", Help: "Lines whose host matched no customer (assigned the default customer)."}),
		batches:       prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_batches_total", Help: "Batches acknowledged by Kafka."}),
		messages:      prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_messages_total", Help: "Kafka messages acknowledged."}),
		wireBytes:     prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_wire_bytes_total", Help: "Encoded bytes produced to Kafka."}),
		produceSecs: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgelog_collector_produce_seconds", Help: "Time from produce to acknowledgement.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}),
		produceErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "edgelog_collector_produce_errors_total", Help: "Failed produce attempts (retried)."}),
		shipped:       prometheus.NewGauge(prometheus.GaugeOpts{Name: "edgelog_collector_checkpoint_offset_bytes", Help: "File offset acknowledged by Kafka and checkpointed."}),
		behind:        prometheus.NewGauge(prometheus.GaugeOpts{Name: "edgelog_collector_bytes_behind", Help: "Bytes between the checkpoint and the end of the file."}),
	}
	reg.MustRegister(m.linesRead, m.bytesRead, m.linesParsed, m.linesSkipped, m.linesRejected, m.unknownHosts, m.batches, m.messages, m.wireBytes, m.produceSecs, m.produceErrors, m.shipped, m.behind)
	return m
}
