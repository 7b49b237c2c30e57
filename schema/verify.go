package schema

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Difference is a customer-day on which a rollup's sum disagrees with the
// same sum over raw rows.
type Difference struct {
	Day      time.Time
	Customer string // "" for rollups without a customer dimension
	Table    string
	Measure  string
	Raw      uint64
	Rollup   uint64
}

func (d Difference) String() string {
	return fmt.Sprintf("%s %-12s %-16s %-20s raw %d rollup %d (%+d)", d.Day.Format("2006-01-02"), orAll(d.Customer), d.Table, d.Measure,
		d.Raw, d.Rollup, int64(d.Rollup)-int64(d.Raw)) // #nosec G115 -- row and byte sums of one customer-day, far below 2^63
}

func orAll(c string) string {
	if c == "" {
		return "(all)"
	}
	return c
}

// Checked is what Verify compared for one rollup.
type Checked struct {
	Table    string
	Days     int // customer-days (or days) compared
	Measures int
	// Unsplit are the customer-days with rows from before migration 10,
	// on which the measures without history (Added without a Default:
	// the byte splits) were not compared: the rollup has no such figure
	// for those rows, and answers them as absent.
	Unsplit int
}

// Verify recomputes, for each customer-day in [from, to) (zero times: no
// bound), every additive measure of every rollup from the raw table and
// compares it with the rollup's sum. Aggregate states (quantiles, top
// lists) are not additive and are not compared; a heavy-hitter rollup
// (not Complete) may sum to less than raw rows, never more. It is the reconciliation
// of the materialized views: a view dropped, recreated late or fed twice
// shows up here as a difference.
func Verify(ctx context.Context, conn driver.Conn, db string, from, to time.Time) ([]Difference, []Checked, error) {
	if !ValidIdent(db) {
		return nil, nil, fmt.Errorf("invalid database name %q", db)
	}
	var diffs []Difference
	var checked []Checked
	for _, r := range Rollups {
		measures := additive(r)
		withCustomer := hasField(r.Dims, "customer")
		raw, err := daySums(ctx, conn, rawSumsSQL(db, measures, withCustomer, "time"), from, to, len(measures))
		if err != nil {
			return nil, nil, fmt.Errorf("cannot sum raw rows for %s: %w", r.Name, err)
		}
		roll, err := daySums(ctx, conn, rollupSumsSQL(db, r.Name, measures, withCustomer), from, to, len(measures))
		if err != nil {
			return nil, nil, fmt.Errorf("cannot sum %s: %w", r.Name, err)
		}
		for k := range roll {
			if _, ok := raw[k]; !ok {
				raw[k] = make([]uint64, len(measures))
			}
		}
		reqs, split := fieldIndex(measures, "requests"), fieldIndex(measures, SplitRequests)
		unsplit := 0
		for k, rv := range raw {
			ru := roll[k]
			if ru == nil {
				ru = make([]uint64, len(measures))
			}
			partial := split >= 0 && reqs >= 0 && ru[split] != ru[reqs]
			if partial {
				unsplit++
			}
			for i, m := range measures {
				if partial && m.Since() > 0 && Added[m.Name].Default == "" {
					continue // no figure before migration 10 (see Added)
				}
				if rv[i] != ru[i] && (r.Complete() || ru[i] > rv[i]) {
					diffs = append(diffs, Difference{Day: k.day, Customer: k.customer, Table: r.Name, Measure: m.Name, Raw: rv[i], Rollup: ru[i]})
				}
			}
		}
		checked = append(checked, Checked{Table: r.Name, Days: len(raw), Measures: len(measures), Unsplit: unsplit})
	}
	sort.Slice(diffs, func(i, j int) bool {
		a, b := diffs[i], diffs[j]
		if !a.Day.Equal(b.Day) {
			return a.Day.Before(b.Day)
		}
		if a.Customer != b.Customer {
			return a.Customer < b.Customer
		}
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		return a.Measure < b.Measure
	})
	return diffs, checked, nil
}

// additive are a rollup's measures that sum across rows: counts and sums,
// not aggregate states.
func additive(r Rollup) []Field {
	var out []Field
	for _, m := range r.Measures {
		if !strings.HasPrefix(m.Type, "AggregateFunction") {
			out = append(out, m)
		}
	}
	return out
}

// fieldIndex returns the index of the field named name in fs, -1 if none.
func fieldIndex(fs []Field, name string) int {
	for i, f := range fs {
		if f.Name == name {
			return i
		}
	}
	return -1
}

func hasField(fs []Field, name string) bool {
	for _, f := range fs {
		if f.Name == name {
			return true
		}
	}
	return false
}

type dayKey struct {
	day      time.Time
	customer string
}

// The time bounds are bound parameters; "{time}" is the table's time
// column. A zero bound matches everything.
const dayWhere = "WHERE ({time} >= toDateTime(?) OR ? = 0) AND ({time} < toDateTime(?) OR ? = 0)"

func customerExpr(withCustomer bool) string {
	if withCustomer {
		return "toString(customer)"
	}
	return "''"
}

func rawSumsSQL(db string, ms []Field, withCustomer bool, timeCol string) string {
	sel := make([]string, len(ms))
	for i, m := range ms {
		sel[i] = "toUInt64(" + m.Expr + ")"
	}
	return fmt.Sprintf("SELECT toDate(%s) AS day, %s AS c, %s FROM %s.%s %s GROUP BY day, c",
		timeCol, customerExpr(withCustomer), strings.Join(sel, ", "), db, RawTable, strings.ReplaceAll(dayWhere, "{time}", timeCol))
}

func rollupSumsSQL(db, table string, ms []Field, withCustomer bool) string {
	sel := make([]string, len(ms))
	for i, m := range ms {
		sel[i] = "toUInt64(sum(" + m.Name + "))"
	}
	return fmt.Sprintf("SELECT toDate(t) AS day, %s AS c, %s FROM %s.%s %s GROUP BY day, c",
		customerExpr(withCustomer), strings.Join(sel, ", "), db, table, strings.ReplaceAll(dayWhere, "{time}", "t"))
}

func daySums(ctx context.Context, conn driver.Conn, sql string, from, to time.Time, n int) (map[dayKey][]uint64, error) {
	unix := func(t time.Time) uint32 {
		if t.IsZero() {
			return 0
		}
		return uint32(t.Unix()) // #nosec G115 -- days of stored rows: DateTime's range, uint32 seconds
	}
	rows, err := conn.Query(ctx, sql, unix(from), unix(from), unix(to), unix(to))
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, sql)
	}
	defer rows.Close()
	out := map[dayKey][]uint64{}
	for rows.Next() {
		var k dayKey
		v := make([]uint64, n)
		dest := []any{&k.day, &k.customer}
		for i := range v {
			dest = append(dest, &v[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		k.day = k.day.UTC()
		out[k] = v
	}
	return out, rows.Err()
}
