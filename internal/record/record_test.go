package record

import (
	"testing"
	"time"
)

func TestValidTime(t *testing.T) {
	f := func(at time.Time, want bool) {
		t.Helper()
		if got := ValidTime(at.UnixMilli()); got != want {
			t.Errorf("ValidTime(%s) = %v, want %v", at.Format(time.RFC3339Nano), got, want)
		}
	}
	f(time.Date(1970, 1, 1, 23, 59, 59, 999e6, time.UTC), false)
	f(time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC), true)
	f(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), true)
	// The last second before 2100: the collector used to accept it and
	// ingest to refuse it, dead-lettering the whole message.
	f(time.Date(2099, 12, 31, 23, 59, 59, 999e6, time.UTC), true)
	f(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), false)
	f(time.Unix(0, 0), false)
}
