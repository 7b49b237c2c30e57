package schema

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// LiveDifference is a second, customer and region on which the live
// counter's table (Live)
// disagrees with the raw rows.
type LiveDifference struct {
	Second           time.Time
	Customer, Region string
	Raw, Live        [2]uint64 // requests, bytes_out
}

func (d LiveDifference) String() string {
	return fmt.Sprintf("%s %-12s %-10s %-16s raw %d requests %d bytes, live %d requests %d bytes", d.Second.Format(time.RFC3339), d.Customer, d.Region, Live.Name,
		d.Raw[0], d.Raw[1], d.Live[0], d.Live[1])
}

// LiveChecked is what VerifyLive compared.
type LiveChecked struct {
	From    time.Time // the first second compared (zero: Live is empty)
	Keys    uint64    // seconds x customers x regions compared
	Differ  uint64    // of which differ (at most MaxLiveDifferences are listed)
	Listing int
}

// MaxLiveDifferences bounds the differences VerifyLive lists (a view
// missing for an hour would otherwise list millions).
const MaxLiveDifferences = 1000

// VerifyLive recomputes Live's requests and bytes per second, customer
// and region from the raw rows and compares them: the reconciliation of
// the live counter's view, as Verify is of the rollups'. Live keeps a
// day (its hour partitions are dropped by `schema retention`), so
// only seconds from the first one it holds are compared, within [from,
// to) (zero: no bound): a Live missing rows at its very start (created
// after the raw rows of its first day) is not seen. The comparison runs in
// ClickHouse (a day is up to 86,400 seconds times every customer and
// region), and lists at most MaxLiveDifferences.
func VerifyLive(ctx context.Context, conn driver.Conn, db string, from, to time.Time) ([]LiveDifference, LiveChecked, error) {
	var c LiveChecked
	if !ValidIdent(db) {
		return nil, c, fmt.Errorf("invalid database name %q", db)
	}
	var first time.Time
	var n uint64
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT min(t), count() FROM %s.%s", db, Live.Name)).Scan(&first, &n); err != nil {
		return nil, c, fmt.Errorf("cannot read %s: %w", Live.Name, err)
	}
	if n == 0 {
		return nil, c, nil
	}
	if from.Before(first) {
		from = first.UTC()
	}
	c.From = from
	dims := make([]string, len(Live.Dims))
	for i, d := range Live.Dims {
		dims[i] = d.Name
	}
	keys := strings.Join(dims, ", ")
	rawSel := make([]string, len(Live.Dims))
	for i, d := range Live.Dims {
		// CAST, not toString: on 18.16 toString of a LowCardinality
		// column (region, RawDictViewsMigration) stays LowCardinality,
		// which has no common type with the live side's String.
		rawSel[i] = fmt.Sprintf("CAST(%s AS String) AS %s", d.Expr, d.Name)
		if d.Name == "t" {
			rawSel[i] = d.Expr + " AS t"
		}
	}
	liveSel := make([]string, len(Live.Dims))
	for i, d := range Live.Dims {
		liveSel[i] = fmt.Sprintf("toString(%s) AS %s", d.Name, d.Name)
		if d.Name == "t" {
			liveSel[i] = "t"
		}
	}
	// One side's figures, the other's zero, summed per key: a key is
	// compared whether one side or both have it.
	both := fmt.Sprintf(`SELECT %s, sum(rr) AS rr, sum(rb) AS rb, sum(lr) AS lr, sum(lb) AS lb FROM (
SELECT %s, toUInt64(%s) AS rr, toUInt64(%s) AS rb, toUInt64(0) AS lr, toUInt64(0) AS lb FROM %s.%s %s GROUP BY %s
UNION ALL
SELECT %s, toUInt64(0) AS rr, toUInt64(0) AS rb, toUInt64(sum(requests)) AS lr, toUInt64(sum(bytes_out)) AS lb FROM %s.%s %s GROUP BY %s
) GROUP BY %s`,
		keys,
		strings.Join(rawSel, ", "), Live.Measures[0].Expr, Live.Measures[1].Expr, db, RawTable, strings.ReplaceAll(dayWhere, "{time}", "time"), keys,
		strings.Join(liveSel, ", "), db, Live.Name, strings.ReplaceAll(dayWhere, "{time}", "t"), keys,
		keys)
	unix := func(t time.Time) uint32 {
		if t.IsZero() {
			return 0
		}
		return uint32(t.Unix()) // #nosec G115 -- seconds of stored rows: DateTime's range
	}
	args := []any{unix(from), unix(from), unix(to), unix(to), unix(from), unix(from), unix(to), unix(to)}
	if err := conn.QueryRow(ctx, "SELECT count(), countIf(rr != lr OR rb != lb) FROM ("+both+")", args...).Scan(&c.Keys, &c.Differ); err != nil {
		return nil, c, fmt.Errorf("cannot compare %s with the raw rows: %w", Live.Name, err)
	}
	if c.Differ == 0 {
		return nil, c, nil
	}
	rows, err := conn.Query(ctx, fmt.Sprintf("SELECT %s, rr, rb, lr, lb FROM (%s) WHERE rr != lr OR rb != lb ORDER BY %s LIMIT %d", keys, both, keys, MaxLiveDifferences), args...)
	if err != nil {
		return nil, c, fmt.Errorf("cannot list %s's differences: %w", Live.Name, err)
	}
	defer rows.Close()
	var diffs []LiveDifference
	for rows.Next() {
		var d LiveDifference
		if err := rows.Scan(&d.Second, &d.Customer, &d.Region, &d.Raw[0], &d.Raw[1], &d.Live[0], &d.Live[1]); err != nil {
			return nil, c, err
		}
		d.Second = d.Second.UTC()
		diffs = append(diffs, d)
	}
	c.Listing = len(diffs)
	return diffs, c, rows.Err()
}
