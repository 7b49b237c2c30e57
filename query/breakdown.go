package query

import (
	"context"
	"fmt"
	"time"

	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/schema"
)

// wholeRange validates a range read as one total: its step is its length,
// so the coarsest rollup aligned with both ends is picked.
func wholeRange(r Range) (Range, error) {
	if !r.To.After(r.From) {
		return r, UserError{fmt.Errorf("to must be after from")}
	}
	if r.To.Sub(r.From) > 400*24*time.Hour {
		return r, UserError{fmt.Errorf("a range may span at most 400 days")}
	}
	r.Step = r.To.Sub(r.From)
	return r, nil
}

// wholeTraffic picks the traffic rollup for a range read as one total and
// returns the range, the rollup, and the WHERE arguments for its time
// bounds with the clause part (and argument) for an optional customer.
func wholeTraffic(r Range, customer string) (Range, schema.Rollup, string, []any, error) {
	r, err := wholeRange(r)
	if err != nil {
		return r, schema.Rollup{}, "", nil, err
	}
	ru, err := pickRollup(trafficFamily, r)
	if err != nil {
		return r, schema.Rollup{}, "", nil, UserError{err}
	}
	filter, args := CustomerFilter(customer, []any{uint32(r.From.Unix()), uint32(r.To.Unix())}) // #nosec G115 -- from/to range-checked by the server (query.CheckTime): UInt32 seconds
	return r, ru, filter, args, nil
}

// customerFilter is the WHERE clause part for an optional customer.
func CustomerFilter(customer string, args []any) (string, []any) {
	if customer == "" {
		return "", args
	}
	return " AND customer = ?", append(args, customer)
}

// breakdownDims are the traffic rollup columns a breakdown may group by.
var breakdownDims = map[string]bool{"host": true, "region": true, "pop": true, "country": true}

// breakdownSQL returns the query for a breakdown by `by` (validated).
// Every form answers the same columns: key, requests, body bytes and
// whether they are known, cache hits and bytes served from cache and
// whether those are known, total bytes and whether they are known.
// status_class and cache_status are not columns but sums the rollup keeps
// per class; they are unpivoted with arrayJoin. Their body bytes are known
// only where every row has the split (migration 10: split_requests equals
// requests); hits per status class and total bytes per class or outcome
// are not kept at all.
func breakdownSQL(db, table, by string, filter string) string {
	switch by {
	case "status_class":
		return fmt.Sprintf(`SELECT kv.1 AS key, kv.2 AS req, kv.3, toUInt8(split = n), toUInt64(0), toUInt64(0), toUInt8(0), toUInt64(0), toUInt8(0)
FROM (
    SELECT sum(status_1xx) AS s1, sum(status_2xx) AS s2, sum(status_3xx) AS s3, sum(status_4xx) AS s4, sum(status_5xx) AS s5,
        sum(bytes_1xx) AS b1, sum(bytes_2xx) AS b2, sum(bytes_3xx) AS b3, sum(bytes_4xx) AS b4, sum(bytes_5xx) AS b5,
        sum(requests) AS n, sum(%[4]s) AS split
    FROM %[1]s.%[2]s
    WHERE t >= toDateTime(?) AND t < toDateTime(?)%[3]s
)
ARRAY JOIN [('1xx', s1, b1), ('2xx', s2, b2), ('3xx', s3, b3), ('4xx', s4, b4), ('5xx', s5, b5)] AS kv
ORDER BY key`, db, table, filter, schema.SplitRequests)
	case "cache_status":
		// Served from cache is known since migration 3 (bytes_hit); from
		// the origin (bytes_miss) and the rest only with the split.
		return fmt.Sprintf(`SELECT kv.1 AS key, kv.2 AS req, kv.3, kv.4, kv.5, kv.6, toUInt8(1), toUInt64(0), toUInt8(0)
FROM (
    SELECT sum(cache_hit) AS hit, sum(cache_miss) AS miss, toUInt64(sum(requests) - hit - miss) AS other,
        sum(bytes_hit) AS bhit, sum(bytes_miss) AS bmiss, toUInt64(sum(bytes_out) - bhit - bmiss) AS bother,
        toUInt8(sum(%[4]s) = sum(requests)) AS split
    FROM %[1]s.%[2]s
    WHERE t >= toDateTime(?) AND t < toDateTime(?)%[3]s
)
ARRAY JOIN [('hit', hit, bhit, toUInt8(1), hit, bhit), ('miss', miss, bmiss, split, toUInt64(0), toUInt64(0)), ('other', other, bother, split, toUInt64(0), toUInt64(0))] AS kv
ORDER BY key`, db, table, filter, schema.SplitRequests)
	}
	return fmt.Sprintf(`SELECT %s AS key, sum(requests) AS req, sum(bytes_out), toUInt8(1), sum(cache_hit), sum(bytes_hit), toUInt8(1), sum(bytes_total), toUInt8(1)
FROM %s.%s
WHERE t >= toDateTime(?) AND t < toDateTime(?)%s
GROUP BY key
ORDER BY req DESC, key
LIMIT ?`, by, db, table, filter)
}

// TrafficBreakdown returns a range's traffic grouped by host, region, pop,
// country, status_class or cache_status, for one customer or ("") all. A
// figure the rollup cannot answer for the whole range is left out of its
// row (see api.BreakdownRow), never answered as 0.
func (s *Store) TrafficBreakdown(ctx context.Context, customer, by string, r Range, limit int) (*api.Breakdown, error) {
	if by == "" {
		by = "host"
	}
	if !breakdownDims[by] && by != "status_class" && by != "cache_status" {
		return nil, UserError{fmt.Errorf("by must be one of host, region, pop, country, status_class, cache_status")}
	}
	r, ru, filter, where, err := wholeTraffic(r, customer)
	if err != nil {
		return nil, err
	}
	args := where
	if breakdownDims[by] {
		args = append(args[:len(args):len(args)], limit)
	}
	rows, err := s.Query(ctx, breakdownSQL(s.DB, ru.Name, by, filter), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &api.Breakdown{Table: ru.Name, Customer: customer, By: by, From: r.From, To: r.To, Rows: []api.BreakdownRow{}}
	var total uint64
	for rows.Next() {
		var row api.BreakdownRow
		var bytes, hits, bytesHit, bytesTotal uint64
		var bytesKnown, hitsKnown, totalKnown uint8
		if err := rows.Scan(&row.Key, &row.Requests, &bytes, &bytesKnown, &hits, &bytesHit, &hitsKnown, &bytesTotal, &totalKnown); err != nil {
			return nil, err
		}
		if bytesKnown == 1 {
			row.BytesOut = &bytes
			if hitsKnown == 1 && bytes > 0 {
				row.ByteHitRatio = ratio(bytesHit, bytes)
			}
		} else {
			out.Absent = bytesAbsent
		}
		if hitsKnown == 1 && row.Requests > 0 {
			row.CacheHitRatio = ratio(hits, row.Requests)
		}
		if totalKnown == 1 {
			row.BytesTotal = &bytesTotal
		}
		total += row.Requests
		out.Rows = append(out.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if breakdownDims[by] { // the share is of the whole range, not of the top rows
		if err := s.QueryRow(ctx, fmt.Sprintf("SELECT sum(requests) FROM %s.%s WHERE t >= toDateTime(?) AND t < toDateTime(?)%s", s.DB, ru.Name, filter), where...).Scan(&total); err != nil {
			return nil, err
		}
	}
	for i := range out.Rows {
		if total > 0 {
			out.Rows[i].Share = float64(out.Rows[i].Requests) / float64(total)
		}
	}
	return out, nil
}

// bytesAbsent says why a breakdown's bytes are left out.
const bytesAbsent = "bytes_out per status class and from the origin or other outcomes are kept since schema migration 10; this range has rows from before it"

func ratio(part, whole uint64) *float64 {
	v := float64(part) / float64(whole)
	return &v
}

// Top returns a customer's most requested hosts or paths over a range.
func (s *Store) Top(ctx context.Context, customer, kind string, r Range, limit int) (*api.Top, error) {
	if customer == "" {
		return nil, UserError{fmt.Errorf("customer is required")}
	}
	r, err := wholeRange(r)
	if err != nil {
		return nil, err
	}
	out := &api.Top{Customer: customer, Kind: kind, Items: []api.TopRow{}}
	switch kind {
	case "", "hosts":
		out.Kind = "hosts"
		b, err := s.TrafficBreakdown(ctx, customer, "host", r, limit)
		if err != nil {
			return nil, err
		}
		out.Table = b.Table
		for _, row := range b.Rows {
			out.Items = append(out.Items, api.TopRow{Key: row.Key, Requests: row.Requests, BytesOut: *row.BytesOut}) // by host: always known
		}
		return out, nil
	case "paths":
	default:
		return nil, UserError{fmt.Errorf("kind must be hosts or paths")}
	}
	if r.From.Unix()%3600 != 0 || r.To.Unix()%3600 != 0 {
		return nil, UserError{fmt.Errorf("top paths need from and to on whole hours")}
	}
	out.Table = "path_hits_1h"
	rows, err := s.Query(ctx, fmt.Sprintf(`SELECT path, sum(requests) AS n, sum(bytes_out) FROM %s.path_hits_1h
WHERE customer = ? AND t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY path
ORDER BY n DESC, path
LIMIT ?`, s.DB), customer, uint32(r.From.Unix()), uint32(r.To.Unix()), limit) // #nosec G115 -- from/to range-checked by the server (query.CheckTime): UInt32 seconds
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var row api.TopRow
		if err := rows.Scan(&row.Key, &row.Requests, &row.BytesOut); err != nil {
			return nil, err
		}
		out.Items = append(out.Items, row)
	}
	return out, rows.Err()
}

// Customers lists the customers with traffic in a range (only scope when
// set), for dashboard variables and finance's overview.
func (s *Store) Customers(ctx context.Context, scope string, r Range) ([]string, string, error) {
	_, ru, filter, args, err := wholeTraffic(r, scope)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.Query(ctx, fmt.Sprintf("SELECT DISTINCT customer FROM %s.%s WHERE t >= toDateTime(?) AND t < toDateTime(?)%s ORDER BY customer LIMIT %d",
		s.DB, ru.Name, filter, MaxLimit), args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	list := []string{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, "", err
		}
		list = append(list, c)
	}
	return list, ru.Name, rows.Err()
}
