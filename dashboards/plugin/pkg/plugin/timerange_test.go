package plugin

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func TestSeriesStepPicksNiceSteps(t *testing.T) {
	day := time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC)
	f := func(span, interval time.Duration, maxPts int64, want time.Duration) {
		t.Helper()
		if got := seriesStep(backend.TimeRange{From: day, To: day.Add(span)}, interval, maxPts); got != want {
			t.Errorf("span %v interval %v max %d: step %v, want %v", span, interval, maxPts, got, want)
		}
	}
	f(time.Hour, time.Second, 1000, time.Minute)          // never below the finest rollup
	f(24*time.Hour, time.Minute, 1000, 2*time.Minute)     // 86.4s -> 2m
	f(24*time.Hour, 20*time.Minute, 1000, 30*time.Minute) // the interval wins
	f(7*24*time.Hour, time.Minute, 1000, 15*time.Minute)  // 10.08m -> 15m
	f(90*24*time.Hour, time.Minute, 1000, 3*time.Hour)    // 2.16h -> 3h
	f(400*24*time.Hour, time.Minute, 100, 96*time.Hour)   // past a day: whole days
	f(30*24*time.Hour, time.Minute, 0, 5*time.Minute)     // no max: the API's 11000 points
}

func TestAlignOut(t *testing.T) {
	at := func(h, m, s int) time.Time { return time.Date(2026, 10, 8, h, m, s, 0, time.UTC) }
	f := func(from, to time.Time, unit time.Duration, wantFrom, wantTo time.Time) {
		t.Helper()
		gf, gt := alignOut(backend.TimeRange{From: from, To: to}, unit)
		if !gf.Equal(wantFrom) || !gt.Equal(wantTo) {
			t.Errorf("[%v, %v) by %v: [%v, %v), want [%v, %v)", from, to, unit, gf, gt, wantFrom, wantTo)
		}
	}
	f(at(10, 0, 0), at(11, 0, 0), time.Minute, at(10, 0, 0), at(11, 0, 0))
	f(at(10, 0, 30), at(10, 59, 1), time.Minute, at(10, 0, 0), at(11, 0, 0))
	f(at(10, 20, 0), at(10, 40, 0), time.Hour, at(10, 0, 0), at(11, 0, 0))
	f(at(10, 20, 0), at(10, 20, 0), time.Hour, at(10, 0, 0), at(11, 0, 0)) // never empty
}

func TestMonth(t *testing.T) {
	oct := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	if m := monthOf(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); !m.Equal(oct) {
		t.Errorf("a range ending at midnight of the 1st is the month before: %v", m)
	}
	if m := monthOf(time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)); !m.Equal(oct) {
		t.Errorf("monthOf: %v", m)
	}
	f := func(at time.Time, want float64) {
		t.Helper()
		if got := monthElapsed(oct, at); got != want {
			t.Errorf("elapsed at %v: %v, want %v", at, got, want)
		}
	}
	f(oct.AddDate(0, 0, 31), 1)
	f(oct.AddDate(0, 2, 0), 1)
	f(oct.Add(31*12*time.Hour), 0.5)
	f(oct, 1.0/(31*24*60)) // at least a minute: no division by zero
}
