package nginx

import (
	"fmt"
	"testing"

	"github.com/edgelog/edgelog/collector/format/internal/formattest"
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
			formattest.SamePlan(t, fmt.Sprintf("format %d", i), line, p.plan, p.ops)
		}
	})
}
