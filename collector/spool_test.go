package collector_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgelog/edgelog/collector/checkpoint"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/lab/engines/broker"
)

// TestKafkaDownSpoolsAndDrains stops the broker while lines keep coming:
// batches go to the bounded spool, the tailer pauses when it is full, the
// checkpoint stays put; when the broker is back the spool drains in order
// and every line is in Kafka.
func TestKafkaDownSpoolsAndDrains(t *testing.T) {
	dir := t.TempDir()
	_, portStr, _ := net.SplitHostPort(freeAddr(t, "tcp"))
	port, _ := strconv.Atoi(portStr)
	bcfg := broker.Config{Port: port, Partitions: 2, Topics: []string{"requests"}, DataDir: filepath.Join(dir, "broker")}
	b, err := broker.Start(bcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { b.Close() }()

	cfg := baseConfig(dir, b.Addr())
	log := filepath.Join(dir, "access.log")
	cfg.File, cfg.Checkpoint = log, ""
	cfg.Follow = true
	cfg.BatchRows = 500
	cfg.MaxMessageBytes = 64 << 10
	cfg.Spool.Dir = filepath.Join(dir, "spool")
	cfg.Spool.MaxBytes = 256 << 10
	cfg.Spool.After = 300 * time.Millisecond
	cfg.Spool.NoSync = true
	reg := prometheus.NewRegistry()
	appendLines(t, log, 0, 2000, "www.a.example")
	_, stop := start(t, cfg, reg)
	cpPath := log + ".checkpoint"
	waitFor(t, "the first lines shipped", 20*time.Second, shipped(cpPath, log))

	b.Close() // Kafka unreachable
	const outage = 60_000
	appendLines(t, log, 2000, outage, "img.b.example")
	waitFor(t, "batches in the spool", 30*time.Second, func() bool { return counter(t, reg, "edgelog_collector_spooled_batches_total") > 0 })
	st, _ := checkpoint.Load(cpPath)
	held, _ := st.Lookup(log)
	// Let the spool fill; the tailer must then stop reading.
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if sb := counter(t, reg, "edgelog_collector_spool_bytes"); sb > float64(cfg.Spool.MaxBytes) {
			t.Fatalf("spool holds %v bytes, over its %d limit", sb, cfg.Spool.MaxBytes)
		}
		time.Sleep(50 * time.Millisecond)
	}
	fi, _ := os.Stat(log)
	read := counter(t, reg, "edgelog_collector_bytes_read_total")
	if read >= float64(fi.Size()) {
		t.Fatalf("read all %v bytes of the file while Kafka was down: no backpressure", read)
	}
	st, _ = checkpoint.Load(cpPath)
	if cp, _ := st.Lookup(log); cp.Offset != held.Offset {
		t.Fatalf("checkpoint moved from %d to %d while Kafka was down", held.Offset, cp.Offset)
	}
	t.Logf("during the outage: read %.0f of %d bytes, spool %.0f bytes, checkpoint at %d",
		read, fi.Size(), counter(t, reg, "edgelog_collector_spool_bytes"), held.Offset)

	if b, err = broker.Start(bcfg); err != nil { // Kafka is back
		t.Fatal(err)
	}
	waitFor(t, "everything shipped after the outage", 60*time.Second, shipped(cpPath, log))
	waitFor(t, "the spool drained", 10*time.Second, func() bool { return counter(t, reg, "edgelog_collector_spool_bytes") == 0 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(cfg.Spool.Dir); len(ents) != 0 {
		t.Fatalf("%d files left in the spool", len(ents))
	}

	// Every line is in Kafka once per distinct message. A batch Kafka took
	// just as it went away can be there twice with the same source headers:
	// ingest's source ledger drops such re-sends (see package ingest).
	var blk record.Block
	var d wire.Decoder
	seen := map[sent]bool{}
	dups := 0
	for _, m := range readAll(t, b.Addr(), 2) {
		k := m
		k.value = ""
		if seen[k] {
			dups++
			continue
		}
		seen[k] = true
		if err := d.Decode(&blk, []byte(m.value)); err != nil {
			t.Fatal(err)
		}
	}
	if blk.Len() != 2000+outage {
		t.Fatalf("%d distinct rows in Kafka, want %d", blk.Len(), 2000+outage)
	}
	t.Logf("%d rows, %d re-sent messages", blk.Len(), dups)
}

// TestFileModes: the files that hold client addresses are not
// world-readable: the dead-letter file (0640, also when it existed as
// 0644), a corrupt spool entry moved aside (0600), the spool directory
// (0750).
func TestFileModes(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t)
	cfg := baseConfig(dir, b.Addr())
	log := filepath.Join(dir, "access.log")
	os.WriteFile(log, []byte("not a log line\n"), 0o644)
	cfg.File, cfg.Checkpoint, cfg.Follow = log, "", false
	cfg.Spool.Dir = filepath.Join(dir, "spool")
	os.WriteFile(cfg.DeadLetterFile, nil, 0o644)
	os.MkdirAll(cfg.Spool.Dir, 0o755)
	os.WriteFile(filepath.Join(cfg.Spool.Dir, fmt.Sprintf("%020d.batch", 7)), []byte("not a gob"), 0o600)
	_, stop := start(t, cfg, prometheus.NewRegistry())
	waitFor(t, "the corrupt entry moved aside", 10*time.Second, func() bool {
		_, err := os.Stat(cfg.Spool.Dir + ".corrupt-7")
		return err == nil
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		cfg.DeadLetterFile:           0o640,
		cfg.Spool.Dir + ".corrupt-7": 0o600,
	} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", filepath.Base(path), got, want)
		}
	}
	if dl, _ := os.ReadFile(cfg.DeadLetterFile); len(dl) == 0 {
		t.Fatal("the bad line was not dead-lettered")
	}
	newDir := filepath.Join(dir, "new-spool")
	cfg.Spool.Dir = newDir
	_, stop = start(t, cfg, prometheus.NewRegistry())
	stop()
	if st, err := os.Stat(newDir); err != nil || st.Mode().Perm() != 0o750 {
		t.Errorf("a new spool directory: %v %v, want mode 750", st.Mode().Perm(), err)
	}
}
