package batch

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/internal/fallbacks"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
)

func row(cust string, i int) *record.Record {
	r := &record.Record{TimeMs: 1_790_000_000_000 + int64(i), Status: 200, BytesSent: uint64(i)}
	r.Str[record.Customer] = []byte(cust)
	r.Str[record.Path] = []byte(fmt.Sprintf("/objects/%d/%x", i, i*7919))
	return r
}

func decodeRows(t *testing.T, msgs []kafka.Message) map[string]int {
	t.Helper()
	got := map[string]int{}
	var d wire.Decoder
	for _, m := range msgs {
		var b record.Block
		if err := d.Decode(&b, m.Value); err != nil {
			t.Fatal(err)
		}
		for i := range b.Len() {
			if c := string(b.Str[record.Customer].Bytes(i)); c != string(m.Key) {
				t.Fatalf("row of %s in a message keyed %s", c, m.Key)
			}
		}
		got[string(m.Key)] += b.Len()
	}
	return got
}

func TestCutGroupsPerCustomerInFirstSeenOrder(t *testing.T) {
	b := New(1 << 20)
	for i, c := range []string{"globex", "acme", "globex", "initech", "acme", "globex"} {
		b.Add(row(c, i))
	}
	if b.Rows() != 6 {
		t.Fatalf("Rows = %d", b.Rows())
	}
	msgs := b.Cut(nil, "test")
	var keys []string
	for _, m := range msgs {
		keys = append(keys, string(m.Key))
	}
	if fmt.Sprint(keys) != "[globex acme initech]" {
		t.Fatalf("message keys %v", keys)
	}
	if got := decodeRows(t, msgs); got["globex"] != 3 || got["acme"] != 2 || got["initech"] != 1 {
		t.Fatalf("rows per customer %v", got)
	}
	if b.Rows() != 0 || len(b.Cut(nil, "test")) != 0 {
		t.Fatal("Cut did not empty the batcher")
	}
}

// A batch larger than a message is split, every part within the limit, and
// the same rows always give the same messages (a re-cut after a crash must
// be recognised by ingest).
func TestCutSplitsAndIsDeterministic(t *testing.T) {
	const limit = 16 << 10
	cut := func() []kafka.Message {
		b := New(limit)
		for i := range 20000 {
			b.Add(row([]string{"acme", "globex"}[i%2], i))
		}
		return b.Cut(nil, "test")
	}
	a, c := cut(), cut()
	if len(a) < 3 {
		t.Fatalf("%d messages for 20000 rows under a %d-byte limit", len(a), limit)
	}
	for i, m := range a {
		if len(m.Value) > limit-1024 {
			t.Errorf("message %d: %d bytes", i, len(m.Value))
		}
		if !bytes.Equal(m.Value, c[i].Value) {
			t.Fatalf("message %d differs between two cuts of the same rows", i)
		}
	}
	if got := decodeRows(t, a); got["acme"] != 10000 || got["globex"] != 10000 {
		t.Fatalf("rows per customer %v", got)
	}
}

func TestFits(t *testing.T) {
	b := New(64 << 10)
	if !b.Fits(row("acme", 1), 200) {
		t.Fatal("a short line does not fit")
	}
	big := row("acme", 2)
	// Random bytes: zstd cannot shrink them below the limit.
	big.Str[record.UserAgent] = make([]byte, 70<<10)
	rand.New(rand.NewSource(1)).Read(big.Str[record.UserAgent])
	if b.Fits(big, 70<<10) {
		t.Fatal("a 70 KiB row fits a 64 KiB message")
	}
}

// Each message carries the fallbacks of its own rows: split in parts, the
// parts' headers add up to the notes, and a customer's notes never reach
// another's message.
func TestCutCarriesFallbacksPerMessage(t *testing.T) {
	const limit = 16 << 10
	b := New(limit)
	b.Format = "nginx"
	want := map[string]uint64{}
	for i := range 20000 {
		cust := []string{"acme", "globex"}[i%2]
		b.Add(row(cust, i))
		if cust == "acme" && i%7 == 0 {
			b.Note("client_ip", "address_list")
			want["client_ip/address_list"]++
			if i%21 == 0 {
				b.Note("line", "extra")
				want["line/extra"]++
			}
		}
	}
	msgs := b.Cut(nil, "test")
	got := map[string]uint64{}
	withHeader := 0
	for _, m := range msgs {
		v := fallbacks.Of(m.Headers)
		if v == nil {
			continue
		}
		withHeader++
		if string(m.Key) != "acme" {
			t.Fatalf("fallbacks on a message of %s", m.Key)
		}
		format, counts, err := fallbacks.Decode(v, nil)
		if err != nil || format != "nginx" {
			t.Fatalf("header %q: %s %v", v, format, err)
		}
		var d wire.Decoder
		var blk record.Block
		if err := d.Decode(&blk, m.Value); err != nil {
			t.Fatal(err)
		}
		for _, c := range counts {
			if c.Lines > uint64(blk.Len()) {
				t.Fatalf("%d fallbacks in a message of %d rows", c.Lines, blk.Len())
			}
			got[c.Field+"/"+c.Reason] += c.Lines
		}
	}
	if withHeader < 2 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%d messages with fallbacks, counts %v, want %v", withHeader, got, want)
	}
	// Cut empties the notes with the rows.
	b.Add(row("acme", 1))
	if m := b.Cut(nil, "test"); fallbacks.Of(m[0].Headers) != nil {
		t.Fatal("notes of a previous batch came back")
	}
}
