// Package batch groups a read loop's rows per customer and cuts them into
// Kafka messages: one message per customer and batch, keyed by customer (so a
// customer's rows share a partition), split in parts when one would exceed
// the message size limit. It is pure: no I/O, no clock, no metrics; the
// collector's read loop decides when a batch is cut and what headers name it.
//
// How rows are cut into messages depends on the rows alone, never on what
// came before: a batch re-cut after a crash yields byte-identical messages,
// which is how ingest recognises a re-sent batch (see package ingest).
package batch

import (
	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
)

// Batcher holds the rows of one batch, per customer. The zero value is not
// usable; make one with New. A Batcher is used by one goroutine.
type Batcher struct {
	maxMessageBytes int
	blocks          map[string]*custRows
	order           []*custRows // customers with pending rows, in first-seen order
	cur             *custRows   // the customer of the last row
	rows            int
	enc             wire.Encoder
}

// custRows is one customer's pending rows.
type custRows struct {
	customer string
	rows     wire.Batch
}

// New returns a Batcher whose messages stay within maxMessageBytes
// (Kafka's message.max.bytes as the collector is configured with it).
func New(maxMessageBytes int) *Batcher {
	return &Batcher{maxMessageBytes: maxMessageBytes, blocks: map[string]*custRows{}}
}

// Rows is the number of rows added since the last Cut.
func (b *Batcher) Rows() int { return b.rows }

// Add appends r to its customer's rows; r may be reused afterwards.
func (b *Batcher) Add(r *record.Record) {
	// Runs of one customer are the rule (an edge server serves a few big
	// ones): compare with the last row's customer before the map.
	if cust := r.Str[record.Customer]; b.cur == nil || string(cust) != b.cur.customer {
		b.cur = b.blocks[string(cust)]
		if b.cur == nil {
			b.cur = &custRows{customer: string(cust)}
			b.blocks[b.cur.customer] = b.cur
		}
	}
	if b.cur.rows.Len() == 0 {
		b.order = append(b.order, b.cur)
	}
	b.cur.rows.Append(r)
	b.rows++
}

// Fits reports whether r's row fits in one message. Only a line near the
// limit is measured (lineBytes is the length of the line it was parsed
// from), by encoding the row alone: zstd and the columnar layout add a few
// bytes at most, so a shorter line always fits. A larger row could never be
// produced and would stall the stream, so the caller dead-letters it.
func (b *Batcher) Fits(r *record.Record, lineBytes int) bool {
	if lineBytes < b.maxMessageBytes-8192 {
		return true
	}
	var one wire.Batch
	one.Append(r)
	return len(b.enc.EncodeBatch(nil, &one, 0, 1)) <= b.maxMessageBytes-1024
}

// Cut appends the pending rows to msgs as messages, customers in the order
// their first row came, each message with the headers wire.BatchHeaders
// gives for source, and empties the Batcher.
func (b *Batcher) Cut(msgs []kafka.Message, source string) []kafka.Message {
	// The estimate starts afresh in every batch: how a batch is cut into
	// messages must depend on its rows alone.
	bytesPerRow := 0.0
	for _, cr := range b.order {
		msgs = b.appendMessages(msgs, cr.customer, source, &cr.rows, 0, cr.rows.Len(), &bytesPerRow)
		cr.rows.Reset()
	}
	b.order, b.rows = b.order[:0], 0
	return msgs
}

// appendMessages encodes rows [from, to) of rows as one message keyed by
// customer, or as several when one would exceed the limit. bytesPerRow is
// the wire size per row seen so far in this batch (0 before its first
// message): a range it predicts too large is cut into message-sized parts
// before encoding, since halving after the fact encoded every row twice or
// more. Parts are encoded from rows in place, never copied into a new block.
func (b *Batcher) appendMessages(msgs []kafka.Message, cust, source string, rows *wire.Batch, from, to int, bytesPerRow *float64) []kafka.Message {
	n := to - from
	if *bytesPerRow > 0 && n > 1 {
		maxRows := max(1, int(float64(b.maxMessageBytes)*0.8 / *bytesPerRow))
		if n > maxRows {
			parts := (n + maxRows - 1) / maxRows
			per := (n + parts - 1) / parts
			for lo := from; lo < to; lo += per {
				msgs = b.appendMessages(msgs, cust, source, rows, lo, min(lo+per, to), bytesPerRow)
			}
			return msgs
		}
	}
	// The value is kept by the message, so it gets its own buffer, made
	// at its final size by EncodeBatch.
	val := b.enc.EncodeBatch(nil, rows, from, to)
	*bytesPerRow = float64(len(val)) / float64(n)
	if len(val) > b.maxMessageBytes-1024 && n > 1 {
		half := from + n/2
		msgs = b.appendMessages(msgs, cust, source, rows, from, half, bytesPerRow)
		return b.appendMessages(msgs, cust, source, rows, half, to, bytesPerRow)
	}
	return append(msgs, kafka.Message{
		Key:     []byte(cust),
		Value:   val,
		Headers: wire.BatchHeaders(source, n),
	})
}
