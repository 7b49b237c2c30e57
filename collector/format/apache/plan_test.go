package apache

import (
	"fmt"
	"testing"

	"github.com/edgelog/edgelog/collector/format/internal/formattest"
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
			formattest.SamePlan(t, fmt.Sprintf("format %d", i), line, p.plan, p.ops)
		}
	})
}
