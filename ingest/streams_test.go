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

// insertCount is what peakInserts saw: the most INSERTs in flight at once
// and how many there were.
type insertCount struct{ peak, all atomic.Int32 }

// peakInserts makes w's INSERTs take at least hold (between the raw and
// the feed INSERT) and counts them.
func peakInserts(w *ingest.Worker, hold time.Duration) *insertCount {
	var cur atomic.Int32
	var c insertCount
	ingest.SetAfterRaw(w, func() error {
		c.all.Add(1)
		n := cur.Add(1)
		for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
		}
		time.Sleep(hold)
		cur.Add(-1)
		return nil
	})
	return &c
}

// TestSecondInsertStreamWhileBehind: with InsertConcurrency 2, INSERTs
// overlap while ingest drains a backlog of full batches (the even
// partitions' on one stream, the odd ones' on the other), and never while
// it keeps up (batches that go at their wait, long after the last INSERT
// ended: a message every 700 ms); with the default (1) they never
// overlap, and the backlog's batches go together (combine.go). Every row
// lands once in each case.
func TestSecondInsertStreamWhileBehind(t *testing.T) {
	// drain inserts a backlog of full batches with the given
	// InsertConcurrency (0: the default) and returns the most INSERTs in
	// flight at once and the mean batches an INSERT took.
	drain := func(t *testing.T, concurrency int) (peak int32, perInsert float64) {
		b := chtest.Broker(t, 4, topic, "dlq")
		db := chtest.NewDB(t)
		p := produceBalanced(t, b.Addr(), topic, &kafka.RoundRobin{}, 100, 1000, 5) // every partition
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w, done := startWorker(t, ctx, b.Addr(), db, func(c *ingest.Config) {
			c.BatchRows = 5000 // full batches: behind
			c.InsertConcurrency = concurrency
		})
		pk := peakInserts(w, 500*time.Millisecond)
		c := waitFeedEqual(t, db, p.rows, true)
		if short := feedShort(c); c["raw rows"] != p.rows || len(short) > 0 {
			t.Fatalf("produced %d rows; differ: %v (all %v)", p.rows, short, c)
		}
		cancel()
		<-done
		return pk.peak.Load(), float64(p.rows) / 5000 / float64(pk.all.Load())
	}
	t.Run("behind", func(t *testing.T) {
		if n, _ := drain(t, 2); n < 2 {
			t.Fatalf("at most %d INSERT at once while draining a backlog with two streams; want 2", n)
		}
	})
	t.Run("behind_default", func(t *testing.T) {
		n, per := drain(t, 0)
		if n != 1 {
			t.Fatalf("%d INSERTs at once with the default; want 1", n)
		}
		// While one INSERT holds for 500 ms, every partition reads
		// ahead a full batch: the next INSERT takes them together.
		if per < 2 {
			t.Fatalf("%.2f batches an INSERT while draining with one stream; want them together (>= 2)", per)
		}
	})
	t.Run("keeping_up", func(t *testing.T) {
		b := chtest.Broker(t, 4, topic, "dlq")
		db := chtest.NewDB(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w, done := startWorker(t, ctx, b.Addr(), db, func(c *ingest.Config) { c.InsertConcurrency = 2 }) // BatchWait 200ms
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
		if n := peak.peak.Load(); n != 1 {
			t.Fatalf("%d INSERTs at once while keeping up; want 1", n)
		}
		cancel()
		<-done
	})
}
