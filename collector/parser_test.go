package collector

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/internal/record"
)

// TestNewParser builds every family from the collector's flags and parses
// a real line of each, so a family the collector offers is one it can read.
func TestNewParser(t *testing.T) {
	cases := []struct{ kind, text, line, host string }{
		{"nginx", "", `203.0.113.9 - - [01/Oct/2026:12:00:00 +0000] "GET /a HTTP/1.1" 200 512 "-" "curl/8" "www.acme.example" https 300 0.010 - HIT "text/html" fra1 edge-fra1-01 DE 3320 1790856000.123`, "www.acme.example"},
		{"nginx", `log_format main '$remote_addr [$time_local] "$request" $status $body_bytes_sent "$host"';`, `203.0.113.9 [01/Oct/2026:12:00:00 +0000] "GET /a HTTP/1.1" 200 512 "www.acme.example"`, "www.acme.example"},
		{"apache", "", `203.0.113.9 - - [01/Oct/2026:12:00:00 +0000] "GET /a HTTP/1.1" 200 512 "-" "curl/8"`, ""},
		{"apache", `LogFormat "%h %t \"%r\" %>s %b %{Host}i" edge`, `203.0.113.9 [01/Oct/2026:12:00:00 +0000] "GET /a HTTP/1.1" 200 512 www.acme.example`, "www.acme.example"},
		{"jsonl", "", `{"msec":"1790856000.123","remote_addr":"203.0.113.9","status":200,"body_bytes_sent":512,"host":"www.acme.example","request":"GET /a HTTP/1.1"}`, "www.acme.example"},
		{"jsonl", "host=vhost", `{"msec":"1790856000.123","remote_addr":"203.0.113.9","status":200,"body_bytes_sent":512,"vhost":"www.acme.example"}`, "www.acme.example"},
	}
	for _, c := range cases {
		p, err := NewParser(c.kind, c.text)
		if err != nil {
			t.Fatalf("%s %q: %v", c.kind, c.text, err)
		}
		var r record.Record
		if err := p.Parse([]byte(c.line), &r); err != nil {
			t.Fatalf("%s: %v\n%s", c.kind, err, c.line)
		}
		if r.Status != 200 || r.BytesSent != 512 || string(r.Str[record.Host]) != c.host {
			t.Errorf("%s: status %d bytes %d host %q", c.kind, r.Status, r.BytesSent, r.Str[record.Host])
		}
	}
	if _, err := NewParser("syslog-ng", ""); err == nil {
		t.Error("an unknown family was accepted")
	}
}

// TestCloudFrontHeadersAreNotDeadLetters: W3C directive lines hold no
// request; the collector skips them instead of dead-lettering them.
func TestCloudFrontHeadersAreNotDeadLetters(t *testing.T) {
	b, err := os.ReadFile("format/w3c/testdata/cloudfront.log")
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewParser("w3c", "")
	if err != nil {
		t.Fatal(err)
	}
	var r record.Record
	var records, skipped int
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		err := p.Parse([]byte(line), &r)
		switch {
		case errors.Is(err, format.ErrNoRecord):
			skipped++
		case err != nil:
			if strings.HasPrefix(line, "#") {
				t.Fatalf("directive line rejected: %v\n%s", err, line)
			}
		default:
			records++
		}
	}
	if records == 0 || skipped < 2 {
		t.Errorf("%d records, %d directive lines skipped", records, skipped)
	}
}
