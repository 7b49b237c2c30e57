package collector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgelog/edgelog/collector"
	"github.com/edgelog/edgelog/internal/deadletter"
)

// TestAdversarialLines ships a file of hostile lines between good ones:
// every bad line is counted and dead-lettered with its reason and offset,
// every good one reaches Kafka, and nothing stops the stream.
func TestAdversarialLines(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t)
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 64<<10)
	for i := range garbage {
		garbage[i] = byte(rng.IntN(256))
		if garbage[i] == '\n' {
			garbage[i] = 0
		}
	}
	// Random bytes barely compress: a field of them makes a row larger than
	// a Kafka message may be.
	noise := make([]byte, 1_040_000)
	for i := range noise {
		for noise[i] = byte(rng.IntN(256)); noise[i] == '\n' || noise[i] == '"' || noise[i] == '\\'; noise[i] = byte(rng.IntN(256)) {
		}
	}
	good := func(i int) string { return line(i, "www.a.example") }
	cases := []struct {
		name, line string
		reason     string // "" = shipped
	}{
		{"good", good(0), ""},
		// A host reports cannot show is dropped: the request is billed to
		// the default customer and the fallback counted.
		{"invalid UTF-8 in host", strings.Replace(good(1), "www.a.example", "www.\xff\xfe.example", 1), ""},
		// Any bytes are kept in fields no report shows (ClickHouse String).
		{"invalid UTF-8 in user agent", strings.Replace(good(2), "curl/8.0", "curl/\xc3\x28", 1), ""},
		{"NULs only", "\x00\x00\x00\x00", "parse"},
		{"NUL inside a field", strings.Replace(good(3), "/p/", "/p\x00/", 1), ""},
		{"NUL in the status", strings.Replace(good(4), " 200 ", " 2\x000 ", 1), "parse"},
		{"binary garbage", string(garbage), "parse"},
		{"1.5 MB line", good(5) + strings.Repeat("A", 1536<<10), "oversize"},
		// Under the line limit, but no Kafka message could carry it.
		{"1 MB user agent of noise", strings.Replace(good(6), "curl/8.0", string(noise), 1), "oversize"},
		{"1 MB user agent of one letter", strings.Replace(good(6), "curl/8.0", strings.Repeat("B", 1_000_000), 1), ""},
		{"900 KB path", strings.Replace(good(7), "/p/", "/"+strings.Repeat("p", 900_000)+"/", 1), ""},
		{"only spaces", strings.Repeat(" ", 1000), "parse"},
		{"empty", "", "empty line"},
		{"CRLF", good(8) + "\r", ""},
		{"truncated", good(9)[:40], "parse"},
		{"good after all that", good(10), ""},
	}
	var file bytes.Buffer
	wantRows, wantLetters := 0, 0
	for _, c := range cases {
		file.WriteString(c.line + "\n")
		if c.reason == "" {
			wantRows++
		} else {
			wantLetters++
		}
	}
	log := filepath.Join(dir, "access.log")
	os.WriteFile(log, file.Bytes(), 0o644)
	cfg := baseConfig(dir, b.Addr())
	cfg.File, cfg.Checkpoint, cfg.Follow = log, "", false
	reg := prometheus.NewRegistry()
	c, err := collector.New(cfg, reg, discard())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n := rows(t, b.Addr()).Len(); n != wantRows {
		dl, _ := os.ReadFile(cfg.DeadLetterFile)
		var reasons []string
		for _, l := range bytes.Split(bytes.TrimSpace(dl), []byte("\n")) {
			var d deadletter.Letter
			json.Unmarshal(l, &d)
			reasons = append(reasons, fmt.Sprintf("%d: %s", d.Offset, d.Reason))
		}
		t.Fatalf("%d rows in Kafka, want %d; dead letters:\n%s", n, wantRows, strings.Join(reasons, "\n"))
	}
	read, parsed, rejected := counter(t, reg, "edgelog_collector_lines_read_total"), counter(t, reg, "edgelog_collector_lines_parsed_total"), counter(t, reg, "edgelog_collector_lines_rejected_total")
	if int(read) != len(cases) || int(parsed) != wantRows || int(rejected) != wantLetters {
		t.Fatalf("read %v parsed %v rejected %v, want %d %d %d", read, parsed, rejected, len(cases), wantRows, wantLetters)
	}
	if n := counter(t, reg, "edgelog_collector_field_fallbacks_total"); n != 1 {
		t.Fatalf("%v field fallbacks counted, want 1 (the host)", n)
	}
	dl, err := os.ReadFile(cfg.DeadLetterFile)
	if err != nil {
		t.Fatal(err)
	}
	var letters []deadletter.Letter
	for _, l := range bytes.Split(bytes.TrimSpace(dl), []byte("\n")) {
		var d deadletter.Letter
		if err := json.Unmarshal(l, &d); err != nil {
			t.Fatalf("dead letter is not JSON: %v", err)
		}
		letters = append(letters, d)
	}
	i := 0
	var offset int64
	for _, c := range cases {
		if c.reason != "" {
			if i >= len(letters) {
				t.Fatalf("%s: no dead letter", c.name)
			}
			if !strings.Contains(letters[i].Reason, c.reason) || letters[i].Offset != offset || letters[i].Source != log {
				t.Fatalf("%s: dead letter reason %q offset %d source %s, want %q at %d", c.name, letters[i].Reason, letters[i].Offset, letters[i].Source, c.reason, offset)
			}
			i++
		}
		offset += int64(len(c.line)) + 1
	}
	if i != len(letters) {
		t.Fatalf("%d dead letters, want %d", len(letters), i)
	}
}
