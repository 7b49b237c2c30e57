package collector

import (
	"testing"
	"time"
)

// The next batch's wait grows with the previous batch's rows, within
// [min, max]; min = max is a fixed wait.
func TestBatchWaitGrowsWithLoad(t *testing.T) {
	w := newBatchWait(100*time.Millisecond, 500*time.Millisecond, 50_000)
	if w.next != 100*time.Millisecond {
		t.Fatalf("starts at %s, want the minimum", w.next)
	}
	for _, c := range []struct {
		rows int
		want time.Duration
	}{
		{0, 100 * time.Millisecond},
		{12_500, 200 * time.Millisecond},
		{50_000, 500 * time.Millisecond},
		{900_000, 500 * time.Millisecond}, // never past the maximum
		{3, 100*time.Millisecond + 24*time.Microsecond},
	} {
		w.observe(c.rows)
		if w.next != c.want {
			t.Errorf("after %d rows: wait %s, want %s", c.rows, w.next, c.want)
		}
	}
	fixed := newBatchWait(time.Second, time.Second, 10)
	fixed.observe(0)
	if fixed.next != time.Second {
		t.Errorf("fixed wait moved to %s", fixed.next)
	}
	// At a steady rate the wait settles where the batch it lets in yields
	// it again (the figures wait.go's comment gives).
	for _, c := range []struct {
		rate float64
		want time.Duration
	}{{10_000, 109 * time.Millisecond}, {60_000, 192 * time.Millisecond}, {200_000, 500 * time.Millisecond}} {
		w := newBatchWait(100*time.Millisecond, 500*time.Millisecond, 50_000)
		for range 50 {
			w.observe(min(int(c.rate*w.next.Seconds()), 50_000))
		}
		if d := w.next - c.want; d < -5*time.Millisecond || d > 5*time.Millisecond {
			t.Errorf("at %.0f lines/s the wait settles at %s, want about %s", c.rate, w.next, c.want)
		}
	}
}
