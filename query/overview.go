package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/schema"
)

// serversWindow is how far back a server counts as reporting.
const serversWindow = 5 * time.Minute

// Overview computes the wall's figures at `at` (truncated to the minute: the
// finest rollup's bucket). scope, when set, limits traffic to one customer;
// the all-customer figures come from edge_servers_1m, which has far fewer
// rows per minute than traffic_1m.
func (s *Store) Overview(ctx context.Context, scope string, at time.Time) (*api.Overview, error) {
	at = at.UTC().Truncate(time.Minute)
	o := &api.Overview{At: at, Customer: scope}
	var tables []string
	var err error
	if o.Requests24h, o.BytesOut24h, tables, err = s.trafficTotal(ctx, trafficFilter{customer: scope}, at.Add(-24*time.Hour), at); err != nil {
		return nil, err
	}
	minute := schema.EdgeServers.Name
	filter, args := "", []any{}
	if scope != "" {
		minute, filter, args = "traffic_1m", " AND customer = ?", []any{scope}
	}
	tables = append(tables, minute)
	dayStart := at.Truncate(24 * time.Hour)
	// The peak is of whole minutes; "now" is the last whole minute.
	peakSQL := fmt.Sprintf(`SELECT t, sum(requests) AS req
FROM %s.%s
WHERE t >= toDateTime(?) AND t < toDateTime(?)%s
GROUP BY t
ORDER BY req DESC, t
LIMIT 1`, s.DB, minute, filter)
	var peakReq uint64
	if at.After(dayStart) {
		row := s.QueryRow(ctx, peakSQL, append([]any{uint32(dayStart.Unix()), uint32(at.Unix())}, args...)...) // #nosec G115 -- at range-checked by the server (query.CheckTime, 24h lookback): UInt32 seconds
		if err := row.Scan(&o.PeakAt, &peakReq); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("query failed: %w", err)
		}
	}
	o.PeakRequestsPerS = float64(peakReq) / 60
	var nowReq uint64
	row := s.QueryRow(ctx, fmt.Sprintf(`SELECT sum(requests) FROM %s.%s WHERE t >= toDateTime(?) AND t < toDateTime(?)%s`, s.DB, minute, filter),
		append([]any{uint32(at.Add(-time.Minute).Unix()), uint32(at.Unix())}, args...)...) // #nosec G115 -- at range-checked by the server (query.CheckTime, 24h lookback): UInt32 seconds
	if err := row.Scan(&nowReq); err != nil {
		return nil, fmt.Errorf("query failed: %w", err)
	}
	o.RequestsPerSNow = float64(nowReq) / 60
	// The fleet's figures are for unscoped callers only: edge servers are
	// shared, and how many there are is not a customer's business.
	if scope == "" {
		row = s.QueryRow(ctx, fmt.Sprintf(`SELECT uniqExact(server) FROM %s.%s WHERE t >= toDateTime(?) AND t < toDateTime(?)`, s.DB, schema.EdgeServers.Name),
			uint32(at.Add(-serversWindow).Unix()), uint32(at.Unix())) // #nosec G115 -- at range-checked by the server (query.CheckTime, 24h lookback): UInt32 seconds
		if err := row.Scan(&o.ServersReporting); err != nil {
			return nil, fmt.Errorf("query failed: %w", err)
		}
		row = s.QueryRow(ctx, `SELECT sum(bytes_on_disk) FROM system.parts WHERE database = ? AND active`, s.DB)
		if err := row.Scan(&o.StoredBytes); err != nil {
			return nil, fmt.Errorf("query failed: %w", err)
		}
		if err := s.hostileFigures(ctx, o, at); err != nil {
			return nil, err
		}
	}
	if o.FieldFallbacks24h, err = s.fieldFallbacks(ctx, scope, at.Add(-24*time.Hour), at); err != nil {
		return nil, err
	}
	tables = append(tables, schema.FallbacksTable)
	o.Table = strings.Join(dedupe(tables), ",")
	return o, nil
}

// fieldFallbacks sums the field fallbacks of the messages whose latest
// request falls in [from, to) (schema.FallbacksTable).
func (s *Store) fieldFallbacks(ctx context.Context, scope string, from, to time.Time) ([]api.FieldFallback, error) {
	args := []any{uint32(from.Unix()), uint32(to.Unix())} // #nosec G115 -- at range-checked by the server (query.CheckTime, 24h lookback): UInt32 seconds
	if scope != "" {
		args = append(args, scope)
	}
	rows, err := s.Query(ctx, schema.FallbacksSumSQL(s.DB, scope != ""), args...)
	if err != nil {
		return nil, fmt.Errorf("query failed: %w", err)
	}
	defer rows.Close()
	out := []api.FieldFallback{}
	for rows.Next() {
		var f api.FieldFallback
		if err := rows.Scan(&f.Format, &f.Field, &f.Reason, &f.Lines); err != nil {
			return nil, fmt.Errorf("query failed: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query failed: %w", err)
	}
	return out, nil
}

// trafficTotal sums requests and bytes out over [from, to) (whole minutes):
// whole hours from traffic_1h, the ragged ends from traffic_1m, so a 24-hour
// window never scans a day of minute rows.
func (s *Store) trafficTotal(ctx context.Context, f trafficFilter, from, to time.Time) (req, bytes uint64, tables []string, err error) {
	type piece struct {
		table    string
		from, to time.Time
	}
	hFrom, hTo := from.Truncate(time.Hour), to.Truncate(time.Hour)
	if hFrom.Before(from) {
		hFrom = hFrom.Add(time.Hour)
	}
	pieces := []piece{{"traffic_1m", from, to}}
	if hFrom.Before(hTo) {
		pieces = []piece{{"traffic_1m", from, hFrom}, {"traffic_1h", hFrom, hTo}, {"traffic_1m", hTo, to}}
	}
	for _, p := range pieces {
		if !p.from.Before(p.to) {
			continue
		}
		q := fmt.Sprintf(`SELECT sum(requests), sum(bytes_out) FROM %s.%s WHERE t >= toDateTime(?) AND t < toDateTime(?)`, s.DB, p.table)
		args := []any{uint32(p.from.Unix()), uint32(p.to.Unix())} // #nosec G115 -- at range-checked by the server (query.CheckTime, 24h lookback): UInt32 seconds
		where, fargs := f.sql()
		q += where
		args = append(args, fargs...)
		var r, b uint64
		if err := s.QueryRow(ctx, q, args...).Scan(&r, &b); err != nil {
			return 0, 0, nil, fmt.Errorf("query failed: %w", err)
		}
		req, bytes = req+r, bytes+b
		tables = append(tables, p.table)
	}
	return req, bytes, tables, nil
}

func dedupe(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// skewWindow is how far back a server counts as clock-skewed.
const skewWindow = time.Hour

// hostileFigures fills the fleet's figures of issue 17: edge servers whose
// clock is ahead (clock_skew, written by ingest), Kafka offsets lost to
// retention (offset_gaps, each gap once) and requests counted twice by
// INSERTs ClickHouse applied in part (partial_inserts).
func (s *Store) hostileFigures(ctx context.Context, o *api.Overview, at time.Time) error {
	row := s.QueryRow(ctx, fmt.Sprintf(`SELECT uniqExact(server) FROM %s.%s WHERE t >= toDateTime(?) AND t < toDateTime(?)`, s.DB, schema.ClockSkewTable),
		uint32(at.Add(-skewWindow).Unix()), uint32(at.Add(time.Minute).Unix())) // #nosec G115 -- at range-checked by the server (query.CheckTime, 24h lookback): UInt32 seconds
	if err := row.Scan(&o.ServersClockSkewed); err != nil {
		return fmt.Errorf("query failed: %w", err)
	}
	row = s.QueryRow(ctx, fmt.Sprintf(`SELECT sum(lost) FROM (SELECT max(lost) AS lost FROM %s.%s GROUP BY src_stream, src_partition, from_offset)`, s.DB, schema.OffsetGapsTable))
	if err := row.Scan(&o.KafkaOffsetsLost); err != nil {
		return fmt.Errorf("query failed: %w", err)
	}
	row = s.QueryRow(ctx, fmt.Sprintf(`SELECT toUInt64(sum(raw_rows) + sum(feed_requests)) FROM %s.%s`, s.DB, schema.PartialInsertsTable))
	if err := row.Scan(&o.RequestsCountedTwice); err != nil {
		return fmt.Errorf("query failed: %w", err)
	}
	return nil
}
