package rollupfill

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/schema"
)

// Stats is what a fill wrote.
type Stats struct {
	Took     time.Duration
	Requests uint64            // in traffic_1d
	Rows     map[string]uint64 // rows per rollup after the fill
	// Spent is the time spent writing each rollup.
	Spent map[string]time.Duration
}

// Fill writes s's traffic into the rollups of db (migrated). It works a
// day at a time so no statement holds a month in memory, and skips each
// table-day that already holds rows, so a fill interrupted resumes.
func Fill(ctx context.Context, conn driver.Conn, db string, s Scale, progress func(day int)) (*Stats, error) {
	start := time.Now()
	f := filler{conn: conn, db: db, s: s}
	if err := f.loadWorld(ctx); err != nil {
		return nil, err
	}
	defer conn.Exec(context.Background(), fmt.Sprintf("DROP TABLE IF EXISTS %s.fill_combos", db))
	spent := map[string]time.Duration{}
	steps := plan(schema.Rollups)
	for d := range s.Days {
		day := s.Start.AddDate(0, 0, d)
		for _, st := range steps {
			t := time.Now()
			if done, err := f.written(ctx, st.to.Name, day); err != nil || done {
				if err != nil {
					return nil, err
				}
				continue
			}
			if err := f.fill(ctx, st, day); err != nil {
				return nil, fmt.Errorf("day %s: %s: %w", day.Format(time.DateOnly), st.to.Name, err)
			}
			spent[st.to.Name] += time.Since(t)
		}
		if progress != nil {
			progress(d + 1)
		}
	}
	st := &Stats{Rows: map[string]uint64{}, Spent: spent}
	for _, ru := range schema.Rollups {
		var n uint64
		if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s.%s", db, ru.Name)).Scan(&n); err != nil {
			return nil, err
		}
		st.Rows[ru.Name] = n
	}
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT sum(requests) FROM %s.traffic_1d", db)).Scan(&st.Requests); err != nil {
		return nil, err
	}
	st.Took = time.Since(start)
	return st, nil
}

// step fills one rollup: folded from the rows of a finer one already
// written (from), or drawn from generated requests when no finer rollup
// holds its dimensions and measures (from.Name == "").
type step struct {
	to, from schema.Rollup
}

// plan orders the rollups finest first and gives each the coarsest finer
// rollup it folds from, so that the rollups agree with each other exactly,
// as the materialized views make them, and only the few with dimensions of
// their own are drawn from generated requests.
func plan(rollups []schema.Rollup) []step {
	rs := slices.Clone(rollups)
	slices.SortStableFunc(rs, func(a, b schema.Rollup) int { return cmp.Compare(a.Step, b.Step) })
	var out []step
	for i, r := range rs {
		if r.Step > 86400 || 86400%r.Step != 0 {
			panic(fmt.Sprintf("BUG: rollup %s's %d s buckets do not divide a day: the fill works a day at a time", r.Name, r.Step))
		}
		st := step{to: r}
		for _, src := range rs[:i] {
			if r.FoldsFrom(src) && (st.from.Name == "" || src.Step > st.from.Step) {
				st.from = src
			}
		}
		out = append(out, st)
	}
	return out
}

type filler struct {
	conn driver.Conn
	db   string
	s    Scale
}

// written reports whether table already holds rows of day: Fill resumes
// an interrupted fill, and fills only the rollups a later migration added
// to a database filled before it.
func (f *filler) written(ctx context.Context, table string, day time.Time) (bool, error) {
	from, to := dayArgs(day)
	var n uint64
	err := f.conn.QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s.%s WHERE t >= toDateTime(?) AND t < toDateTime(?)", f.db, table), from, to).Scan(&n)
	return n > 0, err
}

func (f *filler) exec(ctx context.Context, sql string, args ...any) error {
	sql = strings.ReplaceAll(sql, "{db}", f.db)
	if err := f.conn.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("%w\n%s", err, sql)
	}
	return nil
}

func dayArgs(day time.Time) (uint32, uint32) {
	return uint32(day.Unix()), uint32(day.AddDate(0, 0, 1).Unix())
}

// drawHours is the time window of one drawing statement: whole hours (a
// heavy-hitters rollup keeps each hour's top), few enough that a
// statement's groups stay small at production scale.
const drawHours = 6

// fill writes one rollup's rows of day.
func (f *filler) fill(ctx context.Context, st step, day time.Time) error {
	if st.from.Name != "" {
		from, to := dayArgs(day)
		return f.exec(ctx, st.to.Fold("{db}", st.from, "t >= toDateTime(?) AND t < toDateTime(?)"), from, to)
	}
	for h := 0; h < 24; h += drawHours {
		if err := f.exec(ctx, st.to.InsertWeighted("{db}", f.requests(day, h*60, (h+drawHours)*60), "weight")); err != nil {
			return err
		}
	}
	return nil
}

// loadWorld writes the combos into a work table.
func (f *filler) loadWorld(ctx context.Context) error {
	combos := f.s.world()
	for _, ddl := range []string{
		"DROP TABLE IF EXISTS {db}.fill_combos",
		`CREATE TABLE {db}.fill_combos (id UInt32, customer String, host String, region String, pop String, country String,
    asns Array(UInt32), share Float64, phase Float64, bytes_per_req Float64, hit Float64, err5 Float64, latency_ms Float64) ENGINE = Memory`,
	} {
		if err := f.exec(ctx, ddl); err != nil {
			return err
		}
	}
	b, err := f.conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.fill_combos (id, customer, host, region, pop, country, asns, share, phase, bytes_per_req, hit, err5, latency_ms)", f.db))
	if err != nil {
		return err
	}
	for _, c := range combos {
		if err := b.Append(c.id, c.customer, c.host, c.region, c.pop, c.country, c.asns, c.share, c.phase, c.bytesPerReq, c.hit, c.err5, c.latencyMs); err != nil {
			return err
		}
	}
	return b.Send()
}
