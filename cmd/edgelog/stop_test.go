package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/engines/chserver"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/engines/stack"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// stopLimit is the promise: every long-running subcommand ends within 10 s
// of SIGTERM, whatever state it is in.
const stopLimit = 10 * time.Second

// stopBin is the edgelog binary TestStop built for its subtests.
var stopBin string

func edgelogBin(t *testing.T) string {
	t.Helper()
	if stopBin == "" {
		t.Fatal("BUG: edgelogBin outside TestStop")
	}
	return stopBin
}

// TestStop runs each long-running subcommand as a real process into a
// state it must still stop from (Kafka down, ClickHouse down, spool full,
// mid-import), sends SIGTERM and checks it ends within 10 s, with exit
// status 0, saying what it flushed and what it left. The states run in
// parallel (they mostly wait).
func TestStop(t *testing.T) {
	bin, err := stack.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	stopBin = bin
	for name, f := range map[string]func(*testing.T){
		"collector with Kafka down":                 stopCollectorKafkaDown,
		"collector with Kafka down and full spool":  stopCollectorSpoolFull,
		"import mid-file with Kafka down":           stopImportKafkaDown,
		"ingest waiting for ClickHouse":             stopIngestClickHouseDown,
		"ingest with Kafka down":                    stopIngestKafkaDown,
		"ingest inserting while ClickHouse is gone": stopIngestClickHouseGone,
		"query serving":                             stopQuery,
		"query serving over TLS":                    stopQueryTLS,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t)
		})
	}
}

// syncBuffer is a process's output, read while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a running edgelog process and its output.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  syncBuffer
	done chan error
}

// startProc runs `edgelog args...` in dir.
func startProc(t *testing.T, dir string, args ...string) *proc {
	t.Helper()
	p := &proc{name: args[0], cmd: exec.Command(edgelogBin(t), args...), done: make(chan error, 1)}
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.cmd.Process.Kill() })
	return p
}

// waitFor waits until the output holds s.
func (p *proc) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for !strings.Contains(p.out.String(), s) {
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("edgelog %s ended (%v) before %q:\n%s", p.name, err, s, p.out.String())
		case <-deadline:
			t.Fatalf("edgelog %s: no %q within 60 s:\n%s", p.name, s, p.out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM and checks that the process ends within stopLimit
// with exit status 0 and that its output then holds each of want. It
// returns the output.
func (p *proc) stop(t *testing.T, want []string) string {
	t.Helper()
	time.Sleep(500 * time.Millisecond) // let the state settle (a spool fills in milliseconds)
	sent := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		t.Logf("edgelog %s stopped %.1f s after SIGTERM", p.name, time.Since(sent).Seconds())
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Errorf("edgelog %s exited with %v after SIGTERM:\n%s", p.name, err, p.out.String())
		}
	case <-time.After(stopLimit):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("edgelog %s still running %v after SIGTERM:\n%s", p.name, stopLimit, p.out.String())
	}
	got := p.out.String()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("edgelog %s: output has no %q:\n%s", p.name, w, got)
		}
	}
	return got
}

// stopWhen runs `edgelog args...` in dir, waits until its output holds
// ready (the state under test) and stops it (see proc.stop).
func stopWhen(t *testing.T, dir, ready string, want []string, args ...string) string {
	t.Helper()
	p := startProc(t, dir, args...)
	p.waitFor(t, ready)
	return p.stop(t, want)
}

// run runs `edgelog args...` in dir to its end.
func run(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(edgelogBin(t), args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("edgelog %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// logs writes a generated access log of n lines and its edge.yaml in dir.
func logs(t *testing.T, dir string, n int) {
	t.Helper()
	cmd := exec.Command(edgelogBin(t), "gen", "--lines", strconv.Itoa(n), "--out", "access.log")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "edge.yaml")); err != nil {
		t.Fatal(err)
	}
}

// The collector with Kafka down stops, leaves its batch for the next
// start (the checkpoint does not move) and says so; its retry warnings are
// rate-limited.
func stopCollectorKafkaDown(t *testing.T) {
	dir := t.TempDir()
	logs(t, dir, 20_000)
	out := stopWhen(t, dir, "produce failed", []string{"stopped: flushed what Kafka acknowledged", "left_rows=20000", "resume_from=access.log@0"},
		"collector", "--brokers", closedAddr(t), "--file", "access.log", "--edge-config", "edge.yaml", "--metrics-addr", "off")
	if n := strings.Count(out, "produce failed"); n != 1 {
		t.Errorf("%d 'produce failed' lines, want 1 (the rest rate-limited)", n)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "access.log.checkpoint")); err == nil && !regexp.MustCompile(`"offset":\s*0,`).Match(b) {
		t.Errorf("the checkpoint moved although Kafka acknowledged nothing: %s", b)
	}
}

// The collector with Kafka down and its spool full (inputs paused) stops,
// keeping the spool for the next start.
func stopCollectorSpoolFull(t *testing.T) {
	dir := t.TempDir()
	logs(t, dir, 300_000)
	stopWhen(t, dir, "spooling to disk", []string{"stopped: flushed what Kafka acknowledged", "left_in_spool_batches="},
		"collector", "--brokers", closedAddr(t), "--file", "access.log", "--edge-config", "edge.yaml", "--metrics-addr", "off",
		"--spool-dir", "spool", "--spool-max-bytes", "2MiB", "--batch-rows", "5000")
}

// An import with Kafka down, mid-file, serves /metrics (a long import is
// watched like a collector), stops and says how far it got.
func stopImportKafkaDown(t *testing.T) {
	dir := t.TempDir()
	logs(t, dir, 100_000)
	p := startProc(t, dir, "import", "--brokers", closedAddr(t), "--edge-config", "edge.yaml", "access.log", "--metrics-addr", "127.0.0.1:0")
	p.waitFor(t, "produce failed")
	m := regexp.MustCompile(`addr=(http://\S+/metrics)`).FindStringSubmatch(p.out.String())
	if m == nil {
		t.Fatalf("import logs no metrics address:\n%s", p.out.String())
	}
	resp, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"edgelog_build_info{", "edgelog_collector_"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("import's /metrics has no %s:\n%.1500s", want, body)
		}
	}
	p.stop(t, []string{"stopped: flushed what Kafka acknowledged", "left_rows="})
}

// Ingest waiting for ClickHouse stops at once.
func stopIngestClickHouseDown(t *testing.T) {
	b := chtest.Broker(t, 1, "edgelog-requests")
	stopWhen(t, t.TempDir(), "waiting for ClickHouse", []string{"stopped before ClickHouse was reachable"},
		"ingest", "--brokers", b.Addr(), "--ch-addr", closedAddr(t), "--metrics-addr", "off")
}

// Ingest with ClickHouse up and Kafka down stops; its Kafka warnings are
// rate-limited.
func stopIngestKafkaDown(t *testing.T) {
	ch := chtest.Config(t, chtest.NewDB(t))
	out := stopWhen(t, t.TempDir(), "consumer group", []string{"stopped: every batch ClickHouse acknowledged"},
		"ingest", "--brokers", closedAddr(t), "--ch-addr", ch.Addr, "--ch-db", ch.Database, "--metrics-addr", "off")
	if n := strings.Count(out, "level=WARN"); n > 2 {
		t.Errorf("%d warnings in a few seconds with Kafka down, want the first and at most one 'still waiting':\n%s", n, out)
	}
}

// Ingest consuming when ClickHouse goes away and rows arrive: its retries
// stop, the batch is abandoned (its offset not committed).
func stopIngestClickHouseGone(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ch, err := chserver.Start(ctx, chserver.Config{Dir: filepath.Join(dir, "ch")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ch.Stop)
	run(t, dir, "schema", "migrate", "--ch-addr", ch.Addr())
	b := chtest.Broker(t, 1, "edgelog-requests")
	logs(t, dir, 20_000)
	p := startProc(t, dir, "ingest", "--brokers", b.Addr(), "--ch-addr", ch.Addr(), "--metrics-addr", "off")
	// Once the partition reads (its claim and ledgers are behind it):
	// stopped any earlier, ingest retries its ledger reads and never
	// reaches an INSERT (CI once lost that race at "assigned partitions").
	p.waitFor(t, "msg=consuming")
	ch.Stop()
	run(t, dir, "import", "--brokers", b.Addr(), "--edge-config", "edge.yaml", "--metrics-addr", "off", "access.log")
	// The partition's first batch is probed for an old owner's partial
	// INSERT before it is inserted (ingest's partial.go): with ClickHouse
	// gone that probe is what retries, else the INSERT.
	const retrying = `, retrying"`
	p.waitFor(t, retrying)
	out := p.stop(t, []string{"stopped: every batch ClickHouse acknowledged"})
	if n := strings.Count(out, retrying); n != 1 {
		t.Errorf("%d retry warnings, want 1 (the rest rate-limited)", n)
	}
}

// The query service stops while serving.
func stopQuery(t *testing.T) {
	ch := chtest.Config(t, chtest.NewDB(t))
	stopWhen(t, t.TempDir(), "query API listening", []string{"stopped: every request in flight was answered"},
		"query", "--ch-addr", ch.Addr, "--ch-db", ch.Database, "--listen", "127.0.0.1:0", "--metrics-addr", "off")
}
