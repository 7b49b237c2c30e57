//go:build chdb

package conformance

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/query/billing"
	queryserver "github.com/edgelog/edgelog/query/server"
)

// apiCalls are requests covering every query the query layer builds: each
// endpoint, each rollup a range and step can pick, each breakdown
// dimension and metric, scoped to a customer and not.
func apiCalls(customer string) []string {
	day := "from=2026-10-03T00:00:00Z&to=2026-10-04T00:00:00Z"
	hour := "from=2026-10-03T12:00:00Z&to=2026-10-03T13:00:00Z"
	fortnight := "from=2026-10-01T00:00:00Z&to=2026-10-15T00:00:00Z"
	week2 := "from=2026-10-08T00:00:00Z&to=2026-10-09T00:00:00Z"
	var calls []string
	for _, scope := range []string{"", "&customer=" + customer} {
		calls = append(calls,
			"/api/v1/customers?"+day+scope,
			"/api/v1/traffic/summary?"+hour+scope,
			"/api/v1/traffic/summary?"+day+scope,
			"/api/v1/traffic/summary?"+fortnight+scope,
			"/api/v1/perf/slowest?at=2026-10-08T12:00:00Z"+scope,
			"/api/v1/perf/slowest?at=2026-10-08T12:00:00Z&metric=ttfb&window=30m&baseline=6h"+scope,
			"/api/v1/ops/overview?at=2026-10-08T12:00:00Z"+scope,
			"/api/v1/requests?order=slowest&limit=50&"+hour+scope,
			"/api/v1/requests?status=2xx&cache_status=miss&path_prefix=/&min_ttfb_ms=1&limit=20&"+hour+scope,
		)
		for _, by := range []string{"host", "region", "pop", "country", "status_class", "cache_status"} {
			calls = append(calls,
				"/api/v1/traffic/breakdown?"+hour+"&by="+by+scope,
				"/api/v1/traffic/breakdown?"+day+"&by="+by+scope)
		}
		for _, by := range []string{"region", "pop", "country", "asn"} {
			for _, metric := range []string{"request_time", "ttfb"} {
				calls = append(calls, "/api/v1/perf/breakdown?"+week2+"&by="+by+"&metric="+metric+scope)
			}
		}
	}
	// Time series and top lists are per customer only.
	scoped := "&customer=" + customer
	calls = append(calls,
		"/api/v1/traffic/timeseries?"+hour+"&step=1m"+scoped,
		"/api/v1/traffic/timeseries?"+day+"&step=1h"+scoped,
		"/api/v1/traffic/timeseries?"+fortnight+"&step=24h"+scoped,
		"/api/v1/traffic/timeseries?"+day+"&step=5m"+scoped,
		"/api/v1/traffic/top?"+day+"&kind=hosts"+scoped,
		"/api/v1/traffic/top?"+day+"&kind=paths"+scoped,
	)
	return append(calls,
		"/api/v1/billing/bills?month=2026-10",
		"/api/v1/billing/bills?month=2026-10&format=csv",
		"/api/v1/billing/bill?month=2026-10&customer="+customer,
	)
}

// apiClient names the query layer's connection in the 18.16 query log,
// which keeps the SQL it ran with its parameters bound.
const apiClient = "edgelog-conformance-api"

// recordQueries serves apiCalls from the 18.16 server and returns the SQL
// text it ran, as its query log recorded it (parameters bound).
func recordQueries(t *testing.T, customer string) []string {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:       []string{server.Addr()},
		Settings:   clickhouse.Settings{"log_queries": 1},
		ClientInfo: clickhouse.ClientInfo{Products: []struct{ Name, Version string }{{apiClient, "1"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	store := &query.Store{Conn: conn, DB: db}
	ledger := &billing.Ledger{Store: store}
	h := (&queryserver.Server{Store: store, Billing: ledger, Log: slog.New(slog.NewTextHandler(testLog{t}, nil))}).Handler()
	for _, u := range apiCalls(customer) {
		req := httptest.NewRequest(http.MethodGet, u, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Errorf("18.16: GET %s: %d %s", u, w.Code, strings.TrimSpace(w.Body.String()))
		}
	}
	// Bill verification and month close read through the Ledger only.
	month := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	if _, diffs, err := ledger.VerifyMonth(ctx, nil, month); err != nil || len(diffs) > 0 {
		t.Errorf("18.16: bill verify: %v %v", diffs, err)
	}
	if _, err := ledger.Snapshots(ctx, month); err != nil {
		t.Errorf("18.16: snapshots: %v", err)
	}
	if err := conn.Exec(context.Background(), "SYSTEM FLUSH LOGS"); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(context.Background(), `SELECT query FROM system.query_log
WHERE type = 2 AND is_initial_query AND positionCaseInsensitive(client_name, ?) > 0
GROUP BY query ORDER BY min(event_time), query`, apiClient)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			t.Fatal(err)
		}
		out = append(out, q)
	}
	return out
}

func customers(blk *record.Block) []string {
	seen := map[string]bool{}
	for i := range blk.Len() {
		seen[blk.Str[record.Customer].String(i)] = true
	}
	var out []string
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// TestQueryLayerMatches replays every statement the query layer sent the
// 18.16 server against chDB's modern schema on the same rows and compares
// the answers: exact for counts, sums, strings and times; within the
// float rounding for quantiles (quantileTolerance).
func TestQueryLayerMatches(t *testing.T) {
	blk := loaded(t)
	queries := recordQueries(t, customers(blk)[0])
	if len(queries) < 40 {
		t.Fatalf("the query log holds %d query-layer statements, want at least 40", len(queries))
	}
	worst := map[int]float64{}
	for _, q := range queries {
		old, err := serverJSON(q)
		if err != nil {
			t.Errorf("18.16 cannot replay its own query: %v", err)
			continue
		}
		modern, err := chJSON(q)
		if err != nil {
			t.Errorf("chDB (modern schema) fails a query-layer statement: %v", err)
			continue
		}
		if strings.Contains(q, "system.") {
			continue // server state (parts, sizes): each engine has its own
		}
		dev, err := sameAnswer(q, old, modern)
		if err != nil {
			t.Errorf("answers differ: %v\n%s", err, q)
		}
		for i, d := range dev {
			worst[i] = max(worst[i], d)
		}
	}
	for d, n := range knownDefects {
		t.Logf("known defect, seen in %d answers: %s", n, d)
	}
	t.Logf("%d statements replayed; largest relative quantile deviation per level %v (tolerance %v)", len(queries), worst, quantileTolerance)
}

// testLog sends the API's log (its internal errors) to the test output.
type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
