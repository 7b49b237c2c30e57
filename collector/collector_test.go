package collector_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/collector"
	"github.com/edgelog/edgelog/collector/checkpoint"
	"github.com/edgelog/edgelog/internal/deadletter"
	"github.com/edgelog/edgelog/internal/fallbacks"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/lab/engines/broker"
)

const edgeYAML = `hosts:
  www.a.example: a
  "*.b.example": b
pops:
  fra1: eu-central
`

func line(i int, host string) string {
	return fmt.Sprintf(`198.51.100.%d - - [01/Oct/2026:00:00:%02d +0000] "GET /p/%d?q=1 HTTP/1.1" 200 %d "-" "curl/8.0" "%s" https 300 0.010 0.005 HIT "text/html" fra1 edge1 DE 3320 %d.%03d`,
		i%250, i%60, i%17, 1000+i, host, 1790812800+i/1000, i%1000)
}

func writeLog(t *testing.T, dir string, n int, bad map[int]string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		if l, ok := bad[i]; ok {
			b.WriteString(l + "\n")
			continue
		}
		host := "www.a.example"
		if i%3 == 0 {
			host = "img.b.example"
		}
		b.WriteString(line(i, host) + "\n")
	}
	path := filepath.Join(dir, "access.log")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "edge.yaml"), []byte(edgeYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, dir, brokerAddr string, mutate func(*collector.Config)) {
	t.Helper()
	cfg := collector.Config{File: filepath.Join(dir, "access.log"), EdgeConfig: filepath.Join(dir, "edge.yaml"),
		Topic: "requests", DeadLetterFile: filepath.Join(dir, "dlq.jsonl"), BatchRows: 1000, SourceID: "test-source"}
	cfg.Kafka.Brokers = []string{brokerAddr}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := collector.New(cfg, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

type sent struct {
	src, end string
	seq      string
	key      string
	value    string
	// fallbacks is the fallbacks header (internal/fallbacks).
	fallbacks string
}

// readAll returns every message of the topic, in partition order.
func readAll(t *testing.T, addr string, partitions int) []sent {
	t.Helper()
	var out []sent
	for p := 0; p < partitions; p++ {
		conn, err := kafka.DialLeader(context.Background(), "tcp", addr, "requests", p)
		if err != nil {
			t.Fatal(err)
		}
		last, err := conn.ReadLastOffset()
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: "requests", Partition: p, MaxWait: 100 * time.Millisecond})
		for off := int64(0); off < last; off++ {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			m, err := r.ReadMessage(ctx)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			s := sent{key: string(m.Key), value: string(m.Value)}
			for _, h := range m.Headers {
				switch h.Key {
				case "src":
					s.src = string(h.Value)
				case "src_end":
					s.end = string(h.Value)
				case "src_seq":
					s.seq = string(h.Value)
				case fallbacks.Header:
					s.fallbacks = string(h.Value)
				}
			}
			out = append(out, s)
		}
		r.Close()
	}
	return out
}

func TestShipsAndCheckpoints(t *testing.T) {
	dir := t.TempDir()
	b, err := broker.Start(broker.Config{Partitions: 2, Topics: []string{"requests"}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// Lines 40 and 41 are kept with a fallback: an X-Forwarded-For list
	// in the address field.
	xff := func(i int) string {
		a := fmt.Sprintf("198.51.100.%d ", i)
		return strings.Replace(line(i, "www.a.example"), a, "203.0.113.9, "+a, 1)
	}
	path := writeLog(t, dir, 5000, map[int]string{10: "garbage", 20: "", 30: "1.2.3.4 - - [bad time] \"GET / HTTP/1.1\" 200 1", 40: xff(40), 41: xff(41)})
	run(t, dir, b.Addr(), nil)

	st, err := checkpoint.Load(path + ".checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if cp, _ := st.Lookup(path); cp.Offset != fi.Size() || len(cp.Pending) != 0 {
		t.Fatalf("checkpoint %+v, want offset %d and no pending batches", cp, fi.Size())
	}
	msgs := readAll(t, b.Addr(), 2)
	keys := map[string]bool{}
	for _, m := range msgs {
		keys[m.key] = true
		if !strings.HasPrefix(m.src, "test-source:"+path+"#") || m.end == "" {
			t.Fatalf("message without source headers: %+v", m)
		}
	}
	if !keys["a"] || !keys["b"] || len(keys) != 2 {
		t.Fatalf("message keys %v, want customers a and b", keys)
	}
	// The fallbacks go with the message of their rows, customer a's.
	var fbs []string
	for _, m := range msgs {
		if m.fallbacks != "" {
			fbs = append(fbs, m.key+" "+m.fallbacks)
		}
	}
	if fmt.Sprint(fbs) != "[a nginx;client_ip/address_list=2]" {
		t.Fatalf("fallbacks headers %q", fbs)
	}
	dl, _ := os.ReadFile(filepath.Join(dir, "dlq.jsonl"))
	if n := strings.Count(string(dl), "\n"); n != 3 {
		t.Fatalf("%d dead letters, want 3:\n%s", n, dl)
	}
	if !strings.Contains(string(dl), `"stage":"collector"`) || !strings.Contains(string(dl), `"offset":`) {
		t.Fatalf("dead letters lack stage or offset:\n%s", dl)
	}
}

// TestCrashAfterAckResendsIdenticalBatches simulates a collector that died
// after Kafka acknowledged its batches but before it checkpointed them: the
// journal holds their ends, and the restarted collector must send the very
// same batches (same source, same end, same bytes) so ingest can skip them.
func TestCrashAfterAckResendsIdenticalBatches(t *testing.T) {
	dir := t.TempDir()
	b, err := broker.Start(broker.Config{Partitions: 2, Topics: []string{"requests"}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	path := writeLog(t, dir, 4500, nil)
	run(t, dir, b.Addr(), nil)
	first := readAll(t, b.Addr(), 2)

	// Rewind the checkpoint to the start with every batch end journaled.
	st, _ := checkpoint.Load(path + ".checkpoint")
	cp, _ := st.Lookup(path)
	ends := map[int64]bool{}
	for _, m := range first {
		var e int64
		fmt.Sscan(m.end, &e)
		ends[e] = true
	}
	cp.Pending = nil
	for e := range ends {
		cp.Pending = append(cp.Pending, e)
	}
	sortInt64(cp.Pending)
	cp.Offset = 0
	st.Set(cp)
	if err := checkpoint.Save(path+".checkpoint", st); err != nil {
		t.Fatal(err)
	}
	// A different batch size must not matter: journaled cuts decide.
	run(t, dir, b.Addr(), func(c *collector.Config) { c.BatchRows = 777 })
	all := readAll(t, b.Addr(), 2)
	if len(all) != 2*len(first) {
		t.Fatalf("%d messages after the re-send, want %d", len(all), 2*len(first))
	}
	seen := map[sent]int{}
	for _, m := range all {
		seen[m]++
	}
	for m, n := range seen {
		if n != 2 {
			t.Fatalf("batch %s/%s (key %s) sent %d times, want 2 identical copies", m.src, m.end, m.key, n)
		}
	}
}

func sortInt64(s []int64) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

var _ = deadletter.MaxData

// TestImportGlob: an import input's path may be a glob, as the config
// documents and Validate accepts: every file it matches is imported once,
// plain or compressed. It passed Validate and then failed at run (the
// pattern was opened as a file name).
func TestImportGlob(t *testing.T) {
	dir := t.TempDir()
	b, err := broker.Start(broker.Config{Partitions: 2, Topics: []string{"requests"}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	writeLog(t, dir, 10, nil) // edge.yaml
	var day1, day2 strings.Builder
	for i := range 300 {
		day1.WriteString(line(i, "www.a.example") + "\n")
		day2.WriteString(line(300+i, "www.a.example") + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "old-1.log"), []byte(day1.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(day2.String()))
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "old-2.log.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	glob := filepath.Join(dir, "old-*.log*")
	cfg := collector.Config{EdgeConfig: filepath.Join(dir, "edge.yaml"), Topic: "requests", DeadLetterFile: filepath.Join(dir, "dlq.jsonl"),
		BatchRows: 1000, SourceID: "test-source", Inputs: []collector.Input{{Type: "import", Path: glob}}}
	cfg.Kafka.Brokers = []string{b.Addr()}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	run(t, dir, b.Addr(), func(c *collector.Config) { *c = cfg })
	var d wire.Decoder
	var blk record.Block
	for _, m := range readAll(t, b.Addr(), 2) {
		if err := d.Decode(&blk, []byte(m.value)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[uint64]int{}
	for _, v := range blk.BytesSent {
		seen[v]++
	}
	for i := range 600 {
		if seen[uint64(1000+i)] != 1 {
			t.Fatalf("line %d imported %d times (%d rows)", i, seen[uint64(1000+i)], blk.Len())
		}
	}
	if blk.Len() != 600 {
		t.Fatalf("%d rows, want 600", blk.Len())
	}
	// A glob that matches nothing is an error, as a missing file is.
	cfg.Inputs[0].Path = filepath.Join(dir, "none-*.log")
	c, err := collector.New(cfg, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Run(ctx); err == nil || !strings.Contains(err.Error(), "no file matches") {
		t.Fatalf("an import glob matching nothing: %v", err)
	}
}
