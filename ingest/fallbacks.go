package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/internal/fallbacks"
	"github.com/edgelog/edgelog/schema"
)

// fallbackRows are the field fallbacks of a batch's messages (the
// collector's fallbacks header, internal/fallbacks), one row per message,
// field and reason, as columns of schema.FallbacksTable. They are written
// by the same step as the batch's rows, just before its INSERT: a message
// the ledgers skip (a replay, a re-sent batch) adds none, and a retried
// INSERT writes them again under the same message key, which readers count
// once (schema.FallbacksSumSQL). At most fallbacks.MaxEntries rows per
// message.
type fallbackRows struct {
	time      []time.Time
	customer  []string
	format    []string
	field     []string
	reason    []string
	lines     []uint64
	partition []uint16
	offset    []uint64
	scratch   []fallbacks.Count
}

func (f *fallbackRows) len() int { return len(f.lines) }

func (f *fallbackRows) reset() {
	f.time, f.customer, f.format, f.field = f.time[:0], f.customer[:0], f.format[:0], f.field[:0]
	f.reason, f.lines, f.partition, f.offset = f.reason[:0], f.lines[:0], f.partition[:0], f.offset[:0]
}

// add takes msg's fallbacks header, if any, for the rows of msg that were
// decoded with request times times. A header that does not decode is
// passed over: the message's rows count, their fallbacks do not.
func (f *fallbackRows) add(msg kafka.Message, times []int64) {
	v := fallbacks.Of(msg.Headers)
	if v == nil || len(times) == 0 {
		return
	}
	format, counts, err := fallbacks.Decode(v, f.scratch[:0])
	f.scratch = counts
	if err != nil {
		return
	}
	latest := times[0]
	for _, t := range times[1:] {
		latest = max(latest, t)
	}
	at := time.UnixMilli(latest).UTC()
	for _, c := range counts {
		f.time = append(f.time, at)
		f.customer = append(f.customer, string(msg.Key))
		f.format = append(f.format, format)
		f.field = append(f.field, c.Field)
		f.reason = append(f.reason, c.Reason)
		f.lines = append(f.lines, c.Lines)
		f.partition = append(f.partition, uint16(msg.Partition)) // #nosec G115 -- Kafka partition ids are < 2^16 (as src_partition)
		f.offset = append(f.offset, uint64(msg.Offset))          // #nosec G115 -- a fetched message's offset is >= 0
	}
}

func (f *fallbackRows) appendFrom(src *fallbackRows) {
	f.time = append(f.time, src.time...)
	f.customer = append(f.customer, src.customer...)
	f.format = append(f.format, src.format...)
	f.field = append(f.field, src.field...)
	f.reason = append(f.reason, src.reason...)
	f.lines = append(f.lines, src.lines...)
	f.partition = append(f.partition, src.partition...)
	f.offset = append(f.offset, src.offset...)
}

// insertFallbacks writes b's fallback rows, if any, in one INSERT.
func (ins *inserter) insertFallbacks(ctx context.Context, f *fallbackRows) error {
	n := f.len()
	if n == 0 {
		return nil
	}
	stream := make([]string, n)
	for i := range stream {
		stream[i] = ins.stream
	}
	chb, err := ins.conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.%s (time, customer, format, field, reason, lines, src_stream, src_partition, src_offset)", ins.db, schema.FallbacksTable))
	if err != nil {
		return fmt.Errorf("cannot prepare the fallbacks insert: %w", err)
	}
	defer chb.Abort()
	for i, col := range []any{f.time, f.customer, f.format, f.field, f.reason, f.lines, stream, f.partition, f.offset} {
		if err := chb.Column(i).Append(col); err != nil {
			return fmt.Errorf("cannot append fallbacks column %d: %w", i, err)
		}
	}
	if err := chb.Send(); err != nil {
		return fmt.Errorf("cannot insert %d fallback rows: %w", n, err)
	}
	return nil
}
