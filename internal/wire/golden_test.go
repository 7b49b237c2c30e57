package wire

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgelog/edgelog/internal/record"
)

var update = flag.Bool("update", false, "rewrite the golden payloads in testdata")

// The version 4 payload (before zstd) of fixed rows stays the same byte for
// byte: a collector that re-cuts a journaled batch after a restart must
// produce the messages it sent before, and an encoder rewrite must not
// change the format by accident. The ranges cover dictionary and plain
// columns (a 4-row range has columns of more than 2 distinct values) and a
// range that does not start at row 0. Compressed bytes are not compared: a
// zstd upgrade may change them and still decode the same.
func TestPayloadGolden(t *testing.T) {
	in := batchOf(testBlock(300))
	for _, r := range goldenRanges {
		name := filepath.Join("testdata", fmt.Sprintf("v4-payload-testblock-300-%d-%d.bin", r[0], r[1]))
		var e Encoder
		msg := e.EncodeBatch(nil, in, r[0], r[1])
		raw := payload(t, msg)
		if *update {
			if err := os.WriteFile(name, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("%v (go test ./internal/wire/ -run PayloadGolden -update writes it)", err)
		}
		if !bytes.Equal(raw, want) {
			t.Errorf("rows [%d, %d): payload of %d bytes differs from %s (%d bytes)", r[0], r[1], len(raw), name, len(want))
		}
	}
}

// payload returns the decompressed payload of a zstd batch: the header is
// magic, version, codec, then the row count and payload length as uvarints.
func payload(t *testing.T, msg []byte) []byte {
	t.Helper()
	rest := msg[6:]
	var rawLen uint64
	for range 2 {
		v, n := binary.Uvarint(rest)
		rest, rawLen = rest[n:], v
	}
	raw, err := decoder().DecodeAll(rest, make([]byte, 0, rawLen)) // the decoder stops at the capacity
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// goldenRanges are the row ranges of the golden payloads in testdata.
var goldenRanges = [][2]int{{0, 300}, {17, 230}, {5, 9}, {299, 300}}

// decodeGolden decodes the golden payload of rows r that the encoder of
// version wrote (testdata/v<version>-payload-testblock-300-<from>-<to>.bin).
func decodeGolden(t *testing.T, version byte, r [2]int) *record.Block {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", fmt.Sprintf("v%d-payload-testblock-300-%d-%d.bin", version, r[0], r[1])))
	if err != nil {
		t.Fatal(err)
	}
	msg := append([]byte("ELGB"), version, codecNone)
	msg = binary.AppendUvarint(msg, uint64(r[1]-r[0]))
	msg = binary.AppendUvarint(msg, uint64(len(raw)))
	msg = append(msg, raw...)
	var d Decoder
	var out record.Block
	if err := d.Decode(&out, msg); err != nil {
		t.Fatalf("version %d rows [%d, %d): %v", version, r[0], r[1], err)
	}
	return &out
}

// The version 3 payloads kept in testdata (written by the version 3
// encoder) still decode, with every row's address list empty.
func TestDecodeVersion3Golden(t *testing.T) {
	in := noAddressList(testBlock(300))
	for _, r := range goldenRanges {
		assertSameRows(t, in, r[0], r[1], decodeGolden(t, 3, r))
	}
}

// The version 2 payloads kept in testdata (written by the version 2
// encoder) still decode, with every row's total equal to its body bytes:
// batches in Kafka or a spool outlive an upgrade.
func TestDecodeVersion2Golden(t *testing.T) {
	in := bodyTotals(testBlock(300))
	for _, r := range goldenRanges {
		out := decodeGolden(t, 2, r)
		assertSameRows(t, in, r[0], r[1], out)
		for i := range out.Len() {
			if out.BytesTotal[i] != out.BytesSent[i] {
				t.Fatalf("version 2 row %d: total %d, want its body bytes %d", i, out.BytesTotal[i], out.BytesSent[i])
			}
		}
	}
}
