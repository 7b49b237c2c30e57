package wire

import (
	"fmt"

	"github.com/edgelog/edgelog/internal/record"
)

// decodePayloadV1 decodes a version 1 payload (see the package doc). The
// encoder writes version 2 now; version 1 stays readable for batches still
// in Kafka or a spool when a collector is upgraded.
func decodePayloadV1(b *record.Block, p []byte, rows int, budget uint64, nStr int) error {
	// Every row needs at least 16 bytes (client IP) plus one byte per varint
	// column, so a row count the payload cannot hold is rejected before any
	// slice is sized by it.
	if rows*(16+7+nStr) > len(p) {
		return fmt.Errorf("%w: %d rows cannot fit in %d bytes", ErrCorrupt, rows, len(p))
	}
	r := reader{p: p}
	prev := int64(0)
	for i := 0; i < rows; i++ {
		prev += r.varint()
		b.TimeMs = append(b.TimeMs, prev)
	}
	for i := 0; i < rows; i++ {
		b.ClientIP = append(b.ClientIP, [16]byte(r.bytes(16)))
	}
	readCounters(&r, b, rows, false)
	for s := range b.Str[:nStr] {
		col := &b.Str[s]
		base := uint32(len(col.Buf)) // #nosec G115 -- a decoded column is at most MaxDecodedBytes < 2^32
		total, prev := uint64(0), uint64(0)
		for i := 0; i < rows; i++ {
			total += r.uvarintMax(MaxPayload)
			if total > MaxPayload {
				r.err = true
				break
			}
			col.AppendSpan(base+uint32(prev), base+uint32(total)) // #nosec G115 -- below MaxPayload < 2^32
			prev = total
		}
		if !r.err && total > budget {
			return fmt.Errorf("%w: string columns past the limit", ErrTooLarge)
		}
		budget -= min(total, budget)
		col.Buf = append(col.Buf, r.bytes(int(total))...)
		if r.err {
			return fmt.Errorf("%w: truncated in column %s", ErrCorrupt, record.Str(s))
		}
	}
	if r.err {
		return fmt.Errorf("%w: truncated", ErrCorrupt)
	}
	if len(r.p) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(r.p))
	}
	return nil
}
