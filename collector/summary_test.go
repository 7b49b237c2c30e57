package collector_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgelog/edgelog/collector"
	"github.com/edgelog/edgelog/lab/engines/broker"
)

// A run over a file (follow off) sums up what it read, shipped and
// dead-lettered, and the line says it in greppable pairs.
func TestSummary(t *testing.T) {
	dir := t.TempDir()
	b, err := broker.Start(broker.Config{Partitions: 2, Topics: []string{"requests"}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	path := writeLog(t, dir, 3000, map[int]string{7: "garbage", 1500: "not a log line either"})
	cfg := collector.Config{File: path, EdgeConfig: filepath.Join(dir, "edge.yaml"),
		Topic: "requests", DeadLetterFile: filepath.Join(dir, "dlq.jsonl"), BatchRows: 1000, SourceID: "test-source"}
	cfg.Kafka.Brokers = []string{b.Addr()}
	c, err := collector.New(cfg, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if before := c.Summary(time.Second); before != (collector.Summary{Elapsed: time.Second}) {
		t.Fatalf("summary before the run: %+v", before)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Summary(2 * time.Second)
	want := collector.Summary{LinesRead: 3000, Shipped: 2998, DeadLettered: 2, BytesRead: uint64(fi.Size()), Elapsed: 2 * time.Second} // #nosec G115 -- a test file's size
	if s != want {
		t.Fatalf("summary %+v, want %+v", s, want)
	}
	line := s.String()
	if !regexp.MustCompile(`^lines_read 3000 shipped 2998 dead_lettered 2 bytes_read \d+ seconds 2\.00 lines_per_s 1500$`).MatchString(line) {
		t.Errorf("summary line %q", line)
	}
}
