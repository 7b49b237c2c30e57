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

	"github.com/edgelog/edgelog/internal/fallbacks"
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
	// dict is the customers' batches' dictionaries, shared: see
	// wire.Dict. Reset by Cut, with every batch.
	dict wire.Dict
	enc  wire.Encoder
	// Format is the log family the fallbacks header names (see Note).
	Format string
	counts []fallbacks.Count // scratch of one message's fallbacks
}

// custRows is one customer's pending rows.
type custRows struct {
	customer string
	rows     wire.Batch
	notes    []rowNote // fallbacks of rows, in row order
}

// rowNote is one fallback of one row.
type rowNote struct {
	row           int
	field, reason string
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
			b.cur.rows.Share(&b.dict)
			b.blocks[b.cur.customer] = b.cur
		}
	}
	if b.cur.rows.Len() == 0 {
		b.order = append(b.order, b.cur)
	}
	b.cur.rows.Append(r)
	b.rows++
}

// Note records a fallback of the row Add took last: each message carries
// the fallbacks of its rows in a header (internal/fallbacks). field and
// reason are of the collector's fixed sets. Only a line of the lenient path
// has any, so the fast path never calls it.
func (b *Batcher) Note(field, reason string) {
	if b.cur == nil || b.cur.rows.Len() == 0 {
		panic("BUG: batch.Note before Add")
	}
	b.cur.notes = append(b.cur.notes, rowNote{row: b.cur.rows.Len() - 1, field: field, reason: reason})
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
		msgs = b.appendMessages(msgs, cr, source, 0, cr.rows.Len(), &bytesPerRow)
		cr.rows.Reset()
		cr.notes = cr.notes[:0]
	}
	b.dict.Reset() // every batch is empty now

	b.order, b.rows = b.order[:0], 0
	return msgs
}

// appendMessages encodes rows [from, to) of rows as one message keyed by
// customer, or as several when one would exceed the limit. bytesPerRow is
// the wire size per row seen so far in this batch (0 before its first
// message): a range it predicts too large is cut into message-sized parts
// before encoding, since halving after the fact encoded every row twice or
// more. Parts are encoded from rows in place, never copied into a new block.
func (b *Batcher) appendMessages(msgs []kafka.Message, cr *custRows, source string, from, to int, bytesPerRow *float64) []kafka.Message {
	rows := &cr.rows
	n := to - from
	if *bytesPerRow > 0 && n > 1 {
		maxRows := max(1, int(float64(b.maxMessageBytes)*0.8 / *bytesPerRow))
		if n > maxRows {
			parts := (n + maxRows - 1) / maxRows
			per := (n + parts - 1) / parts
			for lo := from; lo < to; lo += per {
				msgs = b.appendMessages(msgs, cr, source, lo, min(lo+per, to), bytesPerRow)
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
		msgs = b.appendMessages(msgs, cr, source, from, half, bytesPerRow)
		return b.appendMessages(msgs, cr, source, half, to, bytesPerRow)
	}
	h := wire.BatchHeaders(source, n)
	if v := b.fallbackHeader(cr, from, to); v != nil {
		h = append(h, kafka.Header{Key: fallbacks.Header, Value: v})
	}
	return append(msgs, kafka.Message{
		Key:     []byte(cr.customer),
		Value:   val,
		Headers: h,
	})
}

// fallbackHeader is the fallbacks header of rows [from, to) of cr, nil
// when they took none.
func (b *Batcher) fallbackHeader(cr *custRows, from, to int) []byte {
	if len(cr.notes) == 0 {
		return nil
	}
	b.counts = b.counts[:0]
	for _, nt := range cr.notes {
		if nt.row < from || nt.row >= to {
			continue
		}
		found := false
		for i := range b.counts {
			if c := &b.counts[i]; c.Field == nt.field && c.Reason == nt.reason {
				c.Lines++
				found = true
				break
			}
		}
		if !found {
			b.counts = append(b.counts, fallbacks.Count{Field: nt.field, Reason: nt.reason, Lines: 1})
		}
	}
	format := b.Format
	if format == "" {
		format = "other"
	}
	return fallbacks.Encode(format, b.counts)
}
