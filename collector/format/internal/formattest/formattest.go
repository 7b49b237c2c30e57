// Package formattest holds the test harness the parsers share: a stable
// text dump of a record for golden files, the invariants every parsed
// record must hold, the fuzz body and the benchmark.
package formattest

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/internal/record"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the parsers' output")

// Dump writes r as one line: the numeric fields always, the string fields
// that are set, quoted. The time is shown in UTC to the millisecond so a
// reviewer can check it against the log line.
func Dump(r *record.Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "time=%s ip=%s asn=%d status=%d sent=%d recv=%d rt_us=%d ttfb_us=%d",
		time.UnixMilli(r.TimeMs).UTC().Format("2006-01-02T15:04:05.000Z"),
		record.ClientAddr(r.ClientIP), r.ASN, r.Status, r.BytesSent, r.BytesReceived,
		r.RequestTimeUs, r.TTFBUs)
	for i, v := range r.Str {
		if v != nil {
			fmt.Fprintf(&b, " %s=%s", record.StrNames[i], strconv.Quote(string(v)))
		}
	}
	return b.String()
}

// DumpNotes writes n's fallbacks and addresses, as " fallbacks=..."
// and " addrs=...", or "" when it holds none.
func DumpNotes(n *format.Notes) string {
	var b strings.Builder
	for i, f := range n.Fallbacks {
		if i == 0 {
			b.WriteString(" fallbacks=")
		} else {
			b.WriteByte(',')
		}
		b.WriteString(f.Field + "/" + f.Reason)
	}
	for i, a := range n.Addrs {
		if i == 0 {
			b.WriteString(" addrs=")
		} else {
			b.WriteByte(',')
		}
		b.WriteString(a.String())
	}
	return b.String()
}

// Check returns the first invariant a successfully parsed r breaks.
func Check(r *record.Record) error {
	switch {
	case r.Status < 100 || r.Status > 599:
		return fmt.Errorf("status %d outside 100..599", r.Status)
	case r.TimeMs <= 0: // a decoder overflowed, or let a zero time through
		return fmt.Errorf("time %d is not after 1970", r.TimeMs)
	}
	return nil
}

// Golden parses testdata/name.log line by line with p (in order: a W3C
// parser keeps its #Fields between lines) and compares the dumps with
// testdata/name.golden; go test -update rewrites the golden file.
func Golden(t *testing.T, p format.Parser, name string) {
	t.Helper()
	in, err := os.ReadFile(filepath.Join("testdata", name+".log")) // #nosec G304 -- test helper: golden files under testdata
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var r record.Record
	sc := bufio.NewScanner(bytes.NewReader(in))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fmt.Fprintf(&out, "< %s\n", sc.Text())
		err := p.Parse(sc.Bytes(), &r)
		switch {
		case errors.Is(err, format.ErrNoRecord):
			out.WriteString("> no record\n")
		case err != nil:
			fmt.Fprintf(&out, "> error: %v\n", err)
			if lp, ok := p.(format.Lenient); ok {
				var n format.Notes
				if err := lp.ParseLenient(sc.Bytes(), &r, &n); err != nil {
					fmt.Fprintf(&out, "> lenient error: %v\n", err)
				} else {
					if err := Check(&r); err != nil {
						t.Errorf("%s: %s: lenient: %v", name, sc.Text(), err)
					}
					fmt.Fprintf(&out, "> lenient %s%s\n", Dump(&r), DumpNotes(&n))
				}
			}
		default:
			if err := Check(&r); err != nil {
				t.Errorf("%s: %s: %v", name, sc.Text(), err)
			}
			fmt.Fprintf(&out, "> %s\n", Dump(&r))
		}
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil { // #nosec G306 -- test helper: golden files in the repository
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path) // #nosec G304 -- test helper: golden files under testdata
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got := out.String(); got != string(want) {
		t.Errorf("%s differs from the parser's output (go test -update rewrites it, then review the diff):\n%s", path, diff(string(want), got))
	}
}

// diff shows the first differing line pair.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\nwant %s\ngot  %s", i+1, a, b)
		}
	}
	return ""
}

// Fuzz is the body of each parser's fuzz test. data holds one or more
// lines, parsed in order by p, so a W3C fuzz input can bring its own
// #Fields header. It fails on a panic (by the fuzzer), on a record that
// breaks Check, and on a parse that is not repeatable: parsing the same
// line twice must give the same record, which catches a field left aliasing
// scratch space that the second parse reused.
func Fuzz(t *testing.T, p format.Parser, data []byte) {
	var r record.Record
	lp, _ := p.(format.Lenient)
	var n format.Notes
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		if p.Parse(line, &r) != nil {
			if lp == nil {
				continue
			}
			n.Reset()
			if lp.ParseLenient(line, &r, &n) == nil {
				if err := Check(&r); err != nil {
					t.Fatalf("%q: lenient: %v\n%s", line, err, Dump(&r))
				}
			}
			continue
		}
		if err := Check(&r); err != nil {
			t.Fatalf("%q: %v\n%s", line, err, Dump(&r))
		}
		first := Dump(&r)
		if err := p.Parse(line, &r); err != nil {
			t.Fatalf("%q: parsed once, then failed: %v", line, err)
		}
		if again := Dump(&r); again != first {
			t.Fatalf("%q: parsed twice, differently:\n%s\n%s", line, first, again)
		}
	}
}

// Bench parses line with p repeatedly and reports, and prints for the
// project's benchmark collector, one "BENCH parse_<name>_lines_per_sec"
// line.
func Bench(b *testing.B, name string, p format.Parser, line []byte) {
	var r record.Record
	if err := p.Parse(line, &r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	n := 0
	for b.Loop() {
		if err := p.Parse(line, &r); err != nil {
			b.Fatal(err)
		}
		n++
	}
	rate := float64(n) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "lines/s")
	fmt.Printf("BENCH parse_%s_lines_per_sec %.0f lines/s\n", name, rate)
}

// Lines returns the lines of testdata/name.log, for seeding a fuzz target.
func Lines(tb testing.TB, name string) []string {
	tb.Helper()
	in, err := os.ReadFile(filepath.Join("testdata", name+".log")) // #nosec G304 -- test helper: golden files under testdata
	if err != nil {
		tb.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(in), "\n"), "\n")
}

// PlanParser is a parser with a template's plan (Parse) and its generic
// op-by-op loop (ParseEachOp), as nginx's and Apache's are.
type PlanParser interface {
	Parse(line []byte, r *record.Record) error
	ParseEachOp(line []byte, r *record.Record) error
	Forwarded() []byte
}

// SamePlan fails t unless plan.Parse gives line what ops.ParseEachOp
// gives it (two parsers of one format, so neither's per-line state
// touches the other's): the same error, or the same record, nil strings
// told from empty ones, and the same X-Forwarded-For. name says which
// format.
func SamePlan(t *testing.T, name, line string, plan, ops PlanParser) {
	t.Helper()
	var a, b record.Record
	errA := plan.Parse([]byte(line), &a)
	errB := ops.ParseEachOp([]byte(line), &b)
	if (errA == nil) != (errB == nil) || errA != nil && errA.Error() != errB.Error() {
		t.Fatalf("%s, %q: error %v, the generic loop %v", name, line, errA, errB)
	}
	if errA != nil {
		return
	}
	if da, db := planDump(&a, plan.Forwarded()), planDump(&b, ops.Forwarded()); da != db {
		t.Fatalf("%s, %q:\n%s\nthe generic loop:\n%s", name, line, da, db)
	}
}

// planDump is every field of r, a nil string apart from an empty one,
// and the X-Forwarded-For kept.
func planDump(r *record.Record, fwd []byte) string {
	c := *r
	c.Str = [record.NumStr][]byte{}
	s := fmt.Sprintf("%+v fwd=%q nil=%v", c, fwd, fwd == nil)
	for i, v := range r.Str {
		s += fmt.Sprintf(" %d=%q/%v", i, v, v == nil)
	}
	return s
}
