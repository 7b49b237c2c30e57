package ingest

import (
	"context"
	"time"
)

// Read-ahead. A partition hands a batch of raw rows to the combiner and
// reads on into its next batch while the first is inserted; the next is
// handed only once the first is answered, so a partition still has at
// most one batch in flight and its rows land in order, and it holds at
// most two batches: one inserting and one filling, each within BatchRows
// and BatchBytes (the reader's 16 prefetched messages on top).
//
// Why: a partition that waited for its INSERT before reading again left
// ClickHouse idle between INSERTs under load. Its next batch started when
// the INSERT ended and went a wait later (flushAt), so each INSERT held
// what the partitions read in that gap, not what arrived while the last
// one ran: in a 20M-line `edgelog bench` 51 INSERTs of 392k rows, and the
// two cores 74-99% busy after the collector had shipped the file. Reading
// ahead, a loaded pipeline's next INSERT takes what arrived while the
// last one ran, up to MaxInsertRows, and follows it at once: 43-47
// INSERTs of 425-465k rows in the same bench (the cores were still not
// all busy: ClickHouse inserts on one thread; combine.go's second stream
// while behind is the rest).
//
// Batches that need ClickHouse asked before they are inserted (the first
// after an assignment, a cluster's re-read rows, feed-only rows) are not
// read past: they wait for the batch in flight and go as before.

// handedBatch is a batch the combiner has and has not yet answered for.
type handedBatch struct {
	b          *batch
	err        error
	handedAt   time.Time
	answeredAt time.Time
	done       context.Context // done once err and answeredAt are set
}

// readsAhead reports whether the partition may read past b while it is
// inserted.
func readsAhead(b *batch) bool {
	return b.block.Len() > 0 && !b.feedOnly && b.recheckUpTo < 0 && !b.probeFirst
}

// handOver gives b to the combiner without waiting for its INSERT (behind:
// see insertReq). It returns false when the generation or the process
// ended first.
func (w *Worker) handOver(procCtx, gctx context.Context, b *batch, behind bool) (*handedBatch, bool) {
	req, err := w.submit(procCtx, gctx, b, behind)
	if err != nil {
		return nil, false
	}
	done, answered := context.WithCancel(context.Background())
	h := &handedBatch{b: b, handedAt: time.Now(), done: done}
	go func() {
		h.err = <-req.done
		h.answeredAt = time.Now()
		answered()
	}()
	return h, true
}

// wait returns the batch's outcome once the combiner answered (nil for no
// batch).
func (h *handedBatch) wait() error {
	if h == nil {
		return nil
	}
	<-h.done.Done()
	return h.err
}

// answered reports whether the combiner answered.
func (h *handedBatch) answered() bool {
	return h != nil && h.done.Err() != nil
}

// wakes returns ctx, also cancelled when the batch is answered, and a
// cancel that releases both.
func (h *handedBatch) wakes(ctx context.Context, cancel context.CancelFunc) (context.Context, context.CancelFunc) {
	ctx, cancelWake := context.WithCancel(ctx)
	stop := context.AfterFunc(h.done, cancelWake)
	return ctx, func() {
		stop()
		cancelWake()
		cancel()
	}
}
