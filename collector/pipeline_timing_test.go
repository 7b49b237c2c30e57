package collector

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/collector/geo/geotest"
	"github.com/edgelog/edgelog/collector/tail"
	"github.com/edgelog/edgelog/lab/gen"
)

// The collector's hot path, measured as it runs in production: readLoop
// parses each line, enriches it (host mapping, PoP region, and for lines
// without them country and ASN from .mmdb files), batches rows per customer
// and encodes the batches (columnar, zstd). Only the produce to Kafka is
// left out (the ship channel is drained and dropped).
//
//	go test -run=NONE -bench=Pipeline -benchtime=2000000x ./collector/
//
// combined_half_odd is nginx combined with every other line in a shape the
// fast path refuses (see oddLines): the lenient path's cost. edge_file
// reads the edge lines from a file through the Tailer, as `edgelog bench`
// and production do: in the 20M-line end-to-end run reading was a tenth
// of the collector's CPU, which the lines handed out from memory leave out.
//	EDGELOG_BENCH_LINES=500000 go test -run=NONE -bench=VsGoAccess -benchtime=1x ./collector/

// benchLines generates n lines of generated traffic in format "combined"
// (nginx's predefined log_format) or "edge" (nginx.Edge), all in one
// buffer as the Tailer's read buffer holds a file's lines (see
// gen.Generator.Lines).
func benchLines(tb testing.TB, n int, format string) ([][]byte, *gen.Generator) {
	tb.Helper()
	if format == "edge" {
		format = "nginx"
	}
	g, err := gen.New(gen.Options{Lines: n, Format: format})
	if err != nil {
		tb.Fatal(err)
	}
	lines, err := g.Lines()
	if err != nil {
		tb.Fatal(err)
	}
	return lines, g
}

// benchGeoIP writes country and ASN databases covering the IPv4 space in
// /8 (country) and /12 (ASN) networks, the lookups a combined line needs.
func benchGeoIP(tb testing.TB, dir string) (country, asn string) {
	tb.Helper()
	codes := []string{"DE", "US", "JP", "BR", "IN", "FR", "GB", "SG", "AU", "ZA"}
	cn := map[string]string{}
	for i := 1; i < 224; i++ {
		cn[strconv.Itoa(i)+".0.0.0/8"] = codes[i%len(codes)]
	}
	an := map[string]uint32{}
	for i := 16; i < 224*16; i++ {
		an[net.IPv4(byte(i/16), byte(i%16*16), 0, 0).String()+"/12"] = uint32(64512 + i)
	}
	return geotest.WriteCountry(tb, filepath.Join(dir, "country.mmdb"), cn), geotest.WriteASN(tb, filepath.Join(dir, "asn.mmdb"), an)
}

func benchCollector(tb testing.TB, format string, g *gen.Generator) *Collector {
	tb.Helper()
	dir := tb.TempDir()
	if err := g.WriteEdgeConfig(filepath.Join(dir, "edge.yaml")); err != nil {
		tb.Fatal(err)
	}
	cfg := Config{File: filepath.Join(dir, "access.log"), EdgeConfig: filepath.Join(dir, "edge.yaml"), DeadLetterFile: filepath.Join(dir, "dlq.jsonl")}
	cfg.Kafka.Brokers = []string{"127.0.0.1:1"} // never dialled: nothing is produced
	if format == "combined" {
		cfg.Format = nginx.Combined
		cfg.GeoIP.CountryDB, cfg.GeoIP.ASNDB = benchGeoIP(tb, dir)
	}
	c, err := New(cfg, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// tailSource is a file's Tailer as a lineSource, without fileLines'
// rotation hand-over (one file, never rotated).
type tailSource struct{ t *tail.Tailer }

func (s tailSource) Next(ctx context.Context, l *tail.Line) (string, error) {
	return "", s.t.Read(ctx, l)
}

// markedSource is a lineSource that calls onMark before its line mark is
// handed out: where a benchmark's clock starts, after the warm-up lines.
type markedSource struct {
	lineSource
	i, mark int
	onMark  func()
}

func (s *markedSource) Next(ctx context.Context, l *tail.Line) (string, error) {
	if s.i == s.mark {
		s.onMark()
	}
	s.i++
	return s.lineSource.Next(ctx, l)
}

// fileSource writes n lines, cycling through lines, to a file and reads
// them through a Tailer.
func fileSource(tb testing.TB, lines [][]byte, n int) lineSource {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "access.log")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range n {
		w.Write(lines[i%len(lines)])
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	t, err := tail.Open(path, 0, 0, 0, tail.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { t.Close() })
	return tailSource{t}
}

// memSource hands out lines from memory, n in all, cycling.
type memSource struct {
	lines [][]byte
	n, i  int
	off   int64
}

func (s *memSource) Next(_ context.Context, l *tail.Line) (string, error) {
	if s.i == s.n {
		return "", tail.ErrStopped
	}
	d := s.lines[s.i%len(s.lines)]
	s.i++
	*l = tail.Line{Data: d, Offset: s.off, End: s.off + int64(len(d)) + 1}
	s.off = l.End
	return "", nil
}

// runPipeline runs readLoop over src and returns the rows and wire bytes
// it produced.
func runPipeline(tb testing.TB, c *Collector, src lineSource) (rows, wireBytes int) {
	tb.Helper()
	ship := make(chan shipment, 2)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range ship {
			rows += s.Rows
			for _, m := range s.Msgs {
				wireBytes += len(m.Value)
			}
		}
	}()
	kind, text := c.cfg.formatOf(c.cfg.Inputs[0])
	p, err := NewParser(kind, text)
	if err != nil {
		tb.Fatal(err)
	}
	err = c.readLoop(context.Background(), &source{lines: src, parser: p, name: "bench", id: "bench"}, ship)
	close(ship)
	<-done
	if err != tail.ErrStopped {
		tb.Fatal(err)
	}
	return rows, wireBytes
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// oddLines rewrites every other line of nginx combined lines into one of
// the shapes real servers write that the fast path refuses and the lenient
// path keeps: an X-Forwarded-For list, a quoted list and the proxy, a
// unix: client, a vhost prefix, the common format (no referer and user
// agent). All are kept, so the benchmark's row count still checks.
func oddLines(lines [][]byte) [][]byte {
	var buf []byte
	var ends []int
	for i, l := range lines {
		if i%2 == 1 {
			sp := bytes.IndexByte(l, ' ')
			addr, rest := l[:sp], l[sp:]
			switch i / 2 % 5 {
			case 0:
				buf = fmt.Appendf(buf, "%s, 10.0.0.1%s", addr, rest)
			case 1:
				buf = fmt.Appendf(buf, `"%s, 10.0.0.1" 10.0.0.2%s`, addr, rest)
			case 2:
				buf = fmt.Appendf(buf, "unix:%s", rest)
			case 3:
				buf = fmt.Appendf(buf, "www.example.com:443 %s%s", addr, rest)
			case 4:
				end := bytes.LastIndex(l, []byte(` "`))
				end = bytes.LastIndex(l[:end], []byte(` "`))
				buf = append(buf, l[:end]...)
			}
		} else {
			buf = append(buf, l...)
		}
		ends = append(ends, len(buf))
		buf = append(buf, '\n')
	}
	out := make([][]byte, len(lines))
	start := 0
	for i, end := range ends {
		out[i] = buf[start:end:end]
		start = end + 1
	}
	return out
}

func BenchmarkPipeline(b *testing.B) {
	for _, format := range []string{"combined", "edge", "combined_half_odd", "edge_file"} {
		b.Run(format, func(b *testing.B) {
			gformat := strings.TrimSuffix(strings.TrimSuffix(format, "_half_odd"), "_file")
			lines, g := benchLines(b, 200_000, gformat)
			if strings.HasSuffix(format, "_half_odd") {
				lines = oddLines(lines)
			}
			c := benchCollector(b, gformat, g)
			var size int
			for _, l := range lines {
				size += len(l) + 1
			}
			b.SetBytes(int64(size / len(lines)))
			// The clock starts after a warm-up of one pass over the
			// lines, in the same read loop: the first batches grow the
			// loop's per-customer batches to their working size, and on
			// this VM page-faulting that fresh memory cost up to a
			// quarter of a 2M-line run. A collector runs for days, so the
			// figure is the steady state; BenchmarkVsGoAccess keeps the
			// warm-up in.
			warm := len(lines)
			var cpu0 float64
			var t0 time.Time
			b.ReportAllocs()
			var from lineSource = &memSource{lines: lines, n: warm + b.N}
			if strings.HasSuffix(format, "_file") {
				from = fileSource(b, lines, warm+b.N)
			}
			src := &markedSource{lineSource: from, mark: warm, onMark: func() {
				b.ResetTimer()
				cpu0, t0 = cpuSeconds(), time.Now()
			}}
			rows, wireBytes := runPipeline(b, c, src)
			cpu, wall := cpuSeconds()-cpu0, time.Since(t0).Seconds()
			b.StopTimer()
			if rows != warm+b.N {
				b.Fatalf("%d rows from %d lines", rows, warm+b.N)
			}
			b.ReportMetric(float64(b.N)/cpu, "lines/cpu-s")
			b.ReportMetric(float64(wireBytes)/float64(rows), "wire-B/line")
			if b.N >= 100_000 {
				lineBytes := float64(size) / float64(len(lines))
				fmt.Printf("BENCH collector_pipeline_%s_lines_per_cpu_sec %.0f lines/s\n", format, float64(b.N)/cpu)
				fmt.Printf("BENCH collector_pipeline_%s_line_bytes %.1f bytes\n", format, lineBytes)
				fmt.Printf("BENCH collector_pipeline_%s_wire_bytes_per_line %.2f bytes\n", format, float64(wireBytes)/float64(rows))
				fmt.Printf("BENCH collector_pipeline_%s_wire_to_line_ratio %.3f ratio\n", format, float64(wireBytes)/float64(rows)/lineBytes)
				fmt.Printf("BENCH collector_pipeline_%s_lines_per_sec %.0f lines/s\n", format, float64(b.N)/wall)
				fmt.Printf("BENCH collector_pipeline_%s_cores_used %.2f cores\n", format, cpu/wall)
			}
		})
	}
}

// BenchmarkVsGoAccess writes one file of nginx combined lines and, in the
// same run, measures on it: just reading its lines, the collector's
// pipeline (reading the file through its Tailer), and GoAccess parsing it
// (--log-format=COMBINED), then prints the ratios.
func BenchmarkVsGoAccess(b *testing.B) {
	if _, err := exec.LookPath("goaccess"); err != nil {
		b.Fatal("goaccess is not installed: run deploy/setup.sh")
	}
	n := 500_000
	if s := os.Getenv("EDGELOG_BENCH_LINES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	lines, g := benchLines(b, n, "combined")
	dir := b.TempDir()
	path := filepath.Join(dir, "combined.log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		w.Write(l)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	lines = nil
	c := benchCollector(b, "combined", g)
	for i := 0; i < b.N; i++ {
		// Baseline floor: reading the lines of the file and nothing else.
		cpu0 := cpuSeconds()
		rf, _ := os.Open(path)
		sc := bufio.NewScanner(rf)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		read := 0
		for sc.Scan() {
			read++
		}
		rf.Close()
		readCPU := cpuSeconds() - cpu0

		t, err := tail.Open(path, 0, 0, 0, tail.Config{})
		if err != nil {
			b.Fatal(err)
		}
		cpu0 = cpuSeconds()
		rows, wireBytes := runPipeline(b, c, tailSource{t})
		collectorCPU := cpuSeconds() - cpu0
		t.Close()
		if rows != n || read != n {
			b.Fatalf("collector shipped %d rows, the reader saw %d lines, of %d", rows, read, n)
		}

		start := time.Now()
		out, err := exec.Command("goaccess", path, "--log-format=COMBINED", "--no-progress", "--no-global-config",
			"-o", filepath.Join(dir, "goaccess.json")).CombinedOutput()
		if err != nil {
			b.Fatalf("goaccess: %v\n%s", err, out)
		}
		goaccessSecs := time.Since(start).Seconds() // single-threaded parse: wall = CPU

		fmt.Printf("BENCH vs_goaccess_lines %d lines\n", n)
		fmt.Printf("BENCH read_lines_per_cpu_sec %.0f lines/s\n", float64(n)/readCPU)
		fmt.Printf("BENCH collector_file_lines_per_cpu_sec %.0f lines/s\n", float64(n)/collectorCPU)
		fmt.Printf("BENCH goaccess_lines_per_sec %.0f lines/s\n", float64(n)/goaccessSecs)
		fmt.Printf("BENCH collector_vs_goaccess %.1f ratio\n", goaccessSecs/collectorCPU)
		fmt.Printf("BENCH collector_vs_read %.2f ratio\n", readCPU/collectorCPU)
		st, _ := os.Stat(path)
		fmt.Printf("BENCH collector_file_wire_bytes_per_line %.2f bytes\n", float64(wireBytes)/float64(rows))
		fmt.Printf("BENCH collector_file_wire_to_line_ratio %.3f ratio\n", float64(wireBytes)/float64(st.Size()))
	}
}
