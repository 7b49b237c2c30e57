package ingest

import (
	"context"
	"strconv"
	"time"

	"github.com/edgelog/edgelog/schema"
)

// Feed rows whose messages Kafka no longer has.
//
// After a crash between a batch's two INSERTs (feed.go), its messages'
// feed rows are inserted when the partition's next owner reads them again
// from Kafka. If that owner comes later than the topic's retention, Kafka
// has deleted them: their raw rows are in ClickHouse, their rollup rows
// are not, and reading on would leave the five sum rollups short of the
// raw table for good (schema verify would show it). The raw rows hold
// everything the feed rows are made of, so the missing ones are computed
// from them in ClickHouse (schema.FeedFromRaw: the same grouping as
// ingest's, in SQL), for exactly the offsets Kafka lacks, and counted in
// edgelog_ingest_feed_rebuilt_offsets_total.
//
// Exactly once: the rebuilt rows go through the feed, whose ledger view
// records their offsets in the same INSERT; before each attempt the feed
// ledger is read again, so an attempt that landed although its answer was
// lost is not repeated. Its cost: a scan of the raw table's src_partition
// and src_offset columns (they are not in its sort key), paid only in this
// rare case.

// feedRebuild is off only in the test that shows what it is for
// (export_test.go).
var feedRebuild = true

// rebuildLostFeed rebuilds the feed rows of partition's offsets in
// (feedLedger, ledger] that Kafka no longer has and returns the feed
// ledger after it. It returns false when the generation ended first.
func (w *Worker) rebuildLostFeed(gctx context.Context, partition int, feedLedger, ledger int64) (int64, bool) {
	start, ok := w.retryLogStart(gctx, partition)
	if !ok {
		return 0, false
	}
	if start <= feedLedger+1 || !feedRebuild {
		return feedLedger, true // Kafka has them: they are read again
	}
	to := min(start-1, ledger)
	from := feedLedger + 1
	log := w.log.With("partition", partition, "from_offset", from, "to_offset", to)
	where := "src_stream IN (?, ?) AND src_partition = ? AND src_offset >= ? AND src_offset <= ?"
	args := append(w.streamArgs(), uint16(partition), uint64(from), uint64(to)) // #nosec G115 -- partition < 2^16, offsets >= 0
	for delay := 200 * time.Millisecond; ; delay = min(2*delay, w.cfg.RetryMax) {
		err := w.conn.Exec(gctx, schema.FeedFromRaw(w.cfg.CH.Database, w.dialect, where), args...)
		if err == nil {
			break
		}
		w.chWarn.Fail("cannot rebuild feed rows from raw rows, retrying", "partition", partition, "err", err)
		if !sleepCtx(gctx, delay) {
			return 0, false
		}
		// The attempt may have landed though its answer was lost.
		if max, err := w.feedLedgerMax(gctx, partition); err == nil && max >= to {
			break
		}
	}
	w.m.feedRebuilt.WithLabelValues(strconv.Itoa(partition)).Add(float64(to - from + 1))
	log.Warn("Kafka no longer has messages whose rollup rows were not inserted (a crash between a batch's two INSERTs, then retention): their feed rows were rebuilt from their raw rows")
	return to, true
}
