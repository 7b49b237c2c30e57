package jsonl

import (
	"maps"
	"strings"
	"testing"

	"github.com/edgelog/edgelog/collector/format/internal/formattest"
	"github.com/edgelog/edgelog/internal/record"
)

func TestGolden(t *testing.T) {
	for name, fields := range map[string]Fields{"nginx": Defaults, "caddy": Caddy} {
		t.Run(name, func(t *testing.T) {
			p, err := New(fields)
			if err != nil {
				t.Fatal(err)
			}
			formattest.Golden(t, p, name)
		})
	}
}

// TestCustom checks a custom mapping: dotted keys, alternatives in order
// whatever the order of the line, literal dotted keys, and units.
func TestCustom(t *testing.T) {
	p, err := New(Fields{
		"time":            "t",
		"status":          "http.status|code",
		"host":            "http.host",
		"request_time_ms": "ms",
		"ttfb_us":         "fb",
		"pop":             "edge.pop",
	})
	if err != nil {
		t.Fatal(err)
	}
	var r record.Record
	line := `{"code":500,"t":"2026-03-04T08:00:00Z","edge.pop":"fra1","http":{"status":"200","host":"a.example"},"ms":1234.5678,"fb":"77"}`
	if err := p.Parse([]byte(line), &r); err != nil {
		t.Fatal(err)
	}
	want := `time=2026-03-04T08:00:00.000Z ip=:: asn=0 status=200 sent=0 recv=0 rt_us=1234567 ttfb_us=77 host="a.example" pop="fra1"`
	if got := formattest.Dump(&r); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestNewErrors(t *testing.T) {
	noStatus := maps.Clone(Defaults)
	noStatus["status"] = ""
	for _, f := range []Fields{{"time": "t"}, {"status": "s"}, {"time": "t", "status": "s", "colour": "c"}, {"time": "t||x", "status": "s"}, noStatus} {
		if _, err := New(f); err == nil {
			t.Errorf("New(%v): no error", f)
		}
	}
}

func TestScaledMicros(t *testing.T) {
	for in, want := range map[string]uint32{"12": 12000, "12.5": 12500, "0.0019": 1, "-": 0, "99999999": 1<<32 - 1, "99999999999999999999": 0} {
		got, err := scaledMicros([]byte(in), 3)
		if got != want || (err != nil) != strings.HasPrefix(in, "9999999999") {
			t.Errorf("scaledMicros(%s, 3) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"msec":"1772611200.004","remote_addr":"203.0.113.50","request":"GET /a?b HTTP/2.0","status":200,"body_bytes_sent":183224,"request_time":0.004,"http_user_agent":"M\u00e9 \"q\"","upstream_header_time":"0.1, 0.2","geoip2_asn":"AS3320"}`,
		`{"timestamp":1772611205123,"status":"200","request_uri":"/x","request_time":1e-06,"host":["a","b"]}`,
		`{"time_local":"04/Mar/2026:08:00:01 +0000","status":100,"request":null,"scheme":{}}`,
		`{"@timestamp":"0000-01-01T00:00:00Z","status":200}`,
	} {
		f.Add(s)
	}
	p, err := New(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line string) {
		formattest.Fuzz(t, p, []byte(line))
	})
}

func BenchmarkParse(b *testing.B) {
	line := `{"msec":"1772611200.004","remote_addr":"203.0.113.50","request":"GET /assets/app.js?v=3 HTTP/2.0","status":200,"body_bytes_sent":183224,"request_time":0.004,"http_referer":"https://www.acme.example/","http_user_agent":"Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0","host":"cdn.acme.example","scheme":"https","request_length":412,"upstream_header_time":"","upstream_cache_status":"HIT","sent_http_content_type":"application/javascript","edge_pop":"fra1","hostname":"edge-fra1-07","geoip2_country_code":"DE","geoip2_asn":"3320"}`
	p, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	formattest.Bench(b, "jsonl", p, []byte(line))
}

// Forwarded returns the x_forwarded_for value: a string, or Caddy's header
// array joined as one list; nil for a line without it.
func TestForwarded(t *testing.T) {
	caddy, _ := New(Caddy)
	nginxJSON, _ := New(nil)
	var r record.Record
	for _, c := range []struct {
		p    *Parser
		line string
		want string
	}{
		{caddy, `{"ts":1772611200,"status":200,"request":{"headers":{"X-Forwarded-For":["198.51.100.1","203.0.113.7, 10.0.0.3"]}}}`, "198.51.100.1, 203.0.113.7, 10.0.0.3"},
		{caddy, `{"ts":1772611200,"status":200,"request":{"headers":{"User-Agent":["x"]}}}`, ""},
		{nginxJSON, `{"msec":"1772611200.004","status":200,"http_x_forwarded_for":"203.0.113.7, 10.0.0.1"}`, "203.0.113.7, 10.0.0.1"},
		{nginxJSON, `{"msec":"1772611200.004","status":200,"http_x_forwarded_for":"-"}`, ""},
	} {
		if err := c.p.Parse([]byte(c.line), &r); err != nil || string(c.p.Forwarded()) != c.want {
			t.Errorf("%s: %v, forwarded %q, want %q", c.line, err, c.p.Forwarded(), c.want)
		}
	}
}
