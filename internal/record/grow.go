package record

// Grow returns s with room for n more elements, at least doubling its
// capacity when it has to reallocate.
//
// The pipeline's columnar buffers (a partition's batch in ingest, the
// arenas an INSERT aliases) fill to tens of MiB a message or a value at a
// time. append's own growth for large slices is about 1.25x, so a column
// copies, and faults into memory, about five times its final size before
// it settles; doubling copies about twice. In the 20M-line bench that
// growth was a quarter of everything ingest allocated (the wire decoder's
// string columns alone 2.3 of 8.7 GB, heap profile of `edgelog bench
// --profile`) and, with the kernel clearing the fresh pages it touched,
// a fifth of ingest's CPU. The capacity a doubling leaves unused is never
// touched, so it costs address space, not memory.
func Grow[S ~[]E, E any](s S, n int) S {
	if n <= cap(s)-len(s) {
		return s
	}
	t := make(S, len(s), max(2*cap(s), len(s)+n))
	copy(t, s)
	return t
}

// Reserve makes room for n more rows in the block's numeric columns.
func (b *Block) Reserve(n int) {
	b.TimeMs = Grow(b.TimeMs, n)
	b.ClientIP = Grow(b.ClientIP, n)
	b.ASN = Grow(b.ASN, n)
	b.Status = Grow(b.Status, n)
	b.BytesSent = Grow(b.BytesSent, n)
	b.BytesTotal = Grow(b.BytesTotal, n)
	b.BytesReceived = Grow(b.BytesReceived, n)
	b.RequestTimeUs = Grow(b.RequestTimeUs, n)
	b.TTFBUs = Grow(b.TTFBUs, n)
}

// Reserve makes room for n more values of size bytes together.
func (c *StrCol) Reserve(size, n int) {
	c.Buf = Grow(c.Buf, size)
	c.Start = Grow(c.Start, n)
	c.End = Grow(c.End, n)
}
