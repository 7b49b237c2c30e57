package record

import "unsafe"

// StrCol is a column of strings stored as one byte arena (Buf) and the end
// offset of each value in it (End). Value i spans Buf[End[i-1]:End[i]].
type StrCol struct {
	Buf []byte
	End []uint32
}

// Append adds b as the next value. b is copied; the caller keeps it.
func (c *StrCol) Append(b []byte) {
	if len(b) > cap(c.Buf)-len(c.Buf) || len(c.End) == cap(c.End) {
		c.Reserve(len(b), 1)
	}
	c.Buf = append(c.Buf, b...)
	c.End = append(c.End, uint32(len(c.Buf))) // #nosec G115 -- a block's string column stays far below 4 GiB (batches cut at BatchBytes, messages at MaxDecodedBytes)
}

// AppendString adds s as the next value.
func (c *StrCol) AppendString(s string) {
	if len(s) > cap(c.Buf)-len(c.Buf) || len(c.End) == cap(c.End) {
		c.Reserve(len(s), 1)
	}
	c.Buf = append(c.Buf, s...)
	c.End = append(c.End, uint32(len(c.Buf))) // #nosec G115 -- a block's string column stays far below 4 GiB (batches cut at BatchBytes, messages at MaxDecodedBytes)
}

// AppendRange appends values [from, to) of src.
func (c *StrCol) AppendRange(src *StrCol, from, to int) {
	if from >= to {
		return
	}
	start := uint32(0)
	if from > 0 {
		start = src.End[from-1]
	}
	base := uint32(len(c.Buf)) // #nosec G115 -- a block's string column stays far below 4 GiB (batches cut at BatchBytes, messages at MaxDecodedBytes)
	c.Reserve(int(src.End[to-1]-start), to-from)
	c.Buf = append(c.Buf, src.Buf[start:src.End[to-1]]...)
	for _, e := range src.End[from:to] {
		c.End = append(c.End, base+e-start)
	}
}

// Len returns the number of values.
func (c *StrCol) Len() int { return len(c.End) }

// Bytes returns value i. The slice aliases the arena: it is valid until the
// next Reset or Append and must not be modified.
func (c *StrCol) Bytes(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = c.End[i-1]
	}
	return c.Buf[start:c.End[i]:c.End[i]]
}

// String returns value i as a copied string.
func (c *StrCol) String(i int) string { return string(c.Bytes(i)) }

// UnsafeStrings fills dst with strings that alias the arena without copying.
// They are valid only while the column is neither reset nor appended to; the
// caller must not retain them past that (ingest uses them for the duration
// of one ClickHouse insert).
func (c *StrCol) UnsafeStrings(dst []string) []string {
	dst = dst[:0]
	start := uint32(0)
	for _, end := range c.End {
		if end == start {
			dst = append(dst, "")
		} else {
			dst = append(dst, unsafe.String(&c.Buf[start], int(end-start))) // #nosec G103 -- zero-copy strings over the column's buffer, valid while the block is (documented)
		}
		start = end
	}
	return dst
}

// Reset empties the column and keeps its capacity.
func (c *StrCol) Reset() {
	c.Buf = c.Buf[:0]
	c.End = c.End[:0]
}
