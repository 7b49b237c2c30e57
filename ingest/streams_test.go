package ingest_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/lab/engines/chtest"
)

// peakInserts makes w's INSERTs take at least hold (between the raw and
// the feed INSERT) and returns the most that were in flight at once.
func peakInserts(w *ingest.Worker, hold time.Duration) *atomic.Int32 {
	var cur, peak atomic.Int32
	ingest.SetAfterRaw(w, func() error {
		n := cur.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(hold)
		cur.Add(-1)
		return nil
	})
	return &peak
}

// TestSecondInsertStreamWhileBehind: with the default InsertConcurrency
// (2), INSERTs overlap while ingest drains a backlog of full batches (the
// even partitions' on one stream, the odd ones' on the other), and never
// while it keeps up (batches that go at their wait, long after the
// last INSERT ended: a message every 700 ms). Every row lands once
// either way.
func TestSecondInsertStreamWhileBehind(t *testing.T) {
	t.Run("behind", func(t *testing.T) {
		b := chtest.Broker(t, 4, topic, "dlq")
		db := chtest.NewDB(t)
		p := produceBalanced(t, b.Addr(), topic, &kafka.RoundRobin{}, 100, 1000, 5) // every partition
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w, done := startWorker(t, ctx, b.Addr(), db, func(c *ingest.Config) {
			c.BatchRows = 5000 // full batches: behind
		})
		peak := peakInserts(w, 500*time.Millisecond)
		c := waitFeedEqual(t, db, p.rows, true)
		if short := feedShort(c); c["raw rows"] != p.rows || len(short) > 0 {
			t.Fatalf("produced %d rows; differ: %v (all %v)", p.rows, short, c)
		}
		if n := peak.Load(); n < 2 {
			t.Fatalf("at most %d INSERT at once while draining a backlog; want 2", n)
		}
		cancel()
		<-done
	})
	t.Run("keeping_up", func(t *testing.T) {
		b := chtest.Broker(t, 4, topic, "dlq")
		db := chtest.NewDB(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w, done := startWorker(t, ctx, b.Addr(), db, nil) // BatchWait 200ms
		peak := peakInserts(w, 20*time.Millisecond)
		var rows uint64
		for i := range 8 {
			rows += produce(t, b.Addr(), 1, 1000, 10+i).rows
			time.Sleep(700 * time.Millisecond)
		}
		c := waitFeedEqual(t, db, rows, true)
		if short := feedShort(c); c["raw rows"] != rows || len(short) > 0 {
			t.Fatalf("produced %d rows; differ: %v (all %v)", rows, short, c)
		}
		if n := peak.Load(); n != 1 {
			t.Fatalf("%d INSERTs at once while keeping up; want 1", n)
		}
		cancel()
		<-done
	})
}
