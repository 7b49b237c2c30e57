package query

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/query/livetail"
)

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
	// MaxRawRows is ClickHouse's max_rows_to_read for the drill-down, the
	// one query that reads the raw table (0: DefaultMaxRawRows).
	MaxRawRows int64
	// Lateness and WatermarkWindow set the live counter's watermark
	// (Watermark). Defaults DefaultLateness (350ms) and
	// DefaultWatermarkWindow (1m).
	Lateness, WatermarkWindow time.Duration
	// Tail, when set, counts the live counter's seconds from Kafka as
	// the collectors' messages arrive: Live answers the seconds past
	// ClickHouse's watermark from it (package livetail).
	Tail *livetail.Tail

	// lastWatermark is the last watermark the rule gave (unix seconds;
	// 0: none yet), held while a partition is cold (Watermark).
	lastWatermark atomic.Int64
	// live keeps recent live answers' ClickHouse figures (livecache.go).
	live liveCache
}

// withLimits adds the per-query server settings to ctx.
func (s *Store) withLimits(ctx context.Context) context.Context {
	if s.MaxExecution <= 0 {
		return ctx
	}
	secs := int((s.MaxExecution + time.Second - 1) / time.Second)
	return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"max_execution_time": secs}))
}

// Query runs a statement with the store's limits and observes its time.
func (s *Store) Query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
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

// QueryRow runs a one-row statement with the store's limits and observes
// its time.
func (s *Store) QueryRow(ctx context.Context, sql string, args ...any) driver.Row {
	start := time.Now()
	row := s.Conn.QueryRow(s.withLimits(ctx), sql, args...)
	if s.QueryTime != nil {
		s.QueryTime(time.Since(start))
	}
	return row
}

// UserError marks an error caused by the request (HTTP 400).
type UserError struct{ Err error }

func (e UserError) Error() string { return e.Err.Error() }
func (e UserError) Unwrap() error { return e.Err }

// MaxLimit caps every list the store returns and every list limit a
// request may ask for.
const MaxLimit = 1000
