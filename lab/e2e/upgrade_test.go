package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/deploy/packaging"
	"github.com/edgelog/edgelog/internal/kafkaconf"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/lab/engines/stack"
	"github.com/edgelog/edgelog/lab/gen"
)

// TestUpgradeWithoutLoss is a package upgrade on a live edge server and
// back end: collector and ingest of version 1.0.0 run while the access log
// grows; both get SIGTERM (what systemctl try-restart in the package's
// postinstall sends), and version 1.0.1 starts on the same checkpoint,
// config and consumer group while lines keep being written. Every line must
// be in ClickHouse exactly once. A message of a newer wire format version
// arriving at the new ingest is dead-lettered with its reason, and ingest
// goes on.
func TestUpgradeWithoutLoss(t *testing.T) {
	const lines = 120_000
	dir := t.TempDir()
	ctx := context.Background()
	old, next := buildVersion(t, dir, "1.0.0"), buildVersion(t, dir, "1.0.1")

	// The whole log is generated first, then written to access.log in
	// chunks while the processes run.
	all, edge := filepath.Join(dir, "all.log"), filepath.Join(dir, "edge.yaml")
	truth, err := gen.WriteFiles(gen.Options{Lines: lines, Seed: 11, Start: incidentDay, Duration: 2 * time.Hour}, all, edge, filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	chunks := splitLines(t, all, 6)
	access := filepath.Join(dir, "access.log")
	appendChunk := func(b []byte) {
		f, err := os.OpenFile(access, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		// A line at a time in a few writes, as nginx's buffered log writes do.
		for len(b) > 0 {
			n := min(len(b), 64<<10)
			if i := bytes.LastIndexByte(b[:n], '\n'); i >= 0 && n < len(b) {
				n = i + 1
			}
			if _, err := f.Write(b[:n]); err != nil {
				t.Fatal(err)
			}
			b = b[n:]
		}
	}

	st, err := stack.Start(ctx, stack.Options{Dir: filepath.Join(dir, "stack"), Bin: old, Partitions: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Stop()
	ingestArgs := st.IngestArgs()
	collectorArgs := []string{"--brokers", st.BrokerAddr, "--file", access, "--edge-config", edge,
		"--checkpoint", filepath.Join(dir, "collector.checkpoint"), "--source-id", "edge-test-1", "--batch-wait", "100ms"}

	appendChunk(chunks[0])
	oldIngest, err := st.Start("ingest", ingestArgs...)
	if err != nil {
		t.Fatal(err)
	}
	oldCollector, err := st.Start("collector", collectorArgs...)
	if err != nil {
		t.Fatal(err)
	}
	appendChunk(chunks[1])
	if _, err := st.WaitRows(ctx, 1, time.Minute, nil); err != nil {
		t.Fatal(err)
	}

	// The upgrade, while nginx goes on writing: stop the old processes
	// with SIGTERM (a chunk lands while they shut down), start the new.
	writing := make(chan struct{})
	go func() {
		defer close(writing)
		appendChunk(chunks[2])
	}()
	oldCollector.Stop()
	oldIngest.Stop()
	<-writing
	if oldCollector.Err() != nil || oldIngest.Err() != nil {
		t.Fatalf("old processes did not exit cleanly on SIGTERM: collector %v, ingest %v", oldCollector.Err(), oldIngest.Err())
	}
	appendChunk(chunks[3])
	st.Bin = next
	newIngest, err := st.Start("ingest", ingestArgs...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Start("collector", collectorArgs...); err != nil {
		t.Fatal(err)
	}
	appendChunk(chunks[4])

	// A collector of a later release sends a batch in a wire format this
	// ingest does not know.
	newer := newerVersionMessage()
	w := &kafka.Writer{Addr: kafka.TCP(st.BrokerAddr), Topic: kafkaconf.DefaultTopic, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	if err := w.WriteMessages(ctx, kafka.Message{Key: []byte("acme"), Value: newer}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	appendChunk(chunks[5])

	c, err := st.WaitRows(ctx, lines, 3*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // a duplicate would land now
	if c, err = st.Counts(ctx); err != nil {
		t.Fatal(err)
	}
	if c.RawRows != lines || c.RollupRows != lines || c.RawBytes != truth.BytesSent {
		t.Fatalf("after the upgrade: raw rows %d, traffic_1m requests %d, raw bytes %d; want %d rows, %d bytes",
			c.RawRows, c.RollupRows, c.RawBytes, lines, truth.BytesSent)
	}
	checkPerCustomer(t, st, truth)

	reason := readDeadLetterReason(t, st.BrokerAddr, newer)
	if want := "unknown_version: unknown batch format version: " + strconv.Itoa(wire.Version+1); reason != want {
		t.Errorf("dead-letter reason %q, want %q", reason, want)
	}
	if !newIngest.Running() {
		t.Fatalf("ingest exited after the newer message: %v", newIngest.Err())
	}
	t.Logf("%d lines across the upgrade 1.0.0 -> 1.0.1: %d rows in ClickHouse; newer wire version dead-lettered: %q", lines, c.RawRows, reason)
}

// buildVersion builds cmd/edgelog stamped as version (a plain build: it
// shares the test binary's build cache, only the link differs).
func buildVersion(t *testing.T, dir, version string) string {
	t.Helper()
	bin := filepath.Join(dir, "edgelog-"+version)
	cmd := exec.Command("go", "build", "-ldflags", packaging.LDFlags(version, "upgrade-test", ""), "-o", bin, "./cmd/edgelog")
	cmd.Dir = packaging.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", version, err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "edgelog "+version+" ") {
		t.Fatalf("edgelog version of the %s build: %q %v", version, out, err)
	}
	return bin
}

// splitLines cuts a file into n chunks of whole lines.
func splitLines(t *testing.T, path string, n int) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var chunks [][]byte
	for i := n; i > 0; i-- {
		cut := len(b) / i
		if i > 1 {
			cut += bytes.IndexByte(b[cut:], '\n') + 1
		} else {
			cut = len(b)
		}
		chunks = append(chunks, b[:cut])
		b = b[cut:]
	}
	return chunks
}

// newerVersionMessage is a well-formed batch of two rows whose version
// byte says one more than this build's encoder writes.
func newerVersionMessage() []byte {
	var blk record.Block
	var r record.Record
	r.TimeMs, r.Status, r.BytesSent = incidentDay.UnixMilli(), 200, 1234
	r.Str[record.Customer] = []byte("acme")
	blk.Append(&r)
	blk.Append(&r)
	var enc wire.Encoder
	msg := enc.Encode(nil, &blk)
	if msg[4] != wire.Version {
		panic("BUG: the version byte is not where internal/wire/doc.go says")
	}
	msg[4] = wire.Version + 1
	return msg
}

// readDeadLetterReason finds the dead letter holding value on the
// dead-letter topic and returns its reason header.
func readDeadLetterReason(t *testing.T, broker string, value []byte) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := kafka.DialContext(ctx, "tcp", broker)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(kafkaconf.DefaultDeadLetterTopic)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: p.Topic, Partition: p.ID, MaxWait: 200 * time.Millisecond})
		for {
			pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
			m, err := r.ReadMessage(pctx)
			pcancel()
			if err != nil {
				break
			}
			if bytes.Equal(m.Value, value) {
				r.Close()
				for _, h := range m.Headers {
					if h.Key == "reason" {
						return string(h.Value)
					}
				}
				t.Fatalf("dead letter without a reason header: %+v", m.Headers)
			}
		}
		r.Close()
	}
	t.Fatalf("the newer-version message is not on %s", kafkaconf.DefaultDeadLetterTopic)
	return ""
}
