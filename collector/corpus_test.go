package collector

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/internal/record"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/corpus/*.golden from the collector's output")

// TestCorpus runs the golden corpora of real-server lines (testdata/corpus,
// written by gen.go there) through the collector's line handling, fast and
// lenient path, as the file's configured format, with the corpora's
// proxies trusted (corpusProxies): every line must be kept
// or dead-lettered as its .want line says, with its time, status, bytes,
// client and host; the kept lines' count and byte sum must be exact. The
// .golden file holds each line's whole row and fallbacks, for review.
func TestCorpus(t *testing.T) {
	for _, c := range []struct{ name, kind, text string }{
		{"nginx", "nginx", nginx.Combined},
		{"apache", "apache", ""},
		{"iis", "w3c", ""},
		{"cloudfront", "cloudfront", ""},
		{"caddy", "caddy", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join("testdata", "corpus")
			logData, err := os.ReadFile(filepath.Join(dir, c.name+".log"))
			if err != nil {
				t.Fatal(err)
			}
			wantData, err := os.ReadFile(filepath.Join(dir, c.name+".want"))
			if err != nil {
				t.Fatal(err)
			}
			lines := bytes.Split(bytes.TrimSuffix(logData, []byte("\n")), []byte("\n"))
			wants := strings.Split(strings.TrimSuffix(string(wantData), "\n"), "\n")
			if len(lines) != len(wants) || len(lines) < 200 {
				t.Fatalf("%d lines, %d wants; want as many, at least 200", len(lines), len(wants))
			}
			p, err := NewParser(c.kind, c.text)
			if err != nil {
				t.Fatal(err)
			}
			lp := newLineParser(p, corpusProxies(t), 1<<20)
			var out bytes.Buffer
			var kept, wantKept int
			var sum, wantSum uint64
			for i, line := range lines {
				var r record.Record
				reject := lp.parse(line, false, &r)
				got := "kept"
				switch {
				case reject == noRecord:
					got = "skip"
				case reject != "":
					got = "dead"
				default:
					kept++
					sum += r.BytesSent
					got = fmt.Sprintf("kept %d %d %d %s %s", r.TimeMs, r.Status, r.BytesSent, addrOrDash(r.ClientIP), orDash(r.Str[record.Host]))
				}
				w := wants[i]
				if f := strings.Fields(w); f[0] == "kept" {
					wantKept++
					n, _ := strconv.ParseUint(f[3], 10, 64)
					wantSum += n
				}
				if got != w {
					t.Errorf("line %d: %q\n got  %s (%s)\n want %s", i+1, line, got, reject, w)
				}
				fmt.Fprintf(&out, "< %s\n", line)
				switch {
				case reject == noRecord:
					out.WriteString("> no record\n")
				case reject != "":
					fmt.Fprintf(&out, "> dead: %s\n", reject)
				default:
					fmt.Fprintf(&out, "> %s\n", dumpRow(&r, lp))
				}
			}
			if kept != wantKept || sum != wantSum {
				t.Errorf("kept %d lines of %d bytes, want %d of %d", kept, sum, wantKept, wantSum)
			}
			golden := filepath.Join(dir, c.name+".golden")
			if *updateCorpus {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want, out.Bytes()) {
				t.Errorf("%s differs from the collector's output (go test -run TestCorpus -update-corpus rewrites it; review the diff)", golden)
			}
		})
	}
}

// corpusProxies are the site's own proxies in the corpora (gen.go's
// private ranges), as an operator behind load balancers sets
// trusted_proxies: the client of an X-Forwarded-For list is the last
// address before them.
func corpusProxies(t *testing.T) enrich.Proxies {
	t.Helper()
	p, err := enrich.ParseProxies([]string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func orDash(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	return string(b)
}

func addrOrDash(ip [16]byte) string {
	if ip == ([16]byte{}) {
		return "-"
	}
	return record.ClientAddr(ip).String()
}

// dumpRow writes a kept row and its fallbacks on one line.
func dumpRow(r *record.Record, lp *lineParser) string {
	var b strings.Builder
	fmt.Fprintf(&b, "time=%d status=%d sent=%d recv=%d rt_us=%d ttfb_us=%d ip=%s", r.TimeMs, r.Status, r.BytesSent, r.BytesReceived, r.RequestTimeUs, r.TTFBUs, addrOrDash(r.ClientIP))
	for i, v := range r.Str {
		if len(v) > 0 {
			fmt.Fprintf(&b, " %s=%s", record.StrNames[i], strconv.Quote(string(v)))
		}
	}
	if lp.odd {
		for i, f := range lp.notes.Fallbacks {
			if i == 0 {
				b.WriteString(" fallbacks=")
			} else {
				b.WriteByte(',')
			}
			b.WriteString(f.Field + "/" + f.Reason)
		}
	}
	return b.String()
}
