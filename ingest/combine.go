package ingest

import (
	"context"
	"errors"
	"slices"
	"time"
)

// Partitions flush their batches through combiners (Config.InsertConcurrency
// of them), each of which merges what is waiting into one INSERT. ClickHouse works per inserted block: every
// block writes a part per table and runs every materialized view once, so
// eight partitions' batches inserted as one block cost the raw table and
// the rollups far less than eight blocks would (fewer parts to write and
// merge, fewer and fuller aggregation passes). Under load the partitions read
// ahead while an insert runs (readahead.go) and the next insert takes all
// they read, up to MaxInsertRows; when idle the
// batches that waited go together, a wait apart (flushAt), after a 2 ms
// gather.
//
// Exactly-once is unchanged: a merged block is one atomic INSERT whose rows
// keep their own partition and offset, so the ledger view records each
// partition's range from it, and the landed-or-not check after a failed
// attempt asks the ledger about every partition in it.

// insertReq is one partition's batch waiting to be inserted.
type insertReq struct {
	b    *batch
	gctx context.Context
	done chan error
	// behind: the batch filled, or its time came while the partition's
	// previous batch was still inserting (readahead.go): INSERTs are not
	// keeping up with what arrives.
	behind bool
}

// A second INSERT stream (InsertConcurrency 2; the default is 1) runs only
// while ingest is behind: from an INSERT that says so until behindHold,
// or three times that INSERT's duration if longer, after it ended.
// Meanwhile partition p's batches go to stream p mod InsertConcurrency,
// otherwise all to the first (streams taking from one queue split them by
// chance: every partition's batches met in one INSERT, the free stream
// took them all). ClickHouse 18.16 runs an INSERT and its views on one
// thread: with one stream, a pipeline catching up used one core for
// INSERTs and left the other to merges, idle once they were done (a
// 20M-line bench: the cores 72-98% busy while ingest drained Kafka,
// 99-100% with two streams; 171-225k -> 247k requests a second, README
// "Issue 14, the drain"). Two streams all the time
// split the batches a wait brings into two INSERTs at any load: twice the
// INSERTs, each paying for a part per table and a pass of every view,
// which `edgelog bench --fresh` measured at moderate load as more
// ClickHouse CPU and staler figures (package doc, wait.go).
//
// One stream is the default since 2026-12-07. Since the rollup feed and
// the dictionary-coded raw strings an INSERT costs the server less, and
// ingest's own share is small, so the second stream no longer bought
// speed, only smaller blocks: with two streams a stream freed every few
// hundred milliseconds and took the one or two batches waiting (a
// 20M-line `edgelog bench`: 62-85 INSERTs of about 320k rows), with one
// all eight partitions' read-ahead batches wait for it and go together
// (38-43 INSERTs of about 500k). Alternated runs on the project's 2-core
// machine (README, "Latest"): at the bench's density 499,844 / 481,627
// req/s and ClickHouse 2.05 / 2.21 CPU-s per million (merges 0.82 /
// 0.92) against 504,814 / 496,415 and 2.26 / 2.34 (1.00 / 1.08); at the
// goal's (`--span 1m`) 732,611 req/s and 1.07 (0.34) against 676,478
// and 1.34 (0.54). Memory is unchanged: a partition holds two batches
// either way.
const behindHold = 2 * time.Second

var errGenerationEnded = errors.New("generation ended while retrying")

// gatherWait is how long the combiner waits, after a batch reaches it, for
// other partitions' batches to go in the same INSERT.
const gatherWait = 2 * time.Millisecond

// insertCombined hands b to the combiner and waits until its rows are in
// ClickHouse or abandoned. Once accepted it always waits for the outcome:
// a partition is never given up with its insert still in flight.
func (w *Worker) insertCombined(procCtx, gctx context.Context, b *batch) error {
	req, err := w.submit(procCtx, gctx, b, false)
	if err != nil {
		return err
	}
	return <-req.done
}

// submit hands b to the combiner; its outcome comes on the request's done.
func (w *Worker) submit(procCtx, gctx context.Context, b *batch, behind bool) (insertReq, error) {
	req := insertReq{b: b, gctx: gctx, done: make(chan error, 1), behind: behind}
	stream := w.inserts[0]
	if n := len(w.inserts); n > 1 && time.Now().UnixNano() < w.behindUntil.Load() {
		stream = w.inserts[b.partition%n]
	}
	select {
	case stream <- req:
		return req, nil
	case <-gctx.Done():
		return req, errGenerationEnded
	case <-procCtx.Done():
		return req, procCtx.Err()
	}
}

// combine runs until procCtx ends, inserting what partitions hand it on
// stream.
func (w *Worker) combine(procCtx context.Context, stream <-chan insertReq) {
	// On its own pool: clickhouse-go encodes a block into its connection's
	// buffer, which keeps its capacity, but the pool hands out its idle
	// connections oldest first, so on the shared pool (partitions' probes,
	// ledger reads) an INSERT mostly met a connection whose buffer had
	// never held a raw block and grew it again from nothing: growing it
	// was a tenth of ingest's CPU in the 20M-line bench (pprof: growslice
	// under ch-go's ColStr.EncodeColumn, 2.6 of 24.2 s).
	ins := newInserter(w.insertConn, w.cfg.CH.Database, w.dialect)
	ins.settings = workerSettings(w.dialect, w.cfg.InsertQuorum, w.cfg.InsertTimeout)
	merged := &batch{}
	for {
		var group []insertReq
		select {
		case r := <-stream:
			group = append(group, r)
		case <-procCtx.Done():
			return
		}
		// Partitions' batches that waited go at the same instant
		// (flushAt) but reach this queue a few microseconds apart: gather
		// them a moment before inserting.
		rows := group[0].b.block.Len()
		gather := time.NewTimer(gatherWait)
	more:
		for rows < w.cfg.MaxInsertRows {
			select {
			case r := <-stream:
				group = append(group, r)
				rows += r.b.block.Len()
			case <-gather.C:
				break more
			}
		}
		gather.Stop()
		// A batch of a generation that ended while it queued belongs to a
		// partition that may have another owner now: never insert it.
		live := group[:0]
		for _, r := range group {
			if r.gctx.Err() != nil {
				r.done <- errGenerationEnded
				continue
			}
			live = append(live, r)
		}
		if len(live) == 0 {
			continue
		}
		behind := slices.ContainsFunc(live, func(r insertReq) bool { return r.behind })
		if behind {
			w.behindUntil.Store(time.Now().Add(behindHold).UnixNano())
		}
		began := time.Now()
		b := live[0].b
		if len(live) > 1 {
			merged.reset()
			for _, r := range live {
				mergeInto(merged, r.b)
			}
			b = merged
			w.m.combined.Observe(float64(len(live)))
		}
		gctx, cancel := anyDone(live)
		ins.stream = w.streamName() // known: a partition learns it before its first batch
		err := w.insertWithRetry(procCtx, gctx, ins, b)
		cancel()
		if behind {
			w.behindUntil.Store(time.Now().Add(max(behindHold, 3*time.Since(began))).UnixNano())
		}
		for _, r := range live {
			r.done <- err
		}
	}
}

// mergeInto appends src's rows and provenance to dst.
func mergeInto(dst, src *batch) {
	dst.spans = append(dst.spans, src.parts()...)
	dst.block.AppendBlock(&src.block)
	dst.reserveProvenance(src.block.Len())
	dst.srcOffset = append(dst.srcOffset, src.srcOffset...)
	dst.srcFile = append(dst.srcFile, src.srcFile...)
	dst.srcEnd = append(dst.srcEnd, src.srcEnd...)
	dst.srcSeq = append(dst.srcSeq, src.srcSeq...)
	dst.fallbacks.appendFrom(&src.fallbacks)
	dst.messages += src.messages
}

// anyDone returns a context done when any request's generation ends:
// retrying stops then, and the whole merged batch is abandoned.
func anyDone(reqs []insertReq) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	var stops []func() bool
	for _, r := range reqs {
		stops = append(stops, context.AfterFunc(r.gctx, cancel))
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}
