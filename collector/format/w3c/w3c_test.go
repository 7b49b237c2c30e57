package w3c

import (
	"errors"
	"strings"
	"testing"

	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/collector/format/internal/formattest"
	"github.com/edgelog/edgelog/internal/record"
)

func TestGolden(t *testing.T) {
	for _, name := range []string{"cloudfront", "iis"} {
		t.Run(name, func(t *testing.T) {
			p, err := New()
			if err != nil {
				t.Fatal(err)
			}
			formattest.Golden(t, p, name)
		})
	}
}

// cloudFrontLine is the first line of AWS's example standard log.
const cloudFrontLine = "2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\tMozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\td111111abcdef8.cloudfront.net\thttps\t23\t0.001\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-"

// TestCloudFront spells out one record in full, parsed with the field list
// given to New instead of a header line.
func TestCloudFront(t *testing.T) {
	p, err := New(CloudFrontFields...)
	if err != nil {
		t.Fatal(err)
	}
	var r record.Record
	if err := p.Parse([]byte(cloudFrontLine), &r); err != nil {
		t.Fatal(err)
	}
	want := `time=2019-12-04T21:02:31.000Z ip=192.0.2.100 asn=0 status=200 sent=392 recv=23 rt_us=1000 ttfb_us=1000 ` +
		`host="d111111abcdef8.cloudfront.net" pop="LAX1" method="GET" scheme="https" protocol="HTTP/2.0" path="/index.html" ` +
		`cache_status="HIT" content_type="text/html" user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36"`
	if got := formattest.Dump(&r); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestDirectives(t *testing.T) {
	p, _ := New()
	var r record.Record
	if err := p.Parse([]byte("2026-03-04 00:00:01 200"), &r); err == nil || !strings.Contains(err.Error(), "before any #Fields") {
		t.Errorf("data before #Fields: %v", err)
	}
	for _, line := range []string{"#Version: 1.0", "#Software: x", "#Fields: date time sc-status", "#Remark: hi", "#"} {
		if err := p.Parse([]byte(line), &r); !errors.Is(err, format.ErrNoRecord) {
			t.Errorf("%q: got %v, want ErrNoRecord", line, err)
		}
	}
	if err := p.Parse([]byte("#Fields: date time c-ip"), &r); err == nil || !strings.Contains(err.Error(), "no sc-status") {
		t.Errorf("#Fields without status: %v", err)
	}
	if err := p.Parse([]byte("2026-03-04 00:00:01 1.2.3.4"), &r); err == nil || !strings.Contains(err.Error(), "no sc-status") {
		t.Errorf("data after a refused #Fields: %v", err)
	}
	if _, err := New("c-ip", "sc-status"); err == nil {
		t.Error("New without a time: no error")
	}
	if _, err := New("time", "sc-status"); err == nil {
		t.Error("New with a time but no date: no error")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("#Fields: " + strings.Join(CloudFrontFields, " ") + "\n" + cloudFrontLine)
	f.Add("#Date: 2026-03-04 00:00:00\n#Fields: time c-ip cs-method cs-uri sc-status time-taken cs(User-Agent)\n00:05:00.250 ::1 GET /a?b 404 0.250 a+b%20c")
	f.Add("#Fields: timestamp(ms) c-ip sc-status asn\n1772611200123 203.0.113.9 200 AS3320\n1 - 999 -")
	f.Add("#Fields: timestamp c-ip sc-status x-edge-result-type\n1772611200.5\t1.2.3.4\t200\tLimitExceeded")
	f.Fuzz(func(t *testing.T, data string) {
		p, _ := New()
		formattest.Fuzz(t, p, []byte(data))
	})
}

func BenchmarkParse(b *testing.B) {
	p, err := New(CloudFrontFields...)
	if err != nil {
		b.Fatal(err)
	}
	formattest.Bench(b, "w3c", p, []byte(cloudFrontLine))
}

// A line with more fields than #Fields names (CloudFront appends fields to
// its standard logs) is kept by the lenient path with the named fields, the
// rest ignored and noted as line/extra; a shift that puts a non-number in
// the status is still refused.
func TestExtraFieldsKept(t *testing.T) {
	p, err := New(CloudFrontFields...)
	if err != nil {
		t.Fatal(err)
	}
	var r record.Record
	var n format.Notes
	line := []byte(cloudFrontLine + "\tDE\t/images/*\t-")
	if err := p.Parse(line, &r); err == nil {
		t.Fatal("the fast path took a line with extra fields")
	}
	if err := p.ParseLenient(line, &r, &n); err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 || r.BytesSent != 392 || string(r.Str[record.ContentType]) != "text/html" || len(n.Fallbacks) != 1 || n.Fallbacks[0] != (format.Fallback{Field: "line", Reason: "extra"}) {
		t.Fatalf("status %d bytes %d content type %q fallbacks %v", r.Status, r.BytesSent, r.Str[record.ContentType], n.Fallbacks)
	}
	// IIS, space-separated: a cs-uri-query holding a raw space shifts
	// the status onto "b": refused.
	p, _ = New("date", "time", "cs-uri-query", "sc-status", "sc-bytes")
	n.Reset()
	if err := p.ParseLenient([]byte("2026-03-04 00:00:01 a b 200 5"), &r, &n); err == nil {
		t.Fatalf("a shifted line was kept: status %d bytes %d", r.Status, r.BytesSent)
	}
	n.Reset()
	if err := p.ParseLenient([]byte("2026-03-04 00:00:01 a=b 200 5 extra1 extra2"), &r, &n); err != nil || r.BytesSent != 5 {
		t.Fatalf("IIS line with two extra fields: %v, bytes %d", err, r.BytesSent)
	}
}

// Forwarded returns the decoded X-Forwarded-For field: CloudFront's
// x-forwarded-for ("a,%20b") and IIS's cs(X-Forwarded-For) ("a,+b").
func TestForwarded(t *testing.T) {
	var r record.Record
	p, _ := New(CloudFrontFields...)
	cf := strings.Split(cloudFrontLine, "\t")
	cf[19] = "203.0.113.7,%2010.0.0.1"
	if err := p.Parse([]byte(strings.Join(cf, "\t")), &r); err != nil || string(p.Forwarded()) != "203.0.113.7, 10.0.0.1" {
		t.Fatalf("CloudFront: %v, forwarded %q", err, p.Forwarded())
	}
	cf[19] = "-"
	if err := p.Parse([]byte(strings.Join(cf, "\t")), &r); err != nil || p.Forwarded() != nil {
		t.Fatalf("CloudFront without: %v, forwarded %q", err, p.Forwarded())
	}
	p, _ = New("date", "time", "c-ip", "cs(X-Forwarded-For)", "sc-status", "sc-bytes")
	if err := p.Parse([]byte("2026-03-04 00:00:01 10.0.0.2 198.51.100.23,+10.0.0.1 200 5"), &r); err != nil || string(p.Forwarded()) != "198.51.100.23, 10.0.0.1" {
		t.Fatalf("IIS: %v, forwarded %q", err, p.Forwarded())
	}
}
