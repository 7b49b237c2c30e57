package query_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/query/server"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files")

// recorder is a ClickHouse connection that writes down every statement and
// its bound arguments before running it on the real server.
type recorder struct {
	driver.Conn
	db  string
	mu  sync.Mutex
	log strings.Builder
}

func (r *recorder) note(sql string, args []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var a []string
	for _, v := range args {
		if s, ok := v.(string); ok {
			if s == r.db { // the test database's name varies by run
				s = "edgelog"
			}
			a = append(a, fmt.Sprintf("%q", s))
		} else {
			a = append(a, fmt.Sprint(v))
		}
	}
	fmt.Fprintf(&r.log, "-- args: %s\n%s;\n\n", strings.Join(a, ", "), strings.ReplaceAll(sql, r.db+".", "edgelog."))
}

func (r *recorder) Query(ctx context.Context, sql string, args ...any) (driver.Rows, error) {
	r.note(sql, args)
	return r.Conn.Query(ctx, sql, args...)
}

func (r *recorder) QueryRow(ctx context.Context, sql string, args ...any) driver.Row {
	r.note(sql, args)
	return r.Conn.QueryRow(ctx, sql, args...)
}

func (r *recorder) take() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.log.String()
	r.log.Reset()
	return s
}

// TestSQLGolden pins every statement each endpoint sends for a fixed
// request, with its bound arguments: a change to a query is a reviewed
// change to its golden file (go test -run SQLGolden -update ./query/). The
// files are also the list of every query the query layer can emit, run
// against modern ClickHouse by the schema conformance tests.
func TestSQLGolden(t *testing.T) {
	db := chtest.NewDB(t)
	load(t, db, 20_000, october, 31*24*time.Hour)
	rec := &recorder{Conn: chtest.Conn(t), db: db}
	// A day's watermark window: the load's INSERTs count however long the
	// run takes (with the default minute, a slow run would read the
	// watermark another way, and the overview's statements would differ).
	store := &query.Store{Conn: rec, DB: db, WatermarkWindow: 24 * time.Hour}
	srv := &server.Server{Store: store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Prices: testPrices(t)}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	day := "from=2026-10-10T00:00:00Z&to=2026-10-11T00:00:00Z"
	cases := map[string]string{
		"traffic_series_day_1m":      "/api/v1/traffic/timeseries?customer=acme&step=1m&" + day,
		"traffic_series_month_1h":    "/api/v1/traffic/timeseries?customer=acme&step=1h&" + monthRange,
		"traffic_series_all_day_5m":  "/api/v1/traffic/timeseries?step=5m&" + day,
		"perf_series_region_month":   "/api/v1/perf/timeseries?region=eu-west&step=24h&" + monthRange,
		"perf_series_pop_day":        "/api/v1/perf/timeseries?pop=bom1&customer=acme&metric=request_time&step=5m&" + day,
		"traffic_summary_month":      "/api/v1/traffic/summary?" + monthRange,
		"traffic_customers_month":    "/api/v1/customers?" + monthRange,
		"breakdown_host_day":         "/api/v1/traffic/breakdown?by=host&" + day,
		"breakdown_region_scoped":    "/api/v1/traffic/breakdown?by=region&customer=acme&" + monthRange,
		"breakdown_country_month":    "/api/v1/traffic/breakdown?by=country&" + monthRange,
		"breakdown_pop_day":          "/api/v1/traffic/breakdown?by=pop&customer=acme&" + day,
		"breakdown_status_class":     "/api/v1/traffic/breakdown?by=status_class&customer=acme&from=2026-10-10T10:00:00Z&to=2026-10-10T10:30:00Z&step=1m",
		"breakdown_cache_status":     "/api/v1/traffic/breakdown?by=cache_status&" + day,
		"top_paths_day":              "/api/v1/traffic/top?kind=paths&customer=acme&" + day,
		"top_hosts_month":            "/api/v1/traffic/top?kind=hosts&customer=acme&" + monthRange,
		"perf_breakdown_pop_day":     "/api/v1/perf/breakdown?by=pop&" + day,
		"perf_breakdown_region_ttfb": "/api/v1/perf/breakdown?by=region&metric=ttfb&customer=acme&" + day,
		"perf_breakdown_asn_day":     "/api/v1/perf/breakdown?by=asn&" + day,
		"perf_breakdown_country":     "/api/v1/perf/breakdown?by=country&" + monthRange,
		"perf_slowest":               "/api/v1/perf/slowest?at=2026-10-10T14:30:00Z",
		"ops_overview":               "/api/v1/ops/overview?at=2026-10-10T15:00:00Z",
		"ops_overview_scoped":        "/api/v1/ops/overview?customer=acme&at=2026-10-10T15:00:00Z",
		"billing_bill":               "/api/v1/billing/bill?month=2026-10&customer=acme",
		"billing_bills":              "/api/v1/billing/bills?month=2026-10",
		"requests_slowest_pop":       "/api/v1/requests?order=slowest&pop=bom1&limit=20&from=2026-10-10T14:00:00Z&to=2026-10-10T15:00:00Z",
		"requests_filtered_scoped":   "/api/v1/requests?customer=acme&host=www.acme.example&region=eu-west&server=edge-fra1-00&country=DE&asn=3320&status=5xx&cache_status=other&path_prefix=/img/&min_request_time_ms=250&min_ttfb_ms=100.5&metric=ttfb&from=2026-10-10T14:00:00Z&to=2026-10-10T14:30:00Z",
	}
	// In name order: the watermark holds state across requests (a cold
	// partition holds the last answer), so the order fixes the statements.
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		path := cases[name]
		if code := get(t, hs, "", path, nil); code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		sql := rec.take()
		file := filepath.Join("testdata", "golden", name+".sql")
		if *update {
			os.MkdirAll(filepath.Dir(file), 0o755)
			if err := os.WriteFile(file, []byte(sql), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if string(want) != sql {
			t.Errorf("%s (%s) changed:\n%s\nwant:\n%s", name, path, sql, want)
		}
	}
}
