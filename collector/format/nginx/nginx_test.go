package nginx

import (
	"strings"
	"testing"

	"github.com/edgelog/edgelog/collector/format/internal/formattest"
	"github.com/edgelog/edgelog/internal/record"
)

// jsonFormat is a typical escape=json format, numbers unquoted.
const jsonFormat = `{"time":"$time_iso8601","ip":"$remote_addr","req":"$request","status":$status,"bytes":$body_bytes_sent,"ref":"$http_referer","ua":"$http_user_agent","rt":$request_time,"cache":"$upstream_cache_status"}`

func TestGolden(t *testing.T) {
	for _, c := range []struct {
		name   string
		format string
		esc    Escape
	}{
		{"combined", Combined, EscapeDefault},
		{"edge", Edge, EscapeDefault},
		{"json", jsonFormat, EscapeJSON},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Compile(c.format, c.esc)
			if err != nil {
				t.Fatal(err)
			}
			formattest.Golden(t, p, c.name)
		})
	}
}

// TestEdge spells out one Edge record in full, so that the golden files
// are not the only statement of what a field should hold.
func TestEdge(t *testing.T) {
	line := `203.0.113.51 - - [04/Mar/2026:08:00:00 +0000] "GET /api/prices?sku=42 HTTP/1.1" 200 921 "-" "okhttp/4.12.0" "api.acme.example" https 233 0.187 0.120, 0.060 MISS "application/json" fra1 edge-fra1-07 FR AS3215 1772611200.187`
	var r record.Record
	if err := MustCompile(Edge).Parse([]byte(line), &r); err != nil {
		t.Fatal(err)
	}
	want := `time=2026-03-04T08:00:00.187Z ip=203.0.113.51 asn=3215 status=200 sent=921 recv=233 rt_us=187000 ttfb_us=180000 ` +
		`host="api.acme.example" pop="fra1" server="edge-fra1-07" country="FR" method="GET" scheme="https" protocol="HTTP/1.1" ` +
		`path="/api/prices" cache_status="MISS" content_type="application/json" user_agent="okhttp/4.12.0"`
	if got := formattest.Dump(&r); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestCompileErrors(t *testing.T) {
	for format, want := range map[string]string{
		`$remote_addr $status`:        "no time variable",
		`$remote_addr $msec`:          "no $status",
		`$remote_addr$status $msec`:   "followed directly",
		`${remote_addr $status $msec`: "bad variable",
	} {
		_, err := Compile(format, EscapeDefault)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Compile(%q) = %v, want an error with %q", format, err, want)
		}
	}
}

func TestParseDirective(t *testing.T) {
	conf := `
http {
    # the edge format
    log_format  main  escape=json '{"t":"$msec",'
                                  '"s":$status}';
    access_log /var/log/nginx/access.log main;
}`
	name, p, err := ParseDirective(conf)
	if err != nil || name != "main" {
		t.Fatalf("got %q, %v", name, err)
	}
	var r record.Record
	if err := p.Parse([]byte(`{"t":"1772611200.5","s":301}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Status != 301 || r.TimeMs != 1772611200500 {
		t.Error(formattest.Dump(&r))
	}
	for _, bad := range []string{`server { listen 80; }`, `log_format a '$msec $status'; log_format b '$msec $status';`, `log_format a '$msec $status'`, `log_format a escape=xml '$msec $status';`} {
		if _, _, err := ParseDirective(bad); err == nil {
			t.Errorf("ParseDirective(%q): no error", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`203.0.113.50 - - [04/Mar/2026:08:00:00 +0000] "GET /assets/app.3f9a1c.js HTTP/2.0" 200 183224 "https://www.acme.example/" "Mozilla/5.0" "cdn.acme.example" https 412 0.004 - HIT "application/javascript" fra1 edge-fra1-07 DE 3320 1772611200.004`,
		`203.0.113.51 - - [04/Mar/2026:08:00:00 +0000] "GET /\x22 HTTP/1.1" 200 921 "-" "\x5C" "a" https 233 0.187 0.120, 0.060 : - MISS "-" - - - AS1 1772611200.187`,
		`::1 - - [04/Mar/2026:08:00:00 +0000] "-" 999 0 "-" "-" "-" - - - - - "-" - - - - 0.001`,
		// Year 0 once passed as a negative time.
		`::1 - - [01/Jan/0000:00:00:00 +0000] "-" 200 0 "-" "-" "-" - - - - - "-" - - - - -`,
		// $msec once overflowed the microsecond scaling to 1970.
		`::1 - - [04/Mar/2026:08:00:00 +0000] "-" 200 0 "-" "-" "-" - - 99999999999999999999 - - "-" - - - - 18446744073709.999`,
	} {
		f.Add(s)
	}
	p := MustCompile(Edge)
	f.Fuzz(func(t *testing.T, line string) {
		formattest.Fuzz(t, p, []byte(line))
	})
}

func BenchmarkParse(b *testing.B) {
	line := `203.0.113.50 - - [04/Mar/2026:08:00:00 +0000] "GET /assets/app.3f9a1c.js HTTP/2.0" 200 183224 "https://www.acme.example/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36" "cdn.acme.example" https 412 0.004 - HIT "application/javascript" fra1 edge-fra1-07 DE 3320 1772611200.004`
	formattest.Bench(b, "nginx", MustCompile(Edge), []byte(line))
}

func BenchmarkParseCombined(b *testing.B) {
	line := `203.0.113.50 - - [04/Mar/2026:08:00:00 +0000] "GET /assets/app.3f9a1c.js HTTP/2.0" 200 183224 "https://www.acme.example/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"`
	formattest.Bench(b, "nginx_combined", MustCompile(Combined), []byte(line))
}
