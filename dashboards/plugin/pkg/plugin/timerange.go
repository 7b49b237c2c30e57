package plugin

import (
	"net/url"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// niceSteps are the steps a series may have: whole minutes that divide an
// hour or a day, so buckets line up with the hourly and daily rollups.
var niceSteps = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// maxPoints is the query service's cap on a series' length
// (query.MaxPoints).
const maxPoints = 11_000

// seriesStep picks the step of a series: at least the panel's interval,
// few enough points for the panel's max data points (and the API's cap),
// rounded up to a nice step.
func seriesStep(tr backend.TimeRange, interval time.Duration, maxDataPoints int64) time.Duration {
	span := tr.To.Sub(tr.From)
	want := max(interval, time.Minute)
	if maxDataPoints > 0 {
		want = max(want, ceilDiv(span, time.Duration(maxDataPoints)))
	}
	want = max(want, ceilDiv(span, maxPoints))
	for _, s := range niceSteps {
		if s >= want {
			return s
		}
	}
	day := 24 * time.Hour
	return ceilDiv(want, day) * day
}

func ceilDiv(a, b time.Duration) time.Duration { return (a + b - 1) / b }

// alignOut widens [from, to) to whole multiples of unit (counted from the
// Unix epoch, as the rollups' buckets are), so the bucket holding the
// panel's first instant and the one holding its last are both whole.
func alignOut(tr backend.TimeRange, unit time.Duration) (from, to time.Time) {
	from = tr.From.UTC().Truncate(unit)
	to = tr.To.UTC().Truncate(unit)
	if to.Before(tr.To) {
		to = to.Add(unit)
	}
	if !to.After(from) {
		to = from.Add(unit)
	}
	return from, to
}

// rangeParams are the from and to parameters of the API.
func rangeParams(from, to time.Time) url.Values {
	return url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
}

// monthOf returns the calendar month (UTC) holding the instant just before
// t: a range ending at midnight of the 1st belongs to the month before.
func monthOf(t time.Time) time.Time {
	t = t.UTC().Add(-time.Nanosecond)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// monthElapsed is the share of month m that has passed at t, in (0, 1].
func monthElapsed(m, t time.Time) float64 {
	end := m.AddDate(0, 1, 0)
	if !t.Before(end) {
		return 1
	}
	f := float64(t.Sub(m)) / float64(end.Sub(m))
	return max(f, 1.0/float64(end.Sub(m)/time.Minute)) // at least a minute
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
