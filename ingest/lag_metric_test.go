package ingest_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/lab/engines/chtest"
)

// TestLastMessageTimestamp checks the gauge the ingest-lag alert reads:
// after a worker read a partition, its series holds the Kafka timestamp of
// the last message read (the producer's time), so time() minus it is how
// far ingest is behind while messages wait.
func TestLastMessageTimestamp(t *testing.T) {
	b := chtest.Broker(t, 2, topic, "dlq")
	db := chtest.NewDB(t)
	before := time.Now().Add(-time.Second)
	p := produce(t, b.Addr(), 10, 100, 0)
	after := time.Now().Add(time.Second)
	cfg := ingest.Config{Topic: topic, GroupID: "g", DeadLetterTopic: "dlq", BatchRows: 5000, BatchWait: 200 * time.Millisecond}
	cfg.Kafka.Brokers = []string{b.Addr()}
	cfg.CH = chtest.Config(t, db)
	reg := prometheus.NewRegistry()
	w, err := ingest.New(cfg, reg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	waitRows(t, db, p.rows, time.Minute)
	cancel()
	<-done
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mf := range mfs {
		if mf.GetName() != "edgelog_ingest_last_message_timestamp_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			n++
			ts := time.UnixMilli(int64(m.GetGauge().GetValue() * 1000))
			if ts.Before(before) || ts.After(after) {
				t.Errorf("partition %v: last message at %s, produced between %s and %s", m.GetLabel(), ts, before, after)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d partitions with a last message timestamp, want 2", n)
	}
}
