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
	// versions 1 to 3.
	Version = 4
	// MaxRows bounds the rows of one batch a decoder accepts.
	MaxRows = 1 << 22
	// MaxPayload bounds the uncompressed payload a decoder accepts (256 MiB).
	MaxPayload = 256 << 20
	// DefaultMaxDecodedBytes is a Decoder's default MaxDecodedBytes
	// (128 MiB). The collector's messages are far below it: at its default
	// batch_rows (50,000) a message decodes to about 15 MB.
	DefaultMaxDecodedBytes = 128 << 20

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
	// ErrTooLarge means the batch would decode to more than the
	// Decoder's MaxDecodedBytes.
	ErrTooLarge = errors.New("batch decodes past the size limit")
)

// decodedRowBytes is what a decoded row takes in a record.Block besides its
// strings' bytes: the numeric columns and one string end per string column.
const decodedRowBytes = 8 + 16 + 4 + 2 + 8 + 8 + 8 + 4 + 4 + 4*int(record.NumStr)

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
		// DecodeAllCapLimit: DecodeAll stops at the capacity Decode gives
		// it, the payload length the header declared (checked against the
		// limit first), whatever the frame says.
		dec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(MaxPayload), zstd.WithDecodeAllCapLimit(true))
		if err != nil {
			panic("BUG: cannot create zstd decoder: " + err.Error())
		}
	})
	return dec
}

// Encoder encodes batches, reusing its scratch buffers between calls. It is
// not safe for concurrent use; give each goroutine its own.
type Encoder struct {
	raw    []byte
	out    []byte // compressed payload, copied to dst once its size is known
	batch  Batch  // Encode's rows
	remap  []uint32
	sub    dictCol  // a column's dictionary of a range of rows
	subIdx []uint32 // the range's rows in sub
	seen   []uint32 // the col entries subDict set in remap, cleared again
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
	dst = binary.AppendUvarint(dst, uint64(to-from)) // #nosec G115 -- to >= from, checked above
	dst = binary.AppendUvarint(dst, uint64(len(e.raw)))
	// zstd appends block by block; into a caller's fresh buffer that grew
	// it (allocate, copy) a dozen times per message.
	e.out = encoder().EncodeAll(e.raw, e.out[:0])
	return append(dst, e.out...)
}

// Decoder decodes batches, reusing its scratch buffer. It is not safe for
// concurrent use.
//
// What one message may cost is bounded before it is allocated: the
// uncompressed payload (as the header declares it; a frame that
// decompresses to more is corrupt), the rows (each takes at least 8+NumStr
// payload bytes, so the row count is checked against the declared payload
// before anything is sized by it) and the decoded block (rows, strings) in
// all at most MaxDecodedBytes; a message past it fails with ErrTooLarge.
type Decoder struct {
	// MaxDecodedBytes bounds the uncompressed payload plus the decoded
	// rows of one message. Default DefaultMaxDecodedBytes.
	MaxDecodedBytes int
	// OnlyStrings, when not zero, names the string columns (bit
	// 1<<record.Str) a version 2-4 message's rows get; the others are
	// read past and left empty in the block (a reader that needs a few
	// columns, such as the query service's live tail, skips copying
	// paths and user agents). A column read past is still checked for
	// corruption as Decode checks it, but not counted against
	// MaxDecodedBytes (nothing of it is kept); version 1 messages decode
	// whole.
	OnlyStrings uint32

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
	if version < 1 || version > Version {
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
	limit := uint64(DefaultMaxDecodedBytes)
	if d.MaxDecodedBytes > 0 {
		limit = uint64(d.MaxDecodedBytes) // #nosec G115 -- positive, checked above
	}
	nStr := strColumns(version)
	minStr := uint64(record.NumStr) // nStr, from constants (no conversion of a variable)
	if version < 4 {
		minStr = uint64(record.Referer) + 1
	}
	minRow := 8 + minStr
	switch version {
	case 1:
		minRow = 16 + 7 + minStr
	}
	if rows*minRow > rawLen {
		return fmt.Errorf("%w: %d rows cannot fit in %d bytes", ErrCorrupt, rows, rawLen)
	}
	if rawLen+rows*uint64(decodedRowBytes) > limit {
		return fmt.Errorf("%w: %d rows in a %d-byte payload, the limit is %d bytes", ErrTooLarge, rows, rawLen, limit)
	}
	var raw []byte
	switch codec {
	case codecNone:
		raw = rest
	case codecZstd:
		if uint64(cap(d.raw)) < rawLen {
			d.raw = make([]byte, 0, rawLen)
		}
		var err error
		d.raw, err = decoder().DecodeAll(rest, d.raw[:0:rawLen])
		if err != nil {
			return fmt.Errorf("%w: cannot decompress: %v", ErrCorrupt, err)
		}
		raw = d.raw
		defer d.shrink()
	default:
		return fmt.Errorf("%w: unknown codec %d", ErrCorrupt, codec)
	}
	if uint64(len(raw)) != rawLen {
		return fmt.Errorf("%w: payload is %d bytes, header says %d", ErrCorrupt, len(raw), rawLen)
	}
	// What the strings may take once copied or expanded.
	budget := limit - rawLen - rows*uint64(decodedRowBytes)
	var err error
	if version == 1 {
		err = decodePayloadV1(b, raw, int(rows), budget, nStr)
	} else {
		err = d.decodePayloadV2(b, raw, int(rows), budget, version >= 3, nStr)
	}
	if err != nil {
		return err
	}
	// Columns a version does not carry are empty in its rows.
	for s := nStr; s < int(record.NumStr); s++ {
		for i := 0; i < int(rows); i++ {
			b.Str[s].Append(nil)
		}
	}
	return nil
}

// strColumns is how many string columns a format version carries, the
// first of record.Str order: versions 1 to 3 end at referer, version 4
// adds x_forwarded_for.
func strColumns(version byte) int {
	if version < 4 {
		return int(record.Referer) + 1
	}
	return int(record.NumStr)
}

// shrink lets a scratch buffer far larger than the collector's messages go,
// so one large message does not pin its size in every decoder.
func (d *Decoder) shrink() {
	if cap(d.raw) > 16<<20 {
		d.raw = nil
	}
}

// reader consumes a payload; after the first error it returns zero values
// and keeps err set, so decodePayload checks once per column.
// readCounters reads the numeric columns after the client IP: ASN,
// status, bytes sent and received, request time and time to first byte,
// each a column of unsigned varints, the same in every format version;
// then, from version 3 (withTotal), bytes_total: a mode byte, and for
// totalDeltaMode zigzag varints of its difference to bytes_sent. Before
// version 3, and in totalBodyMode, a row's total is its bytes_sent, as for
// a log without a total (record.Record.BytesTotal).
func readCounters(r *reader, b *record.Block, rows int, withTotal bool) {
	for i := 0; i < rows; i++ {
		b.ASN = append(b.ASN, uint32(r.uvarintMax(1<<32-1))) // #nosec G115 -- uvarintMax(2^32-1)
	}
	for i := 0; i < rows; i++ {
		b.Status = append(b.Status, uint16(r.uvarintMax(1<<16-1))) // #nosec G115 -- uvarintMax(2^16-1)
	}
	for i := 0; i < rows; i++ {
		b.BytesSent = append(b.BytesSent, r.uvarintMax(1<<64-1))
	}
	for i := 0; i < rows; i++ {
		b.BytesReceived = append(b.BytesReceived, r.uvarintMax(1<<64-1))
	}
	for i := 0; i < rows; i++ {
		b.RequestTimeUs = append(b.RequestTimeUs, uint32(r.uvarintMax(1<<32-1))) // #nosec G115 -- uvarintMax(2^32-1)
	}
	for i := 0; i < rows; i++ {
		b.TTFBUs = append(b.TTFBUs, uint32(r.uvarintMax(1<<32-1))) // #nosec G115 -- uvarintMax(2^32-1)
	}
	first := len(b.BytesSent) - rows
	mode := byte(totalBodyMode)
	if withTotal {
		mode = r.bytes(1)[0]
	}
	switch mode {
	case totalBodyMode:
		b.BytesTotal = append(b.BytesTotal, b.BytesSent[first:]...)
		return
	case totalDeltaMode:
	default:
		r.err, r.p = true, nil // corrupt: reported as truncated
		b.BytesTotal = append(b.BytesTotal, b.BytesSent[first:]...)
		return
	}
	for i := 0; i < rows; i++ {
		// Wrapping arithmetic: the encoder's difference wrapped the same way.
		b.BytesTotal = append(b.BytesTotal, b.BytesSent[first+i]+uint64(r.varint())) // #nosec G115 -- two's complement round trip of the encoder's difference
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
