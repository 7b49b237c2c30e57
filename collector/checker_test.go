package collector

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgelog/edgelog/internal/record"
)

// TestDetectFormat names the format of each golden corpus from its first
// 50 lines, and says why none fits a file of another kind.
func TestDetectFormat(t *testing.T) {
	for name, want := range map[string]string{
		"nginx":      "nginx combined",
		"apache":     "nginx combined", // the same layout as Apache combined; nginx's is tried first
		"iis":        "W3C extended",
		"cloudfront": "W3C extended",
		"caddy":      "Caddy",
	} {
		data, err := os.ReadFile(filepath.Join("testdata", "corpus", name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		sample := bytes.Split(data, []byte("\n"))[:50]
		fits, ok := DetectFormat(sample)
		if !ok || !strings.HasPrefix(fits[0].Name, want) {
			t.Errorf("%s: detected %q (%d/%d lines), want %q", name, fits[0].Name, fits[0].Strict, fits[0].Lines, want)
		}
	}
	// CloudFront lines without their header: only the CloudFront fields fit.
	data, _ := os.ReadFile(filepath.Join("testdata", "corpus", "cloudfront.log"))
	fits, ok := DetectFormat(bytes.Split(data, []byte("\n"))[2:40])
	if !ok || !strings.HasPrefix(fits[0].Name, "CloudFront") {
		t.Errorf("headerless CloudFront: detected %q", fits[0].Name)
	}
	fits, ok = DetectFormat([][]byte{[]byte("Mar  4 08:00:00 edge1 sshd[42]: Accepted publickey for root"), []byte("-- MARK --")})
	if ok || fits[0].Error == "" {
		t.Errorf("syslog lines: detected %q, error %q", fits[0].Name, fits[0].Error)
	}
}

func TestChecker(t *testing.T) {
	if _, err := NewChecker(Config{TrustedProxies: []string{"10.0.0.0/8"}, DefaultCustomer: "acme"}, "nginx", "combined"); err == nil {
		t.Fatal("combined is not an nginx log_format text: want an error")
	}
	c, err := NewChecker(Config{TrustedProxies: []string{"10.0.0.0/8"}, DefaultCustomer: "acme"}, "nginx", "")
	if err != nil {
		t.Fatal(err)
	}
	var r record.Record
	line := `"198.51.100.1, 203.0.113.7" 10.0.0.2 - - [04/Mar/2026:08:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "-" "a" https 1 0.1 - HIT "-" fra1 s1 DE 1 1772611200.000`
	if reject, skip := c.Line([]byte(line), false, &r); reject != "" || skip {
		t.Fatalf("%q %v", reject, skip)
	}
	if got := record.ClientAddr(r.ClientIP).String(); got != "203.0.113.7" || string(r.Str[record.Customer]) != "acme" || len(c.Fallbacks()) != 1 {
		t.Errorf("client %s customer %s fallbacks %v", got, r.Str[record.Customer], c.Fallbacks())
	}
	if reject, _ := c.Line([]byte("garbage"), false, &r); reject == "" {
		t.Error("garbage kept")
	}
	if g := ReasonGroup(`parse: field $status "000": status out of range`); g != "parse: field $status: status out of range" {
		t.Errorf("ReasonGroup = %q", g)
	}
}
