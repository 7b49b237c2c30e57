package nginx

import (
	"fmt"
	"testing"

	"github.com/edgelog/edgelog/collector/format/internal/formattest"
	"github.com/edgelog/edgelog/internal/record"
)

// planFormats are the formats FuzzPlan holds Parse's plan to the generic
// loop on: the edge format (under each escaping), combined, and the json
// format.
var planFormats = []struct {
	format string
	esc    Escape
}{
	{Edge, EscapeDefault}, {Combined, EscapeDefault}, {Edge, EscapeJSON}, {Edge, EscapeNone},
	{jsonFormat, EscapeJSON},
	{`$remote_addr - [$time_iso8601] "$request_method $request_uri" $status $bytes_sent ${upstream_response_time}ms "$http_x_forwarded_for" $https $sent_http_x_cache $msec`, EscapeDefault},
}

// FuzzPlan: Parse, which takes a line by the template's plan where it
// can, gives what the generic loop (ParseEachOp) gives, record and error,
// on any line. Seeds: testdata/fuzz/FuzzPlan, and the golden files' lines.
func FuzzPlan(f *testing.F) {
	for _, name := range []string{"edge", "combined", "json"} {
		for _, l := range formattest.Lines(f, name) {
			f.Add(l)
		}
	}
	type pair struct{ plan, ops *Parser }
	var ps []pair
	for _, c := range planFormats {
		a, err := Compile(c.format, c.esc)
		if err != nil {
			f.Fatal(err)
		}
		b, _ := Compile(c.format, c.esc)
		ps = append(ps, pair{a, b})
	}
	f.Fuzz(func(t *testing.T, line string) {
		for i, p := range ps {
			var a, b record.Record
			errA := p.plan.Parse([]byte(line), &a)
			errB := p.ops.ParseEachOp([]byte(line), &b)
			if (errA == nil) != (errB == nil) || errA != nil && errA.Error() != errB.Error() {
				t.Fatalf("format %d, %q: error %v, the generic loop %v", i, line, errA, errB)
			}
			if errA != nil {
				continue
			}
			if da, db := dump(&a, p.plan.Forwarded()), dump(&b, p.ops.Forwarded()); da != db {
				t.Fatalf("format %d, %q:\n%s\nthe generic loop:\n%s", i, line, da, db)
			}
		}
	})
}

// dump is every field of r, a nil string apart from an empty one, and
// the X-Forwarded-For kept.
func dump(r *record.Record, fwd []byte) string {
	c := *r
	c.Str = [record.NumStr][]byte{}
	s := fmt.Sprintf("%+v fwd=%q nil=%v", c, fwd, fwd == nil)
	for i, v := range r.Str {
		s += fmt.Sprintf(" %d=%q/%v", i, v, v == nil)
	}
	return s
}
