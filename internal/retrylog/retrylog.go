// Package retrylog logs a failure that is retried until it heals (Kafka or
// ClickHouse down) without flooding the log: the first failure in full,
// then at most one line per interval saying how long it has lasted ("still
// waiting for Kafka: 40 attempts since 12:01:03"), and one line when it
// heals. The state is a few fields per retry loop; a loop's Warner is used
// may be shared by goroutines.
//
// Hand-written: slog has no sampling or deduplication of its own, and a
// generic rate limiter (golang.org/x/time/rate) would drop lines without
// counting the attempts the message reports.
package retrylog

import (
	"log/slog"
	"sync"
	"time"
)

// DefaultEvery is the interval between "still waiting" lines.
const DefaultEvery = 30 * time.Second

// Warner rate-limits the warnings of one retry loop.
type Warner struct {
	Log *slog.Logger
	// What is waited for, as in "still waiting for " + What.
	What string
	// Every is the least time between two lines (DefaultEvery when 0).
	Every time.Duration
	// Now is the clock (time.Now when nil; tests set it).
	Now func() time.Time

	mu          sync.Mutex
	attempts    int
	first, last time.Time
}

func (w *Warner) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Fail records a failed attempt: the first is logged with msg and args,
// later ones at most once per Every as "still waiting for What".
func (w *Warner) Fail(msg string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	w.attempts++
	if w.attempts == 1 {
		w.first, w.last = now, now
		w.Log.Warn(msg, args...)
		return
	}
	every := w.Every
	if every == 0 {
		every = DefaultEvery
	}
	if now.Sub(w.last) >= every {
		w.last = now
		w.Log.Warn("still waiting for "+w.What, append([]any{"attempts", w.attempts, "since", w.first.Format(time.TimeOnly)}, args...)...)
	}
}

// OK records a success: after failures it logs that the wait is over.
func (w *Warner) OK() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.attempts > 0 {
		w.Log.Info(w.What+" is back", "attempts", w.attempts, "waited", w.now().Sub(w.first).Round(time.Millisecond))
	}
	w.attempts = 0
}

// Attempts is the number of failures since the last success.
func (w *Warner) Attempts() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.attempts
}
