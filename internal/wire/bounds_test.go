package wire

import (
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/edgelog/edgelog/internal/record"
)

// zeroRows is a version 3 payload of rows rows whose every value is zero or
// empty (the smallest a row can be) and whose string columns are
// dictionaries of one value of valueLen bytes.
func zeroRows(rows, valueLen int) []byte {
	p := make([]byte, 0, rows*(8+int(record.NumStr))+int(record.NumStr)*(valueLen+8)+1)
	for c := 0; c < 8; c++ { // time delta, IP kind, six counters
		for i := 0; i < rows; i++ {
			p = append(p, 0)
		}
	}
	p = append(p, totalBodyMode)
	for s := 0; s < int(record.NumStr); s++ {
		p = append(p, strDictMode, 1)
		p = binary.AppendUvarint(p, uint64(valueLen))
		p = append(p, make([]byte, valueLen)...)
		for i := 0; i < rows; i++ {
			p = append(p, 0)
		}
	}
	return p
}

func zstdMessage(rows int, payload []byte) []byte {
	m := append([]byte{}, magic[:]...)
	m = append(m, Version, codecZstd)
	m = binary.AppendUvarint(m, uint64(rows))
	m = binary.AppendUvarint(m, uint64(len(payload)))
	return encoder().EncodeAll(payload, m)
}

// TestDecodeBombs: a few KB of zstd that claim millions of rows, or a
// dictionary value repeated over every row, are refused with ErrTooLarge
// before the decoder allocates more than its MaxDecodedBytes, and a batch
// under the limit still decodes.
func TestDecodeBombs(t *testing.T) {
	cases := []struct {
		name            string
		rows, valueLen  int
		wantErr         error
		maxMessageBytes int
	}{
		{"4M rows of zeros", MaxRows, 0, ErrTooLarge, 300_000},
		{"a 64 KiB value in every one of 20,000 rows", 20_000, 64 << 10, ErrTooLarge, 100_000},
		{"20,000 ordinary rows", 20_000, 16, nil, 100_000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := zstdMessage(c.rows, zeroRows(c.rows, c.valueLen))
			if len(msg) > c.maxMessageBytes {
				t.Fatalf("the message is %d bytes", len(msg))
			}
			d := Decoder{MaxDecodedBytes: 16 << 20}
			var out record.Block
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := d.Decode(&out, msg)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d-byte message claiming %d rows: %d rows, %.1f MiB allocated, err %v", len(msg), c.rows, out.Len(), float64(alloc)/(1<<20), err)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("got %v, want %v", err, c.wantErr)
			}
			if alloc > 2*uint64(d.MaxDecodedBytes) {
				t.Fatalf("decoding allocated %d MiB, the limit is %d MiB", alloc>>20, d.MaxDecodedBytes>>20)
			}
			if c.wantErr == nil && out.Len() != c.rows {
				t.Fatalf("%d rows decoded, want %d", out.Len(), c.rows)
			}
		})
	}
}

// TestDecodeLyingPayloadLength: a zstd frame that decompresses to more than
// the header's payload length is stopped at that length.
func TestDecodeLyingPayloadLength(t *testing.T) {
	payload := zeroRows(100_000, 0)
	m := append([]byte{}, magic[:]...)
	m = append(m, Version, codecZstd)
	m = binary.AppendUvarint(m, 10)
	m = binary.AppendUvarint(m, 1000) // the payload is 2 MB
	msg := encoder().EncodeAll(payload, m)
	d := Decoder{MaxDecodedBytes: 16 << 20}
	var out record.Block
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := d.Decode(&out, msg)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want ErrCorrupt", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<10 {
		t.Fatalf("a 1000-byte payload claim allocated %d KiB", alloc>>10)
	}
}
