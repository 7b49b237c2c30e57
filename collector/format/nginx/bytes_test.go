package nginx

import (
	"testing"

	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/internal/record"
)

// $body_bytes_sent is the body, $bytes_sent every byte written: both are
// kept apart. With $bytes_sent alone, the body bytes are the total (as
// before the total was kept), and a malformed total next to a body costs
// the line nothing: it bills its body bytes.
func TestBytesTotal(t *testing.T) {
	const both = `$msec $status $body_bytes_sent $bytes_sent`
	const total = `$msec $status $bytes_sent`
	for _, c := range []struct {
		format, line      string
		body, totalBytes  uint64
		lenientFallbackOn string
	}{
		{both, "1772611200.187 200 921 1203", 921, 1203, ""},
		{both, "1772611200.187 499 0 0", 0, 0, ""},
		{total, "1772611200.187 200 1203", 1203, 1203, ""},
		{both, "1772611200.187 200 921 12x3", 921, 0, "bytes_total"},
	} {
		p, err := Compile(c.format, EscapeDefault)
		if err != nil {
			t.Fatal(err)
		}
		var r record.Record
		var n field.Notes
		if c.lenientFallbackOn == "" {
			if err := p.Parse([]byte(c.line), &r); err != nil {
				t.Fatalf("%q: %v", c.line, err)
			}
		} else {
			if err := p.Parse([]byte(c.line), &r); err == nil {
				t.Fatalf("%q: a malformed total parsed strictly", c.line)
			}
			if err := p.ParseLenient([]byte(c.line), &r, &n); err != nil {
				t.Fatalf("%q: lenient parse lost the request: %v", c.line, err)
			}
			if len(n.Fallbacks) != 1 || n.Fallbacks[0].Field != c.lenientFallbackOn {
				t.Errorf("%q: notes %+v, want one on %s", c.line, n.Fallbacks, c.lenientFallbackOn)
			}
		}
		if r.BytesSent != c.body || r.BytesTotal != c.totalBytes {
			t.Errorf("%q under %q: body %d total %d, want %d %d", c.line, c.format, r.BytesSent, r.BytesTotal, c.body, c.totalBytes)
		}
		var b record.Block
		b.Append(&r)
		want := c.totalBytes
		if want == 0 {
			want = c.body
		}
		if b.BytesTotal[0] != want {
			t.Errorf("%q: stored total %d, want %d (the log's total, else the body)", c.line, b.BytesTotal[0], want)
		}
	}
	// Malformed total bytes alone are the body bytes: the line is refused.
	p, _ := Compile(total, EscapeDefault)
	var r record.Record
	if err := p.ParseLenient([]byte("1772611200.187 200 12x3"), &r, &field.Notes{}); err == nil {
		t.Error("a line whose only bytes field is malformed was kept")
	}
}
