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
	// Drawing is the time spent generating the requests the drawn rollups
	// are written from.
	Drawing time.Duration
}

// Fill writes s's traffic into the rollups of db (migrated). It works a
// day at a time so no statement holds a month in memory, and skips each
// table-day that already holds rows, so a fill interrupted resumes.
func Fill(ctx context.Context, conn driver.Conn, db string, s Scale, progress func(day int)) (*Stats, error) {
	start := time.Now()
	st := &Stats{Rows: map[string]uint64{}, Spent: map[string]time.Duration{}}
	f := filler{conn: conn, db: db, s: s, st: st}
	if err := f.loadWorld(ctx); err != nil {
		return nil, err
	}
	defer conn.Exec(context.Background(), fmt.Sprintf("DROP TABLE IF EXISTS %s.fill_combos", db))
	defer conn.Exec(context.Background(), fmt.Sprintf("DROP TABLE IF EXISTS %s.fill_requests", db))
	var draw, fold []step
	for _, p := range plan(schema.Rollups) {
		if p.from.Name == "" {
			draw = append(draw, p)
		} else {
			fold = append(fold, p)
		}
	}
	for d := range s.Days {
		day := s.Start.AddDate(0, 0, d)
		// Drawn first: every fold reads rollups written before it.
		todo, err := f.missing(ctx, draw, day)
		if err != nil {
			return nil, err
		}
		if err := f.draw(ctx, todo, day); err != nil {
			return nil, fmt.Errorf("day %s: %w", day.Format(time.DateOnly), err)
		}
		if todo, err = f.missing(ctx, fold, day); err != nil {
			return nil, err
		}
		for _, p := range todo {
			t := time.Now()
			from, to := dayArgs(day)
			if err := f.exec(ctx, p.to.Fold("{db}", p.from, "t >= toDateTime(?) AND t < toDateTime(?)"), from, to); err != nil {
				return nil, fmt.Errorf("day %s: %s: %w", day.Format(time.DateOnly), p.to.Name, err)
			}
			st.Spent[p.to.Name] += time.Since(t)
		}
		if progress != nil {
			progress(d + 1)
		}
	}
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
	st   *Stats
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
	return uint32(day.Unix()), uint32(day.AddDate(0, 0, 1).Unix()) // #nosec G115 -- generated days within DateTime's range
}

// missing returns the steps whose rollup holds no row of day yet.
func (f *filler) missing(ctx context.Context, steps []step, day time.Time) ([]step, error) {
	var out []step
	for _, p := range steps {
		done, err := f.written(ctx, p.to.Name, day)
		if err != nil {
			return nil, err
		}
		if !done {
			out = append(out, p)
		}
	}
	return out, nil
}

// drawHours is the time window of the requests generated at once: whole
// hours (a heavy-hitters rollup keeps each hour's top), few enough that
// they take about 0.5 GB at production scale.
const drawHours = 3

// draw writes the rollups of steps for day from generated requests, a
// window at a time: the requests are generated once into a work table,
// then each rollup's view reads them.
func (f *filler) draw(ctx context.Context, steps []step, day time.Time) error {
	if len(steps) == 0 {
		return nil
	}
	for h := 0; h < 24; h += drawHours {
		t := time.Now()
		if err := f.exec(ctx, "DROP TABLE IF EXISTS {db}.fill_requests"); err != nil {
			return err
		}
		if err := f.exec(ctx, "CREATE TABLE {db}.fill_requests ENGINE = Memory AS "+f.requests(day, h*60, (h+drawHours)*60)); err != nil {
			return err
		}
		f.st.Drawing += time.Since(t)
		for _, p := range steps {
			t := time.Now()
			if err := f.exec(ctx, p.to.InsertWeighted("{db}", f.rawShaped("{db}.fill_requests"), "weight")); err != nil {
				return fmt.Errorf("%s: %w", p.to.Name, err)
			}
			f.st.Spent[p.to.Name] += time.Since(t)
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
    asns Array(UInt32), slot UInt32, share Float64, phase Float64, bytes_per_req Float64, hit Float64, err5 Float64, latency_ms Float64) ENGINE = Memory`,
	} {
		if err := f.exec(ctx, ddl); err != nil {
			return err
		}
	}
	b, err := f.conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.fill_combos (id, customer, host, region, pop, country, asns, slot, share, phase, bytes_per_req, hit, err5, latency_ms)", f.db))
	if err != nil {
		return err
	}
	for _, c := range combos {
		if err := b.Append(c.id, c.customer, c.host, c.region, c.pop, c.country, c.asns, c.slot, c.share, c.phase, c.bytesPerReq, c.hit, c.err5, c.latencyMs); err != nil {
			return err
		}
	}
	return b.Send()
}
