package record

import "unsafe"

// StrCol is a column of strings stored in one byte arena: value i is
// Buf[Start[i]:End[i]]. Values may share bytes: the wire decoder stores a
// dictionary-coded column's distinct values once and points every row at
// its value, so a batch holds a customer's name once, not once a row, and
// decoding a row copies no string (ClickHouse's native String column, as
// ch-go builds it, is the same arena-and-spans shape, so ingest hands it
// over as it is: package ingest, strcol.go). Every byte a value refers to
// was appended no later than the value itself, which is what lets
// Truncate give back the bytes of the rows it drops.
type StrCol struct {
	Buf   []byte
	Start []uint32
	End   []uint32
	// expanded is the values' bytes summed, shared bytes counted for
	// every value that refers to them (ExpandedBytes).
	expanded int
}

// Append adds b as the next value. b is copied; the caller keeps it.
func (c *StrCol) Append(b []byte) {
	if len(b) > cap(c.Buf)-len(c.Buf) || len(c.End) == cap(c.End) || len(c.Start) == cap(c.Start) {
		c.Reserve(len(b), 1)
	}
	c.Start = append(c.Start, uint32(len(c.Buf))) // #nosec G115 -- a block's string column stays far below 4 GiB (batches cut at BatchBytes, messages at MaxDecodedBytes)
	c.expanded += len(b)
	c.Buf = append(c.Buf, b...)
	c.End = append(c.End, uint32(len(c.Buf))) // #nosec G115 -- as above
}

// AppendString adds s as the next value.
func (c *StrCol) AppendString(s string) {
	if len(s) > cap(c.Buf)-len(c.Buf) || len(c.End) == cap(c.End) || len(c.Start) == cap(c.Start) {
		c.Reserve(len(s), 1)
	}
	c.Start = append(c.Start, uint32(len(c.Buf))) // #nosec G115 -- a block's string column stays far below 4 GiB (batches cut at BatchBytes, messages at MaxDecodedBytes)
	c.expanded += len(s)
	c.Buf = append(c.Buf, s...)
	c.End = append(c.End, uint32(len(c.Buf))) // #nosec G115 -- as above
}

// AppendSpan adds a value made of bytes [start, end) of the arena, which
// must already hold them (a dictionary's value that other rows share).
func (c *StrCol) AppendSpan(start, end uint32) {
	c.expanded += int(end - start)
	c.Start = append(c.Start, start)
	c.End = append(c.End, end)
}

// AppendLast adds the last value again, sharing its bytes. The column
// must not be empty.
func (c *StrCol) AppendLast() {
	n := len(c.End) - 1
	c.AppendSpan(c.Start[n], c.End[n])
}

// AppendRepeat adds s as the next n values, its bytes stored once.
func (c *StrCol) AppendRepeat(s string, n int) {
	if n <= 0 {
		return
	}
	c.AppendString(s)
	c.Reserve(0, n-1)
	for range n - 1 {
		c.AppendLast()
	}
}

// AppendRange appends values [from, to) of src. The bytes those values
// span are copied as one region, so values that share bytes in src share
// them here too, unless the region holds more than the values (bytes of
// other rows between them): then each value is copied on its own, so the
// copy is never larger than the values expanded.
func (c *StrCol) AppendRange(src *StrCol, from, to int) {
	if from >= to {
		return
	}
	lo, hi, total := src.Start[from], src.End[from], 0
	for i := from; i < to; i++ {
		lo, hi = min(lo, src.Start[i]), max(hi, src.End[i])
		total += int(src.End[i] - src.Start[i])
	}
	if int(hi-lo) > total {
		c.Reserve(total, to-from)
		for i := from; i < to; i++ {
			c.Append(src.Bytes(i))
		}
		return
	}
	c.Reserve(int(hi-lo), to-from)
	c.expanded += total
	// Modular: base+src.Start[i] is the value's offset in c.Buf even when
	// lo is past len(c.Buf).
	base := uint32(len(c.Buf)) - lo // #nosec G115 -- a block's string column stays far below 4 GiB (batches cut at BatchBytes, messages at MaxDecodedBytes)
	c.Buf = append(c.Buf, src.Buf[lo:hi]...)
	for i := from; i < to; i++ {
		c.Start = append(c.Start, base+src.Start[i])
		c.End = append(c.End, base+src.End[i])
	}
}

// Len returns the number of values.
func (c *StrCol) Len() int { return len(c.End) }

// Bytes returns value i. The slice aliases the arena: it is valid until the
// next Reset or Append and must not be modified.
func (c *StrCol) Bytes(i int) []byte {
	return c.Buf[c.Start[i]:c.End[i]:c.End[i]]
}

// String returns value i as a copied string.
func (c *StrCol) String(i int) string { return string(c.Bytes(i)) }

// UnsafeStrings fills dst with strings that alias the arena without copying.
// They are valid only while the column is neither reset nor appended to; the
// caller must not retain them past that (ingest uses them for the duration
// of one ClickHouse insert).
func (c *StrCol) UnsafeStrings(dst []string) []string {
	dst = dst[:0]
	for i, end := range c.End {
		start := c.Start[i]
		if end == start {
			dst = append(dst, "")
		} else {
			dst = append(dst, unsafe.String(&c.Buf[start], int(end-start))) // #nosec G103 -- zero-copy strings over the column's buffer, valid while the block is (documented)
		}
	}
	return dst
}

// ExpandedBytes returns the values' bytes summed, shared bytes counted
// for every value that refers to them (what a ClickHouse INSERT sends).
func (c *StrCol) ExpandedBytes() int { return c.expanded }

// truncate drops the values from n on and the bytes only they refer to.
func (c *StrCol) truncate(n int) {
	if n >= len(c.End) {
		return
	}
	keep := uint32(0)
	for i, e := range c.End[n:] {
		c.expanded -= int(e - c.Start[n+i])
	}
	for _, e := range c.End[:n] {
		keep = max(keep, e)
	}
	c.Start, c.End, c.Buf = c.Start[:n], c.End[:n], c.Buf[:keep]
}

// Reset empties the column and keeps its capacity.
func (c *StrCol) Reset() {
	c.Buf = c.Buf[:0]
	c.Start = c.Start[:0]
	c.End = c.End[:0]
	c.expanded = 0
}
