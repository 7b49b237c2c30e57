package stack

import (
	"context"
	"fmt"
	"time"

	"github.com/edgelog/edgelog/schema"
)

// Counts are what the pipeline holds in ClickHouse.
type Counts struct {
	RawRows, RawBytes       uint64
	RollupRows, RollupBytes uint64 // sums over traffic_1m
	DailyRows               uint64 // sum of requests over traffic_1d
}

// Counts reads the raw table and the 1-minute rollup totals.
func (s *Stack) Counts(ctx context.Context) (Counts, error) {
	conn, err := s.Conn(ctx)
	if err != nil {
		return Counts{}, err
	}
	defer conn.Close()
	var c Counts
	if err := conn.QueryRow(ctx, "SELECT count(), sum(bytes_sent) FROM "+s.DB+".requests").Scan(&c.RawRows, &c.RawBytes); err != nil {
		return c, err
	}
	if err := conn.QueryRow(ctx, "SELECT sum(requests), sum(bytes_out) FROM "+s.DB+".traffic_1m").Scan(&c.RollupRows, &c.RollupBytes); err != nil {
		return c, err
	}
	if err := conn.QueryRow(ctx, "SELECT sum(requests) FROM "+s.DB+".traffic_1d").Scan(&c.DailyRows); err != nil {
		return c, err
	}
	return c, nil
}

// WaitRows waits until the raw table and the 1-minute and 1-day rollups
// hold want rows (or more), and returns the counts then. ClickHouse writes
// a block to the raw table before its views, so a reader can see raw rows
// whose rollup rows are still being written: both are waited for. progress, when set, is called on every poll.
//
// Without progress it polls ingest's ledger until it has want rows, and
// only then the totals: Counts sums whole tables, and polled every 250 ms
// over a 20M-line `edgelog bench` those sums took 17% of ClickHouse's CPU
// while it was inserting (perf), counted as the pipeline's.
func (s *Stack) WaitRows(ctx context.Context, want uint64, timeout time.Duration, progress func(Counts)) (Counts, error) {
	deadline := time.Now().Add(timeout)
	for progress == nil && time.Now().Before(deadline) {
		n, err := s.ledgerRows(ctx)
		if err != nil || n >= want {
			break // no ledger (a schema before it): the totals say
		}
		select {
		case <-ctx.Done():
			return Counts{}, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	for {
		c, err := s.Counts(ctx)
		if err == nil {
			if progress != nil {
				progress(c)
			}
			if c.RawRows >= want && c.RollupRows >= want && c.DailyRows >= want {
				return c, nil
			}
		}
		if time.Now().After(deadline) {
			return c, fmt.Errorf("after %s the raw table holds %d rows, traffic_1m %d, traffic_1d %d; want %d (last error: %v)", timeout, c.RawRows, c.RollupRows, c.DailyRows, want, err)
		}
		select {
		case <-ctx.Done():
			return c, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// ledgerRows is how many raw rows ingest's ledger records: a table of a
// row per INSERT and partition, written by a view after the raw table's
// block and the views over it.
func (s *Stack) ledgerRows(ctx context.Context) (uint64, error) {
	conn, err := s.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var n uint64
	err = conn.QueryRow(ctx, "SELECT sum(rows) FROM "+s.DB+"."+schema.LedgerTable).Scan(&n)
	return n, err
}

// TimeSpan returns the times of the first and the last request in the raw
// table; ok is false when it holds none.
func (s *Stack) TimeSpan(ctx context.Context) (first, last time.Time, ok bool, err error) {
	conn, err := s.Conn(ctx)
	if err != nil {
		return first, last, false, err
	}
	defer conn.Close()
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count(), min(time), max(time) FROM "+s.DB+".requests").Scan(&n, &first, &last); err != nil {
		return first, last, false, fmt.Errorf("cannot read the raw table's time span: %w", err)
	}
	return first.UTC(), last.UTC(), n > 0, nil
}
