package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/edgelog/edgelog/internal/record"
)

// A version 1 batch (written by the version 1 encoder, kept in testdata)
// still decodes: batches in Kafka or a spool outlive an upgrade.
func TestDecodeVersion1(t *testing.T) {
	msg, err := os.ReadFile("testdata/v1-testblock-50.bin")
	if err != nil {
		t.Fatal(err)
	}
	if msg[4] != 1 {
		t.Fatalf("golden file is version %d", msg[4])
	}
	var d Decoder
	var out record.Block
	if err := d.Decode(&out, msg); err != nil {
		t.Fatal(err)
	}
	assertSameRows(t, bodyTotals(testBlock(50)), 0, 50, &out)
}

// bodyTotals sets every row's total to its body bytes and empties its
// address list: what a batch of a version before 3 decodes to.
func bodyTotals(b *record.Block) *record.Block {
	b.BytesTotal = append(b.BytesTotal[:0], b.BytesSent...)
	return noAddressList(b)
}

// noAddressList empties every row's address list: what a batch of a
// version before 4 decodes to.
func noAddressList(b *record.Block) *record.Block {
	col := &b.Str[record.ForwardedFor]
	col.Reset()
	for range b.Len() {
		col.Append(nil)
	}
	return b
}

func assertSameRows(t *testing.T, in *record.Block, from, to int, out *record.Block) {
	t.Helper()
	if out.Len() != to-from {
		t.Fatalf("%d rows decoded, want %d", out.Len(), to-from)
	}
	for i := from; i < to; i++ {
		var a, b record.Record
		in.Row(i, &a)
		out.Row(i-from, &b)
		if !reflect.DeepEqual(normalize(a), normalize(b)) {
			t.Fatalf("row %d: got %+v, want %+v", i, b, a)
		}
	}
}

// EncodeBatch encodes exactly the rows asked for, from any offset.
func TestEncodeBatchRange(t *testing.T) {
	in := testBlock(300)
	batch := batchOf(in)
	f := func(from, to int) {
		t.Helper()
		var e Encoder
		var d Decoder
		var out record.Block
		if err := d.Decode(&out, e.EncodeBatch(nil, batch, from, to)); err != nil {
			t.Fatalf("[%d, %d): %v", from, to, err)
		}
		assertSameRows(t, in, from, to, &out)
	}
	f(0, 300)
	f(0, 1)
	f(299, 300)
	f(100, 250)
	f(7, 7)
}

// Columns of every shape: constant, few values, every value distinct (the
// dictionary gives up and the column goes plain), empty, IPv6 and unknown
// client IPs.
func TestRoundTripColumnShapes(t *testing.T) {
	var in record.Block
	for i := 0; i < 2000; i++ {
		var r record.Record
		r.TimeMs = 1_790_000_000_000 + int64(i)
		switch i % 3 {
		case 0:
			r.ClientIP = [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(i)}
		case 1:
			r.ClientIP = [16]byte{10: 0xff, 11: 0xff, 12: 198, 13: 51, 14: 100, 15: byte(i)}
		}
		r.Str[record.Customer] = []byte("acme")
		r.Str[record.Method] = []byte([]string{"GET", "HEAD", "POST"}[i%3])
		r.Str[record.Path] = []byte("/obj/" + string(rune('a'+i%26)) + string(binary.AppendUvarint(nil, uint64(i))))
		r.Str[record.UserAgent] = bytes.Repeat([]byte{byte('A' + i%7)}, 100+i%7)
		in.Append(&r)
	}
	var e Encoder
	var d Decoder
	var out record.Block
	msg := e.Encode(nil, &in)
	if err := d.Decode(&out, msg); err != nil {
		t.Fatal(err)
	}
	assertSameRows(t, &in, 0, in.Len(), &out)
}

// A dictionary of one long value repeated over many rows must not expand
// past MaxDecodedBytes, and a row index outside the dictionary is rejected.
func TestDecodeRejectsBadDictionaries(t *testing.T) {
	dictPayload := func(rows int, valueLen int, index uint64) []byte {
		var p []byte
		for i := 0; i < rows; i++ {
			p = append(p, 0) // time delta 0
		}
		for i := 0; i < rows; i++ {
			p = append(p, ipZero)
		}
		for c := 0; c < 6; c++ {
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
				p = binary.AppendUvarint(p, index)
			}
		}
		return p
	}
	msg := func(rows int, payload []byte) []byte {
		m := append([]byte{}, magic[:]...)
		m = append(m, Version, codecNone)
		m = binary.AppendUvarint(m, uint64(rows))
		m = binary.AppendUvarint(m, uint64(len(payload)))
		return append(m, payload...)
	}
	var d Decoder
	var out record.Block
	if err := d.Decode(&out, msg(10, dictPayload(10, 5, 0))); err != nil {
		t.Fatalf("a valid dictionary batch: %v", err)
	}
	out.Reset()
	if err := d.Decode(&out, msg(10, dictPayload(10, 5, 1))); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("index outside the dictionary: got %v", err)
	}
	out.Reset()
	// 300 rows of a 1 MiB value: 300 MiB once expanded.
	if err := d.Decode(&out, msg(300, dictPayload(300, 1<<20, 0))); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a dictionary bomb: got %v", err)
	}
}

// The same rows always encode to the same bytes, whichever encoder and
// whatever it encoded before: a batch re-cut after a crash must be
// byte-identical for ingest to recognise it (see package ingest).
func TestEncodeDeterministic(t *testing.T) {
	blk := testBlock(3000)
	var fresh Encoder
	want := fresh.Encode(nil, blk)
	var used Encoder
	used.Encode(nil, testBlock(7000)) // a larger dictionary table first
	used.EncodeBatch(nil, batchOf(blk), 100, 2000)
	if got := used.Encode(nil, blk); !bytes.Equal(got, want) {
		t.Fatal("a used encoder wrote other bytes for the same rows")
	}
}

// bytes_total (version 3): a batch whose totals are all its body bytes (a
// log without a total) writes one mode byte for the column, and decodes to
// totals equal to the body bytes; one total apart makes the column a
// difference per row; an unknown mode is corrupt.
func TestTotalsModes(t *testing.T) {
	in := bodyTotals(testBlock(100))
	var e Encoder
	var d Decoder
	same := e.Encode(nil, in)
	var out record.Block
	if err := d.Decode(&out, same); err != nil {
		t.Fatal(err)
	}
	assertSameRows(t, in, 0, 100, &out)
	in.BytesTotal[42] += 300
	var out2 record.Block
	if err := d.Decode(&out2, e.Encode(nil, in)); err != nil {
		t.Fatal(err)
	}
	assertSameRows(t, in, 0, 100, &out2)
	if len(payload(t, e.Encode(nil, in))) <= len(payload(t, same)) {
		t.Error("the totals of a batch with one total apart took no room")
	}
	// Rewrite the mode byte of a one-row batch without strings' bytes.
	one := &record.Block{}
	one.Append(&record.Record{TimeMs: 1, BytesSent: 5})
	raw := payload(t, e.Encode(nil, one))
	// time, IP kind, six counters: 8 bytes, then the mode.
	if raw[8] != totalBodyMode {
		t.Fatalf("mode byte %d", raw[8])
	}
	raw[8] = 7
	msg := append([]byte("ELGB"), Version, codecNone, 1)
	msg = binary.AppendUvarint(msg, uint64(len(raw)))
	msg = append(msg, raw...)
	var out3 record.Block
	if err := d.Decode(&out3, msg); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("unknown totals mode: got %v", err)
	}
}
