package ingest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/lab/engines/chserver"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// TestClickHouseDiskFull runs ClickHouse with its data directory on a
// small tmpfs and fills it while rows flow: ingest's INSERTs fail, it
// reports unhealthy and commits nothing past what ClickHouse stored; once
// space returns it resumes and every row lands exactly once. Needs root
// (mount); skipped otherwise.
func TestClickHouseDiskFull(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "ch", "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", data).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", data).Run() }) // #nosec G104 -- test cleanup
	ctx := context.Background()
	srv, err := chserver.Start(ctx, chserver.Config{Dir: filepath.Join(dir, "ch")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	const db = "diskfull"
	conn, err := chconn.Open(ctx, chconn.Config{Addr: srv.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	m, err := schema.NewMigrator(ctx, conn, db, "")
	if err == nil {
		_, err = m.Migrate(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	b := chtest.Broker(t, 2, topic, "dlq")
	p1 := produce(t, b.Addr(), 5, 1000, 50)
	wctx, cancel := context.WithCancel(ctx)
	w, done := startWorker(t, wctx, b.Addr(), db, func(c *ingest.Config) {
		c.CH = chconn.Config{Addr: srv.Addr(), Database: db}
		c.RetryMax = time.Second
	})
	defer func() { cancel(); <-done }()
	waitRowsOn(t, conn, db, p1.rows)

	// Fill the disk to the last byte.
	filler := filepath.Join(data, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	for n := 4096; n > 0; n /= 2 { // the last partial chunk
		for {
			if _, err := f.Write(chunk[:n]); err != nil {
				break
			}
		}
	}
	f.Close()
	before := committedOffsets(t, b.Addr())
	p2 := produce(t, b.Addr(), 10, 1000, 51)
	deadline := time.Now().Add(time.Minute)
	for w.Healthy() == nil {
		if time.Now().After(deadline) {
			t.Fatal("worker healthy with ClickHouse's disk full")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("unhealthy with the disk full: %v", w.Healthy())
	time.Sleep(3 * time.Second) // retries meanwhile
	if after := committedOffsets(t, b.Addr()); after != before {
		t.Fatalf("committed offsets moved from %d to %d with the disk full", before, after)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	waitRowsOn(t, conn, db, p1.rows+p2.rows)
	time.Sleep(2 * time.Second) // a late duplicate would show by now
	c := waitRowsOn(t, conn, db, p1.rows+p2.rows)
	checkExact(t, c, produced{rows: p1.rows + p2.rows, bytes: p1.bytes + p2.bytes})
	deadline = time.Now().Add(30 * time.Second)
	for w.Healthy() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("still unhealthy after space returned: %v", w.Healthy())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitRowsOn is waitRows on a connection of one's own.
func waitRowsOn(t *testing.T, conn driver.Conn, db string, want uint64) counts {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var c counts
		ctx := context.Background()
		if err := conn.QueryRow(ctx, "SELECT count(), sum(bytes_sent) FROM "+db+".requests").Scan(&c.raw, &c.rawBytes); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, "SELECT sum(requests), sum(bytes_out) FROM "+db+".traffic_1m").Scan(&c.rollup, &c.rollupBytes); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, "SELECT sum(rows) FROM "+db+".ingest_ledger").Scan(&c.ledgerRows); err != nil {
			t.Fatal(err)
		}
		if (c.raw >= want && c.rollup >= want && c.ledgerRows >= want) || time.Now().After(deadline) {
			return c
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// committedOffsets is the sum of group g's committed offsets.
func committedOffsets(t *testing.T, addr string) int64 {
	t.Helper()
	client := &kafka.Client{Addr: kafka.TCP(addr)}
	resp, err := client.OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: "g", Topics: map[string][]int{topic: {0, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, p := range resp.Topics[topic] {
		sum += max(p.CommittedOffset, 0)
	}
	return sum
}
