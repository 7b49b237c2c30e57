package apache

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/edgelog/edgelog/collector/format/internal/formattest"
	"github.com/edgelog/edgelog/internal/record"
)

// edgeFormat is a CDN-style format: Combined plus the virtual host, the
// time taken, mod_logio's byte counts, and two response headers.
const edgeFormat = Combined + ` "%{Host}i" %D %I %O "%{Content-Type}o" "%{X-Cache}o"`

func TestGolden(t *testing.T) {
	for name, format := range map[string]string{
		"combined":       Combined,
		"vhost_combined": VHostCombined,
		"edge":           edgeFormat,
		"msec":           `%{end:msec}t %a "%r" %>s %B us=%{us}T "%{Content-Type}o"`,
	} {
		t.Run(name, func(t *testing.T) {
			formattest.Golden(t, MustCompile(format), name)
		})
	}
}

// TestCombined spells out one record in full, so that the golden files are
// not the only statement of what a field should hold.
func TestCombined(t *testing.T) {
	line := `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?x=1 HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`
	var r record.Record
	if err := MustCompile(Combined).Parse([]byte(line), &r); err != nil {
		t.Fatal(err)
	}
	want := record.Record{
		TimeMs:    971211336000, // 2000-10-10T20:55:36Z
		Status:    200,
		BytesSent: 2326,
	}
	want.SetClientIP(netip.MustParseAddr("127.0.0.1"))
	for s, v := range map[record.Str]string{
		record.Method:    "GET",
		record.Path:      "/apache_pb.gif",
		record.Protocol:  "HTTP/1.0",
		record.Referer:   "http://www.example.com/start.html",
		record.UserAgent: "Mozilla/4.08 [en] (Win98; I ;Nav)",
	} {
		want.Str[s] = []byte(v)
	}
	if got, w := formattest.Dump(&r), formattest.Dump(&want); got != w {
		t.Errorf("got  %s\nwant %s", got, w)
	}
}

// TestBeginTime checks that %t, the request's start, is moved to its end
// by %D, and that %{end:...}t is not.
func TestBeginTime(t *testing.T) {
	var r record.Record
	p := MustCompile(`%t %>s %D`)
	if err := p.Parse([]byte(`[04/Mar/2026:08:15:00 +0000] 200 2500000`), &r); err != nil {
		t.Fatal(err)
	}
	if want := int64(1772612100000 + 2500); r.TimeMs != want {
		t.Errorf("begin time: got %d, want %d", r.TimeMs, want)
	}
	p = MustCompile(`%{end:sec}t %>s %D`)
	if err := p.Parse([]byte(`1772612100 200 2500000`), &r); err != nil {
		t.Fatal(err)
	}
	if want := int64(1772612100000); r.TimeMs != want {
		t.Errorf("end time: got %d, want %d", r.TimeMs, want)
	}
}

// TestPriority checks that of two directives for one field the better one
// wins whatever their order: %>s over %s, %a over %h, %B over %O.
func TestPriority(t *testing.T) {
	for _, format := range []string{`%t %s %>s %h %a %O %B`, `%t %>s %s %a %h %B %O`} {
		p := MustCompile(format)
		line := `[04/Mar/2026:08:15:00 +0000] 302 200 10.0.0.1 10.0.0.2 900 500`
		if strings.HasPrefix(format, `%t %>s`) {
			line = `[04/Mar/2026:08:15:00 +0000] 200 302 10.0.0.2 10.0.0.1 500 900`
		}
		var r record.Record
		if err := p.Parse([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Status != 200 || record.ClientAddr(r.ClientIP).String() != "10.0.0.2" || r.BytesSent != 500 {
			t.Errorf("%s: %s", format, formattest.Dump(&r))
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for format, want := range map[string]string{
		`%h %>s`:                   "no time",
		`%h %t`:                    "no status",
		`%h%t %>s`:                 "followed directly",
		`%{%Y-%m-%d %H:%M:%S}t %s`: "unsupported time format",
		`%t %>s %{ms`:              "unterminated {",
		`%t %>s %`:                 "ends inside a directive",
		`%t %>s %{min}T`:           "unknown unit",
	} {
		_, err := Compile(format)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Compile(%q) = %v, want an error with %q", format, err, want)
		}
	}
}

func TestLiteralEscapes(t *testing.T) {
	p := MustCompile(`%t\t%>s 100%% %b`)
	var r record.Record
	if err := p.Parse([]byte("[04/Mar/2026:08:15:00 +0000]\t200 100% 7"), &r); err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 || r.BytesSent != 7 {
		t.Error(formattest.Dump(&r))
	}
}

func TestParseLogFormat(t *testing.T) {
	name, p, err := ParseLogFormat(`LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined`)
	if err != nil || name != "combined" {
		t.Fatalf("got %q, %v", name, err)
	}
	var r record.Record
	if err := p.Parse([]byte(`10.0.0.1 - - [04/Mar/2026:08:15:00 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8.5.0"`), &r); err != nil {
		t.Fatal(err)
	}
	if string(r.Str[record.UserAgent]) != "curl/8.5.0" {
		t.Error(formattest.Dump(&r))
	}
	for _, bad := range []string{`CustomLog x`, `LogFormat "%h %t %>s`, `LogFormat "%h %t %>s" a b`, `LogFormat "%h"`} {
		if _, _, err := ParseLogFormat(bad); err == nil {
			t.Errorf("ParseLogFormat(%q): no error", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`,
		`192.0.2.7 - - [04/Mar/2026:06:25:29 +0000] "GET /a\"b\" HTTP/1.1" 404 196 "-" "Evil \"Agent\" \\ \xc3\xa9"`,
		`::1 - - [04/Mar/2026:06:25:29 +0000] "\x16\x03" 400 - "\\" "\"`,
		`1.2.3.4 - - [99/Mar/9999:99:99:99 +9999] "" 999 99999999999999999999 "" ""`,
		// Year 0 once passed as a negative time.
		`1.2.3.4 - - [01/Jan/0000:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-" "-" 1 1 1 "-" "-"`,
	} {
		f.Add(s)
	}
	p := MustCompile(edgeFormat)
	f.Fuzz(func(t *testing.T, line string) {
		formattest.Fuzz(t, p, []byte(line))
	})
}

func BenchmarkParse(b *testing.B) {
	line := `198.51.100.23 - - [04/Mar/2026:08:15:00 +0000] "GET /img/logo.png?v=3 HTTP/1.1" 200 48213 "https://shop.example.com/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0"`
	formattest.Bench(b, "apache", MustCompile(Combined), []byte(line))
}
