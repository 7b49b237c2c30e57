package collector_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgelog/edgelog/collector"
	"github.com/edgelog/edgelog/collector/checkpoint"
	"github.com/edgelog/edgelog/lab/engines/broker"
)

// TestCheckpointDiskFull puts the checkpoint on a full tmpfs: the collector
// cannot journal its first batch, so it ships nothing, does not advance,
// and ends with an error that says why; with space back, a second run
// ships every line once and checkpoints the end. Needs root (mount);
// skipped otherwise.
func TestCheckpointDiskFull(t *testing.T) {
	dir := t.TempDir()
	cpDir := filepath.Join(dir, "cp")
	if err := os.MkdirAll(cpDir, 0o750); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", cpDir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", cpDir).Run() }) // #nosec G104 -- test cleanup
	filler := filepath.Join(cpDir, "filler")
	if err := os.WriteFile(filler, make([]byte, 1<<20), 0o600); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("filling the tmpfs: %v, want ENOSPC", err)
	}
	b, err := broker.Start(broker.Config{Partitions: 2, Topics: []string{"requests"}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	path := writeLog(t, dir, 3000, nil)
	cp := filepath.Join(cpDir, "access.checkpoint")
	runOnce := func() error {
		cfg := collector.Config{File: path, EdgeConfig: filepath.Join(dir, "edge.yaml"), Checkpoint: cp,
			Topic: "requests", DeadLetterFile: filepath.Join(dir, "dlq.jsonl"), BatchRows: 1000, SourceID: "test-source"}
		cfg.Kafka.Brokers = []string{b.Addr()}
		c, err := collector.New(cfg, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		return c.Run(ctx)
	}
	err = runOnce()
	if err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("run with the checkpoint's disk full: %v, want an error naming the full disk", err)
	}
	t.Logf("with the checkpoint's disk full: %v", err)
	if msgs := readAll(t, b.Addr(), 2); len(msgs) != 0 {
		t.Fatalf("%d messages shipped without a journal", len(msgs))
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := runOnce(); err != nil {
		t.Fatal(err)
	}
	st, err := checkpoint.Load(cp)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if c, _ := st.Lookup(path); c.Offset != fi.Size() {
		t.Fatalf("checkpoint %+v after space returned, want offset %d", c, fi.Size())
	}
	msgs := readAll(t, b.Addr(), 2)
	seen := map[sent]bool{}
	for _, m := range msgs {
		if seen[m] {
			t.Fatalf("message sent twice: %s end %s seq %s", m.src, m.end, m.seq)
		}
		seen[m] = true
	}
	// 3000 lines in batches of 1000, each batch one message per customer (a, b).
	if len(msgs) != 6 {
		t.Fatalf("%d messages, want 6", len(msgs))
	}
}
