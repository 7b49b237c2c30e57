package collector_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgelog/edgelog/collector"
	"github.com/edgelog/edgelog/collector/checkpoint"
	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/collector/geo/geotest"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/lab/engines/broker"
)

// combinedLine is an nginx "combined" line: no country, ASN or customer,
// so enrichment supplies them.
func combinedLine(i int, ip, host string) string {
	return fmt.Sprintf(`%s - - [01/Oct/2026:00:00:%02d +0000] "GET /c/%d HTTP/1.1" 200 %d "-" "curl/8.0" "%s"`, ip, i%60, i, 100+i, host)
}

func startBroker(t *testing.T) *broker.Broker {
	t.Helper()
	b, err := broker.Start(broker.Config{Partitions: 2, Topics: []string{"requests"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func baseConfig(dir, brokerAddr string) collector.Config {
	cfg := collector.Config{EdgeConfig: filepath.Join(dir, "edge.yaml"), Topic: "requests", DeadLetterFile: filepath.Join(dir, "dlq.jsonl"),
		BatchRows: 1000, BatchWait: 100 * time.Millisecond, SourceID: "test-source", Checkpoint: filepath.Join(dir, "checkpoint.json")}
	cfg.Kafka.Brokers = []string{brokerAddr}
	os.WriteFile(cfg.EdgeConfig, []byte(edgeYAML), 0o644)
	return cfg
}

// rows decodes every row in the topic.
func rows(t *testing.T, addr string) *record.Block {
	t.Helper()
	var b record.Block
	var d wire.Decoder
	for _, m := range readAll(t, addr, 2) {
		if err := d.Decode(&b, []byte(m.value)); err != nil {
			t.Fatal(err)
		}
	}
	return &b
}

// start runs a collector in the background; stop cancels it and returns
// Run's error.
func start(t *testing.T, cfg collector.Config, reg *prometheus.Registry) (c *collector.Collector, stop func() error) {
	t.Helper()
	return startLogging(t, cfg, reg, io.Discard)
}

func startLogging(t *testing.T, cfg collector.Config, reg *prometheus.Registry, logTo io.Writer) (c *collector.Collector, stop func() error) {
	t.Helper()
	c, err := collector.New(cfg, reg, slog.New(slog.NewTextHandler(logTo, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var stopped bool
	var runErr error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			runErr = <-done
		}
		return runErr
	}
	t.Cleanup(func() { stop() })
	return c, stop
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func appendLines(t *testing.T, path string, from, n int, host string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for i := from; i < from+n; i++ {
		b.WriteString(line(i, host) + "\n")
	}
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
}

// shipped reports whether every file's checkpoint reached its end.
func shipped(cpPath string, files ...string) func() bool {
	return func() bool {
		st, err := checkpoint.Load(cpPath)
		if err != nil {
			return false
		}
		for _, f := range files {
			fi, err := os.Stat(f)
			cp, ok := st.Lookup(f)
			if err != nil || !ok || cp.Offset != fi.Size() {
				return false
			}
		}
		return true
	}
}

// TestGlobDiscovery: a glob's files are each tailed with their own
// checkpoint, and a file created later is found and shipped.
func TestGlobDiscovery(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t)
	cfg := baseConfig(dir, b.Addr())
	cfg.Follow = true
	cfg.DiscoverInterval = 50 * time.Millisecond
	cfg.Inputs = []collector.Input{{Type: "file", Path: filepath.Join(dir, "*.access.log")}}
	a, bb, later := filepath.Join(dir, "a.access.log"), filepath.Join(dir, "b.access.log"), filepath.Join(dir, "c.access.log")
	appendLines(t, a, 0, 1500, "www.a.example")
	appendLines(t, bb, 0, 700, "img.b.example")
	os.WriteFile(filepath.Join(dir, "a.access.log.1"), []byte("rotated: not matched\n"), 0o644)
	_, stop := start(t, cfg, prometheus.NewRegistry())
	waitFor(t, "both files shipped", 20*time.Second, shipped(cfg.Checkpoint, a, bb))
	appendLines(t, later, 0, 300, "www.a.example")
	appendLines(t, a, 1500, 200, "www.a.example")
	waitFor(t, "the new file and the growth shipped", 20*time.Second, shipped(cfg.Checkpoint, a, bb, later))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := rows(t, b.Addr()).Len(); n != 1500+700+300+200 {
		t.Fatalf("%d rows in Kafka, want %d", n, 2700)
	}
	st, _ := checkpoint.Load(cfg.Checkpoint)
	if len(st.Files) != 3 {
		t.Fatalf("checkpoint holds %d files, want 3: %+v", len(st.Files), st.Files)
	}
}

// TestSyslogInput sends nginx-style syslog over UDP and both TCP framings;
// the MSG part is parsed with the configured format, a non-syslog frame is
// dead-lettered.
func TestSyslogInput(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t)
	udpAddr, tcpAddr := freeAddr(t, "udp"), freeAddr(t, "tcp")
	cfg := baseConfig(dir, b.Addr())
	cfg.Inputs = []collector.Input{{Type: "syslog", Listen: udpAddr}, {Type: "syslog", Network: "tcp", Listen: tcpAddr}}
	reg := prometheus.NewRegistry()
	logs := &syncBuffer{}
	_, stop := startLogging(t, cfg, reg, logs)

	// Dialling UDP succeeds with nobody listening: wait for the collector
	// to say it listens.
	waitFor(t, "the syslog listeners", 5*time.Second, func() bool { return strings.Count(logs.String(), "receiving syslog") == 2 })
	conn, err := net.Dial("udp", udpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const udpLines = 200
	for i := 0; i < udpLines; i++ {
		fmt.Fprintf(conn, "<190>Oct  1 00:00:01 edge1 nginx: %s", line(i, "www.a.example"))
		if i%50 == 49 {
			time.Sleep(10 * time.Millisecond) // UDP: do not overrun the socket buffer
		}
	}
	conn.Write([]byte("not syslog at all"))
	tc, err := net.Dial("tcp", tcpAddr)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		msg := "<190>1 2026-10-01T00:00:01Z edge1 nginx - - - " + line(i, "img.b.example")
		fmt.Fprintf(tc, "%d %s", len(msg), msg)
	}
	tc.Close()
	tc2, _ := net.Dial("tcp", tcpAddr)
	for i := 0; i < 100; i++ {
		fmt.Fprintf(tc2, "<190>Oct  1 00:00:01 edge1 nginx: %s\n", line(i, "img.b.example"))
	}
	tc2.Close()
	parsed := func() float64 { return counter(t, reg, "edgelog_collector_lines_parsed_total") }
	waitFor(t, "400 syslog lines parsed", 10*time.Second, func() bool {
		return parsed() == udpLines+200
	})
	waitFor(t, "400 rows acknowledged", 10*time.Second, func() bool { return counter(t, reg, "edgelog_collector_rows_shipped_total") == udpLines+200 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	blk := rows(t, b.Addr())
	if blk.Len() != udpLines+200 {
		t.Fatalf("%d rows in Kafka, want %d", blk.Len(), udpLines+200)
	}
	dl, _ := os.ReadFile(cfg.DeadLetterFile)
	if !strings.Contains(string(dl), `"source":"syslog:udp:`) || strings.Count(string(dl), "\n") != 1 {
		t.Fatalf("dead letters: want the one non-syslog frame:\n%s", dl)
	}
}

func freeAddr(t *testing.T, network string) string {
	t.Helper()
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		return pc.LocalAddr().String()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			var sum float64
			for _, m := range mf.GetMetric() {
				if m.Counter != nil {
					sum += m.Counter.GetValue()
				} else if m.Gauge != nil {
					sum += m.Gauge.GetValue()
				}
			}
			return sum
		}
	}
	return 0
}

// TestGeoIPAndDefaultCustomer: lines without country and ASN get them from
// .mmdb files; unknown hosts go to the configured default customer and are
// counted; a reload swaps the host mapping for the lines that follow.
func TestGeoIPAndDefaultCustomer(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t)
	cfg := baseConfig(dir, b.Addr())
	cfg.GeoIP.CountryDB = geotest.WriteCountry(t, filepath.Join(dir, "country.mmdb"), map[string]string{"198.51.100.0/24": "DE", "2001:db8::/32": "FR"})
	cfg.GeoIP.ASNDB = geotest.WriteASN(t, filepath.Join(dir, "asn.mmdb"), map[string]uint32{"198.51.100.0/24": 3320})
	cfg.DefaultCustomer = "unassigned"
	cfg.FormatKind, cfg.Format = "nginx", nginx.Combined+` "$host"`
	cfg.Follow = true
	log := filepath.Join(dir, "access.log")
	cfg.File = log
	var lines strings.Builder
	lines.WriteString(combinedLine(0, "198.51.100.7", "www.a.example") + "\n")
	lines.WriteString(combinedLine(1, "2001:db8::5", "cdn.b.example") + "\n")
	lines.WriteString(combinedLine(2, "192.0.2.1", "www.nobody.example") + "\n")
	os.WriteFile(log, []byte(lines.String()), 0o644)
	reg := prometheus.NewRegistry()
	c, stop := start(t, cfg, reg)
	waitFor(t, "first lines shipped", 20*time.Second, shipped(cfg.Checkpoint, log))

	// nobody.example becomes customer "n" on reload.
	os.WriteFile(cfg.EdgeConfig, []byte(strings.Replace(edgeYAML, "hosts:\n", "hosts:\n  www.nobody.example: n\n", 1)), 0o644)
	if err := c.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(combinedLine(3, "192.0.2.1", "www.nobody.example") + "\n")
	f.Close()
	waitFor(t, "line after reload shipped", 20*time.Second, shipped(cfg.Checkpoint, log))
	// A reload that fails keeps the running mapping.
	os.WriteFile(cfg.EdgeConfig, []byte("hosts: [not, a, map]\n"), 0o644)
	if err := c.Reload(cfg); err == nil {
		t.Fatal("reload of a broken mapping succeeded")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	got := map[string]string{}
	blk := rows(t, b.Addr())
	var r record.Record
	for i := 0; i < blk.Len(); i++ {
		blk.Row(i, &r)
		got[record.ClientAddr(r.ClientIP).String()+" "+string(r.Str[record.Path])] = fmt.Sprintf("%s %s %d", r.Str[record.Customer], r.Str[record.Country], r.ASN)
	}
	want := map[string]string{
		"198.51.100.7 /c/0": "a DE 3320",
		"2001:db8::5 /c/1":  "b FR 0",
		"192.0.2.1 /c/2":    "unassigned  0",
		"192.0.2.1 /c/3":    "n  0",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rows:\n got %v\nwant %v", got, want)
	}
	if n := counter(t, reg, "edgelog_collector_unknown_host_lines_total"); n != 1 {
		t.Fatalf("unknown host lines %v, want 1", n)
	}
	if n := counter(t, reg, "edgelog_collector_reloads_total"); n != 1 {
		t.Fatalf("reloads %v, want 1", n)
	}
}

// TestImportCompressed imports the same lines from plain, gzip and zstd
// files; a second import of a file sends the very same messages (so
// ingest's source ledger skips them).
func TestImportCompressed(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t)
	var plain bytes.Buffer
	for i := 0; i < 2500; i++ {
		plain.WriteString(line(i, "www.a.example") + "\n")
	}
	plain.WriteString(line(2500, "www.a.example")) // last line without newline
	files := map[string][]byte{"a.log": plain.Bytes()}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain.Bytes())
	zw.Close()
	files["a.log.gz"] = gz.Bytes()
	enc, _ := zstd.NewWriter(nil)
	files["a.log.zst"] = enc.EncodeAll(plain.Bytes(), nil)
	var inputs []collector.Input
	for name, data := range files {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		inputs = append(inputs, collector.Input{Type: "import", Path: p})
	}
	cfg := baseConfig(dir, b.Addr())
	cfg.Inputs = inputs
	cfg.Follow = false
	c, err := collector.New(cfg, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, data := range files {
		total += int64(len(data))
	}
	if c.ImportedBytes() != total {
		t.Fatalf("imported %d bytes, want %d", c.ImportedBytes(), total)
	}
	first := readAll(t, b.Addr(), 2)
	if n := rows(t, b.Addr()).Len(); n != 3*2501 {
		t.Fatalf("%d rows, want %d", n, 3*2501)
	}
	// Import the gzip file again: identical messages.
	cfg.Inputs = []collector.Input{{Type: "import", Path: filepath.Join(dir, "a.log.gz")}}
	cfg.BatchWait = time.Nanosecond // time must not decide an import's cuts
	c, _ = collector.New(cfg, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := map[sent]int{}
	for _, m := range first {
		seen[m]++
	}
	again := readAll(t, b.Addr(), 2)[len(first):]
	if len(again) == 0 {
		t.Fatal("second import sent nothing")
	}
	for _, m := range again {
		if seen[m] != 1 || !strings.Contains(m.src, ":import:") {
			t.Fatalf("re-import sent a message the first did not (src %s end %s seq %s)", m.src, m.end, m.seq)
		}
	}
}

// syncBuffer collects log output written from the collector's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestStdinInput reads lines from standard input until it closes.
func TestStdinInput(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old }()
	go func() {
		for i := 0; i < 3000; i++ {
			fmt.Fprintln(w, line(i, "www.a.example"))
		}
		fmt.Fprintln(w, "garbage")
		w.Close()
	}()
	cfg := baseConfig(dir, b.Addr())
	cfg.Inputs = []collector.Input{{Type: "stdin"}}
	c, err := collector.New(cfg, prometheus.NewRegistry(), discard())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := rows(t, b.Addr()).Len(); n != 3000 {
		t.Fatalf("%d rows, want 3000", n)
	}
	dl, _ := os.ReadFile(cfg.DeadLetterFile)
	if !strings.Contains(string(dl), `"source":"stdin"`) {
		t.Fatalf("dead letters: %s", dl)
	}
}

// TestSyslogBounds: a syslog input bound beyond loopback without an
// allow-list warns; a TCP message longer than max_line_bytes is
// dead-lettered once as oversize and the next message is shipped.
func TestSyslogBounds(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t)
	_, port, _ := net.SplitHostPort(freeAddr(t, "tcp"))
	cfg := baseConfig(dir, b.Addr())
	cfg.MaxLineBytes = 4096
	cfg.Inputs = []collector.Input{{Type: "syslog", Network: "tcp", Listen: "0.0.0.0:" + port}}
	reg := prometheus.NewRegistry()
	logs := &syncBuffer{}
	_, stop := startLogging(t, cfg, reg, logs)
	waitFor(t, "the syslog listener", 5*time.Second, func() bool { return strings.Contains(logs.String(), "receiving syslog") })
	if !strings.Contains(logs.String(), "without an allow-list") {
		t.Fatalf("no warning for a listener on 0.0.0.0 without an allow-list:\n%s", logs)
	}
	tc, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(tc, "<190>Oct  1 00:00:01 edge1 nginx: %s%s\n", line(0, "www.a.example"), strings.Repeat("A", 1<<20))
	fmt.Fprintf(tc, "<190>Oct  1 00:00:01 edge1 nginx: %s\n", line(1, "www.a.example"))
	tc.Close()
	waitFor(t, "1 row acknowledged", 10*time.Second, func() bool { return counter(t, reg, "edgelog_collector_rows_shipped_total") == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	dl, _ := os.ReadFile(cfg.DeadLetterFile)
	if strings.Count(string(dl), "\n") != 1 || !strings.Contains(string(dl), `"reason":"oversize`) {
		t.Fatalf("dead letters: want the one oversize message:\n%.300s", dl)
	}
}
