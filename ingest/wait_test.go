package ingest

import (
	"testing"
	"time"
)

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
