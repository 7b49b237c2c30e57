package retrylog

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestWarnerRateLimits: 100 failures one second apart log the first, then
// one "still waiting" line per 30 s with the attempts so far, then one
// line when the wait is over.
func TestWarnerRateLimits(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Date(2026, 12, 4, 12, 1, 3, 0, time.UTC)
	w := &Warner{Log: slog.New(slog.NewTextHandler(&buf, nil)), What: "Kafka", Now: func() time.Time { return clock }}
	for range 100 {
		w.Fail("produce failed, retrying", "err", errors.New("connection refused"))
		clock = clock.Add(time.Second)
	}
	w.OK()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// 1 first failure + attempts 31, 61, 91 + back.
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 5:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[0], "produce failed, retrying") || !strings.Contains(lines[0], "connection refused") {
		t.Errorf("first line %q", lines[0])
	}
	if want := `msg="still waiting for Kafka" attempts=31 since=12:01:03`; !strings.Contains(lines[1], want) {
		t.Errorf("second line %q, want %q", lines[1], want)
	}
	if !strings.Contains(lines[4], `msg="Kafka is back" attempts=100`) {
		t.Errorf("last line %q", lines[4])
	}
	if w.Attempts() != 0 {
		t.Errorf("attempts after OK: %d", w.Attempts())
	}
	buf.Reset()
	w.OK()
	if buf.Len() != 0 {
		t.Errorf("OK without failures logged %q", buf.String())
	}
}
