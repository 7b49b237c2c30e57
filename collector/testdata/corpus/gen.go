//go:build ignore

// gen writes the golden corpora of real-server access-log lines, one file
// per format family, and beside each the row every line must give
// (the corpus test trusts the private ranges below as the site's proxies,
// as an operator behind load balancers configures trusted_proxies):
//
//	go run ./collector/testdata/corpus/gen.go
//
// Each line is written as the server writes it (escaping, field order,
// quirks), from values drawn with a fixed seed; the .want file holds, per
// line, "kept <time ms> <status> <bytes> <client or -> <host or ->" or
// "dead", derived from those values and not from any parser. The corpus
// test (collector/corpus_test.go) checks the collector against it.
package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

type want struct {
	dead         bool
	ms           int64
	status       int
	bytes        uint64
	client, host string
}

type corpus struct {
	lines []string
	wants []want
}

func (c *corpus) add(line string, w want) {
	c.lines = append(c.lines, line)
	c.wants = append(c.wants, w)
}
func (c *corpus) skip(line string) {
	c.lines = append(c.lines, line)
	c.wants = append(c.wants, want{status: -1})
}

var rng = rand.New(rand.NewPCG(21, 2026))

var (
	publicV4 = []string{"203.0.113.7", "198.51.100.23", "192.0.2.44", "81.2.69.160", "93.184.216.34", "185.220.101.4", "66.249.66.1", "151.101.1.69"}
	publicV6 = []string{"2001:db8::7", "2a02:2e0:3fe:1001:302::", "2606:4700:4700::1111", "2001:db8:85a3::8a2e:370:7334"}
	private  = []string{"10.0.0.1", "10.12.0.7", "172.16.4.2", "192.168.1.10", "100.64.0.3"}
	agents   = []string{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"curl/8.5.0", "okhttp/4.12.0", "Googlebot/2.1 (+http://www.google.com/bot.html)", "python-requests/2.31.0", "-"}
	paths = []string{"/", "/index.html", "/assets/app.3f9a1c.js", "/api/v1/items?id=42&token=s3cr3t", "/img/caf%C3%A9.png", "/search?q=a%20b", "/%E2%82%AC/price", "/video/seg-00042.ts"}
	hosts = []string{"www.acme.example", "cdn.acme.example", "api.shop.example", "static.blog.example"}
)

func pick[T any](s []T) T { return s[rng.IntN(len(s))] }

var t0 = time.Date(2026, 3, 4, 6, 0, 0, 0, time.UTC)

func when(i int) time.Time {
	return t0.Add(time.Duration(i) * 1733 * time.Millisecond).Truncate(time.Second)
}

func clf(t time.Time, zone int) string {
	return t.In(time.FixedZone("", zone*3600)).Format("02/Jan/2006:15:04:05 -0700")
}

func sizes() uint64 {
	switch rng.IntN(10) {
	case 0:
		return 0
	case 1:
		return 5368709120 // a 5 GiB download
	case 2:
		return 18446744073709551615 // the largest count a server can write
	}
	return uint64(rng.IntN(2_000_000))
}

func status() int {
	return pick([]int{200, 200, 200, 206, 301, 304, 404, 403, 499, 500, 502, 101, 204})
}

// nginxCorpus: nginx's combined format, as the file is configured, with
// the lines real setups write into such files.
func nginxCorpus() *corpus {
	c := &corpus{}
	esc := func(s string) string { // nginx's default escaping
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if ch := s[i]; ch == '"' || ch == '\\' || ch < 0x20 || ch > 0x7e {
				fmt.Fprintf(&b, "\\x%02X", ch)
			} else {
				b.WriteByte(ch)
			}
		}
		return b.String()
	}
	for i := 0; i < 240; i++ {
		t := when(i)
		zone := pick([]int{0, 0, 1, -5, 9})
		st, n := status(), sizes()
		ua, path := pick(agents), pick(paths)
		proto := pick([]string{"HTTP/1.1", "HTTP/1.1", "HTTP/2.0", "HTTP/3.0", "HTTP/1.0"})
		req := fmt.Sprintf("GET %s %s", esc(path), proto)
		client := pick(publicV4)
		addr := client
		w := want{ms: t.UnixMilli(), status: st, bytes: n, client: client}
		tailF := fmt.Sprintf(`[%s] "%s" %d %d "%s" "%s"`, clf(t, zone), req, st, n, "-", esc(ua))
		switch i % 20 {
		case 1: // IPv6
			client = pick(publicV6)
			addr, w.client = client, client
		case 2: // an X-Forwarded-For list
			addr = client + ", " + pick(private)
		case 3: // quoted list and the proxy's own address
			addr = fmt.Sprintf(`"%s, %s" %s`, client, pick(private), pick(private))
		case 4: // a client on a unix socket
			addr, w.client = "unix:", ""
		case 5: // a host name
			addr, w.client = "localhost", ""
		case 6: // a virtual-host prefix
			h := pick(hosts)
			port := pick([]string{"", ":443", ":80"})
			addr, w.host = h+port+" "+client, h+port
		case 7: // the common format in a combined file
			tailF = fmt.Sprintf(`[%s] "%s" %d %d`, clf(t, zone), req, st, n)
		case 8: // nginx's stock main format: X-Forwarded-For after the user agent
			tailF += fmt.Sprintf(` "%s"`, pick(publicV4))
		case 9: // escaped quotes and backslashes
			req = `GET /q?x="a\b" ` + proto
			tailF = fmt.Sprintf(`[%s] "%s" %d %d "%s" "%s"`, clf(t, zone), esc(req), st, n, esc(`https://x.example/"quoted"`), esc(`Evil "Agent" \ `))
		case 10: // an invalid UTF-8 path
			tailF = fmt.Sprintf(`[%s] "%s" %d %d "-" "%s"`, clf(t, zone), esc("GET /caf\xe9\xff.html "+proto), st, n, esc(ua))
		case 11: // non-HTTP request lines: a scanner, a TLS handshake to a plain port
			st = pick([]int{400, 408})
			w.status = st
			tailF = fmt.Sprintf(`[%s] "%s" %d %d "-" "-"`, clf(t, zone), pick([]string{"-", "", `\x16\x03\x01\x00\xF7\x01\x00\x00`, "SSH-2.0-Go", "quit"}), st, n)
		case 12: // an IPv6 client with brackets and a port, an IPv4 one with a port
			if i%40 == 12 {
				client = pick(publicV6)
				addr = "[" + client + "]:" + fmt.Sprint(1024+rng.IntN(60000))
			} else {
				addr = client + ":" + fmt.Sprint(1024+rng.IntN(60000))
			}
			w.client = client
		case 13: // a missing trailing quote: the line was cut by a full disk
			tailF = fmt.Sprintf(`[%s] "%s" %d %d "-" "%s`, clf(t, zone), req, st, n, "Mozilla/5.0 (X11; Lin")
		case 14: // dead: no status (cut before it)
			c.add(fmt.Sprintf(`%s - - [%s] "%s"`, addr, clf(t, zone), req), want{dead: true})
			continue
		case 15: // dead: a time that is no time
			c.add(fmt.Sprintf(`%s - - [%s] "%s" %d %d "-" "-"`, addr, "04/Mar/2026:25:61:00 +0000", req, st, n), want{dead: true})
			continue
		case 16: // dead: garbage
			c.add(pick([]string{"\x00\x00\x00", "-- MARK --", `{"not":"nginx"}`}), want{dead: true})
			continue
		case 17: // a user name with the address a private one: kept as logged
			client = pick(private)
			addr, w.client = client, client
			tailF = strings.Replace(tailF, "", "", 1)
			c.add(fmt.Sprintf(`%s - alice [%s] "%s" %d %d "-" "%s"`, addr, clf(t, zone), req, st, n, esc(ua)), w)
			continue
		}
		c.add(fmt.Sprintf("%s - - %s", addr, tailF), w)
	}
	return c
}

// apacheCorpus: Apache's combined LogFormat, as the file is configured.
func apacheCorpus() *corpus {
	c := &corpus{}
	esc := func(s string) string { // ap_escape_logitem
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			switch ch := s[i]; {
			case ch == '"' || ch == '\\':
				b.WriteByte('\\')
				b.WriteByte(ch)
			case ch == '\t':
				b.WriteString(`\t`)
			case ch < 0x20 || ch > 0x7e:
				fmt.Fprintf(&b, "\\x%02x", ch)
			default:
				b.WriteByte(ch)
			}
		}
		return b.String()
	}
	for i := 0; i < 230; i++ {
		t := when(i)
		zone := pick([]int{0, 1, 2, -4})
		st, n := status(), sizes()
		ua, path := pick(agents), pick(paths)
		proto := pick([]string{"HTTP/1.1", "HTTP/2.0", "HTTP/1.0"})
		req := esc(fmt.Sprintf("GET %s %s", path, proto))
		client := pick(publicV4)
		h := client
		w := want{ms: t.UnixMilli(), status: st, bytes: n, client: client}
		bs := fmt.Sprint(n)
		if n == 0 && i%3 == 0 {
			bs = "-" // %b writes "-" for no bytes
		}
		ref := pick([]string{"-", "https://www.acme.example/", "https://search.example/?q=caf%C3%A9"})
		line := ""
		switch i % 16 {
		case 1:
			client = pick(publicV6)
			h, w.client = client, client
		case 2: // HostnameLookups On
			h, w.client = pick([]string{"crawl-66-249-66-1.googlebot.com", "localhost", "host-81-2-69-160.example.net"}), ""
		case 3: // vhost_combined lines in a combined file
			vh := pick(hosts) + pick([]string{":80", ":443"})
			h, w.host = vh+" "+client, vh
		case 4: // the common format
			line = fmt.Sprintf(`%s - - [%s] "%s" %d %s`, h, clf(t, zone), req, st, bs)
		case 5: // escaped quotes in the request and the user agent
			req = esc(`GET /a"b"\c ` + proto)
			ua = `Evil "Agent" \ tab` + "\t"
		case 6: // an invalid UTF-8 path, as ap_escape_logitem writes it
			req = esc("GET /r\xe9sum\xe9 " + proto)
		case 7: // non-HTTP request lines
			st = pick([]int{400, 408})
			w.status = st
			req = pick([]string{"-", "", "\\x16\\x03\\x01", "GET"})
		case 8: // mod_remoteip off behind a balancer with %{X-Forwarded-For}i first
			h = client + ", " + pick(private)
		case 9: // a user
			line = fmt.Sprintf(`%s - bob [%s] "%s" %d %s "%s" "%s"`, h, clf(t, zone), req, st, bs, esc(ref), esc(ua))
		case 10: // dead: a status the server cannot write
			c.add(fmt.Sprintf(`%s - - [%s] "%s" %s %s "-" "-"`, h, clf(t, zone), req, pick([]string{"2x0", "099", "600", "-"}), bs), want{dead: true})
			continue
		case 11: // dead: cut after the request
			c.add(fmt.Sprintf(`%s - - [%s] "%s"`, h, clf(t, zone), req), want{dead: true})
			continue
		case 12: // dead: bytes that are no count
			c.add(fmt.Sprintf(`%s - - [%s] "%s" %d %s "-" "-"`, h, clf(t, zone), req, st, pick([]string{"-12", "1e3", "99999999999999999999999"})), want{dead: true})
			continue
		}
		if line == "" {
			line = fmt.Sprintf(`%s - - [%s] "%s" %d %s "%s" "%s"`, h, clf(t, zone), req, st, bs, esc(ref), esc(ua))
		}
		c.add(line, w)
	}
	return c
}

// iisCorpus: IIS W3C logs with their directives, space-separated, '+' for
// spaces in headers; a config change starts a new #Fields mid-file.
func iisCorpus() *corpus {
	c := &corpus{}
	fields1 := "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs-version cs(User-Agent) cs(Referer) cs-host sc-status sc-substatus sc-win32-status sc-bytes cs-bytes time-taken"
	fields2 := "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
	head := func(t time.Time, f string) {
		c.skip("#Software: Microsoft Internet Information Services 10.0")
		c.skip("#Version: 1.0")
		c.skip("#Date: " + t.Format("2006-01-02 15:04:05"))
		c.skip("#Fields: " + f)
	}
	// Behind Application Request Routing or a load balancer: c-ip is the
	// balancer, the client in the custom field cs(X-Forwarded-For).
	fields3 := "date time s-ip cs-method cs-uri-stem c-ip cs(X-Forwarded-For) cs(User-Agent) sc-status sc-bytes time-taken"
	head(when(0), fields1)
	for i := 0; i < 220; i++ {
		t := when(i)
		if i == 150 {
			head(t, fields2)
		}
		if i == 190 {
			head(t, fields3)
		}
		st, n := status(), sizes()
		client := pick(publicV4)
		if i%7 == 1 {
			client = pick(publicV6)
		}
		ua := strings.ReplaceAll(pick(agents), " ", "+")
		stem := strings.SplitN(pick(paths), "?", 2)[0]
		ver := pick([]string{"HTTP/1.1", "HTTP/2", "HTTP/2"})
		w := want{ms: t.UnixMilli(), status: st, client: client}
		var line string
		if i < 150 {
			w.bytes = n
			host := pick(hosts)
			w.host = host
			line = fmt.Sprintf("%s %s 10.0.0.5 GET %s %s 443 - %s %s %s %s %s %d 0 0 %d %d %d",
				t.Format("2006-01-02"), t.Format("15:04:05"), stem, pick([]string{"-", "id=42", "q=a+b"}), client, ver, ua, pick([]string{"-", "https://www.acme.example/"}), host, st, n, rng.IntN(900), rng.IntN(5000))
			switch i % 10 {
			case 3: // the line cut after sc-bytes (a crash mid-write)
				line = line[:strings.LastIndex(line[:strings.LastIndex(line, " ")], " ")]
			case 5: // dead: status missing
				line = fmt.Sprintf("%s %s 10.0.0.5 GET %s - 443 - %s", t.Format("2006-01-02"), t.Format("15:04:05"), stem, client)
				w = want{dead: true}
			case 7: // a client address IIS did not have
				line = strings.Replace(line, " "+client+" ", " - ", 1)
				w.client = ""
			}
		} else if i < 190 {
			line = fmt.Sprintf("%s %s 10.0.0.5 POST %s - 80 DOMAIN\\user %s %s - %d 0 64 %d",
				t.Format("2006-01-02"), t.Format("15:04:05"), stem, client, ua, st, rng.IntN(5000))
		} else {
			w.bytes = n
			lb := pick(private)
			xff := client + ",+" + pick(private)
			switch i % 5 {
			case 1: // a request that did not pass the balancer: no list
				xff, lb = "-", client
			case 2: // a spoofed first entry: the balancer appended the real peer
				xff = "198.18.0.1,+" + client
			case 3: // two fields more than #Fields names (a header the file lost)
			}
			line = fmt.Sprintf("%s %s 10.0.0.5 GET %s %s %s %s %d %d %d",
				t.Format("2006-01-02"), t.Format("15:04:05"), stem, lb, xff, ua, st, n, rng.IntN(5000))
			if i%5 == 3 {
				line += " 0 0"
			}
		}
		c.add(line, w)
	}
	return c
}

// cloudfrontCorpus: CloudFront standard logs, tab-separated, 33 fields
// (older files 24), User-Agent percent-encoded (and its '%' again).
func cloudfrontCorpus() *corpus {
	c := &corpus{}
	c.skip("#Version: 1.0")
	c.skip("#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end")
	enc := func(s string) string {
		return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", ";", "%3B").Replace(s)
	}
	for i := 0; i < 220; i++ {
		t := when(i)
		st, n := status(), sizes()
		client := pick(publicV4)
		if i%5 == 1 {
			client = pick(publicV6)
		}
		host := pick(hosts)
		w := want{ms: t.UnixMilli(), status: st, bytes: n, client: client, host: host}
		stem := strings.SplitN(pick(paths), "?", 2)[0]
		proto := pick([]string{"HTTP/1.1", "HTTP/2.0", "HTTP/3.0"})
		xff := "-"
		if i%6 == 2 {
			xff = pick(publicV4) + ",%20" + pick(private)
		}
		result := pick([]string{"Hit", "Miss", "RefreshHit", "Error", "LimitExceeded"})
		f := []string{t.Format("2006-01-02"), t.Format("15:04:05"), pick([]string{"FRA56-P5", "IAD89-C1", "NRT57-P2"}), fmt.Sprint(n), client, "GET",
			"d111111abcdef8.cloudfront.net", stem, fmt.Sprint(st), "-", enc(pick(agents)), "-", "-", result,
			"SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==", host, "https", fmt.Sprint(rng.IntN(900)), fmt.Sprintf("%.3f", rng.Float64()),
			xff, "TLSv1.3", "TLS_AES_128_GCM_SHA256", result, proto, "-", "-", fmt.Sprint(1024 + rng.IntN(60000)), fmt.Sprintf("%.3f", rng.Float64()/2),
			result, "text/html", fmt.Sprint(n), "-", "-"}
		switch i % 12 {
		case 3: // an older file's 24 fields
			f = f[:24]
		case 5: // dead: 000, the viewer left before a response
			f[8] = "000"
			w = want{dead: true}
		case 7: // the user agent encoded twice
			f[10] = strings.ReplaceAll(f[10], "%", "%25")
		case 9: // a zero-byte response to a HEAD
			f[3], f[5], f[30] = "0", "HEAD", "0"
			w.bytes = 0
		case 11: // a newer file: fields appended after the 33 #Fields names
			f = append(f, "DE", "/images/*", "-")
		case 1: // the viewer is the site's own proxy: the client is in x-forwarded-for
			if i%5 != 1 {
				f[4] = pick(private)
				f[19] = client + ",%20" + f[4]
			}
		}
		c.add(strings.Join(f, "\t"), w)
	}
	return c
}

// caddyCorpus: Caddy's JSON access log (http.log.access).
func caddyCorpus() *corpus {
	c := &corpus{}
	for i := 0; i < 220; i++ {
		t := t0.Add(time.Duration(i) * 1733 * time.Millisecond)
		st, n := status(), sizes()
		client := pick(publicV4)
		if i%6 == 1 {
			client = pick(publicV6)
		}
		host := pick(hosts)
		w := want{ms: t.UnixMilli(), status: st, bytes: n, client: client, host: host}
		proto := pick([]string{"HTTP/1.1", "HTTP/2.0", "HTTP/3.0"})
		uri := pick(paths)
		ua := pick(agents)
		clientKey := fmt.Sprintf(`"remote_ip":"%s","remote_port":"%d","client_ip":"%s"`, client, 1024+rng.IntN(60000), client)
		switch i % 12 {
		case 2: // behind a proxy Caddy does not trust: client_ip is the proxy, remote_ip too
			p := pick(private)
			clientKey = fmt.Sprintf(`"remote_ip":"%s","remote_port":"443","client_ip":"%s"`, p, p)
			w.client = p
		case 3: // escaped quotes and an invalid UTF-8 byte, as Caddy's encoder writes them
			uri = `/q?x=\"a\"&b=\ufffd`
		case 4: // an older Caddy without client_ip
			clientKey = fmt.Sprintf(`"remote_ip":"%s","remote_port":"5555"`, client)
		case 5: // dead: no status
			c.add(fmt.Sprintf(`{"level":"info","ts":%.6f,"logger":"http.log.access","msg":"handled request","request":{%s,"proto":"%s","method":"GET","host":"%s","uri":"%s"},"size":%d}`,
				float64(t.UnixMicro())/1e6, clientKey, proto, host, uri, n), want{dead: true})
			continue
		case 6: // dead: the line cut mid-write
			c.add(fmt.Sprintf(`{"level":"info","ts":%.6f,"logger":"http.log.access","msg":"handled request","request":{%s,"pro`, float64(t.UnixMicro())/1e6, clientKey), want{dead: true})
			continue
		case 7: // a client address that is a unix socket
			clientKey = `"remote_ip":"@","remote_port":"","client_ip":"unix:/run/caddy.sock"`
			w.client = ""
		case 8: // behind a balancer Caddy does not trust: the client in X-Forwarded-For
			p := pick(private)
			clientKey = fmt.Sprintf(`"remote_ip":"%s","remote_port":"443","client_ip":"%s"`, p, p)
			ua += `"],"X-Forwarded-For":["198.18.0.1, ` + client
		case 9: // the same from an older Caddy, the header logged twice
			p := pick(private)
			clientKey = fmt.Sprintf(`"remote_ip":"%s","remote_port":"443"`, p)
			ua += `"],"X-Forwarded-For":["198.18.0.1","` + client + `, ` + pick(private)
		}
		c.add(fmt.Sprintf(`{"level":"info","ts":%.6f,"logger":"http.log.access","msg":"handled request","request":{%s,"proto":"%s","method":"GET","host":"%s","uri":"%s","headers":{"User-Agent":["%s"],"Accept-Encoding":["gzip"]}},"bytes_read":0,"user_id":"","duration":%.9f,"size":%d,"status":%d,"resp_headers":{"Server":["Caddy"],"Content-Type":["text/html; charset=utf-8"]}}`,
			float64(t.UnixMicro())/1e6, clientKey, proto, host, uri, ua, rng.Float64()/10, n, st), w)
	}
	return c
}

func main() {
	dir := filepath.Join("collector", "testdata", "corpus")
	for name, c := range map[string]*corpus{"nginx": nginxCorpus(), "apache": apacheCorpus(), "iis": iisCorpus(), "cloudfront": cloudfrontCorpus(), "caddy": caddyCorpus()} {
		var log, wants strings.Builder
		for i, l := range c.lines {
			log.WriteString(l + "\n")
			w := c.wants[i]
			switch {
			case w.status == -1:
				wants.WriteString("skip\n")
			case w.dead:
				wants.WriteString("dead\n")
			default:
				fmt.Fprintf(&wants, "kept %d %d %d %s %s\n", w.ms, w.status, w.bytes, dash(w.client), dash(w.host))
			}
		}
		must(os.WriteFile(filepath.Join(dir, name+".log"), []byte(log.String()), 0o644))
		must(os.WriteFile(filepath.Join(dir, name+".want"), []byte(wants.String()), 0o644))
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
