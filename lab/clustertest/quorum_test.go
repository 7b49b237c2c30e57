package clustertest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/lab/engines/chtest"
)

// TestQuorumHoldsOffsets runs ingest with --insert-quorum 2 on the 1 shard
// x 2 replicas cluster and stops the second replica mid-run: the worker's
// INSERTs fail, it reports unhealthy and holds its offsets (nothing is
// committed that one replica alone holds); once the replica is back every
// offset is committed and both replicas hold every row and every rollup
// row, exactly.
func TestQuorumHoldsOffsets(t *testing.T) {
	c := replicas(t)
	const db = "quorum"
	ctx := context.Background()
	m := migrator(t, connectTo(t, c.Server(0, 0)), db, c.Name)
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b := chtest.Broker(t, ingestPartitions, ingestTopic, "dlq")
	first := generated(t, 10_000, 41)
	end := produceBlock(t, b.Addr(), first, 1_000)

	cfg := ingest.Config{Topic: ingestTopic, GroupID: ingestGroup, DeadLetterTopic: "dlq", BatchRows: 3000, BatchWait: 100 * time.Millisecond,
		InsertQuorum: 2, RetryMax: time.Second}
	cfg.Kafka.Brokers = []string{b.Addr()}
	cfg.CH = chconn.Config{Addr: c.Server(0, 0).Addr(), Database: db}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.Default()
	}
	w, err := ingest.New(cfg, prometheus.NewRegistry(), log)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitCommitted(t, b.Addr(), end, 2*time.Minute)

	second := c.Server(0, 1)
	second.Stop()
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			second.Restart(context.Background()) // #nosec G104 -- the next test needs the replica back
		}
	})
	later := generated(t, 6_000, 42)
	end2 := produceBlock(t, b.Addr(), later, 1_000)
	deadline := time.Now().Add(time.Minute)
	for w.Healthy() == nil {
		if time.Now().After(deadline) {
			t.Fatal("worker healthy with one of two quorum replicas down")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // retries meanwhile
	if held := committed(t, b.Addr()); !sameOffsets(held, end) {
		t.Fatalf("offsets committed %v while a quorum replica was down, want them held at %v", held, end)
	}
	if err := second.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	restarted = true
	waitCommitted(t, b.Addr(), end2, 3*time.Minute)
	all := truth(first)
	for cust, s := range truth(later) {
		x := all[cust]
		x.requests += s.requests
		x.bytesOut += s.bytesOut
		all[cust] = x
	}
	// Right at the commit, with no sync: the quorum says both have it.
	checkLocalTables(t, connectTo(t, c.Server(0, 1)), db, all)
	checkLocalTables(t, connectTo(t, c.Server(0, 0)), db, all)
}

// committed returns the group's committed offset of every partition.
func committed(t *testing.T, addr string) map[int]int64 {
	t.Helper()
	parts := make([]int, ingestPartitions)
	for i := range parts {
		parts[i] = i
	}
	client := &kafka.Client{Addr: kafka.TCP(addr)}
	resp, err := client.OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: ingestGroup, Topics: map[string][]int{ingestTopic: parts}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]int64{}
	for _, p := range resp.Topics[ingestTopic] {
		out[p.Partition] = p.CommittedOffset
	}
	return out
}

func sameOffsets(got, want map[int]int64) bool {
	for p, o := range want {
		if o > 0 && got[p] != o {
			return false
		}
	}
	return true
}
