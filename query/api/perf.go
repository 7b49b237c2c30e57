package api

import "time"

// SlowPlace is one PoP in the "slowest places now" ranking.
type SlowPlace struct {
	Region        string  `json:"region"`
	PoP           string  `json:"pop"`
	Requests      uint64  `json:"requests"`
	P50Ms         float64 `json:"p50_ms"`
	P90Ms         float64 `json:"p90_ms"`
	P99Ms         float64 `json:"p99_ms"`
	BaselineP90Ms float64 `json:"baseline_p90_ms"`
	// Slowdown is P90Ms / BaselineP90Ms.
	Slowdown float64 `json:"slowdown"`
	// Since is the first minute of the unbroken run of slow minutes that
	// reaches the end of the window; nil when the place is not slow.
	Since *time.Time `json:"since,omitempty"`
}

// Slowest answers GET /perf/slowest: places ranked by how much slower they
// are now than in the hours before.
type Slowest struct {
	Table    string      `json:"table"`
	Metric   string      `json:"metric"`
	At       time.Time   `json:"at"`
	Window   string      `json:"window"`
	Baseline string      `json:"baseline"`
	Places   []SlowPlace `json:"places"`
}

// PerfRow is one group of a performance breakdown.
type PerfRow struct {
	Key       string  `json:"key"`
	Requests  uint64  `json:"requests"`
	Errors4xx uint64  `json:"errors_4xx"`
	Errors5xx uint64  `json:"errors_5xx"`
	ErrorRate float64 `json:"error_rate"` // 5xx share
	P50Ms     float64 `json:"p50_ms"`
	P90Ms     float64 `json:"p90_ms"`
	P99Ms     float64 `json:"p99_ms"`
	// WeekBefore is the same group over the same window seven days earlier.
	WeekBefore *PerfRow `json:"week_before,omitempty"`
}

// PerfBreakdown answers GET /perf/breakdown: latency quantiles and error
// rates by one dimension.
type PerfBreakdown struct {
	Table    string    `json:"table"`
	Customer string    `json:"customer,omitempty"`
	By       string    `json:"by"`
	Metric   string    `json:"metric"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Rows     []PerfRow `json:"rows"`
}

// PerfPoint is one step of a latency time series.
type PerfPoint struct {
	Time      time.Time `json:"t"`
	Requests  uint64    `json:"requests"`
	Errors5xx uint64    `json:"errors_5xx"`
	ErrorRate float64   `json:"error_rate"`
	P50Ms     float64   `json:"p50_ms"`
	P90Ms     float64   `json:"p90_ms"`
	P99Ms     float64   `json:"p99_ms"`
}

// PerfSeries answers GET /perf/timeseries: latency quantiles and error rate
// per step for a place (a region, a PoP or everywhere), with the same range
// a week earlier.
type PerfSeries struct {
	Table    string      `json:"table"`
	Customer string      `json:"customer,omitempty"`
	Region   string      `json:"region,omitempty"`
	PoP      string      `json:"pop,omitempty"`
	Metric   string      `json:"metric"`
	Step     string      `json:"step"`
	Points   []PerfPoint `json:"points"`
	// WeekBefore holds the points of the range shifted back seven days,
	// with their times shifted forward onto this range so a chart can draw
	// both lines over the same axis.
	WeekBefore []PerfPoint `json:"week_before"`
}
