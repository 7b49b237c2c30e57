package rollupfill

import (
	"context"
	"fmt"
	"math"
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
	defer conn.Exec(context.Background(), fmt.Sprintf("DROP TABLE IF EXISTS %s.fill_geo", db))
	spent := map[string]time.Duration{}
	steps := []struct {
		table string
		fill  func(context.Context, time.Time) error
	}{
		{"traffic_1m", f.minutes}, {"edge_servers_1m", f.edgeServers}, {"billing_5m", f.billing}, {"perf_1m", f.perfMinutes},
		{"traffic_1h", f.hours}, {"perf_geo_1h", f.perfGeo}, {"path_hits_1h", f.pathHits},
		{"perf_1h", f.perfHours}, {"perf_geo_1d", f.perfGeoDays},
		{"perf_all_1h", f.perfAllHours}, {"perf_geo_all_1d", f.perfGeoAllDays},
		{"billing_1d", f.billingDays}, {"perf_all_1m", f.perfAllMinutes},
	}
	for d := range s.Days {
		day := s.Start.AddDate(0, 0, d)
		for _, step := range steps {
			t := time.Now()
			if done, err := f.written(ctx, step.table, day); err != nil || done {
				if err != nil {
					return nil, err
				}
				continue
			}
			if err := step.fill(ctx, day); err != nil {
				return nil, fmt.Errorf("day %s: %s: %w", day.Format(time.DateOnly), step.table, err)
			}
			spent[step.table] += time.Since(t)
		}
		if progress != nil {
			progress(d + 1)
		}
	}
	if done, err := f.written(ctx, "traffic_1d", time.Time{}); err != nil {
		return nil, err
	} else if !done {
		if err := f.days(ctx); err != nil {
			return nil, err
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

type filler struct {
	conn driver.Conn
	db   string
	s    Scale
}

// written reports whether table already holds rows of day (of any day
// when day is zero): Fill resumes an interrupted fill, and fills only the
// rollups a later migration added to a database filled before it.
func (f *filler) written(ctx context.Context, table string, day time.Time) (bool, error) {
	from, to := dayArgs(day)
	if day.IsZero() {
		from, to = 0, math.MaxUint32
	}
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

// loadWorld writes the combos and ASN shares into two work tables.
func (f *filler) loadWorld(ctx context.Context) error {
	combos, geos := f.s.world()
	for _, ddl := range []string{
		"DROP TABLE IF EXISTS {db}.fill_combos", "DROP TABLE IF EXISTS {db}.fill_geo",
		`CREATE TABLE {db}.fill_combos (id UInt32, customer String, host String, region String, pop String, country String,
    share Float64, phase Float64, bytes_per_req Float64, hit Float64, err5 Float64, latency_ms Float64) ENGINE = Memory`,
		`CREATE TABLE {db}.fill_geo (customer String, region String, country String, asn UInt32, share Float64) ENGINE = Memory`,
	} {
		if err := f.exec(ctx, ddl); err != nil {
			return err
		}
	}
	b, err := f.conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.fill_combos (id, customer, host, region, pop, country, share, phase, bytes_per_req, hit, err5, latency_ms)", f.db))
	if err != nil {
		return err
	}
	for _, c := range combos {
		if err := b.Append(c.id, c.customer, c.host, c.region, c.pop, c.country, c.share, c.phase, c.bytesPerReq, c.hit, c.err5, c.latencyMs); err != nil {
			return err
		}
	}
	if err := b.Send(); err != nil {
		return err
	}
	if b, err = f.conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.fill_geo (customer, region, country, asn, share)", f.db)); err != nil {
		return err
	}
	for _, g := range geos {
		if err := b.Append(g.customer, g.region, g.country, g.asn, g.share); err != nil {
			return err
		}
	}
	return b.Send()
}

func dayArgs(day time.Time) (uint32, uint32) {
	return uint32(day.Unix()), uint32(day.AddDate(0, 0, 1).Unix())
}

// minutes draws traffic_1m for one day: each combo's share of the day's
// requests along its region's diurnal curve (a cosine peaking at 20:00
// local, trough at a tenth of the peak, mean 1 after dividing by 0.55),
// with ±10% noise per minute.
func (f *filler) minutes(ctx context.Context, day time.Time) error {
	perMinute := f.s.RequestsPerDay / 1440
	slowFrom, slowTo := uint32(f.s.SlowFrom.Unix()), uint32(f.s.SlowTo.Unix())
	return f.exec(ctx, `INSERT INTO {db}.traffic_1m (t, customer, host, region, pop, country, requests, bytes_out, bytes_in,
    cache_hit, cache_miss, bytes_hit, status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, request_time_us_sum)
SELECT t, customer, host, region, pop, country, r,
    toUInt64(r * bytes_per_req) AS bo, toUInt64(r * 420),
    toUInt64(r * hit) AS h, toUInt64((r - h) * 0.95), toUInt64(bo * hit),
    toUInt64(0), r - s3 - s4 - s5, toUInt64(r * 0.05) AS s3, toUInt64(r * 0.02) AS s4, toUInt64(r * err5) AS s5,
    toUInt64(r * latency_ms * 1000 * if(pop = ? AND t >= toDateTime(?) AND t < toDateTime(?), ?, 1))
FROM (
    SELECT toDateTime(?) + m * 60 AS t, customer, host, region, pop, country, bytes_per_req, hit, err5, latency_ms,
        toUInt64(round(share * ? * (0.55 + 0.45 * cos(2 * pi() * (m / 1440 - phase))) / 0.55
            * (0.9 + 0.2 * (cityHash64(id, ?, m) % 1000) / 999))) AS r
    FROM {db}.fill_combos
    ARRAY JOIN range(1440) AS m
)
WHERE r > 0`, f.s.SlowPoP, slowFrom, slowTo, f.s.SlowFactor, uint32(day.Unix()), perMinute, uint32(day.Unix()))
}

// edgeServers splits each PoP's minute across its servers, exactly.
func (f *filler) edgeServers(ctx context.Context, day time.Time) error {
	from, to := dayArgs(day)
	return f.exec(ctx, `INSERT INTO {db}.edge_servers_1m (t, region, pop, server, requests, bytes_out)
SELECT t, region, pop, concat(pop, '-', toString(k)),
    intDiv(r, n) + (k < r % n), intDiv(b, n) + (k < b % n)
FROM (
    SELECT t, region, pop, sum(requests) AS r, sum(bytes_out) AS b, toUInt64(?) AS n
    FROM {db}.traffic_1m WHERE t >= toDateTime(?) AND t < toDateTime(?)
    GROUP BY t, region, pop
)
ARRAY JOIN range(?) AS k`, f.s.ServersPerPoP, from, to, f.s.ServersPerPoP)
}

func (f *filler) billing(ctx context.Context, day time.Time) error {
	from, to := dayArgs(day)
	return f.exec(ctx, `INSERT INTO {db}.billing_5m (t, customer, region, requests, bytes_out, bytes_in)
SELECT toStartOfFiveMinute(t) AS t5, customer, region, sum(requests), sum(bytes_out), sum(bytes_in)
FROM {db}.traffic_1m WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY t5, customer, region`, from, to)
}

// latencySample draws the k-th latency of a group with mean `mean` µs: an
// exponential tail (inverse CDF of a hashed uniform) over a floor of 40% of
// the mean, the shape of CDN request times.
const latencySample = `toUInt32(mean * (0.4 + 0.6 * -log(1 - ((cityHash64(%s, k) %% 100000) + 0.5) / 100000)))`

func (f *filler) perfMinutes(ctx context.Context, day time.Time) error {
	from, to := dayArgs(day)
	sample := fmt.Sprintf(latencySample, "t, pop, customer")
	return f.exec(ctx, fmt.Sprintf(`INSERT INTO {db}.perf_1m (t, region, pop, customer, requests, errors_4xx, errors_5xx, ttfb_us_q, request_time_us_q)
SELECT t, region, pop, customer, any(r), any(e4), any(e5),
    quantilesTDigestState(%s)(toUInt32(%s * 0.4)), quantilesTDigestState(%s)(%s)
FROM (
    SELECT t, region, pop, customer, sum(requests) AS r, sum(status_4xx) AS e4, sum(status_5xx) AS e5,
        sum(request_time_us_sum) / sum(requests) AS mean
    FROM {db}.traffic_1m WHERE t >= toDateTime(?) AND t < toDateTime(?)
    GROUP BY t, region, pop, customer
)
ARRAY JOIN range(?) AS k
GROUP BY t, region, pop, customer`, schema.Quantiles, sample, schema.Quantiles, sample), from, to, f.s.LatencySamples)
}

func (f *filler) hours(ctx context.Context, day time.Time) error {
	from, to := dayArgs(day)
	return f.exec(ctx, `INSERT INTO {db}.traffic_1h (t, customer, host, region, pop, country, requests, bytes_out, bytes_in,
    cache_hit, cache_miss, bytes_hit, status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, request_time_us_sum)
SELECT toStartOfHour(t) AS h, customer, host, region, pop, country, sum(requests), sum(bytes_out), sum(bytes_in),
    sum(cache_hit), sum(cache_miss), sum(bytes_hit), sum(status_1xx), sum(status_2xx), sum(status_3xx), sum(status_4xx),
    sum(status_5xx), sum(request_time_us_sum)
FROM {db}.traffic_1m WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY h, customer, host, region, pop, country`, from, to)
}

// perfGeo splits each (customer, region, country) hour across the
// country's ASNs (60/30/10%), then draws its latency states.
func (f *filler) perfGeo(ctx context.Context, day time.Time) error {
	from, to := dayArgs(day)
	sample := fmt.Sprintf(latencySample, "t, country, asn, customer")
	return f.exec(ctx, fmt.Sprintf(`INSERT INTO {db}.perf_geo_1h (t, region, country, asn, customer, requests, errors_4xx, errors_5xx, ttfb_us_q, request_time_us_q)
SELECT t, region, country, asn, customer, any(r), any(e4), any(e5),
    quantilesTDigestState(%s)(toUInt32(%s * 0.4)), quantilesTDigestState(%s)(%s)
FROM (
    SELECT t, region, country, asn, customer, toUInt64(r0 * share) AS r, toUInt64(e40 * share) AS e4, toUInt64(e50 * share) AS e5, mean
    FROM (
        SELECT t, region, country, customer, sum(requests) AS r0, sum(status_4xx) AS e40, sum(status_5xx) AS e50,
            sum(request_time_us_sum) / sum(requests) AS mean
        FROM {db}.traffic_1h WHERE t >= toDateTime(?) AND t < toDateTime(?)
        GROUP BY t, region, country, customer
    ) ALL INNER JOIN {db}.fill_geo USING (customer, region, country)
)
ARRAY JOIN range(?) AS k
GROUP BY t, region, country, asn, customer`, schema.Quantiles, sample, schema.Quantiles, sample), from, to, f.s.LatencySamples)
}

// pathHits spreads each host-hour's requests and bytes over the host's
// paths along a Zipf curve and keeps the most requested, as path_hits_1h's
// view keeps each insert block's heavy hitters. A customer's hosts share
// some paths, so ranking a customer merges hosts.
func (f *filler) pathHits(ctx context.Context, day time.Time) error {
	from, to := dayArgs(day)
	harmonic := 0.0 // the Zipf curve's normalising sum
	for k := 1; k <= f.s.PathsPerHost; k++ {
		harmonic += 1 / float64(k)
	}
	return f.exec(ctx, `INSERT INTO {db}.path_hits_1h (t, customer, host, path, requests, bytes_out)
SELECT t, customer, host, concat('/assets/', toString(k + (cityHash64(host) % 3) * 50), '.js'),
    toUInt64(r / (k + 1) / ?), toUInt64(b / (k + 1) / ?)
FROM (
    SELECT t, customer, host, sum(requests) AS r, sum(bytes_out) AS b
    FROM {db}.traffic_1h WHERE t >= toDateTime(?) AND t < toDateTime(?)
    GROUP BY t, customer, host
)
ARRAY JOIN range(?) AS k`, harmonic, harmonic, from, to, min(schema.PathsKeptPerBlock, f.s.PathsPerHost))
}

// billingDays folds a day of billing_5m into billing_1d.
func (f *filler) billingDays(ctx context.Context, day time.Time) error {
	from, to := dayArgs(day)
	return f.exec(ctx, schema.FoldBillingDays("{db}", "t >= toDateTime(?) AND t < toDateTime(?)"), from, to)
}

func (f *filler) perfAllMinutes(ctx context.Context, day time.Time) error {
	return f.mergePerf(ctx, day, "perf_all_1m", "perf_1m", "toStartOfMinute", "region, pop")
}

// perfHours and perfGeoDays merge the finer latency states of a day into
// the coarse latency rollups, as their views would have built them.
func (f *filler) perfHours(ctx context.Context, day time.Time) error {
	return f.mergePerf(ctx, day, "perf_1h", "perf_1m", "toStartOfHour", "region, pop, customer")
}

func (f *filler) perfGeoDays(ctx context.Context, day time.Time) error {
	return f.mergePerf(ctx, day, "perf_geo_1d", "perf_geo_1h", "toStartOfDay", "region, country, asn, customer")
}

func (f *filler) perfAllHours(ctx context.Context, day time.Time) error {
	return f.mergePerf(ctx, day, "perf_all_1h", "perf_1h", "toStartOfHour", "region, pop")
}

func (f *filler) perfGeoAllDays(ctx context.Context, day time.Time) error {
	return f.mergePerf(ctx, day, "perf_geo_all_1d", "perf_geo_1d", "toStartOfDay", "region, country, asn")
}

func (f *filler) mergePerf(ctx context.Context, day time.Time, to, from, bucket, dims string) error {
	lo, hi := dayArgs(day)
	return f.exec(ctx, fmt.Sprintf(`INSERT INTO {db}.%s (t, %s, requests, errors_4xx, errors_5xx, ttfb_us_q, request_time_us_q)
SELECT %s(t) AS b, %s, sum(requests), sum(errors_4xx), sum(errors_5xx),
    quantilesTDigestMergeState(%s)(ttfb_us_q), quantilesTDigestMergeState(%s)(request_time_us_q)
FROM {db}.%s WHERE t >= toDateTime(?) AND t < toDateTime(?)
GROUP BY b, %s`, to, dims, bucket, dims, schema.Quantiles, schema.Quantiles, from, dims), lo, hi)
}

// days aggregates traffic_1d from traffic_1h once every hour is written.
func (f *filler) days(ctx context.Context) error {
	return f.exec(ctx, `INSERT INTO {db}.traffic_1d (t, customer, host, region, pop, country, requests, bytes_out, bytes_in,
    cache_hit, cache_miss, bytes_hit, status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, request_time_us_sum)
SELECT toStartOfDay(t) AS d, customer, host, region, pop, country, sum(requests), sum(bytes_out), sum(bytes_in),
    sum(cache_hit), sum(cache_miss), sum(bytes_hit), sum(status_1xx), sum(status_2xx), sum(status_3xx), sum(status_4xx),
    sum(status_5xx), sum(request_time_us_sum)
FROM {db}.traffic_1h
GROUP BY d, customer, host, region, pop, country`)
}
