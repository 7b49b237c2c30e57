package gen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/collector/format/apache"
	"github.com/edgelog/edgelog/collector/format/field"
	"github.com/edgelog/edgelog/collector/format/jsonl"
	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/collector/format/w3c"
	"github.com/edgelog/edgelog/internal/record"
)

// TestLinesParseBackToTheirEvents writes events in the nginx Edge format
// and parses each line with the collector's parser: every field the
// pipeline stores must come back as generated.
func TestLinesParseBackToTheirEvents(t *testing.T) {
	g, err := New(Options{Lines: 20_000, Seed: 3, Incidents: DefaultIncidents(DefaultStart)})
	if err != nil {
		t.Fatal(err)
	}
	enr := enrich.New(g.EdgeConfig())
	p := nginx.MustCompile(nginx.Edge)
	lw := formats["nginx"]()
	var e Event
	var r record.Record
	n := 0
	for g.Next(&e) {
		line := lw.AppendLine(nil, &e)
		if err := p.Parse(line, &r); err != nil {
			t.Fatalf("line %d does not parse: %v\n%s", n, err, line)
		}
		enr.Enrich(&r)
		str := func(s record.Str) string { return string(r.Str[s]) }
		got := fmt.Sprint(r.TimeMs, r.ClientIP, r.Status, r.BytesSent, r.BytesReceived, r.RequestTimeUs, r.TTFBUs, r.ASN,
			str(record.Customer), str(record.Host), str(record.PoP), str(record.Region), str(record.Server), str(record.Country),
			str(record.Method), str(record.Scheme), str(record.Protocol), str(record.Path), str(record.CacheStatus), str(record.ContentType), str(record.UserAgent))
		want := fmt.Sprint(e.TimeMs, e.ClientIP, e.Status, e.BytesSent, e.BytesReceived, e.RequestTimeUs, e.TTFBUs, e.ASN,
			e.Customer, e.Host, e.PoP, e.Region, e.Server, e.Country,
			e.Method, e.Scheme, e.Protocol, e.Path, e.CacheStatus, e.ContentType, e.UserAgent)
		if got != want {
			t.Fatalf("line %d parses to\n %s\nwant\n %s\nline: %s", n, got, want, line)
		}
		n++
	}
	if n != 20_000 {
		t.Fatalf("generated %d events, want 20000", n)
	}
}

// TestTruthMatchesTheFile parses a written file the way the collector does
// and recomputes the truth from it: totals, per customer, per hour, and
// the malformed lines.
func TestTruthMatchesTheFile(t *testing.T) {
	dir := t.TempDir()
	access, edge := filepath.Join(dir, "access.log"), filepath.Join(dir, "edge.yaml")
	truth, err := WriteFiles(Options{Lines: 30_000, Malformed: 41, Seed: 9}, access, edge, filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := enrich.Load(edge)
	if err != nil {
		t.Fatal(err)
	}
	enr := enrich.New(cfg)
	p := nginx.MustCompile(nginx.Edge)
	f, err := os.Open(access)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var r record.Record
	bad := 0
	got := map[string]*Counts{}
	hourly := map[string]uint64{}
	for sc.Scan() {
		if err := p.Parse(sc.Bytes(), &r); err != nil {
			bad++
			continue
		}
		enr.Enrich(&r)
		c := got[string(r.Str[record.Customer])]
		if c == nil {
			c = &Counts{}
			got[string(r.Str[record.Customer])] = c
		}
		c.Requests++
		c.BytesSent += r.BytesSent
		hourly[string(r.Str[record.Customer])+" "+time.UnixMilli(r.TimeMs).UTC().Truncate(time.Hour).Format(time.RFC3339)]++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if bad != 41 || truth.Malformed != 41 {
		t.Errorf("%d lines do not parse, truth says %d malformed; want 41", bad, truth.Malformed)
	}
	if truth.Requests != 30_000 {
		t.Errorf("truth has %d requests, want 30000", truth.Requests)
	}
	if len(got) != len(truth.Customers) {
		t.Errorf("file has %d customers, truth %d", len(got), len(truth.Customers))
	}
	if _, ok := got[UnknownCustomer]; !ok {
		t.Errorf("no request went to an unmapped host")
	}
	for id, c := range got {
		tc := truth.Customers[id]
		if c.Requests != tc.Requests || c.BytesSent != tc.BytesSent {
			t.Errorf("customer %s: file %d requests %d bytes, truth %d %d", id, c.Requests, c.BytesSent, tc.Requests, tc.BytesSent)
		}
		for hour, h := range tc.Hourly {
			if hourly[id+" "+hour] != h.Requests {
				t.Errorf("customer %s hour %s: file %d requests, truth %d", id, hour, hourly[id+" "+hour], h.Requests)
			}
		}
	}
	back, err := ReadTruth(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if back.Requests != truth.Requests || back.Customers["acme"].BytesSent != truth.Customers["acme"].BytesSent || !back.From.Equal(truth.From) {
		t.Errorf("truth.json does not read back: %+v", back.Counts)
	}
}

func TestDeterministic(t *testing.T) {
	write := func(seed uint64) []byte {
		var b bytes.Buffer
		if _, err := Write(&b, Options{Lines: 5_000, Malformed: 5, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	a, b, c := write(5), write(5), write(6)
	if !bytes.Equal(a, b) {
		t.Error("the same seed wrote different output")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds wrote the same output")
	}
}

// TestTrafficShape checks the model's claims: time order, a diurnal curve,
// Zipf customers, realistic hit ratios and status mix.
func TestTrafficShape(t *testing.T) {
	g, err := New(Options{Lines: 200_000, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	var e Event
	perHour := make([]int, 24)
	perCustomer := map[string]int{}
	var last int64
	hits, cacheable, errs := 0, 0, 0
	for g.Next(&e) {
		if e.TimeMs < last {
			t.Fatalf("time went backwards: %d after %d", e.TimeMs, last)
		}
		last = e.TimeMs
		perHour[time.UnixMilli(e.TimeMs).UTC().Hour()]++
		perCustomer[e.Customer]++
		if e.CacheStatus != "BYPASS" {
			cacheable++
			if e.CacheStatus == "HIT" {
				hits++
			}
		}
		if e.Status >= 500 {
			errs++
		}
	}
	if last >= DefaultStart.Add(24*time.Hour).UnixMilli() {
		t.Errorf("last request %d is after the 24h window", last)
	}
	lo, hi := slices.Min(perHour), slices.Max(perHour)
	if float64(hi) < 1.4*float64(lo) { // regions' curves overlap: the world never sleeps
		t.Errorf("no diurnal curve: busiest hour %d requests, quietest %d", hi, lo)
	}
	sizes := make([]int, 0, len(perCustomer))
	for _, n := range perCustomer {
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	if top, median := sizes[len(sizes)-1], sizes[len(sizes)/2]; top < 3*median {
		t.Errorf("customers are not skewed: largest %d, median %d", top, median)
	}
	if ratio := float64(hits) / float64(cacheable); ratio < 0.7 || ratio > 0.95 {
		t.Errorf("cache hit ratio %.2f, want a CDN's 0.7-0.95", ratio)
	}
	if share := float64(errs) / 200_000; share <= 0 || share > 0.01 {
		t.Errorf("5xx share %.4f outside (0, 1%%]", share)
	}
}

// TestIncidents checks the scripted faults are in the data: bom1 slower
// inside its window than outside, and the customer's 5xx burst.
func TestIncidents(t *testing.T) {
	inc := DefaultIncidents(DefaultStart)
	g, err := New(Options{Lines: 400_000, Seed: 2, Incidents: inc})
	if err != nil {
		t.Fatal(err)
	}
	var e Event
	var in, out []uint32
	var burstReq, burstErr, otherReq, otherErr int
	for g.Next(&e) {
		if e.PoP == "bom1" {
			if inc[0].active(e.TimeMs) {
				in = append(in, e.RequestTimeUs)
			} else {
				out = append(out, e.RequestTimeUs)
			}
		}
		if e.Customer == inc[1].Customer && e.CacheStatus != "HIT" && e.CacheStatus != "STALE" {
			if inc[1].active(e.TimeMs) {
				burstReq++
				if e.Status >= 500 {
					burstErr++
				}
			} else {
				otherReq++
				if e.Status >= 500 {
					otherErr++
				}
			}
		}
	}
	median := func(v []uint32) uint32 { slices.Sort(v); return v[len(v)/2] }
	if len(in) < 50 {
		t.Fatalf("only %d bom1 requests in the latency window", len(in))
	}
	if mi, mo := median(in), median(out); mi < 4*mo {
		t.Errorf("bom1 median request time %dus in the incident, %dus outside; want >= 4x", mi, mo)
	}
	if burstReq < 50 || float64(burstErr)/float64(burstReq) < 0.25 || float64(otherErr)/float64(otherReq) > 0.01 {
		t.Errorf("errors incident: %d/%d origin requests failed inside, %d/%d outside", burstErr, burstReq, otherErr, otherReq)
	}
}

func TestParseIncident(t *testing.T) {
	in, err := ParseIncident("latency:bom1:x5:14:05-14:40", DefaultStart)
	if err != nil {
		t.Fatal(err)
	}
	if in != DefaultIncidents(DefaultStart)[0] {
		t.Errorf("parsed %+v, want %+v", in, DefaultIncidents(DefaultStart)[0])
	}
	in, err = ParseIncident("errors:globex:33%:10:00-10:20", DefaultStart)
	if err != nil || in != DefaultIncidents(DefaultStart)[1] {
		t.Errorf("parsed %+v, %v", in, err)
	}
	for _, bad := range []string{"latency:xyz1:x5:14:05-14:40", "latency:bom1:5:14:05-14:40x", "errors:a:200%:10:00-10:20",
		"errors:a:5%:10:00-09:00", "slow:a:1:10:00-10:20", "latency:bom1"} {
		if _, err := ParseIncident(bad, DefaultStart); err == nil {
			t.Errorf("ParseIncident(%q) accepted it", bad)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	const lines = 200_000
	var n int64
	for b.Loop() {
		cw := &countWriter{}
		if _, err := Write(cw, Options{Lines: lines, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		n = cw.n
	}
	perSec := float64(lines*b.N) / b.Elapsed().Seconds()
	b.ReportMetric(perSec, "lines/s")
	fmt.Printf("BENCH gen_nginx_lines_per_s %.0f lines/s\nBENCH gen_nginx_bytes_per_line %.1f bytes\n", perSec, float64(n)/lines)
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// TestOtherFormatsParseBack writes the same events as Apache, JSON lines
// and W3C, parses them with the collector's parsers, and compares every
// field each format carries.
func TestOtherFormatsParseBack(t *testing.T) {
	ap, err := apache.Compile(ApacheLogFormat)
	if err != nil {
		t.Fatal(err)
	}
	jp, err := jsonl.New(jsonl.Defaults)
	if err != nil {
		t.Fatal(err)
	}
	wp, err := w3c.New()
	if err != nil {
		t.Fatal(err)
	}
	var r record.Record
	if err := wp.Parse(bytes.Split(formats["w3c"]().(headerer).Header(), []byte("\n"))[1], &r); !errors.Is(err, field.ErrNoRecord) {
		t.Fatalf("w3c #Fields header: %v", err)
	}
	str := func(s record.Str) string { return string(r.Str[s]) }
	common := func(e *Event) string {
		return fmt.Sprint(r.ClientIP, r.Status, r.BytesSent, r.BytesReceived, r.RequestTimeUs, str(record.Host), str(record.Method), str(record.Path),
			str(record.Protocol), str(record.PoP), str(record.ContentType), str(record.UserAgent))
	}
	want := func(e *Event) string {
		return fmt.Sprint(e.ClientIP, e.Status, e.BytesSent, e.BytesReceived, e.RequestTimeUs, e.Host, e.Method, e.Path,
			e.Protocol, e.PoP, e.ContentType, e.UserAgent)
	}
	for _, c := range []struct {
		name string
		p    format.Parser
		more func(e *Event) (got, want string)
	}{
		{"apache", ap, func(e *Event) (string, string) {
			return fmt.Sprint(r.TimeMs, str(record.Scheme), str(record.CacheStatus), str(record.Country), str(record.Referer)),
				fmt.Sprint(e.TimeMs, e.Scheme, e.CacheStatus, e.Country, strings.TrimPrefix(e.Referer, "-"))
		}},
		{"jsonl", jp, func(e *Event) (string, string) {
			return fmt.Sprint(r.TimeMs, r.TTFBUs, r.ASN, str(record.Scheme), str(record.CacheStatus), str(record.Country), str(record.Server)),
				fmt.Sprint(e.TimeMs, e.TTFBUs, e.ASN, e.Scheme, e.CacheStatus, e.Country, e.Server)
		}},
		{"w3c", wp, func(e *Event) (string, string) {
			return fmt.Sprint(r.TimeMs/1000, r.TTFBUs), fmt.Sprint(e.TimeMs/1000, e.TTFBUs)
		}},
	} {
		g, err := New(Options{Lines: 3_000, Seed: 8})
		if err != nil {
			t.Fatal(err)
		}
		f, _ := NewFormatter(c.name)
		var e Event
		for g.Next(&e) {
			line := f.AppendLine(nil, &e)
			if err := c.p.Parse(line, &r); err != nil {
				t.Fatalf("%s: %v\n%s", c.name, err, line)
			}
			gm, wm := c.more(&e)
			if got, w := common(&e)+" "+gm, want(&e)+" "+wm; got != w {
				t.Fatalf("%s line parses to\n %s\nwant\n %s\n%s", c.name, got, w, line)
			}
		}
	}
}

// TestCombinedLines holds the combined Formatter to the lines the
// collector's benchmarks wrote with fmt before it existed (byte for byte,
// so their figures stay comparable) and parses them back with nginx's
// combined parser.
func TestCombinedLines(t *testing.T) {
	g, err := New(Options{Lines: 3_000, Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	p := nginx.MustCompile(nginx.Combined)
	f, _ := NewFormatter("combined")
	var e Event
	var r record.Record
	for g.Next(&e) {
		ts := time.UnixMilli(e.TimeMs).UTC().Format("02/Jan/2006:15:04:05 -0700")
		want := fmt.Sprintf(`%s - - [%s] "%s %s%s %s" %d %d "%s" "%s"`,
			record.ClientAddr(e.ClientIP), ts, e.Method, e.Path, e.Query, e.Protocol, e.Status, e.BytesSent, e.Referer, e.UserAgent)
		line := f.AppendLine(nil, &e)
		if string(line) != want {
			t.Fatalf("combined line\n %s\nwant\n %s", line, want)
		}
		if err := p.Parse(line, &r); err != nil {
			t.Fatalf("%v\n%s", err, line)
		}
		got := fmt.Sprint(r.ClientIP, r.TimeMs/1000, r.Status, r.BytesSent, string(r.Str[record.Method]), string(r.Str[record.Path]), string(r.Str[record.UserAgent]))
		if w := fmt.Sprint(e.ClientIP, e.TimeMs/1000, e.Status, e.BytesSent, e.Method, e.Path, e.UserAgent); got != w {
			t.Fatalf("combined line parses to\n %s\nwant\n %s\n%s", got, w, line)
		}
	}
}
