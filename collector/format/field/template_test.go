package field

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/edgelog/edgelog/internal/record"
)

// indexLit, inList and the plan's indexByte and hasLitAt are the parse
// loops' own searches: they must find what bytes.Index, the list rule,
// bytes.IndexByte and bytes.HasPrefix find, on any input.
func FuzzIndexLit(f *testing.F) {
	for _, s := range [][2]string{
		{`GET / HTTP/1.1" 200`, `" `}, {`a" "b" "c`, `" "`}, {`- - [x`, ` - `}, {`"" ""`, `" "`},
		{`0.010, 0.020 : 0.030 MISS "x`, ` "`}, {`aaaab`, `ab`}, {``, `"`}, {`x`, `xyz`},
		{`Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36" "h`, `" "`}, {"0123456789abcdef0123456\xa0\x80 x", ` `},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, b, lit []byte) {
		if len(lit) == 0 || len(lit) > 8 {
			return
		}
		if got, want := indexLit(b, lit), bytes.Index(b, lit); got != want {
			t.Fatalf("indexLit(%q, %q) = %d, bytes.Index %d", b, lit, got, want)
		}
		if got, want := indexByte(b, lit[0]), bytes.IndexByte(b, lit[0]); got != want {
			t.Fatalf("indexByte(%q, %q) = %d, bytes.IndexByte %d", b, lit[0], got, want)
		}
		w := newLitWord(lit)
		for i := 0; i <= len(b); i++ {
			if got, want := hasLitAt(b, i, lit, w), bytes.HasPrefix(b[i:], lit); got != want {
				t.Fatalf("hasLitAt(%q, %d, %q) = %v, bytes.HasPrefix %v", b, i, lit, got, want)
			}
		}
		if lit[0] == ' ' {
			want := -1
			for off := 0; off <= len(b); {
				i := bytes.Index(b[off:], lit)
				if i < 0 {
					break
				}
				i += off
				if !(i > 0 && b[i-1] == ',' || i+2 < len(b) && b[i+1] == ':' && b[i+2] == ' ' || i > 1 && b[i-1] == ':' && b[i-2] == ' ') {
					want = i
					break
				}
				off = i + 1
			}
			if got := indexAfterList(b, lit); got != want {
				t.Fatalf("indexAfterList(%q, %q) = %d, want %d", b, lit, got, want)
			}
		}
	})
}

// fastTemplates are templates whose ops take setFast's ways: nginx's edge
// format (under two escapes), and one with every fast kind, literals that
// begin with list separators, and list values.
func fastTemplates() []func() *Template {
	edge := []Item{
		{Spec: Spec{Kind: KIP}, Lit: " - "}, {Lit: " ["}, {Width: 26, Lit: `] "`},
		{Spec: Spec{Kind: KRequest}, Lit: `" `}, {Spec: Spec{Kind: KStatus}, Lit: " "}, {Spec: Spec{Kind: KBytesSent}, Lit: ` "`},
		{Spec: Spec{Kind: KStr, Str: record.Referer}, Lit: `" "`}, {Spec: Spec{Kind: KStr, Str: record.UserAgent}, Lit: `" "`},
		{Spec: Spec{Kind: KStr, Str: record.Host}, Lit: `" `}, {Spec: Spec{Kind: KStr, Str: record.Scheme}, Lit: " "},
		{Spec: Spec{Kind: KBytesReceived}, Lit: " "}, {Spec: Spec{Kind: KRequestTime}, Lit: " "},
		{Spec: Spec{Kind: KTTFB}, Lit: " ", List: true}, {Spec: Spec{Kind: KStr, Str: record.CacheStatus}, Lit: ` "`, List: true},
		{Spec: Spec{Kind: KStr, Str: record.ContentType}, Lit: `" `}, {Spec: Spec{Kind: KStr, Str: record.PoP}, Lit: " "},
		{Spec: Spec{Kind: KStr, Str: record.Server}, Lit: " "}, {Spec: Spec{Kind: KStr, Str: record.Country}, Lit: " "},
		{Spec: Spec{Kind: KASN}, Lit: " "}, {Spec: Spec{Kind: KUnixFrac}},
	}
	every := []Item{
		{Spec: Spec{Kind: KHostname}, Lit: ","}, {Spec: Spec{Kind: KUnixMs}, Lit: ":"}, {Spec: Spec{Kind: KStatus}, Lit: " , "},
		{Spec: Spec{Kind: KBytesTotal}, Lit: " "}, {Spec: Spec{Kind: KSeconds}, Lit: " ", List: true},
		{Spec: Spec{Kind: KTTFB}, Lit: ", "}, {Spec: Spec{Kind: KASN}, Lit: "|"}, {Spec: Spec{Kind: KUnixUs, Slot: 1}, Lit: " "},
		{Spec: Spec{Kind: KUnixSec, Slot: 1, Prio: 1}, Lit: " "}, {Spec: Spec{Kind: KMillis}, Lit: "x"},
		{Spec: Spec{Kind: KMicros}, Lit: " ", List: true}, {Spec: Spec{Kind: KBytesReceived}, Lit: "\""},
		{Spec: Spec{Kind: KStr, Str: record.PoP}},
	}
	return []func() *Template{
		func() *Template { return Compile("", edge, EscapeHex) },
		func() *Template { return Compile("", edge, EscapeJSON) },
		func() *Template { return Compile("[", every, EscapeHex) },
	}
}

// Parse reads a line the same whether a value takes setFast's way or
// index's and set's, and whether the line takes the plan or the generic
// loop: the same record, the same error.
func FuzzFastPath(f *testing.F) {
	for _, s := range []string{
		`76.102.240.45 - - [01/Oct/2026:00:30:15 +0000] "GET /a.png HTTP/2.0" 200 142004 "https://www.oscorp.example/" "Mozilla/5.0" "www.oscorp.example" https 565 0.066 0.034 MISS "image/png" sjc1 edge-sjc1-01 US 22773 1790814615.209`,
		`1.2.3.4 - - [01/Oct/2026:00:30:15 +0000] "GET / HTTP/1.1" 099 - "-" "-" "h" http - - 0.010, 0.020 : - HIT "-" - - - AS1 1790814615.209`,
		`01.2.3.4 - - [01/Oct/2026:00:30:15 +0000] "-" 600 18446744073709551616 "-" "-" "-" - 99999999999999999999 1234567890123.5 0.1.2 - "-" - - - 4294967296 -`,
		`1.2.3.4567 - - [01/Oct/2026:00:30:15 +0000] "-" 20 1 "\"" "\x22" "-" - 1 12345678901234567890.5 - : 0.1 STALE "" a b c 99 1790814615`,
		`[1.2.3.4,1790814615000:200 , 5 3 0.5, 7|1790814615000000 1790814615 12x9 8"pop`,
		`[1.2.3.4,1790814615000:200 , 5 3, 4 0.5, 7|1790814615000000 1790814615 12x9, 8 : 7 8"pop`,
		`[::1,-:- , 2000 , - - - 0.5, 0.25 : 1, -|- - -x- - 9"`,
	} {
		f.Add(s)
	}
	mk := fastTemplates()
	plan, fast, slow := make([]*Template, len(mk)), make([]*Template, len(mk)), make([]*Template, len(mk))
	for i, m := range mk {
		plan[i], fast[i], slow[i] = m(), m(), m()
		for j := range slow[i].Ops {
			slow[i].Ops[j].fast = fastNone
		}
	}
	f.Fuzz(func(t *testing.T, line string) {
		for i := range fast {
			var b record.Record
			errB := slow[i].parseOps([]byte(line), &b)
			for way, parse := range map[string]func([]byte, *record.Record) error{"setFast": fast[i].parseOps, "the plan": plan[i].Parse} {
				var a record.Record
				errA := parse([]byte(line), &a)
				if (errA == nil) != (errB == nil) || errA != nil && errA.Error() != errB.Error() {
					t.Fatalf("template %d, %q: error %v by %s, the usual way %v", i, line, errA, way, errB)
				}
				if da, db := dumpRecord(&a), dumpRecord(&b); errA == nil && da != db {
					t.Fatalf("template %d, %q, by %s:\n%s\nthe usual way:\n%s", i, line, way, da, db)
				}
			}
		}
	})
}

// The plan takes the lines of the common shape, so that FuzzFastPath and
// the formats' FuzzPlan compare it with the generic loop rather than the
// loop with itself; and gives up on a line with a backslash.
func TestPlanTaken(t *testing.T) {
	for i, m := range fastTemplates() {
		tp := m()
		if tp.plan == nil {
			t.Fatalf("template %d has no plan", i)
		}
	}
	edge := fastTemplates()[0]()
	var r record.Record
	for _, c := range []struct {
		line string
		plan bool
	}{
		{`76.102.240.45 - - [01/Oct/2026:00:30:15 +0000] "GET /a.png?x HTTP/2.0" 200 142004 "https://www.oscorp.example/" "Mozilla/5.0" "www.oscorp.example" https 565 0.066 0.034 MISS "image/png" sjc1 edge-sjc1-01 US 22773 1790814615.209`, true},
		{`2001:db8::1 - - [01/Oct/2026:00:30:15 +0000] "GET / HTTP/1.1" 200 1 "-" "-" "h" http - - 0.010, 0.020 : - HIT "-" - - - AS1 1790814615.209`, true},
		{`1.2.3.4 - - [01/Oct/2026:00:30:15 +0000] "GET / HTTP/1.1" 200 1 "-" "a\x22" "h" http - - - HIT "-" - - - 1 1790814615.209`, false},
		{`1.2.3.4 - - [01/Oct/2026:00:30:15 +0000] "GET / HTTP/1.1" 200 1 "-" "-" "h" http - - - HIT "-" - - - 1 notatime`, false},
	} {
		if got := edge.parsePlan([]byte(c.line), &r); got != c.plan {
			t.Errorf("%q: plan %v, want %v", c.line, got, c.plan)
		}
	}
}

// The fast path is taken where it should be: a template's numbers and
// addresses, not its strings, skipped values or times cut at a width.
func TestFastKinds(t *testing.T) {
	var got []fastKind
	for _, o := range fastTemplates()[0]().Ops {
		got = append(got, o.fast)
	}
	want := []fastKind{fastIPv4, 0, 0, 0, fastUint, fastUint, 0, 0, 0, 0, fastUint, fastSeconds, fastSeconds, 0, 0, 0, 0, 0, fastUint, 0}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("fast kinds %v, want %v", got, want)
	}
}

func dumpRecord(r *record.Record) string {
	c := *r
	c.Str = [record.NumStr][]byte{}
	return fmt.Sprintf("%+v %q", c, r.Str)
}
