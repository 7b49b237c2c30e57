package gen

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Counts are the additive measures the truth keeps per group.
type Counts struct {
	Requests      uint64 `json:"requests"`
	BytesSent     uint64 `json:"bytes_sent"`
	BytesTotal    uint64 `json:"bytes_total"` // headers and body where the format logs it, else body bytes
	BytesReceived uint64 `json:"bytes_received"`
	CacheHits     uint64 `json:"cache_hits"` // served from cache: HIT, STALE, UPDATING, REVALIDATED
	BytesHit      uint64 `json:"bytes_hit"`  // body bytes of those
	BytesMiss     uint64 `json:"bytes_miss"` // body bytes from the origin: MISS, EXPIRED
	Status5xx     uint64 `json:"status_5xx"`
	// BytesByClass is body bytes per status class, "1xx" to "5xx".
	BytesByClass map[string]uint64 `json:"bytes_by_class,omitempty"`
}

func (c *Counts) add(e *Event) {
	c.Requests++
	c.BytesSent += e.BytesSent
	c.BytesTotal += e.BytesTotal
	c.BytesReceived += e.BytesReceived
	switch e.CacheStatus {
	case "HIT", "STALE", "UPDATING", "REVALIDATED": // served from cache, as the schema's rollups count
		c.CacheHits++
		c.BytesHit += e.BytesSent
	case "MISS", "EXPIRED":
		c.BytesMiss += e.BytesSent
	}
	if c.BytesByClass == nil {
		c.BytesByClass = map[string]uint64{}
	}
	c.BytesByClass[statusClass(e.Status)] += e.BytesSent
	if e.Status >= 500 {
		c.Status5xx++
	}
}

// CustomerTruth is one customer's totals and their split by hour.
type CustomerTruth struct {
	Counts
	// Hourly is keyed by the hour's start, RFC 3339 in UTC.
	Hourly map[string]*Counts `json:"hourly"`
}

// Truth is what a generated log holds, counted while it was written: the
// figures the pipeline's answers must equal.
type Truth struct {
	Seed      uint64    `json:"seed"`
	Format    string    `json:"format"`
	From      time.Time `json:"from"` // first request
	To        time.Time `json:"to"`   // last request
	Malformed int       `json:"malformed"`
	Counts
	Customers map[string]CustomerTruth `json:"customers"`
	Regions   map[string]*Counts       `json:"regions"`
	Incidents []Incident               `json:"incidents"`

	fromMs, toMs int64
	hour         int64 // hour of hourKey, in hours since the epoch
	hourKey      string
}

func newTruth(o *Options) *Truth {
	return &Truth{
		Seed: o.Seed, Format: o.Format, Incidents: o.Incidents,
		Customers: map[string]CustomerTruth{}, Regions: map[string]*Counts{},
	}
}

func (t *Truth) add(e *Event) {
	if t.Requests == 0 || e.TimeMs < t.fromMs {
		t.fromMs = e.TimeMs
		t.From = time.UnixMilli(e.TimeMs).UTC()
	}
	if t.Requests == 0 || e.TimeMs > t.toMs {
		t.toMs = e.TimeMs
		t.To = time.UnixMilli(e.TimeMs).UTC()
	}
	if hour := e.TimeMs / 3_600_000; hour != t.hour || t.hourKey == "" {
		t.hour = hour
		t.hourKey = time.UnixMilli(hour * 3_600_000).UTC().Format(time.RFC3339)
	}
	t.Counts.add(e)
	c, ok := t.Customers[e.Customer]
	if !ok {
		c.Hourly = map[string]*Counts{}
	}
	c.Counts.add(e)
	h := c.Hourly[t.hourKey]
	if h == nil {
		h = &Counts{}
		c.Hourly[t.hourKey] = h
	}
	h.add(e)
	t.Customers[e.Customer] = c
	r := t.Regions[e.Region]
	if r == nil {
		r = &Counts{}
		t.Regions[e.Region] = r
	}
	r.add(e)
}

// WriteJSON writes the truth to path.
func (t *Truth) WriteJSON(path string) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644) // #nosec G306 -- generated ground truth of synthetic traffic
}

// ReadTruth reads a truth file written by WriteJSON.
func ReadTruth(path string) (*Truth, error) {
	b, err := os.ReadFile(path) // #nosec G304 -- a path given to the generator by its caller
	if err != nil {
		return nil, err
	}
	var t Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("cannot parse truth %s: %w", path, err)
	}
	return &t, nil
}

// statusClass names a status's class as the API does: "1xx" ... "5xx"
// (anything from 500 up is 5xx, as the rollups count it).
func statusClass(status uint16) string {
	return string([]byte{'0' + byte(min(max(status/100, 1), 5)), 'x', 'x'})
}
