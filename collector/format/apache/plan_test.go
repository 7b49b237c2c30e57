package apache

import (
	"fmt"
	"testing"

	"github.com/edgelog/edgelog/collector/format/internal/formattest"
	"github.com/edgelog/edgelog/internal/record"
)

// FuzzPlan: Parse, which takes a line by the template's plan where it
// can, gives what the generic loop (ParseEachOp) gives, record and error,
// on any line, for Apache's formats (escaped quotes, %t's begin time).
func FuzzPlan(f *testing.F) {
	for _, name := range []string{"combined", "edge", "msec", "vhost_combined"} {
		for _, l := range formattest.Lines(f, name) {
			f.Add(l)
		}
	}
	type pair struct{ plan, ops *Parser }
	var ps []pair
	for _, format := range []string{Combined, VHostCombined, Common} {
		ps = append(ps, pair{MustCompile(format), MustCompile(format)})
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
