package ingest

import (
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/internal/kafkaconf"
)

// The wait follows the last INSERT's duration within [min, max].
func TestBatchWaitsFollowInserts(t *testing.T) {
	a := newBatchWaits(200*time.Millisecond, time.Second, nil)
	if a.wait() != 200*time.Millisecond {
		t.Fatalf("starts at %s, want the minimum", a.wait())
	}
	for _, c := range []struct{ took, want time.Duration }{
		{30 * time.Millisecond, 200 * time.Millisecond}, // idle: small batches go at the minimum
		{450 * time.Millisecond, 450 * time.Millisecond},
		{3 * time.Second, time.Second}, // loaded: never past the maximum
		{100 * time.Millisecond, 200 * time.Millisecond},
	} {
		a.observe(c.took)
		if a.wait() != c.want {
			t.Errorf("after an INSERT of %s: wait %s, want %s", c.took, a.wait(), c.want)
		}
	}
	fixed := newBatchWaits(time.Second, time.Second, nil)
	fixed.observe(time.Millisecond)
	if fixed.wait() != time.Second {
		t.Errorf("min = max is a fixed wait, got %s", fixed.wait())
	}
}

func TestBatchWaitBounds(t *testing.T) {
	valid := func(min, max time.Duration) (Config, error) {
		c := Config{Kafka: kafkaconf.Config{Brokers: []string{"127.0.0.1:9092"}}, BatchWait: max, BatchWaitMin: min}
		err := c.Validate()
		return c, err
	}
	c, err := valid(0, 0)
	if err != nil || c.BatchWait != DefaultBatchWait || c.BatchWaitMin != DefaultBatchWaitMin {
		t.Errorf("defaults: %s %s %v", c.BatchWaitMin, c.BatchWait, err)
	}
	if c, err = valid(0, 150*time.Millisecond); err != nil || c.BatchWaitMin != 150*time.Millisecond {
		t.Errorf("a maximum below the default minimum lowers it: %s %v", c.BatchWaitMin, err)
	}
	if c, err = valid(200*time.Millisecond, 0); err != nil || c.BatchWait != DefaultBatchWait || c.BatchWaitMin != 200*time.Millisecond {
		t.Errorf("a minimum alone: %s %s %v", c.BatchWaitMin, c.BatchWait, err)
	}
	if _, err = valid(time.Minute, MaxBatchWait); err != nil {
		t.Errorf("the bound itself: %v", err)
	}
	for _, bad := range [][2]time.Duration{{2 * time.Second, time.Second}, {0, MaxBatchWait + time.Second}, {-time.Second, time.Second}, {0, -time.Second}} {
		if _, err := valid(bad[0], bad[1]); err == nil || !strings.Contains(err.Error(), "batch waits") {
			t.Errorf("min %s max %s: %v", bad[0], bad[1], err)
		}
	}
}

// TestFlushAt: a batch goes at the first multiple of the wait at least
// half a wait after its first message, so batches that began at different
// moments of the same half wait go together.
func TestFlushAt(t *testing.T) {
	at := func(ms int) time.Time {
		return time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
	}
	for _, c := range []struct {
		started, wait, want int // ms
	}{
		{0, 1000, 1000},
		{300, 1000, 1000},
		{499, 1000, 1000},
		{500, 1000, 2000}, // half a wait or later: the multiple after next
		{999, 1000, 2000},
		{1000, 1000, 2000},
		{1, 500, 500},
		{1700, 500, 2000},
		{1800, 500, 2500},
	} {
		if got := flushAt(at(c.started), time.Duration(c.wait)*time.Millisecond); !got.Equal(at(c.want)) {
			t.Errorf("started %d ms, wait %d ms: at %s, want %d ms", c.started, c.wait, got.Format("15:04:05.000"), c.want)
		}
	}
}
