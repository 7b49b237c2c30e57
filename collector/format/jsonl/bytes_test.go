package jsonl

import (
	"testing"

	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
)

// nginx's escape=json layouts name keys after variables: body_bytes_sent
// is the body, bytes_sent every byte written (the body too when alone);
// a malformed total keeps the request, billed on its body bytes.
func TestBytesTotal(t *testing.T) {
	p, err := New(Defaults)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		line        string
		body, total uint64
		notes       int
	}{
		{`{"msec":"1772611200.187","status":200,"body_bytes_sent":921,"bytes_sent":1203}`, 921, 1203, 0},
		{`{"msec":"1772611200.187","status":200,"bytes_sent":1203}`, 1203, 1203, 0},
		{`{"msec":"1772611200.187","status":200,"body_bytes_sent":921}`, 921, 0, 0},
		{`{"msec":"1772611200.187","status":200,"body_bytes_sent":921,"bytes_sent":"12x"}`, 921, 0, 1},
	} {
		var r record.Record
		var n field.Notes
		if err := p.ParseLenient([]byte(c.line), &r, &n); err != nil {
			t.Fatalf("%s: %v", c.line, err)
		}
		if r.BytesSent != c.body || r.BytesTotal != c.total || len(n.Fallbacks) != c.notes {
			t.Errorf("%s: body %d total %d notes %v, want %d %d and %d notes", c.line, r.BytesSent, r.BytesTotal, n.Fallbacks, c.body, c.total, c.notes)
		}
	}
}
