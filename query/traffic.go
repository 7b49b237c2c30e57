package query

import (
	"context"
	"fmt"
	"time"

	"github.com/edgelog/edgelog/query/api"
)

// TrafficSeries returns requests, bytes and cache hit ratio per step for a
// customer, or for all customers when customer is "".
func (s *Store) TrafficSeries(ctx context.Context, customer string, r Range) (*api.Series, error) {
	if err := r.Validate(); err != nil {
		return nil, UserError{err}
	}
	ru, err := pickRollup(trafficFamily, r)
	if err != nil {
		return nil, UserError{err}
	}
	step := uint32(r.Step / time.Second)                                                                    // #nosec G115 -- r.Validate: step in [1m, MaxStep], far below 2^32 s
	filter, args := CustomerFilter(customer, []any{step, step, uint32(r.From.Unix()), uint32(r.To.Unix())}) // #nosec G115 -- r.Validate: from/to within MinTime..MaxTime, UInt32 seconds
	sql := fmt.Sprintf(`SELECT
    intDiv(toUInt32(t), ?) * ? AS bucket,
    sum(requests), sum(bytes_out), sum(bytes_in), sum(cache_hit), sum(status_5xx), sum(bytes_hit), sum(bytes_total)
FROM %s.%s
WHERE t >= toDateTime(?) AND t < toDateTime(?)%s
GROUP BY bucket
ORDER BY bucket`, s.DB, ru.Name, filter)
	rows, err := s.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &api.Series{Customer: customer, Table: ru.Name, Step: r.Step.String(), Points: []api.Point{}}
	for rows.Next() {
		var bucket uint64
		var p api.Point
		if err := rows.Scan(&bucket, &p.Requests, &p.BytesOut, &p.BytesIn, &p.CacheHit, &p.Status5xx, &p.BytesHit, &p.BytesTotal); err != nil {
			return nil, err
		}
		p.Time = time.Unix(int64(bucket), 0).UTC()
		if p.Requests > 0 {
			p.CacheHitRatio = float64(p.CacheHit) / float64(p.Requests)
		}
		if p.BytesOut > 0 {
			p.ByteHitRatio = ratio(p.BytesHit, p.BytesOut)
		}
		out.Points = append(out.Points, p)
	}
	return out, rows.Err()
}

// TrafficSummary returns totals per customer over [from, to), read from the
// coarsest traffic rollup aligned with the range; scope, when set, limits it
// to one customer.
func (s *Store) TrafficSummary(ctx context.Context, scope string, r Range) (*api.Summary, error) {
	r, ru, filter, args, err := wholeTraffic(r, scope)
	if err != nil {
		return nil, err
	}
	sql := fmt.Sprintf(`SELECT customer, sum(requests) AS req, sum(bytes_out), sum(cache_hit), sum(bytes_total), sum(bytes_hit)
FROM %s.%s
WHERE t >= toDateTime(?) AND t < toDateTime(?)%s
GROUP BY customer
ORDER BY req DESC, customer`, s.DB, ru.Name, filter)
	rows, err := s.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &api.Summary{Table: ru.Name, From: r.From, To: r.To, Customers: []api.CustomerTotal{}}
	for rows.Next() {
		var c api.CustomerTotal
		var hits, bytesHit uint64
		if err := rows.Scan(&c.Customer, &c.Requests, &c.BytesOut, &hits, &c.BytesTotal, &bytesHit); err != nil {
			return nil, err
		}
		if c.Requests > 0 {
			c.CacheHitRatio = float64(hits) / float64(c.Requests)
		}
		if c.BytesOut > 0 {
			c.ByteHitRatio = ratio(bytesHit, c.BytesOut)
		}
		out.Customers = append(out.Customers, c)
	}
	return out, rows.Err()
}
