package ingest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/internal/deadletter"
	"github.com/edgelog/edgelog/internal/kafkaconf"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
)

// consume runs one partition for one generation: fill a batch, insert it,
// commit, repeat. procCtx is the process's lifetime, gctx the generation's.
func (w *Worker) consume(procCtx, gctx context.Context, gen *kafka.Generation, partition int, offset int64) {
	log := w.log.With("partition", partition)
	if err := w.resolveStream(gctx); err != nil {
		return // generation ended while Kafka did not answer
	}
	// Claimed before anything else is asked of ClickHouse: the live
	// counter's watermark waits for this partition's first INSERT
	// (claim.go).
	stamp := time.Now().UnixMilli()
	if !w.claim(gctx, partition, stamp, false) {
		return
	}
	// The partition's previous owner may have left an INSERT running on
	// the server (a client that gives up does not stop it): the ledger is
	// read once those have ended, or it could miss rows about to land.
	if !w.earlierInsertsEnded(gctx) {
		return
	}
	ledger, err := w.retryLedger(gctx, partition)
	if err != nil {
		return // generation ended while ClickHouse was unreachable
	}
	sources, err := w.retrySourceLedger(gctx, partition)
	if err != nil {
		return
	}
	dist, err := w.retryDistributed(gctx)
	if err != nil {
		return
	}
	// feedLedger: messages up to it have their feed rows in ClickHouse;
	// those after it and up to ledger have raw rows only (a crash between
	// a batch's two INSERTs, or an ingest older than the feed): they are
	// read again and only their feed rows inserted (feed.go).
	feedLedger, err := w.retryFeedLedger(gctx, partition, ledger)
	if err != nil {
		return
	}
	if feedLedger < ledger {
		// Kafka may have deleted some (feedrepair.go).
		var ok bool
		if feedLedger, ok = w.rebuildLostFeed(gctx, partition, feedLedger, ledger); !ok {
			return
		}
	}
	next := expectedOffset(offset, ledger) // see gap.go
	if feedLedger < ledger && (offset < 0 || offset > feedLedger+1) {
		offset = feedLedger + 1
	}
	if offset < 0 {
		offset = kafka.FirstOffset
	}
	r := kafka.NewReader(kafkaconf.PartitionReader(w.cfg.Kafka.Brokers, w.dialer, w.cfg.Topic, partition))
	defer r.Close()
	if err := r.SetOffset(offset); err != nil {
		log.Error("cannot seek", "offset", offset, "err", err)
		return
	}
	w.releaseIfIdle(gctx, r, partition, stamp)
	log.Info("consuming", "from_offset", offset, "ledger_max", ledger, "feed_ledger_max", feedLedger)

	b := &batch{partition: partition, probeFirst: !dist}
	b.reset()
	// Read-ahead (readahead.go): a batch of raw rows is handed to the
	// combiner and the partition reads on into spare while it inserts.
	var ahead *handedBatch
	spare := &batch{partition: partition}
	spare.reset()
	defer func() { _ = ahead.wait() }() // never leave with an INSERT in flight (its outcome is moot then)
	dec := wire.Decoder{MaxDecodedBytes: w.cfg.MaxDecodedBytes}
	var badRows, scratch record.Block
	skew := skewSeen{}
	var started time.Time // when the batch's first message was read
	// settle waits for the batch in flight and commits its offsets.
	settle := func() bool {
		h := ahead
		if h == nil {
			return true
		}
		ahead = nil
		if h.wait() != nil {
			return false
		}
		w.stages.flushSecs.Observe(h.answeredAt.Sub(h.handedAt).Seconds())
		w.commit(gen, h.b)
		w.writeSkew(gctx, skew)
		h.b.reset()
		spare = h.b
		return gctx.Err() == nil
	}
	// due: the batch's time came while another was in flight; it goes as
	// soon as that one is answered, and grows until then.
	due := false
	flush := func() bool {
		behind := due || b.block.Len() >= w.cfg.BatchRows || b.block.SizeBytes() >= w.cfg.BatchBytes
		due = false
		if !settle() {
			return false
		}
		held, handed := b.last >= 0, time.Now()
		if readsAhead(b) {
			h, ok := w.handOver(procCtx, gctx, b, behind)
			if !ok {
				return false
			}
			w.stages.batchAge.Observe(handed.Sub(started).Seconds())
			ahead, b, spare = h, spare, nil
			return true
		}
		ok := w.flush(procCtx, gctx, gen, b)
		if held && ok {
			w.stages.batchAge.Observe(handed.Sub(started).Seconds())
			w.stages.flushSecs.Observe(time.Since(handed).Seconds())
		}
		if ok {
			w.writeSkew(gctx, skew)
		}
		return ok
	}
	for {
		fetchCtx, cancel := gctx, context.CancelFunc(func() {})
		if b.last >= 0 && !due {
			fetchCtx, cancel = context.WithDeadline(gctx, flushAt(started, w.waits.wait())) // wait.go
		}
		if ahead != nil {
			// Wake when the batch in flight is answered, to commit it.
			fetchCtx, cancel = ahead.wakes(fetchCtx, cancel)
		}
		msg, err := r.FetchMessage(fetchCtx)
		cancel()
		if err != nil {
			if gctx.Err() != nil || procCtx.Err() != nil {
				return // abandon the batch; the next owner re-reads it
			}
			deadline := errors.Is(err, context.DeadlineExceeded)
			if ahead.answered() {
				if !settle() {
					return
				}
				if (due || deadline) && !flush() {
					return
				}
				continue
			}
			if deadline && ahead != nil {
				due = true // read on until the batch in flight is answered
				continue
			}
			if deadline {
				if !flush() {
					return
				}
				continue
			}
			w.kafkaWarn.Fail("fetch", "partition", partition, "err", err)
			if !sleepCtx(gctx, 500*time.Millisecond) {
				return
			}
			continue
		}
		if next >= 0 && msg.Offset > next && !w.offsetGap(gctx, partition, next, msg.Offset) {
			return
		}
		next = msg.Offset + 1
		w.m.messages.Inc()
		w.m.lag.WithLabelValues(strconv.Itoa(partition)).Set(float64(msg.HighWaterMark - msg.Offset - 1))
		if !msg.Time.IsZero() {
			w.stages.messageAge.Observe(time.Since(msg.Time).Seconds())
			w.m.lastMsgTime.WithLabelValues(strconv.Itoa(partition)).Set(float64(msg.Time.UnixMilli()) / 1000)
		}
		if msg.Offset > feedLedger && msg.Offset <= ledger {
			// Raw rows in ClickHouse, feed rows not: a feed-only batch.
			// Messages before it in the batch are ones both ledgers hold
			// (skipped, or on a cluster re-checked): the batch goes first,
			// committing them. It happens whenever the committed offset
			// trails the feed ledger, which trails the raw ledger: a
			// commit failed or was never made (the broker down, the worker
			// killed), then a crash cut a later batch between its raw and
			// feed INSERTs (this was a panic until the 10-minute chaos run
			// of 2026-12-07 met it; TestSkippedThenFeedOnly).
			if b.last >= 0 && !b.feedOnly {
				if !flush() {
					return
				}
			}
			b.feedOnly = true
		} else if b.feedOnly {
			// The first new message: the feed-only rows go first.
			if !flush() {
				return
			}
		}
		// The batch's clock starts with its first message, after the
		// flushes above: a message that ends one batch starts the next.
		if b.last < 0 {
			started = time.Now()
		}
		b.last = msg.Offset
		if msg.Offset <= ledger && !b.feedOnly {
			if !dist {
				w.m.skipped.Inc()
				continue
			}
			// On a cluster the last INSERT before a crash may have
			// reached some shards only: such messages are read again and
			// their rows that no shard holds are inserted (dropLanded).
			b.recheckUpTo = ledger
		}
		if b.first < 0 {
			b.first = msg.Offset
		}
		src, srcEnd, srcSeq := wire.SourceOf(msg.Headers)
		// A feed-only message is in the source ledger if its rows are in
		// the raw table: the raw table says which are (flushFeedOnly).
		if src != "" && !b.feedOnly && sources.inserted(src, srcEnd, srcSeq) {
			// A collector re-sent a batch it had already delivered (it
			// crashed before its checkpoint): the rows are in ClickHouse.
			w.m.resent.Inc()
			continue
		}
		before := b.block.Len()
		if err := dec.Decode(&b.block, msg.Value); err != nil {
			b.block.Truncate(before)
			if msg.Offset <= ledger {
				continue // dead-lettered the first time it was read
			}
			if !w.deadLetter(gctx, msg, err) {
				return
			}
			continue
		}
		// Rows ClickHouse cannot store go to the dead letters alone; the
		// rest of the message is inserted (timecheck.go).
		if splitInvalidTime(&b.block, before, &badRows, &scratch) > 0 && msg.Offset > ledger {
			if !w.deadLetterRows(gctx, msg, src, &badRows) {
				return
			}
		}
		badRows.Reset()
		if !b.feedOnly {
			w.m.clockSkewedRows.Add(float64(skew.observe(&b.block, before, time.Now())))
		}
		b.reserveProvenance(b.block.Len() - before)
		for range b.block.Len() - before {
			b.srcOffset = append(b.srcOffset, uint64(msg.Offset)) // #nosec G115 -- a fetched message's offset is >= 0
			b.srcFile = append(b.srcFile, src)
			b.srcEnd = append(b.srcEnd, srcEnd)
			b.srcSeq = append(b.srcSeq, srcSeq)
		}
		if !b.feedOnly {
			b.fallbacks.add(msg, b.block.TimeMs[before:])
		}
		if src != "" && !b.feedOnly {
			// Rows of this batch will be in ClickHouse when the batch is;
			// if the insert is abandoned, this ledger is dropped with it.
			sources.add(src, srcEnd, srcSeq)
		}
		b.messages++
		if b.block.Len() >= w.cfg.BatchRows || b.block.SizeBytes() >= w.cfg.BatchBytes {
			if !flush() {
				return
			}
		}
	}
}

// deadLetterReasons are every value reasonOf returns (the reason label of
// edgelog_ingest_dead_letters_total, pre-initialised at 0).
var deadLetterReasons = []string{"bad_magic", "unknown_version", "corrupt", "invalid_rows", "invalid_time"}

func reasonOf(err error) string {
	switch {
	case errors.Is(err, wire.ErrMagic):
		return "bad_magic"
	case errors.Is(err, wire.ErrVersion):
		return "unknown_version"
	case errors.Is(err, wire.ErrCorrupt):
		return "corrupt"
	case errors.Is(err, wire.ErrTooLarge):
		return "too_large"
	default:
		return "invalid_rows"
	}
}

// deadLetter stores an undecodable message, retrying until it is stored or
// the generation ends (then the message is re-read by the next owner).
func (w *Worker) deadLetter(gctx context.Context, msg kafka.Message, cause error) bool {
	reason := reasonOf(cause)
	l := deadletter.Letter{Stage: "ingest", Reason: reason + ": " + cause.Error(), Source: msg.Topic,
		Partition: msg.Partition, Offset: msg.Offset, Time: time.Now().UTC(), Data: msg.Value}
	return w.writeLetter(gctx, l, reason)
}

// writeLetter stores one letter, retrying until it is stored or the
// generation ends.
func (w *Worker) writeLetter(gctx context.Context, l deadletter.Letter, reason string) bool {
	if w.retry(gctx, w.log.Warn, "cannot dead-letter, retrying", func() error { return w.dlq.Write(gctx, []deadletter.Letter{l}) }) != nil {
		return false
	}
	w.m.deadLetters.WithLabelValues(reason).Inc()
	w.log.Warn("dead-lettered message", "partition", l.Partition, "offset", l.Offset, "reason", l.Reason)
	return true
}

// flush inserts the batch (retrying while ClickHouse is down) and commits
// the offset after it. It returns false when the generation or process
// ended first; the batch is then abandoned, never half-committed.
func (w *Worker) flush(procCtx, gctx context.Context, gen *kafka.Generation, b *batch) bool {
	if b.last < 0 {
		return true
	}
	if b.recheckUpTo >= 0 && b.block.Len() > 0 {
		if err := w.retryDropLanded(gctx, b); err != nil {
			return false
		}
	}
	if b.feedOnly && b.block.Len() > 0 {
		if err := w.flushFeedOnly(procCtx, gctx, b); err != nil {
			return false
		}
	} else if b.block.Len() > 0 {
		if b.probeFirst && !w.probeBeforeInsert(gctx, b, w.probeRaw) {
			return false
		}
		b.probeFirst = false
		if err := w.insertCombined(procCtx, gctx, b); err != nil {
			return false
		}
	}
	w.commit(gen, b)
	b.reset()
	return gctx.Err() == nil
}

// commit commits the offset after b's last message.
func (w *Worker) commit(gen *kafka.Generation, b *batch) {
	if err := gen.CommitOffsets(map[string]map[int]int64{w.cfg.Topic: {b.partition: b.last + 1}}); err != nil {
		// Not fatal: the ledger already records the rows, so whoever reads
		// this range again skips it.
		w.log.Warn("cannot commit offset", "partition", b.partition, "offset", b.last+1, "err", err)
	}
}

// insertWithRetry inserts b's raw rows, then, where the database has the
// rollup feed, its feed rows, each retried until it landed (feed.go).
// A feed-only batch has its raw rows in ClickHouse already.
func (w *Worker) insertWithRetry(procCtx, gctx context.Context, ins *inserter, b *batch) error {
	start := time.Now()
	if !b.feedOnly {
		if err := w.retryInsert(procCtx, gctx, b, ins.insert, w.landed); err != nil {
			return err
		}
	}
	if w.feed.Load() {
		// No new INSERT once the generation ended: the partition's next
		// owner may read the ledgers now, and re-reads the batch for its
		// feed rows (this bounds an old owner's overlap to one INSERT).
		if gctx.Err() != nil {
			return errGenerationEnded
		}
		if f := w.afterRaw.Load(); f != nil {
			if err := (*f)(); err != nil {
				return err
			}
		}
		if err := w.retryInsert(procCtx, gctx, b, ins.insertFeed, w.feedLanded); err != nil {
			return err
		}
	}
	if b.feedOnly {
		w.failingSince.Store(0) // rows counted when their raw rows were inserted
		return nil
	}
	w.insertDone(b.block.Len(), time.Since(start))
	return nil
}

// retryInsert runs insert until it succeeded or landed says its rows are
// in ClickHouse after a failure.
func (w *Worker) retryInsert(procCtx, gctx context.Context, b *batch, insert func(context.Context, *batch) error, landed func(context.Context, *batch) (bool, error)) error {
	rows := b.block.Len()
	// pending is a failed INSERT's query id until it is known to have
	// ended: it may still have landed, or still be running on the server,
	// which does not stop an INSERT when its client goes away. Once it has
	// ended the ledger says for sure; sending the batch again before that
	// double-counts (checking at once let a 20 s timeout on a busy server
	// insert a batch twice: 433,950 extra rows in a 20M-line benchmark).
	pending := ""
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, w.cfg.RetryMax) {
		var err error
		if pending != "" {
			running, qerr := w.running(procCtx, pending)
			switch {
			case qerr != nil:
				err = fmt.Errorf("cannot tell whether the failed insert ended: %w", qerr)
			case running:
				err = errors.New("the failed insert is still running on the server")
			default:
				ok, lerr := landed(procCtx, b)
				switch {
				case lerr != nil:
					err = lerr
				case ok:
					w.chWarn.OK()
					return nil
				default:
					pending = ""
				}
			}
		}
		if pending == "" {
			queryID := fmt.Sprintf("%s%016x", insertIDPrefix, rand.Uint64()) // #nosec G404 -- a query id to find the INSERT again, not a secret
			ctx, cancel := context.WithTimeout(clickhouse.Context(procCtx, clickhouse.WithQueryID(queryID)), w.cfg.InsertTimeout)
			err = insert(ctx, b)
			cancel()
			if err == nil {
				w.chWarn.OK()
				return nil
			}
			pending = queryID
		}
		w.failingSince.CompareAndSwap(0, time.Now().UnixNano())
		w.m.retries.Inc()
		w.chWarn.Fail("insert failed, retrying", "partition", b.partition, "rows", rows, "retry_in", delay, "err", err)
		if !sleepCtx(gctx, delay) || procCtx.Err() != nil {
			return errGenerationEnded
		}
	}
}

// earlierInsertsEnded waits until every ingest INSERT running now (by
// query id; any worker's) has ended. Inserts started later are not
// waited for, so busy workers cannot hold this up for long.
func (w *Worker) earlierInsertsEnded(ctx context.Context) bool {
	for {
		rows, err := w.conn.Query(ctx, "SELECT query_id FROM system.processes WHERE startsWith(query_id, ?)", insertIDPrefix)
		if err == nil {
			var ids []string
			for rows.Next() {
				var id string
				if rows.Scan(&id) == nil {
					ids = append(ids, id)
				}
			}
			rows.Close() // #nosec G104 -- read-only result set; rows.Err is checked next
			if rows.Err() == nil {
				for _, id := range ids {
					if !w.insertEnded(ctx, id) {
						return false
					}
				}
				return true
			}
		}
		if !sleepCtx(ctx, 200*time.Millisecond) {
			return false
		}
	}
}

// insertIDPrefix starts the query id of every ingest INSERT.
const insertIDPrefix = "edgelog-ingest-"

// insertEnded waits until the server runs no query of queryID; false
// when ctx ended first.
func (w *Worker) insertEnded(ctx context.Context, queryID string) bool {
	for {
		if running, err := w.running(ctx, queryID); err == nil && !running {
			return true
		}
		if !sleepCtx(ctx, 200*time.Millisecond) {
			return false
		}
	}
}

// running reports whether the server runs a query of queryID (or one it
// started on other shards).
func (w *Worker) running(ctx context.Context, queryID string) (bool, error) {
	var n uint64
	err := w.conn.QueryRow(ctx, "SELECT count() FROM system.processes WHERE query_id = ? OR initial_query_id = ?", queryID, queryID).Scan(&n)
	return n > 0, err
}

// landed reports whether b's rows are in ClickHouse after a failed INSERT
// (it may have landed all the same: a timeout, a lost answer).
//
// On one server the ledger says: every partition in b has its first
// offset recorded (the ledger's view runs last in the INSERT, so its row
// means the INSERT is whole, and nothing later of those partitions was
// inserted since). Without it the INSERT may still have landed in part, a
// server killed within it: probeRaw records what it left before the
// batch is sent again (partial.go).
//
// Through a Distributed table an INSERT is not atomic: each shard writes
// its part on its own, so one shard's ledger rows may show a block another
// shard lacks. There the raw rows are counted instead (rowsLanded). If
// some are missing, the identical block is sent again: each shard's part
// of it is the same as before (the sharding key is a function of the row),
// and a shard that already has its part drops it as a duplicate
// (ReplicatedMergeTree insert deduplication). The engine is asked here, on
// the failure path only, so a worker started before the migration still
// knows.
func (w *Worker) landed(ctx context.Context, b *batch) (bool, error) {
	dist, err := rawIsDistributed(ctx, w.conn, w.cfg.CH.Database)
	if err != nil {
		return false, err
	}
	if dist {
		return rowsLanded(ctx, w.conn, w.cfg.CH.Database, w.streamArgs(), b)
	}
	for _, s := range b.parts() {
		max, err := w.ledgerMax(ctx, s.partition)
		if err != nil {
			return false, err
		}
		if max < s.first {
			// Not in the ledger: it may still have landed in part.
			return false, w.probeRaw(ctx, b)
		}
	}
	return true, nil
}

func (w *Worker) insertDone(rows int, took time.Duration) {
	w.failingSince.Store(0)
	w.m.rows.Add(float64(rows))
	w.m.batches.Inc()
	w.m.batchRows.Observe(float64(rows))
	w.m.insertSeconds.Observe(took.Seconds())
	w.waits.observe(took) // the next batches wait about as long (wait.go)
	w.m.lastInsertOK.SetToCurrentTime()
}

func (w *Worker) retrySourceLedger(gctx context.Context, partition int) (m sourceLedger, err error) {
	err = w.retry(gctx, w.log.Warn, "cannot read source ledger, retrying", func() (err error) {
		m, err = w.sourceLedger(gctx, partition)
		return err
	}, "partition", partition)
	return m, err
}

func (w *Worker) retryDistributed(gctx context.Context) (dist bool, err error) {
	err = w.retry(gctx, w.log.Warn, "cannot read the raw table's engine, retrying", func() (err error) {
		dist, err = rawIsDistributed(gctx, w.conn, w.cfg.CH.Database)
		return err
	})
	return dist, err
}

func (w *Worker) retryDropLanded(gctx context.Context, b *batch) error {
	upTo := b.recheckUpTo
	var dropped int
	err := w.retry(gctx, w.log.Warn, "cannot check re-read rows, retrying", func() (err error) {
		dropped, err = dropLanded(gctx, w.conn, w.cfg.CH.Database, w.streamArgs(), b)
		return err
	}, "partition", b.partition)
	if err == nil && dropped > 0 {
		w.log.Info("re-read rows already on their shards", "partition", b.partition, "rows", dropped, "up_to_offset", upTo)
	}
	return err
}

func (w *Worker) retryLedger(gctx context.Context, partition int) (max int64, err error) {
	err = w.retry(gctx, w.log.Warn, "cannot read offsets ledger, retrying", func() (err error) {
		max, err = w.ledgerMax(gctx, partition)
		return err
	}, "partition", partition)
	return max, err
}

// feedLedgerCheck is off only in the test that shows what the feed ledger
// is for (export_test.go).
var feedLedgerCheck = true

// retryFeedLedger returns the feed ledger's highest offset of partition,
// or ledger (the raw one's) where the database has no feed. It re-reads
// whether the feed exists: a worker started before migration 15 learns it
// at its next assignment.
func (w *Worker) retryFeedLedger(gctx context.Context, partition int, ledger int64) (max int64, err error) {
	err = w.retry(gctx, w.log.Warn, "cannot read the feed ledger, retrying", func() error {
		feed, err := hasFeed(gctx, w.conn, w.cfg.CH.Database)
		if err != nil {
			return err
		}
		w.feed.Store(feed)
		if !feed || !feedLedgerCheck {
			max = ledger
			return nil
		}
		if max, err = w.feedLedgerMax(gctx, partition); err != nil {
			return err
		}
		if max > ledger {
			// The feed INSERT of a batch follows its raw INSERT.
			panic(fmt.Sprintf("BUG: partition %d: the feed ledger is at offset %d, past the raw ledger's %d", partition, max, ledger))
		}
		return nil
	}, "partition", partition)
	return max, err
}

// feedLanded reports whether b's feed rows are in ClickHouse after a
// failed INSERT: the feed ledger (on one server only, its view last in
// the INSERT) has every partition's first offset. Without it, probeFeed
// records a feed INSERT that had begun (partial.go).
func (w *Worker) feedLanded(ctx context.Context, b *batch) (bool, error) {
	for _, s := range b.parts() {
		max, err := w.feedLedgerMax(ctx, s.partition)
		if err != nil {
			return false, err
		}
		if max < s.first {
			// Not in the feed ledger: it may have begun (partial.go).
			return false, w.probeFeed(ctx, b)
		}
	}
	return true, nil
}

// flushFeedOnly inserts the feed rows of a feed-only batch: of its rows,
// those the raw table holds (keepLanded), so the rollups get exactly the
// raw rows of those messages whatever happened to them when they were
// first inserted (dead letters, collector re-sends).
func (w *Worker) flushFeedOnly(procCtx, gctx context.Context, b *batch) error {
	var dropped int
	if err := w.retry(gctx, w.log.Warn, "cannot check re-read rows, retrying", func() (err error) {
		dropped, err = keepLanded(gctx, w.conn, w.cfg.CH.Database, w.streamArgs(), b)
		return err
	}, "partition", b.partition); err != nil {
		return err
	}
	w.log.Info("inserting the feed rows of messages whose raw rows are in ClickHouse", "partition", b.partition,
		"from_offset", b.first, "to_offset", b.last, "rows", b.block.Len(), "not_in_raw", dropped)
	if b.block.Len() == 0 {
		return nil
	}
	// The old owner's feed INSERT of these rows may have been cut.
	if !w.probeBeforeInsert(gctx, b, w.probeFeed) {
		return errGenerationEnded
	}
	ins := newInserter(w.conn, w.cfg.CH.Database, w.dialect)
	ins.settings = workerSettings(w.dialect, w.cfg.InsertQuorum, w.cfg.InsertTimeout)
	ins.stream = w.streamName()
	return w.insertWithRetry(procCtx, gctx, ins, b)
}
