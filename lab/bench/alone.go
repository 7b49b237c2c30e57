package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/edgelog/edgelog/internal/kafkaconf"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/lab/engines/stack"
)

// CollectorAlone measures the collector and the broker alone on the
// generated file: no ingest, no ClickHouse. Where the whole bench's
// collector shares the two cores with the rest of the pipeline, and
// `make bench-collector` reads lines from memory and produces to no
// broker, this is the collector's own cost as an edge server pays it,
// reading the file and producing to Kafka included, in about a minute
// and with nothing else running: what a change to the collector is
// measured with (alternated with the build before it: on this project's
// machine the figure spreads by about ±6% run to run, 0.76-0.87 CPU-s
// per million in six runs of one build). kcat producing the same file to
// the same broker, unless o.Skip["kcat"], is measured the same way, alone,
// so that collector_alone_vs_kcat compares the two under the same load.
// The rows on the topic are counted back with kcat (the messages' rows
// header) and must be every line.
func CollectorAlone(ctx context.Context, o Options) error {
	f, err := startFileRun(&o)
	if err != nil {
		return err
	}
	defer os.Unsetenv("EDGELOG_CPUPROFILE_DIR")
	logf, bench, access := f.logf, f.bench, f.access
	st, err := stack.Start(ctx, stack.Options{Dir: filepath.Join(o.Dir, "stack"), Bin: o.Bin, Partitions: 8, BrokerOnly: true})
	if err != nil {
		return err
	}
	defer st.Stop()

	logf("collector alone on %s", access)
	broker0 := cpuSeconds(st.Broker.Pid())
	start := time.Now()
	collector, err := f.startCollector(st, o)
	if err != nil {
		return err
	}
	<-collector.Done()
	secs := time.Since(start).Seconds()
	if collector.Err() != nil {
		return fmt.Errorf("collector: %w", collector.Err())
	}
	collectorCPU, brokerCPU := collector.CPUSeconds(), cpuSeconds(st.Broker.Pid())-broker0
	rows, err := topicRows(ctx, st.BrokerAddr, kafkaconf.DefaultTopic)
	if err != nil {
		return err
	}
	if rows != int64(o.Lines) {
		return fmt.Errorf("%d rows on the topic, want %d: the figures would not be the collector's cost per line", rows, o.Lines)
	}
	n := float64(o.Lines)
	bench("collector_alone_lines_per_sec", n/secs, "lines/s")
	bench("collector_alone_cpu_seconds_per_million", collectorCPU/n*1e6, "s")
	bench("collector_alone_system_cpu_seconds_per_million", collector.SystemCPUSeconds()/n*1e6, "s")
	// Nonzero when the file was read from the block device rather than
	// the page cache: the collector then waited for the device, whose
	// work (a loop device's, on a loop-mounted image) is not in its CPU.
	bench("collector_alone_disk_read_bytes_per_line", float64(collector.DiskReadBytes())/n, "bytes")
	bench("collector_alone_cores", collectorCPU/secs, "cores")
	bench("collector_alone_broker_cpu_seconds_per_million", brokerCPU/n*1e6, "s")
	bench("collector_alone_peak_rss", float64(collector.PeakRSSBytes())/(1<<20), "MiB")
	if !o.Skip["kcat"] {
		logf("baseline: kcat producing the same file to the same broker, alone")
		kcatSecs, err := kcat(ctx, st.BrokerAddr, access)
		if err != nil {
			return err
		}
		bench("kcat_lines_per_sec", n/kcatSecs, "lines/s")
		bench("collector_alone_vs_kcat", kcatSecs/secs, "ratio")
	}
	return nil
}

// topicRows sums the rows header (wire.HeaderRows) of every message of
// topic, read back with kcat.
func topicRows(ctx context.Context, broker, topic string) (int64, error) {
	out, err := consumeTopic(ctx, broker, topic, "%h\n")
	if err != nil {
		return 0, err
	}
	return sumRows(out)
}

// sumRows sums the rows headers in kcat's "%h\n" output: a message a line,
// its headers as key=value separated by commas. A message without one is
// an error: its rows would go uncounted.
func sumRows(out string) (int64, error) {
	var total int64
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		found := false
		for _, h := range strings.Split(line, ",") {
			if v, ok := strings.CutPrefix(h, wire.HeaderRows+"="); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 0 {
					return 0, fmt.Errorf("kcat printed the header %q", h)
				}
				total += n
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("a message without a %s header: %q", wire.HeaderRows, line)
		}
	}
	return total, nil
}
