package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/deploy/packaging"
	"github.com/edgelog/edgelog/lab/engines/stack"
	"github.com/edgelog/edgelog/lab/gen"
)

// TestLogrotateAsShipped rotates a growing access log with the real
// logrotate and the rotation config the package ships
// (deploy/packaging/logrotate/nginx: rename, create, compress,
// delaycompress), while the writer behaves like nginx: it goes on writing
// into the renamed file until the postrotate script tells it to reopen.
// The collector reads access.log and, as the example config says, the
// first rotated name access.log.[1] (a glob: found when it appears), which
// catches those late lines; compressed names are not matched. One of the
// three rotations happens while the collector is stopped. Every line must
// reach ClickHouse exactly once and nothing is dead-lettered.
func TestLogrotateAsShipped(t *testing.T) {
	logrotate, err := exec.LookPath("logrotate")
	if err != nil {
		t.Fatalf("logrotate is missing: run deploy/setup.sh (%v)", err)
	}
	const lines = 90_000
	dir := t.TempDir()
	logs := filepath.Join(dir, "nginx")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	all, edge := filepath.Join(dir, "all.log"), filepath.Join(dir, "edge.yaml")
	truth, err := gen.WriteFiles(gen.Options{Lines: lines, Seed: 13, Start: incidentDay, Duration: time.Hour}, all, edge, filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	chunks := splitLines(t, all, 10)

	// The shipped config with the test's paths: the logs, a postrotate that
	// asks the writer to reopen, and no owner for create (www-data need not
	// exist here).
	shipped, err := os.ReadFile(filepath.Join(packaging.RepoRoot(), "deploy", "packaging", "logrotate", "nginx"))
	if err != nil {
		t.Fatal(err)
	}
	reopen := filepath.Join(dir, "reopen")
	conf := strings.NewReplacer(
		"/var/log/nginx/*.log", logs+"/*.log",
		"create 0640 www-data adm", "create 0644",
		"invoke-rc.d nginx rotate >/dev/null 2>&1 || true", "touch "+reopen,
	).Replace(string(shipped))
	if strings.Count(conf, logs) != 1 || !strings.Contains(conf, "touch "+reopen) || !strings.Contains(conf, "delaycompress") {
		t.Fatalf("the shipped logrotate config changed; adapt this test:\n%s", conf)
	}
	confPath := filepath.Join(dir, "logrotate.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	rotate := func() {
		t.Helper()
		out, err := exec.Command(logrotate, "--force", "--state", filepath.Join(dir, "logrotate.state"), confPath).CombinedOutput()
		if err != nil {
			t.Fatalf("logrotate: %v\n%s", err, out)
		}
		if _, err := os.Stat(reopen); err != nil {
			t.Fatalf("postrotate did not run: %v\n%s", err, out)
		}
	}

	access := filepath.Join(logs, "access.log")
	w, err := os.OpenFile(access, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { w.Close() }()
	write := func(b []byte) {
		t.Helper()
		for len(b) > 0 {
			n := min(len(b), 32<<10)
			if i := bytes.LastIndexByte(b[:n], '\n'); i >= 0 && n < len(b) {
				n = i + 1
			}
			if _, err := w.Write(b[:n]); err != nil {
				t.Fatal(err)
			}
			b = b[n:]
		}
	}
	// reopenIfAsked is nginx on USR1: writes go to the file at the path
	// from now on.
	reopenIfAsked := func() {
		t.Helper()
		if _, err := os.Stat(reopen); err != nil {
			return
		}
		w.Close()
		if w, err = os.OpenFile(access, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(reopen)
	}

	st, err := stack.Start(ctx, stack.Options{Dir: filepath.Join(dir, "stack"), Bin: bin, Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Stop()
	mustStart(t, st, "ingest", st.IngestArgs()...)
	cfg := filepath.Join(dir, "collector.yaml")
	if err := os.WriteFile(cfg, []byte(`inputs:
  - {type: file, path: `+access+`}
  - {type: file, path: "`+access+`.[1]"}
discover_interval: 1s
checkpoint: `+filepath.Join(dir, "collector.checkpoint")+`
edge_config: `+edge+`
dead_letter_file: `+filepath.Join(dir, "dead-letters.jsonl")+`
batch_wait: 100ms
kafka: {brokers: [`+st.BrokerAddr+`]}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	collector, err := st.Start("collector", "--config", cfg)
	if err != nil {
		t.Fatal(err)
	}

	for i, c := range chunks {
		write(c)
		switch i {
		case 1, 7: // rotate under a running collector
			rotate()
		case 4: // rotate while the collector is stopped
			collector.Stop()
			rotate()
		case 5:
			if err := collector.Restart(); err != nil {
				t.Fatal(err)
			}
		}
		if i != 1 && i != 4 && i != 7 {
			// nginx writes on into the renamed file until it reopens:
			// the chunk after each rotation lands in access.log.1.
			reopenIfAsked()
		}
		// Rotations are a day apart on a server; here they are more
		// than a discovery interval apart.
		time.Sleep(1500 * time.Millisecond)
	}
	c, err := st.WaitRows(ctx, lines, 2*time.Minute, nil)
	if err != nil {
		logChunks(t, st, chunks) // which chunks are missing tells which rotation lost them
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if c, err = st.Counts(ctx); err != nil {
		t.Fatal(err)
	}
	if c.RawRows != lines || c.RawBytes != truth.BytesSent {
		t.Fatalf("after three rotations: %d rows, %d bytes; want %d, %d", c.RawRows, c.RawBytes, lines, truth.BytesSent)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "dead-letters.jsonl")); err == nil && len(b) > 0 {
		t.Errorf("dead letters:\n%.2000s", b)
	}
	names, _ := filepath.Glob(filepath.Join(logs, "*"))
	t.Logf("%d lines through 3 logrotate runs (one with the collector stopped): %d rows; files now %v", lines, c.RawRows, baseNames(names))
}

// logChunks logs, per chunk, its lines and the rows in ClickHouse within
// its seconds (the lines end with $msec; neighbours share a second).
func logChunks(t *testing.T, st *stack.Stack, chunks [][]byte) {
	ctx := context.Background()
	conn, err := st.Conn(ctx)
	if err != nil {
		t.Log(err)
		return
	}
	defer conn.Close()
	msec := func(l []byte) string { fs := bytes.Fields(l); return string(fs[len(fs)-1]) }
	for i, ch := range chunks {
		ls := bytes.Split(bytes.TrimSpace(ch), []byte("\n"))
		from, to := msec(ls[0]), msec(ls[len(ls)-1])
		var n uint64
		err := conn.QueryRow(ctx, "SELECT count() FROM "+st.DB+".requests WHERE toUnixTimestamp(time) BETWEEN toUInt32("+from+") AND toUInt32("+to+")").Scan(&n)
		t.Logf("chunk %d: %d lines, %s..%s: %d rows (%v)", i, len(ls), from, to, n, err)
	}
}

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}
