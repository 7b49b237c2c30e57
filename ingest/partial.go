package ingest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/edgelog/edgelog/schema"
)

// Partial INSERTs. ClickHouse 18.16 commits an INSERT's raw part, then
// each view's part, one after the other; a server killed in between keeps
// what it wrote. Since migration 18 the ledger's view runs last
// (schema.LedgerView), so an INSERT in the ledger is whole; one that is
// not may still have written its raw part and some views' parts. Ingest
// must send it again (a view that had not run needs the rows), and the
// tables written before the kill then hold those rows twice: a double
// count 18.16 cannot undo cheaply (a DELETE mutation rewrites every part
// of the raw table; a view's rows carry no offsets to find them by).
//
// So it is detected and recorded, never silent: after a failed INSERT has
// ended and the ledger lacks it, the raw table is asked for the batch's
// rows (groupCounts: by message, customer and host, over the batch's time
// range). Rows found there are the partial INSERT's: logged as an error,
// counted in edgelog_ingest_partial_insert_rows_total{partition} and
// stored in partial_inserts (schema.PartialInsertsTable) before the batch
// is sent again; `schema verify` lists them. Bounded: at most one batch
// per failed INSERT. A batch whose re-send fails in part again is
// recorded again, for its new rows only (what partial_inserts holds for
// its offsets already is subtracted).
//
// The feed's INSERT (rollup_feed, feed.go) can be cut the same way, and
// its rows carry no offsets into the rollups. Its first view writes the
// INSERT's offsets to feed_attempts (schema.FeedAttemptsView), before any
// rollup's: a failed feed INSERT found there and not in the feed ledger
// may have reached some rollups. It is recorded the same way, with the
// batch's requests as feed_requests (an upper bound: the kill may have
// come before any rollup's view), counted in
// edgelog_ingest_partial_feed_requests_total{partition}, and sent again.
//
// A worker that dies too after its INSERT failed (or whose generation
// ends while ClickHouse is away) leaves the check to the partition's next
// owner: the first batch a worker inserts after an assignment is probed
// the same way before its INSERT (probeFirst; one query per assignment).
// By then every INSERT of the old owner has ended (earlierInsertsEnded),
// so rows past the ledger are a partial INSERT's.

// probeRaw records the rows of b the raw table holds although the ledger
// does not have b, less those recorded already for the same partition
// and offsets (an earlier attempt of the same batch, or the old owner's
// probe of it).
func (w *Worker) probeRaw(ctx context.Context, b *batch) error {
	db := w.cfg.CH.Database
	from := 0
	for _, s := range b.parts() {
		to := from + s.rows
		_, have, err := groupCounts(ctx, w.conn, db, w.streamArgs(), b, s.partition, from, to, -1)
		if err != nil {
			return err
		}
		var found uint64
		for _, n := range have {
			found += n
		}
		minOff, maxOff := offsetRange(b, from, to)
		from = to
		if found == 0 {
			continue
		}
		extra, err := w.unrecorded(ctx, "raw_rows", s.partition, minOff, maxOff, found)
		if err != nil {
			return err
		}
		if extra == 0 {
			continue
		}
		if err := w.recordPartial(ctx, s.partition, minOff, maxOff, extra, 0); err != nil {
			return err
		}
		w.m.partialRows.WithLabelValues(strconv.Itoa(s.partition)).Add(float64(extra))
		w.log.Error("a failed INSERT landed in part: the server wrote its raw rows but not its ledger row (it stopped within the INSERT); the batch is sent again, so these rows are counted twice in the raw table and at most as often in each rollup (recorded in partial_inserts)",
			"partition", s.partition, "min_offset", minOff, "max_offset", maxOff, "raw_rows", extra)
	}
	return nil
}

// probeFeed records the feed INSERTs of b that began (feed_attempts) but
// are not in the feed ledger: each may have reached some rollups with
// the batch's requests, less what is recorded already for its offsets.
func (w *Worker) probeFeed(ctx context.Context, b *batch) error {
	db := w.cfg.CH.Database
	from := 0
	for _, s := range b.parts() {
		to := from + s.rows
		minOff, maxOff := offsetRange(b, from, to)
		from = to
		var attempts uint64
		q := fmt.Sprintf("SELECT count() FROM %s.%s WHERE src_stream IN (?, ?) AND src_partition = ? AND min_offset <= ? AND max_offset >= ?", db, schema.FeedAttemptsTable)
		if err := w.conn.QueryRow(ctx, q, append(w.streamArgs(), uint16(s.partition), maxOff, minOff)...).Scan(&attempts); err != nil { // #nosec G115 -- Kafka partition ids are < 2^16
			return fmt.Errorf("cannot read the feed's attempts: %w", err)
		}
		if attempts == 0 {
			continue
		}
		extra, err := w.unrecorded(ctx, "feed_requests", s.partition, minOff, maxOff, attempts*uint64(s.rows)) // #nosec G115 -- a row count
		if err != nil {
			return err
		}
		if extra == 0 {
			continue
		}
		if err := w.recordPartial(ctx, s.partition, minOff, maxOff, 0, extra); err != nil {
			return err
		}
		w.m.partialFeed.WithLabelValues(strconv.Itoa(s.partition)).Add(float64(extra))
		w.log.Error("a failed feed INSERT had begun: the server may have written some rollups' rows but not the feed ledger's (it stopped within the INSERT); the batch's feed rows are sent again, so up to these requests are counted twice in those rollups (recorded in partial_inserts)",
			"partition", s.partition, "min_offset", minOff, "max_offset", maxOff, "feed_requests", extra)
	}
	return nil
}

// offsetRange is the least and greatest Kafka offset of b's rows
// from..to.
func offsetRange(b *batch, from, to int) (uint64, uint64) {
	lo, hi := b.srcOffset[from], b.srcOffset[from]
	for _, o := range b.srcOffset[from:to] {
		lo, hi = min(lo, o), max(hi, o)
	}
	return lo, hi
}

// unrecorded is found less what partial_inserts holds in column for the
// partition's offsets overlapping [lo, hi] (0 when not more).
func (w *Worker) unrecorded(ctx context.Context, column string, partition int, lo, hi, found uint64) (uint64, error) {
	var recorded uint64
	q := fmt.Sprintf("SELECT toUInt64(sum(%s)) FROM %s.%s WHERE src_stream = ? AND src_partition = ? AND min_offset <= ? AND max_offset >= ?", column, w.cfg.CH.Database, schema.PartialInsertsTable)
	if err := w.conn.QueryRow(ctx, q, w.streamName(), uint16(partition), hi, lo).Scan(&recorded); err != nil { // #nosec G115 -- Kafka partition ids are < 2^16
		return 0, fmt.Errorf("cannot read recorded partial inserts: %w", err)
	}
	if found <= recorded {
		return 0, nil
	}
	return found - recorded, nil
}

// recordPartial stores one partial INSERT in partial_inserts.
func (w *Worker) recordPartial(ctx context.Context, partition int, lo, hi, rawRows, feedRequests uint64) error {
	if err := w.insertRow(ctx, fmt.Sprintf("INSERT INTO %s.%s (src_stream, src_partition, min_offset, max_offset, raw_rows, feed_requests, detected_at)", w.cfg.CH.Database, schema.PartialInsertsTable),
		w.streamName(), uint16(partition), lo, hi, rawRows, feedRequests, time.Now().UTC()); err != nil { // #nosec G115 -- Kafka partition ids are < 2^16
		return fmt.Errorf("cannot record a partial insert: %w", err)
	}
	return nil
}

// probeBeforeInsert probes b with probe (probeRaw before the raw INSERT
// of a partition's first batch after an assignment, probeFeed before the
// feed INSERT of a feed-only batch), retrying until the probe is done;
// false when the generation ended first.
func (w *Worker) probeBeforeInsert(gctx context.Context, b *batch, probe func(context.Context, *batch) error) bool {
	return w.retry(gctx, w.chWarn.Fail, "cannot look for a partial insert, retrying", func() error { return probe(gctx, b) }, "partition", b.partition) == nil
}
