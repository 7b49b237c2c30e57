package api

import "time"

// Customers answers GET /customers: the customers with traffic in a range
// (a customer token sees itself).
type Customers struct {
	Customers []string `json:"customers"`
}

// Point is one step of a traffic time series. BytesOut is body bytes
// (bytes_sent); BytesTotal headers and body, the log's total where it has
// one, else its body bytes (and before schema migration 10, always the
// body bytes): bandwidth is drawn from it.
type Point struct {
	Time          time.Time `json:"t"`
	Requests      uint64    `json:"requests"`
	BytesOut      uint64    `json:"bytes_out"`
	BytesTotal    uint64    `json:"bytes_total"`
	BytesIn       uint64    `json:"bytes_in"`
	CacheHit      uint64    `json:"cache_hit"`
	CacheHitRatio float64   `json:"cache_hit_ratio"`
	// BytesHit is body bytes served from cache; ByteHitRatio is BytesHit
	// over BytesOut (origin offload), absent when BytesOut is 0.
	BytesHit     uint64   `json:"bytes_hit"`
	ByteHitRatio *float64 `json:"byte_hit_ratio,omitempty"`
	Status5xx    uint64   `json:"status_5xx"`
}

// Series answers GET /traffic/timeseries: a traffic time series and the
// rollup it was read from. Customer is "" for every customer summed.
type Series struct {
	Customer string  `json:"customer"`
	Table    string  `json:"table"`
	Step     string  `json:"step"`
	Points   []Point `json:"points"`
}

// CustomerTotal is one customer's traffic over a range: body bytes
// (BytesOut) and headers and body (BytesTotal, as in Point).
type CustomerTotal struct {
	Customer      string   `json:"customer"`
	Requests      uint64   `json:"requests"`
	BytesOut      uint64   `json:"bytes_out"`
	BytesTotal    uint64   `json:"bytes_total"`
	CacheHitRatio float64  `json:"cache_hit_ratio"`
	ByteHitRatio  *float64 `json:"byte_hit_ratio,omitempty"`
}

// Summary answers GET /traffic/summary: every customer's traffic over a
// range.
type Summary struct {
	Table     string          `json:"table"`
	From      time.Time       `json:"from"`
	To        time.Time       `json:"to"`
	Customers []CustomerTotal `json:"customers"`
}

// BreakdownRow is one group of a traffic breakdown. A figure the rollups
// cannot answer for the whole range is left out (nil), never 0: body
// bytes per status class, from the origin (miss) and of other cache
// outcomes over a range with rows from before schema migration 10, which
// began keeping them; hits per status class; total bytes per status class
// or cache outcome.
type BreakdownRow struct {
	Key      string `json:"key"`
	Requests uint64 `json:"requests"`
	// BytesOut is body bytes (bytes_sent); by cache_status, the hit row's
	// are served from cache, the miss row's came from the origin.
	BytesOut *uint64 `json:"bytes_out,omitempty"`
	// BytesTotal is headers and body bytes, the log's total where it has
	// one (else its body bytes); by host, region, pop and country only.
	BytesTotal *uint64 `json:"bytes_total,omitempty"`
	// CacheHitRatio is the requests served from cache over requests.
	CacheHitRatio *float64 `json:"cache_hit_ratio,omitempty"`
	// ByteHitRatio is the body bytes served from cache over body bytes
	// (origin offload); absent where those are unknown or zero.
	ByteHitRatio *float64 `json:"byte_hit_ratio,omitempty"`
	Share        float64  `json:"share"` // of the range's requests
}

// Breakdown answers GET /traffic/breakdown: a range's traffic split by one
// dimension.
type Breakdown struct {
	Table    string         `json:"table"`
	Customer string         `json:"customer,omitempty"`
	By       string         `json:"by"`
	From     time.Time      `json:"from"`
	To       time.Time      `json:"to"`
	Rows     []BreakdownRow `json:"rows"`
	// Absent, when set, says why figures are missing from the rows.
	Absent string `json:"absent,omitempty"`
}

// Top answers GET /traffic/top: a ranking of a customer's hosts or paths.
type Top struct {
	Table    string   `json:"table"`
	Customer string   `json:"customer"`
	Kind     string   `json:"kind"`
	Items    []TopRow `json:"items"`
}

// TopRow is one ranked host or path. Path counts come from path_hits_1h,
// the heavy hitters of each insert block: exact for a path that ranks in
// every block, a lower bound for one that sometimes does not.
type TopRow struct {
	Key      string `json:"key"`
	Requests uint64 `json:"requests,omitempty"`
	BytesOut uint64 `json:"bytes_out,omitempty"`
}
