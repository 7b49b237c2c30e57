package nginx

import (
	"fmt"
	"testing"
	"time"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/gen"
)

// genLines are n lines of lab/gen's traffic in the edge format, and the
// same requests as nginx combined (lab/gen's "combined", as the
// collector's pipeline benchmark writes them), each set in one buffer as
// a read buffer holds a file's lines.
func genLines(tb testing.TB, n int) (edge, combined [][]byte) {
	tb.Helper()
	for _, f := range []struct {
		lines  *[][]byte
		format string
	}{{&edge, "nginx"}, {&combined, "combined"}} {
		g, err := gen.New(gen.Options{Lines: n, Format: f.format})
		if err == nil {
			*f.lines, err = g.Lines()
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
	return edge, combined
}

// BenchmarkParseGen is Parse alone over generated traffic (a tenth of it
// IPv6, user agents of every length), where BenchmarkParse repeats one
// line: the parse share of the collector's pipeline benchmark.
func BenchmarkParseGen(b *testing.B) {
	edge, combined := genLines(b, 50_000)
	for _, c := range []struct {
		name  string
		p     *Parser
		lines [][]byte
	}{{"edge", MustCompile(Edge), edge}, {"combined", MustCompile(Combined), combined}} {
		b.Run(c.name, func(b *testing.B) {
			var r record.Record
			var size int
			for _, l := range c.lines {
				size += len(l)
			}
			b.SetBytes(int64(size / len(c.lines)))
			b.ReportAllocs()
			start := time.Now()
			n := 0
			for ; b.Loop(); n++ {
				if err := c.p.Parse(c.lines[n%len(c.lines)], &r); err != nil {
					b.Fatal(err)
				}
			}
			fmt.Printf("BENCH nginx_parse_gen_%s_ns_per_line %.1f ns\n", c.name, float64(time.Since(start).Nanoseconds())/float64(n))
		})
	}
}
