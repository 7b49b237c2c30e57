package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/edgelog/edgelog/internal/record"
)

const (
	// Version is the format version Encode writes.
	Version = 1
	// MaxRows bounds the rows of one batch a decoder accepts.
	MaxRows = 1 << 22
	// MaxPayload bounds the uncompressed payload a decoder accepts (256 MiB).
	MaxPayload = 256 << 20

	codecNone = 0
	codecZstd = 1
)

var magic = [4]byte{'E', 'L', 'G', 'B'}

var (
	// ErrMagic means the message is not an edgelog batch.
	ErrMagic = errors.New("not an edgelog batch (bad magic)")
	// ErrVersion means the batch was written by a format version this
	// decoder does not know.
	ErrVersion = errors.New("unknown batch format version")
	// ErrCorrupt means the batch is truncated or its lengths are inconsistent.
	ErrCorrupt = errors.New("corrupt batch")
)

// zstd encoders and decoders are expensive to build and safe to share for
// EncodeAll/DecodeAll, so one of each serves the process.
var (
	encOnce sync.Once
	enc     *zstd.Encoder
	decOnce sync.Once
	dec     *zstd.Decoder
)

func encoder() *zstd.Encoder {
	encOnce.Do(func() {
		var err error
		enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1), zstd.WithLowerEncoderMem(true))
		if err != nil {
			panic("BUG: cannot create zstd encoder: " + err.Error())
		}
	})
	return enc
}

func decoder() *zstd.Decoder {
	decOnce.Do(func() {
		var err error
		dec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(MaxPayload))
		if err != nil {
			panic("BUG: cannot create zstd decoder: " + err.Error())
		}
	})
	return dec
}

// Encoder encodes blocks, reusing its scratch buffer between calls. It is not
// safe for concurrent use; give each goroutine its own.
type Encoder struct {
	raw []byte
}

// Encode appends the encoded form of b to dst and returns it.
func (e *Encoder) Encode(dst []byte, b *record.Block) []byte {
	e.raw = appendPayload(e.raw[:0], b)
	dst = append(dst, magic[:]...)
	dst = append(dst, Version, codecZstd)
	dst = binary.AppendUvarint(dst, uint64(b.Len()))
	dst = binary.AppendUvarint(dst, uint64(len(e.raw)))
	return encoder().EncodeAll(e.raw, dst)
}

func appendPayload(p []byte, b *record.Block) []byte {
	prev := int64(0)
	for _, t := range b.TimeMs {
		p = binary.AppendVarint(p, t-prev)
		prev = t
	}
	for i := range b.ClientIP {
		p = append(p, b.ClientIP[i][:]...)
	}
	for _, v := range b.ASN {
		p = binary.AppendUvarint(p, uint64(v))
	}
	for _, v := range b.Status {
		p = binary.AppendUvarint(p, uint64(v))
	}
	for _, v := range b.BytesSent {
		p = binary.AppendUvarint(p, v)
	}
	for _, v := range b.BytesReceived {
		p = binary.AppendUvarint(p, v)
	}
	for _, v := range b.RequestTimeUs {
		p = binary.AppendUvarint(p, uint64(v))
	}
	for _, v := range b.TTFBUs {
		p = binary.AppendUvarint(p, uint64(v))
	}
	for s := range b.Str {
		col := &b.Str[s]
		start := uint32(0)
		for _, end := range col.End {
			p = binary.AppendUvarint(p, uint64(end-start))
			start = end
		}
		p = append(p, col.Buf...)
	}
	return p
}

// Decoder decodes batches, reusing its scratch buffer. It is not safe for
// concurrent use.
type Decoder struct {
	raw []byte
}

// Decode appends the rows of msg to b. On error b may hold a partial batch;
// the caller should Reset it.
func (d *Decoder) Decode(b *record.Block, msg []byte) error {
	if len(msg) < 6 {
		return fmt.Errorf("%w: %d bytes", ErrCorrupt, len(msg))
	}
	if [4]byte(msg[:4]) != magic {
		return ErrMagic
	}
	if msg[4] != Version {
		return fmt.Errorf("%w: %d", ErrVersion, msg[4])
	}
	codec := msg[5]
	rest := msg[6:]
	rows, n := binary.Uvarint(rest)
	if n <= 0 || rows > MaxRows {
		return fmt.Errorf("%w: bad row count", ErrCorrupt)
	}
	rest = rest[n:]
	rawLen, n := binary.Uvarint(rest)
	if n <= 0 || rawLen > MaxPayload {
		return fmt.Errorf("%w: bad payload length", ErrCorrupt)
	}
	rest = rest[n:]
	var raw []byte
	switch codec {
	case codecNone:
		raw = rest
	case codecZstd:
		var err error
		d.raw, err = decoder().DecodeAll(rest, d.raw[:0])
		if err != nil {
			return fmt.Errorf("%w: cannot decompress: %v", ErrCorrupt, err)
		}
		raw = d.raw
	default:
		return fmt.Errorf("%w: unknown codec %d", ErrCorrupt, codec)
	}
	if uint64(len(raw)) != rawLen {
		return fmt.Errorf("%w: payload is %d bytes, header says %d", ErrCorrupt, len(raw), rawLen)
	}
	return decodePayload(b, raw, int(rows))
}

func decodePayload(b *record.Block, p []byte, rows int) error {
	// Every row needs at least 16 bytes (client IP) plus one byte per varint
	// column, so a row count the payload cannot hold is rejected before any
	// slice is sized by it.
	if rows*(16+7+int(record.NumStr)) > len(p) {
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
	for i := 0; i < rows; i++ {
		b.ASN = append(b.ASN, uint32(r.uvarintMax(1<<32-1)))
	}
	for i := 0; i < rows; i++ {
		b.Status = append(b.Status, uint16(r.uvarintMax(1<<16-1)))
	}
	for i := 0; i < rows; i++ {
		b.BytesSent = append(b.BytesSent, r.uvarintMax(1<<64-1))
	}
	for i := 0; i < rows; i++ {
		b.BytesReceived = append(b.BytesReceived, r.uvarintMax(1<<64-1))
	}
	for i := 0; i < rows; i++ {
		b.RequestTimeUs = append(b.RequestTimeUs, uint32(r.uvarintMax(1<<32-1)))
	}
	for i := 0; i < rows; i++ {
		b.TTFBUs = append(b.TTFBUs, uint32(r.uvarintMax(1<<32-1)))
	}
	for s := range b.Str {
		col := &b.Str[s]
		base := uint32(len(col.Buf))
		total := uint64(0)
		for i := 0; i < rows; i++ {
			total += r.uvarintMax(MaxPayload)
			if total > MaxPayload {
				r.err = true
				break
			}
			col.End = append(col.End, base+uint32(total))
		}
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

// reader consumes a payload; after the first error it returns zero values
// and keeps err set, so decodePayload checks once per column.
type reader struct {
	p   []byte
	err bool
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.p)
	if n <= 0 {
		r.err = true
		r.p = nil
		return 0
	}
	r.p = r.p[n:]
	return v
}

func (r *reader) uvarintMax(max uint64) uint64 {
	v, n := binary.Uvarint(r.p)
	if n <= 0 || v > max {
		r.err = true
		r.p = nil
		return 0
	}
	r.p = r.p[n:]
	return v
}

var zeros [16]byte

func (r *reader) bytes(n int) []byte {
	if n > len(r.p) {
		r.err = true
		r.p = nil
		if n <= len(zeros) {
			return zeros[:n]
		}
		return nil
	}
	v := r.p[:n]
	r.p = r.p[n:]
	return v
}
