package ingest_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/lab/engines/chtest"
)

// TestReadAheadBound holds a partition's second INSERT between its raw
// and feed INSERTs: the partition must read one batch past it (read-ahead)
// and no more (two batches a partition), and once released every row
// lands once. Batches here are five 1,000-row messages (BatchRows 5,000,
// a wait too long to matter); the first batch of an assignment is probed
// first and not read past.
func TestReadAheadBound(t *testing.T) {
	b := chtest.Broker(t, 1, topic, "dlq")
	db := chtest.NewDB(t)
	p := produce(t, b.Addr(), 30, 1000, 3)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, done := startWorker(t, ctx, b.Addr(), db, func(c *ingest.Config) {
		c.BatchRows = 5000
		c.BatchWait, c.BatchWaitMin = time.Minute, time.Minute
	})
	release := make(chan struct{})
	var calls atomic.Int32
	ingest.SetAfterRaw(w, func() error {
		if calls.Add(1) == 2 {
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		return nil
	})

	read := func() float64 { return ingest.MessagesRead(w) }
	deadline := time.Now().Add(30 * time.Second)
	for (calls.Load() < 2 || read() < 15) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second) // a partition reading past its bound shows by now
	if n, c := read(), calls.Load(); n != 15 || c != 2 {
		t.Fatalf("with the second batch held in its INSERT: %v messages read, %d INSERTs reached; want 15 (three batches: one landed, one inserting, one read ahead) and 2", n, c)
	}
	close(release)

	c := waitFeedEqual(t, db, p.rows, true)
	if short := feedShort(c); c["raw rows"] != p.rows || len(short) > 0 {
		t.Fatalf("produced %d rows; differ: %v (all %v)", p.rows, short, c)
	}
	cancel()
	<-done
}
