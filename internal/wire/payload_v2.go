package wire

import (
	"encoding/binary"
	"fmt"

	"github.com/edgelog/edgelog/internal/record"
)

// String column modes of versions 2 and 3.
const (
	strPlainMode = 0 // rows uvarint lengths, then the concatenated bytes (as version 1)
	strDictMode  = 1 // dictionary: see the package doc
)

// appendPayload appends the version 3 payload of rows [from, to) of b:
// version 2's with bytes_total after ttfb_us.
func (e *Encoder) appendPayload(p []byte, b *Batch, from, to int) []byte {
	n := &b.num
	prev := int64(0)
	for _, t := range n.TimeMs[from:to] {
		p = binary.AppendVarint(p, t-prev)
		prev = t
	}
	for i := from; i < to; i++ {
		p = appendIP(p, &n.ClientIP[i])
	}
	for _, v := range n.ASN[from:to] {
		p = binary.AppendUvarint(p, uint64(v))
	}
	for _, v := range n.Status[from:to] {
		p = binary.AppendUvarint(p, uint64(v))
	}
	for _, v := range n.BytesSent[from:to] {
		p = binary.AppendUvarint(p, v)
	}
	for _, v := range n.BytesReceived[from:to] {
		p = binary.AppendUvarint(p, v)
	}
	for _, v := range n.RequestTimeUs[from:to] {
		p = binary.AppendUvarint(p, uint64(v))
	}
	for _, v := range n.TTFBUs[from:to] {
		p = binary.AppendUvarint(p, uint64(v))
	}
	return e.appendStrCols(appendTotals(p, n, from, to), b, from, to)
}

// bytes_total modes of version 3.
const (
	totalBodyMode  = 0 // every row's total is its bytes_sent (a log without a total): nothing follows
	totalDeltaMode = 1 // rows zigzag varints of bytes_total - bytes_sent follow
)

// appendTotals appends the bytes_total column of rows [from, to) of n. A
// log without a total (most formats) costs one byte per message; with one,
// the total is the body plus a few hundred bytes of headers, and its
// difference to bytes_sent takes one or two bytes before zstd.
func appendTotals(p []byte, n *record.Block, from, to int) []byte {
	body, totals := n.BytesSent[from:to], n.BytesTotal[from:to]
	i := 0
	for i < len(totals) && totals[i] == body[i] {
		i++
	}
	if i == len(totals) {
		return append(p, totalBodyMode)
	}
	p = append(p, totalDeltaMode)
	for i, v := range totals {
		p = binary.AppendVarint(p, int64(v-body[i])) // #nosec G115 -- two's complement: the decoder adds it back with the same wrap
	}
	return p
}

// appendStrCols appends the string columns of rows [from, to) of b.
func (e *Encoder) appendStrCols(p []byte, b *Batch, from, to int) []byte {
	d := b.dict()
	for s := range b.rows {
		col, idx := &d.str[s], b.rows[s].idx[from:to]
		// A batch's own dictionary is numbered in order of first
		// appearance among its rows; a range of them, or a batch that
		// shares its dictionaries with others, is renumbered.
		if from > 0 || to < b.Len() || !b.ownsDict() {
			col, idx = e.subDict(col, idx)
		}
		p = appendStrCol(p, col, idx)
	}
	return p
}

// appendStrCol appends one string column: the rows idx of col's
// dictionary. A dictionary pays while it is well under one value per row;
// past that (unique paths in a small batch) the plain form is smaller and
// cheaper.
func appendStrCol(p []byte, col *dictCol, idx []uint32) []byte {
	if rows := len(idx); rows < 2 || len(col.ents) > rows/2 {
		p = append(p, strPlainMode)
		for _, ix := range idx {
			e := &col.ents[ix]
			p = binary.AppendUvarint(p, uint64(e.end-e.start))
		}
		for _, ix := range idx {
			p = append(p, col.value(ix)...)
		}
		return p
	}
	p = append(p, strDictMode)
	p = binary.AppendUvarint(p, uint64(len(col.ents)))
	for _, e := range col.ents {
		p = binary.AppendUvarint(p, uint64(e.end-e.start))
	}
	for i := range col.ents {
		p = append(p, col.value(uint32(i))...)
	}
	for _, ix := range idx {
		p = binary.AppendUvarint(p, uint64(ix))
	}
	return p
}

// subDict returns the dictionary of the rows idx of col, numbered in order
// of first appearance among those rows as version 2 requires (a batch's
// own numbering is that only for the whole batch), and the rows' entries
// in it. Its values stay in col's arena; both are valid until the next
// call.
//
// It costs the rows, not col's size: remap is all zeros between calls
// (only the entries these rows set are cleared again), since a Dict shared
// by every customer of a collector holds all their values and clearing it
// whole for each customer's message would cost customers times entries.
func (e *Encoder) subDict(col *dictCol, idx []uint32) (*dictCol, []uint32) {
	if len(e.remap) < len(col.ents) {
		e.remap = make([]uint32, len(col.ents))
	}
	remap := e.remap // col entry -> sub entry + 1; 0 = not yet seen
	sub := &e.sub
	sub.vals, sub.ents, e.subIdx, e.seen = col.vals, sub.ents[:0], e.subIdx[:0], e.seen[:0]
	for _, ix := range idx {
		m := remap[ix]
		if m == 0 {
			sub.ents = append(sub.ents, col.ents[ix])
			m = uint32(len(sub.ents)) // #nosec G115 -- entries <= rows <= MaxRows < 2^32
			remap[ix] = m
			e.seen = append(e.seen, ix)
		}
		e.subIdx = append(e.subIdx, m-1)
	}
	for _, ix := range e.seen {
		remap[ix] = 0
	}
	return sub, e.subIdx
}

// Client IP kinds of version 2: most clients are IPv4, whose 16-byte form
// carries 12 constant bytes.
const (
	ipZero = 0  // unknown: no bytes follow
	ipV4   = 4  // ::ffff:a.b.c.d: 4 bytes follow
	ipV6   = 16 // 16 bytes follow
)

var v4Prefix = [12]byte{10: 0xff, 11: 0xff}

func appendIP(p []byte, ip *[16]byte) []byte {
	switch {
	case [12]byte(ip[:12]) == v4Prefix:
		return append(p, ipV4, ip[12], ip[13], ip[14], ip[15])
	case *ip == [16]byte{}:
		return append(p, ipZero)
	default:
		p = append(p, ipV6)
		return append(p, ip[:]...)
	}
}

// decodePayloadV2 appends the rows of a version 2 payload, or of a
// version 3 or 4 one (withTotal: bytes_total after ttfb_us), to b: its
// first nStr string columns.
func (d *Decoder) decodePayloadV2(b *record.Block, p []byte, rows int, budget uint64, withTotal bool, nStr int) error {
	// Every row takes at least one byte per column, so a row count the
	// payload cannot hold is rejected before any slice is sized by it.
	if rows*(8+nStr)+nStr > len(p) {
		return fmt.Errorf("%w: %d rows cannot fit in %d bytes", ErrCorrupt, rows, len(p))
	}
	r := reader{p: p}
	b.Reserve(rows) // rows is bounded by the payload's length (above)
	prev := int64(0)
	for i := 0; i < rows; i++ {
		prev += r.varint()
		b.TimeMs = append(b.TimeMs, prev)
	}
	for i := 0; i < rows; i++ {
		var ip [16]byte
		switch kind := r.bytes(1)[0]; kind {
		case ipZero:
		case ipV4:
			ip[10], ip[11] = 0xff, 0xff
			copy(ip[12:], r.bytes(4))
		case ipV6:
			ip = [16]byte(r.bytes(16))
		default:
			if !r.err {
				return fmt.Errorf("%w: client IP kind %d", ErrCorrupt, kind)
			}
		}
		b.ClientIP = append(b.ClientIP, ip)
	}
	readCounters(&r, b, rows, withTotal)
	if r.err {
		return fmt.Errorf("%w: truncated", ErrCorrupt)
	}
	for s := range b.Str[:nStr] {
		col := &b.Str[s]
		if d.OnlyStrings != 0 && d.OnlyStrings&(1<<s) == 0 {
			col = nil // read past, not kept
		}
		var err error
		switch mode := r.bytes(1)[0]; mode {
		case strPlainMode:
			err = decodePlain(&r, col, rows, &budget)
		case strDictMode:
			err = d.decodeDict(&r, col, rows, &budget)
		default:
			err = fmt.Errorf("%w: string column mode %d", ErrCorrupt, mode)
		}
		if r.err {
			return fmt.Errorf("%w: truncated in column %s", ErrCorrupt, record.Str(s))
		}
		if err != nil {
			return fmt.Errorf("column %s: %w", record.Str(s), err)
		}
	}
	if len(r.p) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(r.p))
	}
	return nil
}

// decodePlain appends a plain column's rows to col, or reads past them
// when col is nil.
func decodePlain(r *reader, col *record.StrCol, rows int, budget *uint64) error {
	base := uint32(0)
	if col != nil {
		base = uint32(len(col.Buf)) // #nosec G115 -- a decoded column is at most MaxDecodedBytes < 2^32
		col.Reserve(0, rows)
	}
	total, prev := uint64(0), uint64(0)
	for i := 0; i < rows; i++ {
		total += r.uvarintMax(MaxPayload)
		if total > MaxPayload {
			return fmt.Errorf("%w: column larger than %d bytes", ErrCorrupt, MaxPayload)
		}
		if col != nil {
			col.AppendSpan(base+uint32(prev), base+uint32(total)) // #nosec G115 -- below MaxPayload < 2^32
		}
		prev = total
	}
	if col == nil {
		r.bytes(int(total))
		return nil
	}
	if total > *budget {
		return fmt.Errorf("%w: string columns past the limit", ErrTooLarge)
	}
	*budget -= total
	col.Buf = append(record.Grow(col.Buf, int(total)), r.bytes(int(total))...) // #nosec G115 -- total is within the budget, below MaxDecodedBytes
	return nil
}

// decodeDict decodes a dictionary column: its values into col's arena
// once, each row as a span of its value (record.StrCol). budget is what
// the batch's string columns may still take once expanded (see Decoder):
// a small dictionary repeated over many rows must not become a memory bomb
// where the rows are expanded (the INSERT sends every row's bytes), so
// indices are read and sized before anything is stored. With col nil it
// reads past the column.
func (d *Decoder) decodeDict(r *reader, col *record.StrCol, rows int, budget *uint64) error {
	n := r.uvarintMax(uint64(rows)) // #nosec G115 -- rows >= 0
	d.spans = d.spans[:0]
	total := uint64(0)
	for i := uint64(0); i < n && !r.err; i++ {
		total += r.uvarintMax(MaxPayload)
		if total > MaxPayload {
			return fmt.Errorf("%w: dictionary larger than %d bytes", ErrCorrupt, MaxPayload)
		}
		d.spans = append(d.spans, uint32(total))
	}
	vals := r.bytes(int(total))
	if r.err {
		return nil
	}
	if n == 0 && rows > 0 {
		return fmt.Errorf("%w: empty dictionary", ErrCorrupt)
	}
	if col == nil {
		for i := 0; i < rows && !r.err; i++ {
			r.uvarintMax(n - 1)
		}
		return nil
	}
	if n <= 128 {
		if ok, err := d.decodeSmallDict(r, col, rows, n, vals, budget); ok {
			return err
		}
	}
	d.idx = d.idx[:0]
	size := uint64(0)
	for i := 0; i < rows && !r.err; i++ {
		ix := r.uvarintMax(n - 1)
		start := uint32(0)
		if ix > 0 {
			start = d.spans[ix-1]
		}
		size += uint64(d.spans[ix] - start)
		d.idx = append(d.idx, uint32(ix)) // #nosec G115 -- ix <= n-1 <= rows <= MaxRows < 2^32
	}
	if size > *budget {
		return fmt.Errorf("%w: string columns past the limit", ErrTooLarge)
	}
	*budget -= size
	// The dictionary's values once; every row points at its value
	// (record.StrCol): no row's bytes are copied. The budget above still
	// counts them expanded, as the INSERT will send them.
	base := uint32(len(col.Buf)) // #nosec G115 -- a decoded column is at most MaxDecodedBytes < 2^32
	col.Reserve(len(vals), rows)
	col.Buf = append(col.Buf, vals...)
	for _, ix := range d.idx {
		start := uint32(0)
		if ix > 0 {
			start = d.spans[ix-1]
		}
		col.AppendSpan(base+start, base+d.spans[ix])
	}
	return nil
}

// decodeSmallDict decodes the row indices of a dictionary of at most 128
// values, which the encoder writes one byte each (a uvarint below 128 is
// that byte), as a run of rows bytes. It reports false, having read
// nothing, when a byte is not a valid index (another encoder's longer
// form of a small number, or a corrupt message): decodeDict's general
// loop then decides, so a message decodes or fails exactly as it did
// before this path. Most string columns of a message (customer, region,
// PoP, method, cache status, country...) have small dictionaries; for
// them this skips a varint decode and a bounds check per row.
func (d *Decoder) decodeSmallDict(r *reader, col *record.StrCol, rows int, n uint64, vals []byte, budget *uint64) (bool, error) {
	if rows > len(r.p) {
		return false, nil
	}
	idx := r.p[:rows]
	var start, size [128]uint32
	prev := uint32(0)
	for i, end := range d.spans[:n] {
		start[i], size[i] = prev, end-prev
		prev = end
	}
	total := uint64(0)
	for _, b := range idx {
		if uint64(b) >= n {
			return false, nil
		}
		total += uint64(size[b])
	}
	r.p = r.p[rows:]
	if total > *budget {
		return true, fmt.Errorf("%w: string columns past the limit", ErrTooLarge)
	}
	*budget -= total
	base := uint32(len(col.Buf)) // #nosec G115 -- a decoded column is at most MaxDecodedBytes < 2^32
	col.Reserve(len(vals), rows)
	col.Buf = append(col.Buf, vals...)
	for _, b := range idx {
		col.AppendSpan(base+start[b], base+start[b]+size[b])
	}
	return true, nil
}
