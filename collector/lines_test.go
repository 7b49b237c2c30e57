package collector

import (
	"strings"
	"testing"

	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/internal/record"
)

// nginxMain is nginx's stock "main" log_format (nginx.conf of the
// packages): combined with the X-Forwarded-For header after it.
const nginxMain = nginx.Combined + ` "$http_x_forwarded_for"`

// TestRealLines runs lines as real nginx servers behind load balancers
// write them through the fast and the lenient path: each is kept, with
// the client chosen from its address chain and the fallbacks noted.
func TestRealLines(t *testing.T) {
	lb, err := enrich.ParseProxies([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	const tail = ` - - [04/Mar/2026:08:00:00 +0000] "GET /a HTTP/1.1" 200 512 "-" "curl/8"`
	for _, c := range []struct {
		name, format, line string
		proxies            enrich.Proxies
		client             string // "" for none
		host               string
		fallbacks          string
		list               string // AddressList
	}{
		{name: "plain", format: nginx.Combined, line: "203.0.113.7" + tail, client: "203.0.113.7"},
		{name: "XFF list", format: nginx.Combined, line: "203.0.113.7, 10.0.0.1" + tail, client: "203.0.113.7", fallbacks: "client_ip/address_list", list: "203.0.113.7, 10.0.0.1"},
		{name: "quoted list and the proxy", format: nginx.Combined, line: `"10.9.9.9, 203.0.113.7, 10.0.0.1" 10.0.0.2` + tail, client: "203.0.113.7", fallbacks: "client_ip/address_list", list: "10.9.9.9, 203.0.113.7, 10.0.0.1, 10.0.0.2"},
		{name: "spoofed first entry, trusted proxies", format: nginx.Combined, proxies: lb, line: "198.51.100.1, 203.0.113.7, 10.0.0.1" + tail, client: "203.0.113.7", fallbacks: "client_ip/address_list", list: "198.51.100.1, 203.0.113.7, 10.0.0.1"},
		{name: "a list longer than the bound", format: nginx.Combined, line: strings.Repeat("fd12:3456:789a:1:2:8a2e:370:7334, ", 15) + "203.0.113.7" + tail, client: "203.0.113.7", fallbacks: "client_ip/address_list",
			list: strings.TrimSuffix(strings.Repeat("fd12:3456:789a:1:2:8a2e:370:7334, ", MaxAddressListBytes/len("fd12:3456:789a:1:2:8a2e:370:7334, ")), ", ")},
		{name: "unix socket", format: nginx.Combined, line: "unix:" + tail, fallbacks: "client_ip/unix_socket"},
		{name: "host name", format: nginx.Combined, line: "localhost" + tail, fallbacks: "client_ip/hostname"},
		{name: "vhost prefix", format: nginx.Combined, line: "www.example.com:443 203.0.113.7" + tail, client: "203.0.113.7", host: "www.example.com:443", fallbacks: "host/vhost_prefix"},
		{name: "IPv6 bracketed with port", format: nginx.Combined, line: "[2001:db8::7]:51234" + tail, client: "2001:db8::7"},
		{name: "common in combined", format: nginx.Combined, line: `203.0.113.7 - - [04/Mar/2026:08:00:00 +0000] "GET /a HTTP/1.1" 200 512`, client: "203.0.113.7", fallbacks: "referer/missing,user_agent/missing"},
		{name: "main, XFF of an untrusted peer", format: nginxMain, proxies: lb, line: "198.51.100.9" + tail + ` "203.0.113.7"`, client: "198.51.100.9"},
		{name: "main, XFF of a trusted peer", format: nginxMain, proxies: lb, line: "10.0.0.1" + tail + ` "198.51.100.1, 203.0.113.7"`, client: "203.0.113.7", list: "198.51.100.1, 203.0.113.7, 10.0.0.1"},
		{name: "main, XFF without trusted proxies", format: nginxMain, line: "10.0.0.1" + tail + ` "203.0.113.7"`, client: "10.0.0.1"},
		{name: "invalid UTF-8 host", format: nginx.Edge, line: `203.0.113.7` + tail + ` "a.\xff" https 1 0.1 - HIT "-" fra1 s1 DE 1 1772611200.000`, client: "203.0.113.7", fallbacks: "host/invalid_utf8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := NewParser("nginx", c.format)
			if err != nil {
				t.Fatal(err)
			}
			lp := newLineParser(p, c.proxies, 1<<20)
			var r record.Record
			if reject := lp.parse([]byte(c.line), false, &r); reject != "" {
				t.Fatalf("dead-lettered: %s", reject)
			}
			client := ""
			if a := record.ClientAddr(r.ClientIP); r.ClientIP != ([16]byte{}) {
				client = a.String()
			}
			var fbs []string
			if lp.odd {
				for _, f := range lp.notes.Fallbacks {
					fbs = append(fbs, f.Field+"/"+f.Reason)
				}
			}
			if client != c.client || string(r.Str[record.Host]) != c.host || strings.Join(fbs, ",") != c.fallbacks {
				t.Errorf("client %q host %q fallbacks %q; want %q %q %q", client, r.Str[record.Host], strings.Join(fbs, ","), c.client, c.host, c.fallbacks)
			}
			if got := string(lp.AddressList()); got != c.list {
				t.Errorf("address list %q, want %q", got, c.list)
			}
			if r.Status != 200 || r.BytesSent != 512 || r.TimeMs != 1772611200000 {
				t.Errorf("status %d bytes %d time %d", r.Status, r.BytesSent, r.TimeMs)
			}
		})
	}
}

// TestRealLinesOtherFamilies: the address lists of W3C (c-ip, CloudFront's
// x-forwarded-for, IIS's cs(X-Forwarded-For)) and Caddy (remote_ip,
// client_ip, the X-Forwarded-For request header) give the client as
// nginx's do.
func TestRealLinesOtherFamilies(t *testing.T) {
	lb, err := enrich.ParseProxies([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	const cfHead = "2026-03-04\t08:00:00\tFRA56-P5\t512\t"
	cf := func(cip, xff string) string {
		return cfHead + cip + "\tGET\td1.cloudfront.net\t/\t200\t-\tcurl/8\t-\t-\tHit\tid\twww.example.com\thttps\t23\t0.001\t" + xff +
			"\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tHit\tHTTP/2.0\t-\t-\t5555\t0.001\tHit\ttext/html\t512\t-\t-"
	}
	iis := "#Fields: date time c-ip cs(X-Forwarded-For) sc-status sc-bytes"
	caddy := func(req string) string {
		return `{"ts":1772611200,"status":200,"size":512,"request":{` + req + `,"host":"www.example.com"}}`
	}
	for _, c := range []struct {
		name, kind, header, line string
		proxies                  enrich.Proxies
		client, fallbacks        string
	}{
		{name: "CloudFront XFF, trusted peer", kind: "cloudfront", proxies: lb, line: cf("10.0.0.1", "198.51.100.1,%20203.0.113.7"), client: "203.0.113.7"},
		{name: "CloudFront XFF, untrusted peer", kind: "cloudfront", proxies: lb, line: cf("198.51.100.9", "203.0.113.7"), client: "198.51.100.9"},
		{name: "CloudFront XFF, no trusted proxies", kind: "cloudfront", line: cf("10.0.0.1", "203.0.113.7"), client: "10.0.0.1"},
		{name: "CloudFront c-ip list, extra fields and XFF", kind: "cloudfront", proxies: lb, line: cf("10.0.0.1", "203.0.113.7") + "\tDE\t/img/*", client: "203.0.113.7", fallbacks: "line/extra"},
		{name: "IIS cs(X-Forwarded-For), trusted peer", kind: "w3c", header: iis, proxies: lb, line: "2026-03-04 08:00:00 10.0.0.2 198.51.100.1,+203.0.113.7,+10.0.0.1 200 512", client: "203.0.113.7"},
		{name: "IIS c-ip list", kind: "w3c", header: iis, line: "2026-03-04 08:00:00 10.0.0.2,203.0.113.7 - 200 512", client: "203.0.113.7", fallbacks: "client_ip/address_list"},
		{name: "Caddy XFF header, trusted peer", kind: "caddy", proxies: lb, line: caddy(`"remote_ip":"10.0.0.1","client_ip":"10.0.0.1","headers":{"X-Forwarded-For":["198.51.100.1, 203.0.113.7"]}`), client: "203.0.113.7"},
		{name: "Caddy XFF header in two lines", kind: "caddy", proxies: lb, line: caddy(`"remote_ip":"10.0.0.1","headers":{"X-Forwarded-For":["198.51.100.1","203.0.113.7, 10.0.0.3"]}`), client: "203.0.113.7"},
		{name: "Caddy client_ip chosen by Caddy", kind: "caddy", proxies: lb, line: caddy(`"remote_ip":"10.0.0.1","client_ip":"203.0.113.7","headers":{"X-Forwarded-For":["198.51.100.1, 203.0.113.7"]}`), client: "203.0.113.7"},
		{name: "Caddy XFF, no trusted proxies", kind: "caddy", line: caddy(`"remote_ip":"10.0.0.1","headers":{"X-Forwarded-For":["203.0.113.7"]}`), client: "10.0.0.1"},
		{name: "Caddy client_ip list", kind: "caddy", line: caddy(`"remote_ip":"10.0.0.1","client_ip":"203.0.113.7, 10.0.0.1"`), client: "203.0.113.7", fallbacks: "client_ip/address_list"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := NewParser(c.kind, "")
			if err != nil {
				t.Fatal(err)
			}
			lp := newLineParser(p, c.proxies, 1<<20)
			var r record.Record
			if c.header != "" {
				if reject := lp.parse([]byte(c.header), false, &r); reject != noRecord {
					t.Fatalf("header: %q", reject)
				}
			}
			if reject := lp.parse([]byte(c.line), false, &r); reject != "" {
				t.Fatalf("dead-lettered: %s", reject)
			}
			client := ""
			if r.ClientIP != ([16]byte{}) {
				client = record.ClientAddr(r.ClientIP).String()
			}
			var fbs []string
			if lp.odd {
				for _, f := range lp.notes.Fallbacks {
					fbs = append(fbs, f.Field+"/"+f.Reason)
				}
			}
			if client != c.client || strings.Join(fbs, ",") != c.fallbacks {
				t.Errorf("client %q fallbacks %q; want %q %q", client, strings.Join(fbs, ","), c.client, c.fallbacks)
			}
			if r.Status != 200 || r.BytesSent != 512 {
				t.Errorf("status %d bytes %d", r.Status, r.BytesSent)
			}
		})
	}
}

// FuzzLineParser: no input panics any family's line handling, and every
// kept row has a status in 100..599 and a time record.ValidTime accepts.
func FuzzLineParser(f *testing.F) {
	for _, s := range []string{
		`"203.0.113.7, 10.0.0.1" 10.0.0.2 - - [04/Mar/2026:08:00:00 +0000] "GET /a HTTP/2.0" 200 - "-" "x"`,
		`www.example.com:443 [::1]:80 - - [04/Mar/2026:08:00:00 +0000] "GET /%ff HTTP/3" 204 18446744073709551615`,
		`{"ts":1772611200.5,"status":200,"size":0,"request":{"client_ip":"unix:","host":"a"}}`,
		"2026-03-04\t08:00:00\tFRA\t12\t2001:db8::1\tGET\td.net\t/\t200",
		`unix: - - [31/Dec/2099:23:59:59 +0000] "-" 400 0`,
	} {
		f.Add(s)
	}
	var lps []*lineParser
	for _, kind := range Formats {
		p, err := NewParser(kind, "")
		if err != nil {
			f.Fatal(err)
		}
		lps = append(lps, newLineParser(p, enrich.Proxies{}, 1<<20))
	}
	f.Fuzz(func(t *testing.T, line string) {
		for _, lp := range lps {
			var r record.Record
			if lp.parse([]byte(line), false, &r) != "" {
				continue
			}
			if r.Status < 100 || r.Status > 599 || !record.ValidTime(r.TimeMs) {
				t.Fatalf("%q kept with status %d time %d", line, r.Status, r.TimeMs)
			}
		}
	})
}

// TestASCIIFields holds asciiFields to its definition: a non-ASCII byte
// at any place of any of the checked fields (in a whole word or in the
// bytes after the last) makes it false; bytes of the fields not checked
// do not. (Checked: it fails when asciiFields skips the bytes after the
// last word, or when it always answers true.)
func TestASCIIFields(t *testing.T) {
	for _, f := range utf8Fields {
		for n := range 20 {
			for at := range n {
				v := []byte(strings.Repeat("a", n))
				v[at] = 0x80
				var r record.Record
				r.Str[f] = v
				if asciiFields(&r) {
					t.Errorf("%s %q: ASCII", f, v)
				}
				v[at] = 0x7f
				if !asciiFields(&r) {
					t.Errorf("%s %q: not ASCII", f, v)
				}
			}
		}
	}
	var r record.Record
	r.Str[record.UserAgent] = []byte("caf\xc3\xa9") // not checked: any bytes go to ClickHouse
	if !asciiFields(&r) {
		t.Error("user agent checked")
	}
}
