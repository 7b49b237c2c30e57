package record

// Block is a batch of requests stored column by column. The zero value is an
// empty block ready for use. Reset keeps capacity, so a collector or ingest
// worker reuses one Block per batch without reallocating.
type Block struct {
	TimeMs        []int64
	ClientIP      [][16]byte
	ASN           []uint32
	Status        []uint16
	BytesSent     []uint64
	BytesTotal    []uint64 // the log's total bytes, else BytesSent (see Record.BytesTotal)
	BytesReceived []uint64
	RequestTimeUs []uint32
	TTFBUs        []uint32
	Str           [NumStr]StrCol
}

// Len returns the number of rows.
func (b *Block) Len() int { return len(b.TimeMs) }

// Append copies r into the block as its last row.
func (b *Block) Append(r *Record) {
	b.AppendNumbers(r)
	for i := range b.Str {
		b.Str[i].Append(r.Str[i])
	}
}

// AppendNumbers appends r's fields other than strings, leaving the string
// columns to the caller (wire.Batch keeps them dictionary-coded instead).
func (b *Block) AppendNumbers(r *Record) {
	if len(b.TimeMs) == cap(b.TimeMs) {
		b.Reserve(1)
	}
	b.TimeMs = append(b.TimeMs, r.TimeMs)
	b.ClientIP = append(b.ClientIP, r.ClientIP)
	b.ASN = append(b.ASN, r.ASN)
	b.Status = append(b.Status, r.Status)
	b.BytesSent = append(b.BytesSent, r.BytesSent)
	b.BytesTotal = append(b.BytesTotal, r.Total())
	b.BytesReceived = append(b.BytesReceived, r.BytesReceived)
	b.RequestTimeUs = append(b.RequestTimeUs, r.RequestTimeUs)
	b.TTFBUs = append(b.TTFBUs, r.TTFBUs)
}

// Row fills r with row i. String fields alias the block's arenas.
func (b *Block) Row(i int, r *Record) {
	r.TimeMs = b.TimeMs[i]
	r.ClientIP = b.ClientIP[i]
	r.ASN = b.ASN[i]
	r.Status = b.Status[i]
	r.BytesSent = b.BytesSent[i]
	r.BytesTotal = b.BytesTotal[i]
	r.BytesReceived = b.BytesReceived[i]
	r.RequestTimeUs = b.RequestTimeUs[i]
	r.TTFBUs = b.TTFBUs[i]
	for s := range b.Str {
		r.Str[s] = b.Str[s].Bytes(i)
	}
}

// AppendBlock appends all rows of src.
func (b *Block) AppendBlock(src *Block) { b.AppendRange(src, 0, src.Len()) }

// Reset empties the block and keeps its capacity.
func (b *Block) Reset() {
	b.TimeMs = b.TimeMs[:0]
	b.ClientIP = b.ClientIP[:0]
	b.ASN = b.ASN[:0]
	b.Status = b.Status[:0]
	b.BytesSent = b.BytesSent[:0]
	b.BytesTotal = b.BytesTotal[:0]
	b.BytesReceived = b.BytesReceived[:0]
	b.RequestTimeUs = b.RequestTimeUs[:0]
	b.TTFBUs = b.TTFBUs[:0]
	for i := range b.Str {
		b.Str[i].Reset()
	}
}

// SizeBytes is the block's decoded size, used for byte-based batch limits:
// the numeric columns, every string value's bytes (shared bytes counted for
// each value, as an INSERT sends them and the driver's buffer holds them)
// and 4 bytes a value. The memory the block holds is at most that plus 4
// bytes a value (StrCol.Start), and less where values share bytes.
func (b *Block) SizeBytes() int {
	n := b.Len() * (8 + 16 + 4 + 2 + 8 + 8 + 8 + 4 + 4)
	for i := range b.Str {
		n += b.Str[i].ExpandedBytes() + 4*len(b.Str[i].End)
	}
	return n
}

// Truncate drops every row from n on, keeping capacity. Decoders use it to
// undo a partially appended batch.
func (b *Block) Truncate(n int) {
	if n >= b.Len() {
		return
	}
	b.TimeMs = b.TimeMs[:n]
	b.ClientIP = b.ClientIP[:n]
	b.ASN = b.ASN[:n]
	b.Status = b.Status[:n]
	b.BytesSent = b.BytesSent[:n]
	b.BytesTotal = b.BytesTotal[:n]
	b.BytesReceived = b.BytesReceived[:n]
	b.RequestTimeUs = b.RequestTimeUs[:n]
	b.TTFBUs = b.TTFBUs[:n]
	for i := range b.Str {
		b.Str[i].truncate(n) // a column the partial decode never reached is shorter
	}
}

// AppendRange appends rows [from, to) of src, column by column.
func (b *Block) AppendRange(src *Block, from, to int) {
	b.Reserve(to - from)
	b.TimeMs = append(b.TimeMs, src.TimeMs[from:to]...)
	b.ClientIP = append(b.ClientIP, src.ClientIP[from:to]...)
	b.ASN = append(b.ASN, src.ASN[from:to]...)
	b.Status = append(b.Status, src.Status[from:to]...)
	b.BytesSent = append(b.BytesSent, src.BytesSent[from:to]...)
	b.BytesTotal = append(b.BytesTotal, src.BytesTotal[from:to]...)
	b.BytesReceived = append(b.BytesReceived, src.BytesReceived[from:to]...)
	b.RequestTimeUs = append(b.RequestTimeUs, src.RequestTimeUs[from:to]...)
	b.TTFBUs = append(b.TTFBUs, src.TTFBUs[from:to]...)
	for i := range b.Str {
		b.Str[i].AppendRange(&src.Str[i], from, to)
	}
}
