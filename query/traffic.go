package query

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

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

// Series is a traffic time series and the rollup it was read from.
type Series struct {
	Customer string  `json:"customer"`
	Table    string  `json:"table"`
	Step     string  `json:"step"`
	Points   []Point `json:"points"`
}

// Store runs queries against one database. Every value reaches ClickHouse
// as a bound parameter; identifiers (tables, columns) come from allow-lists.
type Store struct {
	Conn driver.Conn
	DB   string // validated identifier
	// QueryTime, when set, observes each query's time to first answer.
	QueryTime func(time.Duration)
	// MaxExecution, when set, is ClickHouse's max_execution_time for every
	// query: the server itself stops a runaway query, even one whose
	// client connection is stuck.
	MaxExecution time.Duration
	// NoBillCache reads every month's usage afresh (see billingCache):
	// for measuring what a month still receiving rows costs.
	NoBillCache bool

	bills billingCache
}

// withLimits adds the per-query server settings to ctx.
func (s *Store) withLimits(ctx context.Context) context.Context {
	if s.MaxExecution <= 0 {
		return ctx
	}
	secs := int((s.MaxExecution + time.Second - 1) / time.Second)
	return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"max_execution_time": secs}))
}

func (s *Store) query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
	start := time.Now()
	rows, err := s.Conn.Query(s.withLimits(ctx), sql, args...)
	if s.QueryTime != nil {
		s.QueryTime(time.Since(start))
	}
	if err != nil {
		return nil, fmt.Errorf("query failed: %w", err)
	}
	return rows, nil
}

func (s *Store) queryRow(ctx context.Context, sql string, args ...any) driver.Row {
	start := time.Now()
	row := s.Conn.QueryRow(s.withLimits(ctx), sql, args...)
	if s.QueryTime != nil {
		s.QueryTime(time.Since(start))
	}
	return row
}

// TrafficSeries returns requests, bytes and cache hit ratio per step for a
// customer, or for all customers when customer is "".
func (s *Store) TrafficSeries(ctx context.Context, customer string, r Range) (*Series, error) {
	if err := r.Validate(); err != nil {
		return nil, userError{err}
	}
	ru, err := pickRollup(trafficFamily, r)
	if err != nil {
		return nil, userError{err}
	}
	step := uint32(r.Step / time.Second)
	filter, args := customerFilter(customer, []any{step, step, uint32(r.From.Unix()), uint32(r.To.Unix())})
	sql := fmt.Sprintf(`SELECT
    intDiv(toUInt32(t), ?) * ? AS bucket,
    sum(requests), sum(bytes_out), sum(bytes_in), sum(cache_hit), sum(status_5xx)
FROM %s.%s
WHERE t >= toDateTime(?) AND t < toDateTime(?)%s
GROUP BY bucket
ORDER BY bucket`, s.DB, ru.Name, filter)
	rows, err := s.query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &Series{Customer: customer, Table: ru.Name, Step: r.Step.String(), Points: []Point{}}
	for rows.Next() {
		var bucket uint64
		var p Point
		if err := rows.Scan(&bucket, &p.Requests, &p.BytesOut, &p.BytesIn, &p.CacheHit, &p.Status5xx); err != nil {
			return nil, err
		}
		p.Time = time.Unix(int64(bucket), 0).UTC()
		if p.Requests > 0 {
			p.CacheHitRatio = float64(p.CacheHit) / float64(p.Requests)
		}
		out.Points = append(out.Points, p)
	}
	return out, rows.Err()
}

// CustomerTotal is one customer's traffic over a range.
type CustomerTotal struct {
	Customer      string  `json:"customer"`
	Requests      uint64  `json:"requests"`
	BytesOut      uint64  `json:"bytes_out"`
	CacheHitRatio float64 `json:"cache_hit_ratio"`
}

// Summary is every customer's traffic over a range.
type Summary struct {
	Table     string          `json:"table"`
	From      time.Time       `json:"from"`
	To        time.Time       `json:"to"`
	Customers []CustomerTotal `json:"customers"`
}

// TrafficSummary returns totals per customer over [from, to), read from the
// coarsest traffic rollup aligned with the range; scope, when set, limits it
// to one customer.
func (s *Store) TrafficSummary(ctx context.Context, scope string, r Range) (*Summary, error) {
	r, ru, filter, args, err := wholeTraffic(r, scope)
	if err != nil {
		return nil, err
	}
	sql := fmt.Sprintf(`SELECT customer, sum(requests) AS req, sum(bytes_out), sum(cache_hit)
FROM %s.%s
WHERE t >= toDateTime(?) AND t < toDateTime(?)%s
GROUP BY customer
ORDER BY req DESC, customer`, s.DB, ru.Name, filter)
	rows, err := s.query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &Summary{Table: ru.Name, From: r.From, To: r.To, Customers: []CustomerTotal{}}
	for rows.Next() {
		var c CustomerTotal
		var hits uint64
		if err := rows.Scan(&c.Customer, &c.Requests, &c.BytesOut, &hits); err != nil {
			return nil, err
		}
		if c.Requests > 0 {
			c.CacheHitRatio = float64(hits) / float64(c.Requests)
		}
		out.Customers = append(out.Customers, c)
	}
	return out, rows.Err()
}

// userError marks an error caused by the request (HTTP 400).
type userError struct{ err error }

func (e userError) Error() string { return e.err.Error() }
func (e userError) Unwrap() error { return e.err }
