package ingest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/schema"
)

// Data Kafka no longer has. When ingest is down longer than the topic's
// retention, Kafka deletes offsets ingest never read and the partition's
// log start moves past the offset ingest would read next. kafka-go's
// reader then seeks to the log start on its own (offset out of range), so
// the first message delivered is later than expected. The partition
// worker knows which offset it expects next (the committed offset, or one
// past the ledger's highest if that is later) and compares every
// message's offset with it; a jump is checked against the partition's log
// start (ListOffsets): offsets below the log start are gone, and the gap
// [expected, min(log start, delivered)) is
//
//   - stored in the offset_gaps table (schema.OffsetGapsTable) before the
//     worker reads on, retrying while ClickHouse is away: the ledger of the
//     loss, read by `schema verify` and the ops overview;
//   - counted in edgelog_ingest_lost_offsets_total{partition};
//   - logged as an error.
//
// A jump over offsets Kafka still holds (transaction markers, compaction:
// neither is used on the requests topic) is logged and not counted.
//
// Limits: a partition with no committed offset and no ledger rows has no
// expected offset (a new deployment reading an existing topic), so a loss
// before ingest's first read is not detected; a gap detected again after a
// crash before the next commit is stored twice with the same (stream,
// partition, from_offset), which readers group by, and counted twice in
// the metric of the two processes.

// expectedOffset is the offset a partition should deliver first: the
// committed offset, or one past the ledger's highest when that is later
// (a commit lost after an insert); -1 when neither is known.
func expectedOffset(committed, ledger int64) int64 {
	next := max(committed, -1)
	if ledger >= 0 && ledger+1 > next {
		next = ledger + 1
	}
	return next
}

// offsetGap handles a message at offset got when next was expected. It
// returns false when the generation ended before the gap was stored.
func (w *Worker) offsetGap(gctx context.Context, partition int, next, got int64) bool {
	log := w.log.With("partition", partition)
	start, ok := w.retryLogStart(gctx, partition)
	if !ok {
		return false
	}
	if start <= next {
		log.Warn("offsets skipped that Kafka still holds (not data: transaction markers or compaction)", "from_offset", next, "to_offset", got)
		return true
	}
	to := min(start, got)
	lost := to - next
	if w.retry(gctx, w.chWarn.Fail, "cannot record lost offsets, retrying", func() error { return w.recordGap(gctx, partition, next, to) }, "partition", partition) != nil {
		return false
	}
	w.m.lostOffsets.WithLabelValues(strconv.Itoa(partition)).Add(float64(lost))
	log.Error("Kafka no longer has offsets ingest had not read: the partition's log start moved past them (retention); their data is lost",
		"from_offset", next, "to_offset", to, "lost_offsets", lost, "log_start", start)
	return true
}

// retryLogStart asks Kafka for the partition's first offset until it
// answers; false when the generation ended first.
func (w *Worker) retryLogStart(gctx context.Context, partition int) (start int64, ok bool) {
	err := w.retry(gctx, w.kafkaWarn.Fail, "cannot read the partition's log start, retrying", func() (err error) {
		start, err = w.logStart(gctx, partition)
		return err
	}, "partition", partition)
	return start, err == nil
}

// logStart asks Kafka for the partition's first offset.
func (w *Worker) logStart(ctx context.Context, partition int) (int64, error) {
	c := &kafka.Client{Addr: kafka.TCP(w.cfg.Kafka.Brokers...), Transport: w.transport, Timeout: 10 * time.Second}
	res, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{w.cfg.Topic: {kafka.FirstOffsetOf(partition)}}})
	if err != nil {
		return 0, fmt.Errorf("cannot list offsets: %w", err)
	}
	for _, p := range res.Topics[w.cfg.Topic] {
		if p.Partition == partition {
			if p.Error != nil {
				return 0, fmt.Errorf("cannot list offsets: %w", p.Error)
			}
			return p.FirstOffset, nil
		}
	}
	return 0, fmt.Errorf("cannot list offsets: partition %d not in the answer", partition)
}

// recordGap stores the lost offsets [from, to) of partition in offset_gaps.
func (w *Worker) recordGap(ctx context.Context, partition int, from, to int64) error {
	part, first, end := uint16(partition), uint64(from), uint64(to) // #nosec G115 -- partition < 2^16, offsets >= 0
	if err := w.insertRow(ctx, fmt.Sprintf("INSERT INTO %s.%s (src_stream, src_partition, from_offset, to_offset, lost, detected_at)", w.cfg.CH.Database, schema.OffsetGapsTable),
		w.streamName(), part, first, end, end-first, time.Now().UTC()); err != nil {
		return fmt.Errorf("cannot record lost offsets: %w", err)
	}
	return nil
}

// insertRow inserts one row with a prepared batch (18.16 waits for a data
// block after an INSERT sent as a query with inline VALUES over the native
// protocol).
func (w *Worker) insertRow(ctx context.Context, insert string, vals ...any) error {
	b, err := w.conn.PrepareBatch(ctx, insert)
	if err != nil {
		return err
	}
	if err := b.Append(vals...); err != nil {
		b.Abort() // #nosec G104 -- already failing; the append error is returned
		return err
	}
	return b.Send()
}
