package wire

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"github.com/edgelog/edgelog/internal/record"
)

func testBlock(n int) *record.Block {
	var b record.Block
	for i := 0; i < n; i++ {
		r := record.Record{
			TimeMs:        1_790_000_000_000 + int64(i*37%1000) - 500,
			ASN:           uint32(3320 + i%5),
			Status:        []uint16{200, 206, 304, 404, 503}[i%5],
			BytesSent:     uint64(i * 1013),
			BytesTotal:    uint64(i*1013 + 250 + i%3),
			BytesReceived: uint64(300 + i%7),
			RequestTimeUs: uint32(1000 * (i % 13)),
			TTFBUs:        uint32(500 * (i % 11)),
		}
		r.SetClientIP(netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)}))
		for s := range r.Str {
			r.Str[s] = []byte(fmt.Sprintf("%s-%d", record.Str(s), i%(s+2)))
		}
		if i%9 == 0 {
			r.Str[record.Referer] = nil
		}
		b.Append(&r)
	}
	return &b
}

func batchOf(b *record.Block) *Batch {
	var batch Batch
	batch.AppendBlock(b)
	return &batch
}

func TestRoundTrip(t *testing.T) {
	f := func(n int) {
		t.Helper()
		in := testBlock(n)
		var e Encoder
		msg := e.Encode(nil, in)
		var out record.Block
		var d Decoder
		if err := d.Decode(&out, msg); err != nil {
			t.Fatalf("%d rows: %v", n, err)
		}
		if out.Len() != n {
			t.Fatalf("%d rows decoded, want %d", out.Len(), n)
		}
		for i := 0; i < n; i++ {
			var a, b record.Record
			in.Row(i, &a)
			out.Row(i, &b)
			if !reflect.DeepEqual(normalize(a), normalize(b)) {
				t.Fatalf("row %d: got %+v, want %+v", i, b, a)
			}
		}
	}
	f(0)
	f(1)
	f(2)
	f(1000)
}

// TestDictionaryShared checks that a dictionary-coded column is decoded
// into its values once, every row pointing at its value, while a batch
// limit still counts every row's bytes.
func TestDictionaryShared(t *testing.T) {
	in := testBlock(10_000) // customer takes 2 values, so it goes as a dictionary
	var e Encoder
	var out record.Block
	var d Decoder
	if err := d.Decode(&out, e.Encode(nil, in)); err != nil {
		t.Fatal(err)
	}
	c := &out.Str[record.Customer]
	if len(c.Buf) > 64 {
		t.Errorf("customer arena %d bytes for 10,000 rows of 2 values: the rows' bytes were copied", len(c.Buf))
	}
	if want := in.Str[record.Customer].ExpandedBytes(); c.ExpandedBytes() != want {
		t.Errorf("customer's expanded bytes %d, want %d", c.ExpandedBytes(), want)
	}
	if out.SizeBytes() != in.SizeBytes() {
		t.Errorf("SizeBytes %d decoded, %d before: the batch limit must see the same rows alike", out.SizeBytes(), in.SizeBytes())
	}
}

// normalize makes empty and nil strings compare equal.
func normalize(r record.Record) record.Record {
	for i := range r.Str {
		if len(r.Str[i]) == 0 {
			r.Str[i] = nil
		}
	}
	return r
}

func TestDecodeAppendsToExistingRows(t *testing.T) {
	var e Encoder
	var d Decoder
	var out record.Block
	for i := 0; i < 3; i++ {
		if err := d.Decode(&out, e.Encode(nil, testBlock(10))); err != nil {
			t.Fatal(err)
		}
	}
	if out.Len() != 30 || out.Str[record.Host].Len() != 30 {
		t.Fatalf("got %d rows", out.Len())
	}
	var r record.Record
	out.Row(25, &r)
	if string(r.Str[record.Host]) != "host-2" { // row 5 of a block: i%3
		t.Fatalf("row 25 host %q", r.Str[record.Host])
	}
}

func TestDecodeRejects(t *testing.T) {
	var e Encoder
	good := e.Encode(nil, testBlock(50))
	f := func(name string, msg []byte, want error) {
		t.Helper()
		var d Decoder
		var out record.Block
		err := d.Decode(&out, msg)
		if !errors.Is(err, want) {
			t.Fatalf("%s: got %v, want %v", name, err, want)
		}
	}
	f("empty", nil, ErrCorrupt)
	f("magic", append([]byte("JUNK"), good[4:]...), ErrMagic)
	f("version", append(append([]byte{}, good[:4]...), append([]byte{99}, good[5:]...)...), ErrVersion)
	f("truncated", good[:len(good)-10], ErrCorrupt)
	f("trailing garbage", append(append([]byte{}, good...), 1, 2, 3), ErrCorrupt)
	bad := append([]byte{}, good...)
	bad[5] = 7
	f("codec", bad, ErrCorrupt)
}

func TestWireBytesPerRecord(t *testing.T) {
	var e Encoder
	msg := e.Encode(nil, testBlock(10000))
	if per := float64(len(msg)) / 10000; per > 40 {
		t.Fatalf("%.1f bytes per record on the wire", per)
	}
}

// FuzzDecode checks that no input makes Decode panic, and that whatever
// decodes re-encodes to something that decodes to the same rows.
func FuzzDecode(f *testing.F) {
	var e Encoder
	f.Add(e.Encode(nil, testBlock(3)))
	f.Add(e.Encode(nil, testBlock(0)))
	f.Add([]byte("ELGB\x01\x00\x01\x05"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		var d Decoder
		var out record.Block
		if err := d.Decode(&out, msg); err != nil {
			return
		}
		var e2 Encoder
		var again record.Block
		if err := d.Decode(&again, e2.Encode(nil, &out)); err != nil {
			t.Fatalf("re-encoded batch does not decode: %v", err)
		}
		if again.Len() != out.Len() {
			t.Fatal("re-encoded batch differs")
		}
		for s := range out.Str {
			for i := range out.Len() {
				if !bytes.Equal(again.Str[s].Bytes(i), out.Str[s].Bytes(i)) {
					t.Fatalf("re-encoded batch differs: %s of row %d", record.Str(s), i)
				}
			}
		}
		checkOnlyStrings(t, msg, &out)
	})
}

// checkOnlyStrings decodes msg again keeping the customer and region
// columns only: what a whole decode gave, less the other string columns.
func checkOnlyStrings(t *testing.T, msg []byte, whole *record.Block) {
	t.Helper()
	d := Decoder{OnlyStrings: 1<<record.Customer | 1<<record.Region}
	var part record.Block
	if err := d.Decode(&part, msg); err != nil {
		t.Fatalf("a message that decodes whole fails with OnlyStrings: %v", err)
	}
	if !slices.Equal(part.TimeMs, whole.TimeMs) || !slices.Equal(part.BytesSent, whole.BytesSent) || !slices.Equal(part.Status, whole.Status) {
		t.Fatal("OnlyStrings changed a numeric column")
	}
	for s := range record.NumStr {
		want := &whole.Str[s]
		if s != record.Customer && s != record.Region {
			want = &record.StrCol{}
			if s >= record.ForwardedFor && msg[4] < 4 {
				want = &whole.Str[s] // a column the version lacks: empty rows, as in a whole decode
			}
		}
		if !bytes.Equal(part.Str[s].Buf, want.Buf) || !slices.Equal(part.Str[s].End, want.End) {
			t.Fatalf("column %s: %d rows %q, want %d rows %q", s, part.Str[s].Len(), part.Str[s].Buf, want.Len(), want.Buf)
		}
	}
}

func TestOnlyStrings(t *testing.T) {
	var e Encoder
	for _, n := range []int{0, 1, 3, 100} {
		msg := e.Encode(nil, testBlock(n))
		var d Decoder
		var whole record.Block
		if err := d.Decode(&whole, msg); err != nil {
			t.Fatal(err)
		}
		checkOnlyStrings(t, msg, &whole)
		if n > 0 && whole.Str[record.Path].Len() == 0 {
			t.Fatal("the test block has no paths to skip")
		}
	}
}
