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
	// Version is the format version Encode writes. Decode reads it and
	// version 1.
	Version = 2
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
		enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithLowerEncoderMem(true))
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

// Encoder encodes batches, reusing its scratch buffers between calls. It is
// not safe for concurrent use; give each goroutine its own.
type Encoder struct {
	raw   []byte
	out   []byte // compressed payload, copied to dst once its size is known
	batch Batch  // Encode's rows
	remap []uint32
	sub   dictCol // a column's dictionary of a range of rows
}

// Encode appends the encoded form of b to dst and returns it.
func (e *Encoder) Encode(dst []byte, b *record.Block) []byte {
	e.batch.Reset()
	e.batch.AppendBlock(b)
	return e.EncodeBatch(dst, &e.batch, 0, b.Len())
}

// EncodeBatch appends the encoded form of rows [from, to) of b to dst and
// returns it: a batch too large for one message is cut into several
// without copying its rows first.
func (e *Encoder) EncodeBatch(dst []byte, b *Batch, from, to int) []byte {
	if from < 0 || to > b.Len() || from > to {
		panic(fmt.Sprintf("BUG: EncodeBatch [%d, %d) of a %d-row batch", from, to, b.Len()))
	}
	e.raw = e.appendPayload(e.raw[:0], b, from, to)
	dst = append(dst, magic[:]...)
	dst = append(dst, Version, codecZstd)
	dst = binary.AppendUvarint(dst, uint64(to-from))
	dst = binary.AppendUvarint(dst, uint64(len(e.raw)))
	// zstd appends block by block; into a caller's fresh buffer that grew
	// it (allocate, copy) a dozen times per message.
	e.out = encoder().EncodeAll(e.raw, e.out[:0])
	return append(dst, e.out...)
}

// Decoder decodes batches, reusing its scratch buffer. It is not safe for
// concurrent use.
type Decoder struct {
	raw   []byte
	spans []uint32 // a dictionary's value ends (version 2)
	idx   []uint32 // a dictionary column's row indices (version 2)
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
	version := msg[4]
	if version != 1 && version != 2 {
		return fmt.Errorf("%w: %d", ErrVersion, version)
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
	if version == 1 {
		return decodePayloadV1(b, raw, int(rows))
	}
	return d.decodePayloadV2(b, raw, int(rows))
}

// reader consumes a payload; after the first error it returns zero values
// and keeps err set, so decodePayload checks once per column.
// readCounters reads the numeric columns after the client IP, the same in
// every format version: ASN, status, bytes sent and received, request
// time and time to first byte, each a column of unsigned varints.
func readCounters(r *reader, b *record.Block, rows int) {
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
}

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
