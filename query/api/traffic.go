package api

import "time"

// Customers answers GET /customers: the customers with traffic in a range
// (a customer token sees itself).
type Customers struct {
	Customers []string `json:"customers"`
}

// Point is one step of a traffic time series.
type Point struct {
	Time          time.Time `json:"t"`
	Requests      uint64    `json:"requests"`
	BytesOut      uint64    `json:"bytes_out"`
	BytesIn       uint64    `json:"bytes_in"`
	CacheHit      uint64    `json:"cache_hit"`
	CacheHitRatio float64   `json:"cache_hit_ratio"`
	Status5xx     uint64    `json:"status_5xx"`
}

// Series answers GET /traffic/timeseries: a traffic time series and the
// rollup it was read from. Customer is "" for every customer summed.
type Series struct {
	Customer string  `json:"customer"`
	Table    string  `json:"table"`
	Step     string  `json:"step"`
	Points   []Point `json:"points"`
}

// CustomerTotal is one customer's traffic over a range.
type CustomerTotal struct {
	Customer      string  `json:"customer"`
	Requests      uint64  `json:"requests"`
	BytesOut      uint64  `json:"bytes_out"`
	CacheHitRatio float64 `json:"cache_hit_ratio"`
}

// Summary answers GET /traffic/summary: every customer's traffic over a
// range.
type Summary struct {
	Table     string          `json:"table"`
	From      time.Time       `json:"from"`
	To        time.Time       `json:"to"`
	Customers []CustomerTotal `json:"customers"`
}

// BreakdownRow is one group of a traffic breakdown.
type BreakdownRow struct {
	Key           string  `json:"key"`
	Requests      uint64  `json:"requests"`
	BytesOut      uint64  `json:"bytes_out"`
	CacheHitRatio float64 `json:"cache_hit_ratio"`
	Share         float64 `json:"share"` // of the range's requests
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
