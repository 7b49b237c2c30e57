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
