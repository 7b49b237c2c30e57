package query_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/query/billing"
	"github.com/edgelog/edgelog/query/server"
	"github.com/edgelog/edgelog/schema"
)

func TestMain(m *testing.M) { chtest.Main(m) }

var october = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// expect is what the generated rows hold, computed here from the events,
// independently of ClickHouse and of the query package.
type expect struct {
	requests map[string]uint64
	bytes    map[string]uint64
	byRegion map[string]map[string]uint64
	samples  map[string]map[int64]uint64  // customer -> 5-minute slot -> bytes
	regions  map[string]uint64            // region -> requests
	minutes  map[string]map[int64]uint64  // customer -> minute -> requests
	servers  map[int64]map[string]bool    // minute -> edge servers logging
	paths    map[string]map[string]uint64 // customer -> path -> requests
}

// load generates a month of traffic, turns each event into a record the way
// the collector does (format, parse, enrich), inserts the rows and returns
// the expectations.
func load(t testing.TB, db string, lines int, start time.Time, d time.Duration) expect {
	t.Helper()
	g, err := gen.New(gen.Options{Lines: lines, Seed: 5, Start: start, Duration: d, Customers: 6})
	if err != nil {
		t.Fatal(err)
	}
	enr := enrich.New(g.EdgeConfig())
	p := nginx.MustCompile(nginx.Edge)
	f, _ := gen.NewFormatter("nginx")
	ex := expect{requests: map[string]uint64{}, bytes: map[string]uint64{}, byRegion: map[string]map[string]uint64{},
		samples: map[string]map[int64]uint64{}, regions: map[string]uint64{},
		minutes: map[string]map[int64]uint64{}, servers: map[int64]map[string]bool{}, paths: map[string]map[string]uint64{}}
	var blk record.Block
	var e gen.Event
	var r record.Record
	for g.Next(&e) {
		if err := p.Parse(f.AppendLine(nil, &e), &r); err != nil {
			t.Fatal(err)
		}
		enr.Enrich(&r)
		blk.Append(&r)
		c := e.Customer
		ex.requests[c]++
		ex.bytes[c] += e.BytesSent
		if ex.byRegion[c] == nil {
			ex.byRegion[c], ex.samples[c] = map[string]uint64{}, map[int64]uint64{}
		}
		ex.byRegion[c][e.Region] += e.BytesSent
		ex.samples[c][e.TimeMs/300_000] += e.BytesSent
		ex.regions[e.Region]++
		m := e.TimeMs / 60_000
		if ex.minutes[c] == nil {
			ex.minutes[c] = map[int64]uint64{}
		}
		ex.minutes[c][m]++
		if ex.servers[m] == nil {
			ex.servers[m] = map[string]bool{}
		}
		ex.servers[m][e.Server] = true
		if ex.paths[c] == nil {
			ex.paths[c] = map[string]uint64{}
		}
		ex.paths[c][string(r.Str[record.Path])]++
	}
	conn := chtest.Conn(t)
	if err := ingest.InsertBlock(context.Background(), conn, db, schema.Dialect{}, &blk); err != nil {
		t.Fatal(err)
	}
	return ex
}

// p95 is the 95th-percentile rule, written out again from its definition:
// every 5-minute slot of the month, sorted descending, the top 5% dropped.
func p95Mbps(month time.Time, samples map[int64]uint64) float64 {
	slots := int(month.AddDate(0, 1, 0).Sub(month) / (5 * time.Minute))
	v := make([]uint64, slots)
	i := 0
	for _, b := range samples {
		v[i] = b
		i++
	}
	sort.Slice(v, func(i, j int) bool { return v[i] > v[j] })
	return float64(v[slots/20]) * 8 / 300 / 1e6
}

const (
	tokAcme    = "tok-acme"
	tokFinance = "tok-finance"
	tokEng     = "tok-eng"
)

func newServer(t testing.TB, db string, prices *billing.PriceBook) *httptest.Server {
	t.Helper()
	srv := &server.Server{
		Store: &query.Store{Conn: chtest.Conn(t), DB: db},
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Tokens: server.NewTokens(map[string]server.Principal{
			tokAcme:    {Name: "acme", Role: server.RoleCustomer, Customer: "acme"},
			tokFinance: {Name: "finance", Role: server.RoleFinance},
			tokEng:     {Name: "eng", Role: server.RoleEngineer},
		}),
		Prices: prices,
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return hs
}

func get(t *testing.T, hs *httptest.Server, token, path string, into any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, hs.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && into != nil {
		if s, ok := into.(*string); ok {
			*s = string(body)
		} else if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, body)
		}
	}
	return resp.StatusCode
}

const monthRange = "from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z"

func testPrices(t *testing.T) *billing.PriceBook {
	t.Helper()
	path := filepath.Join(t.TempDir(), "prices.yaml")
	os.WriteFile(path, []byte(`currency: USD
default_plan: standard
plans:
  standard:
    per_gb:
      "*":
        - {up_to_gb: 100, price: "0.085"}
        - {price: "0.060"}
      ap-south:
        - {price: "0.110"}
    per_10k_requests: "0.0075"
`), 0o644)
	pb, err := billing.LoadPriceBook(path)
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

func TestTenancyAndBills(t *testing.T) {
	db := chtest.NewDB(t)
	ex := load(t, db, 60_000, october, 30*24*time.Hour)
	hs := newServer(t, db, testPrices(t))

	// A customer token sees its own customer only, whatever it asks.
	var sum api.Summary
	if code := get(t, hs, tokAcme, "/api/v1/traffic/summary?"+monthRange, &sum); code != 200 {
		t.Fatalf("summary: %d", code)
	}
	if len(sum.Customers) != 1 || sum.Customers[0].Customer != "acme" || sum.Customers[0].Requests != ex.requests["acme"] {
		t.Fatalf("acme's summary: %+v, want acme with %d requests", sum.Customers, ex.requests["acme"])
	}
	for _, path := range []string{
		"/api/v1/traffic/summary?customer=globex&" + monthRange,
		"/api/v1/traffic/timeseries?customer=globex&step=24h&" + monthRange,
		"/api/v1/billing/bill?month=2026-10&customer=globex",
		"/api/v1/perf/breakdown?customer=globex&" + monthRange,
	} {
		if code := get(t, hs, tokAcme, path, nil); code != http.StatusForbidden {
			t.Errorf("acme token on %s: %d, want 403", path, code)
		}
	}
	if code := get(t, hs, tokEng, "/api/v1/billing/bills?month=2026-10", nil); code != http.StatusForbidden {
		t.Errorf("engineer token on bills: %d, want 403", code)
	}
	if code := get(t, hs, tokFinance, "/api/v1/perf/breakdown?"+monthRange, nil); code != http.StatusForbidden {
		t.Errorf("finance token on perf: %d, want 403", code)
	}
	if code := get(t, hs, "", "/api/v1/traffic/summary?"+monthRange, nil); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}
	if code := get(t, hs, "nope", "/api/v1/traffic/summary?"+monthRange, nil); code != http.StatusUnauthorized {
		t.Errorf("unknown token: %d, want 401", code)
	}

	// Finance: every bill, exact against the events.
	var all struct{ Bills []api.Bill }
	if code := get(t, hs, tokFinance, "/api/v1/billing/bills?month=2026-10", &all); code != 200 {
		t.Fatalf("bills: %d", code)
	}
	if len(all.Bills) != len(ex.requests) {
		t.Fatalf("%d bills, want %d", len(all.Bills), len(ex.requests))
	}
	for _, b := range all.Bills {
		c := b.Customer
		if b.Requests != ex.requests[c] || b.BytesOut != ex.bytes[c] {
			t.Errorf("%s: bill %d requests %d bytes, generated %d %d", c, b.Requests, b.BytesOut, ex.requests[c], ex.bytes[c])
		}
		for r, v := range ex.byRegion[c] {
			if b.ByRegion[r] != v {
				t.Errorf("%s %s: bill %d bytes, generated %d", c, r, b.ByRegion[r], v)
			}
		}
		if want := p95Mbps(october, ex.samples[c]); fmt.Sprintf("%.9f", b.P95Mbps) != fmt.Sprintf("%.9f", want) {
			t.Errorf("%s: p95 %.9f Mbps, want %.9f", c, b.P95Mbps, want)
		}
		if b.Samples != 31*288 || b.Total == "" || len(b.Lines) == 0 {
			t.Errorf("%s: %d samples, total %q, %d lines", c, b.Samples, b.Total, len(b.Lines))
		}
	}
	var csv string
	if code := get(t, hs, tokAcme, "/api/v1/billing/bill?month=2026-10&format=csv", &csv); code != 200 || !strings.Contains(csv, "acme,2026-10,total") || strings.Contains(csv, "globex") {
		t.Errorf("acme's CSV bill (%d):\n%s", code, csv)
	}

	// Breakdowns add up to the whole.
	var br api.Breakdown
	if code := get(t, hs, tokEng, "/api/v1/traffic/breakdown?by=region&limit=100&"+monthRange, &br); code != 200 {
		t.Fatalf("breakdown: %d", code)
	}
	if br.Table != "traffic_1d" {
		t.Errorf("a month's breakdown read %s, want traffic_1d", br.Table)
	}
	for _, row := range br.Rows {
		if row.Requests != ex.regions[row.Key] {
			t.Errorf("region %s: %d requests, generated %d", row.Key, row.Requests, ex.regions[row.Key])
		}
	}

	var total uint64
	for _, n := range ex.requests {
		total += n
	}
	for _, by := range []string{"host", "pop", "country", "status_class", "cache_status"} {
		var b api.Breakdown
		if code := get(t, hs, tokEng, "/api/v1/traffic/breakdown?limit=1000&by="+by+"&"+monthRange, &b); code != 200 {
			t.Fatalf("breakdown by %s: %d", by, code)
		}
		var sum uint64
		for _, row := range b.Rows {
			sum += row.Requests
		}
		if sum != total {
			t.Errorf("breakdown by %s adds up to %d requests, generated %d", by, sum, total)
		}
	}
	var perf api.PerfBreakdown
	if code := get(t, hs, tokEng, "/api/v1/perf/breakdown?by=country&metric=request_time&"+monthRange, &perf); code != 200 || len(perf.Rows) == 0 || perf.Rows[0].P90Ms <= 0 {
		t.Errorf("perf breakdown by country (%d): %+v", code, perf)
	}
	// One insert block holds fewer distinct paths per host-hour than
	// path_hits_1h keeps, so the counts are exact.
	var top api.Top
	if code := get(t, hs, tokAcme, "/api/v1/traffic/top?kind=paths&limit=5&"+monthRange, &top); code != 200 || len(top.Items) != 5 {
		t.Fatalf("acme's top paths (%d): %+v", code, top)
	}
	ranked := make([]string, 0, len(ex.paths["acme"]))
	for p := range ex.paths["acme"] {
		ranked = append(ranked, p)
	}
	sort.Slice(ranked, func(i, j int) bool {
		a, b := ex.paths["acme"][ranked[i]], ex.paths["acme"][ranked[j]]
		return a > b || a == b && ranked[i] < ranked[j]
	})
	for i, item := range top.Items {
		if item.Key != ranked[i] || item.Requests != ex.paths["acme"][ranked[i]] {
			t.Errorf("top path %d: %s %d requests, want %s %d", i+1, item.Key, item.Requests, ranked[i], ex.paths["acme"][ranked[i]])
		}
	}

	// Verification from raw rows finds nothing.
	ledger := &billing.Ledger{Store: &query.Store{Conn: chtest.Conn(t), DB: db}}
	_, diffs, err := ledger.VerifyMonth(context.Background(), testPrices(t), october)
	if err != nil || len(diffs) != 0 {
		t.Fatalf("verify: %v %+v", err, diffs)
	}
}

// TestMonthClose closes October, adds late October rows, and expects them
// on November's bill as an adjustment while October's snapshot stays.
func TestMonthClose(t *testing.T) {
	db := chtest.NewDB(t)
	load(t, db, 20_000, october, 30*24*time.Hour)
	ledger := &billing.Ledger{Store: &query.Store{Conn: chtest.Conn(t), DB: db}}
	ctx := context.Background()
	pb := testPrices(t)
	closed, err := ledger.CloseMonth(ctx, pb, october)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.CloseMonth(ctx, pb, october); err == nil {
		t.Fatal("October closed twice")
	}
	late := load(t, db, 3_000, october.Add(20*24*time.Hour), time.Hour)
	november := october.AddDate(0, 1, 0)
	bills, err := ledger.Bills(ctx, pb, november, "")
	if err != nil {
		t.Fatal(err)
	}
	if bills, err = ledger.WithAdjustments(ctx, pb, november, bills, ""); err != nil {
		t.Fatal(err)
	}
	adjusted := 0
	for _, b := range bills {
		for _, l := range b.Lines {
			if l.Item == "adjustment" {
				adjusted++
				if late.bytes[b.Customer] == 0 || l.Quantity != fmt.Sprint(late.bytes[b.Customer]) {
					t.Errorf("%s: adjustment of %s bytes, late data %d bytes", b.Customer, l.Quantity, late.bytes[b.Customer])
				}
			}
		}
	}
	if adjusted != len(late.bytes) {
		t.Errorf("%d adjustments, want one per customer with late data (%d)", adjusted, len(late.bytes))
	}
	snaps, err := ledger.Snapshots(ctx, october)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range closed {
		if s := snaps[b.Customer]; s.Bill.Total != b.Total || s.Version != 1 {
			t.Errorf("%s: snapshot %+v changed from the closed bill total %s", b.Customer, s, b.Total)
		}
	}
}

func TestBadRequests(t *testing.T) {
	db := chtest.NewDB(t)
	hs := newServer(t, db, nil)
	for _, path := range []string{
		"/api/v1/traffic/timeseries?customer=acme&from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z&step=1m",
		"/api/v1/traffic/timeseries?customer=acme&from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z",
		"/api/v1/traffic/timeseries?customer=acme&from=yesterday&to=2026-10-01T00:00:00Z",
		"/api/v1/traffic/breakdown?by=path%3BDROP&" + monthRange,
		"/api/v1/traffic/breakdown?limit=0&" + monthRange,
		"/api/v1/perf/breakdown?by=asn&from=2026-10-01T00:30:00Z&to=2026-10-01T02:00:00Z",
		"/api/v1/perf/slowest?metric=cpu",
		"/api/v1/billing/bills?month=October",
		// Out of range before any conversion to UInt32 seconds:
		// 71582789m is 2^32+44 seconds.
		"/api/v1/traffic/timeseries?customer=acme&step=71582789m&" + monthRange,
		"/api/v1/perf/timeseries?customer=acme&step=71582789m&" + monthRange,
		"/api/v1/traffic/timeseries?customer=acme&step=-5m&" + monthRange,
		"/api/v1/traffic/summary?customer=acme&from=2200-01-01T00:00:00Z&to=2200-02-01T00:00:00Z",
		"/api/v1/traffic/breakdown?customer=acme&from=1969-01-01T00:00:00Z&to=1970-02-01T00:00:00Z",
		"/api/v1/ops/overview?at=2200-01-01T00:00:00Z",
		"/api/v1/ops/overview?at=1970-01-01T12:00:00Z",
		"/api/v1/perf/slowest?at=2200-01-01T00:00:00Z",
		// Unknown or repeated parameters: never computed, never cached
		// (1 MB of junk per request filled the cache).
		"/api/v1/traffic/summary?customer=acme&junk=" + strings.Repeat("x", 1000) + "&" + monthRange,
		"/api/v1/traffic/summary?customer=acme&customer=globex&" + monthRange,
		"/api/v1/billing/bills?month=2026-10&customer=acme",
		"/api/v1/billing/bills?month=2200-01",
		"/api/v1/billing/bill?customer=acme&month=1969-12",
	} {
		if code := get(t, hs, tokEng, path, nil); code != http.StatusBadRequest && code != http.StatusForbidden {
			t.Errorf("%s: %d, want 400", path, code)
		}
	}
}

// FuzzAPIParams sends arbitrary query strings with a customer token: the
// answer is 200, 400 or 403, never a server error, and never holds another
// customer's name. Every identifier reaches SQL through an allow-list and
// every value as a bound parameter, so no text reaches ClickHouse
// unvalidated.
func FuzzAPIParams(f *testing.F) {
	db := chtest.NewDB(f)
	hs := httptest.NewServer((&server.Server{
		Store:  &query.Store{Conn: chtest.Conn(f), DB: db},
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Tokens: server.NewTokens(map[string]server.Principal{tokAcme: {Role: server.RoleCustomer, Customer: "acme"}}),
	}).Handler())
	defer hs.Close()
	for _, seed := range []string{
		"traffic/summary?" + monthRange,
		"traffic/timeseries?customer=globex&step=5m&" + monthRange,
		"traffic/breakdown?by=host' OR 1=1 --&" + monthRange,
		"traffic/top?kind=paths&customer=acme&" + monthRange,
		"perf/breakdown?by=country&metric=ttfb&" + monthRange,
		"perf/slowest?window=15m&baseline=3h&limit=5",
		"billing/bill?month=2026-10&format=csv",
		"customers?" + monthRange,
		"requests?order=slowest&host=www.globex.example&from=2026-10-01T10:00:00Z&to=2026-10-01T11:00:00Z",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, pathAndQuery string) {
		req, err := http.NewRequest(http.MethodGet, hs.URL+"/api/v1/"+pathAndQuery, nil)
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+tokAcme)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		switch resp.StatusCode {
		case 200, 400, 403, 404, 405:
		default:
			t.Fatalf("%s: %d %s", pathAndQuery, resp.StatusCode, body)
		}
		if strings.Contains(string(body), "globex") && !strings.Contains(pathAndQuery, "globex") {
			t.Fatalf("%s: answer names another customer: %s", pathAndQuery, body)
		}
	})
}

// TestOverview checks the operations wall's figures against the generated
// events: totals over the last 24 hours (whole hours from traffic_1h, the
// ragged ends from traffic_1m), the busiest minute of the day, the last
// minute, and the servers that logged in the last five minutes.
func TestOverview(t *testing.T) {
	db := chtest.NewDB(t)
	day := time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)
	ex := load(t, db, 40_000, day.Add(-12*time.Hour), 36*time.Hour)
	hs := newServer(t, db, nil)
	at := day.Add(13*time.Hour + 37*time.Minute)
	atMin := at.Unix() / 60
	// Field fallbacks as ingest writes them, one row per message, field
	// and reason: message 1's written twice (a retried INSERT), which
	// counts once; one message before the window, one at its end.
	conn, err := chconn.Open(context.Background(), chtest.Config(t, db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	type fbRow struct {
		at              time.Time
		cust, f, reason string
		lines, offset   uint64
	}
	ctx := context.Background()
	for _, rows := range [][]fbRow{
		{{at.Add(-time.Hour), "acme", "client_ip", "address_list", 5, 1}, {at.Add(-time.Hour), "acme", "line", "extra", 2, 1}},
		{{at.Add(-time.Hour), "acme", "client_ip", "address_list", 5, 1}, {at.Add(-time.Hour), "acme", "line", "extra", 2, 1}},
		{{at.Add(-2 * time.Hour), "globex", "client_ip", "address_list", 7, 2}},
		{{at.Add(-25 * time.Hour), "acme", "client_ip", "address_list", 100, 3}},
		{{at, "acme", "client_ip", "address_list", 1000, 4}},
	} {
		b, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+"."+schema.FallbacksTable+" (time, customer, format, field, reason, lines, src_stream, src_partition, src_offset)")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := b.Append(r.at, r.cust, "nginx", r.f, r.reason, r.lines, "k/requests", uint16(0), r.offset); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Send(); err != nil {
			t.Fatal(err)
		}
	}
	wantFallbacks := map[string]string{
		"":     "[{nginx client_ip address_list 12} {nginx line extra 2}]",
		"acme": "[{nginx client_ip address_list 5} {nginx line extra 2}]",
	}

	// want computes the figures for one customer, or all ("").
	want := func(customer string) (req24 uint64, now uint64, peak uint64, servers int) {
		perMinute := map[int64]uint64{}
		for c, mins := range ex.minutes {
			if customer != "" && c != customer {
				continue
			}
			for m, n := range mins {
				perMinute[m] += n
			}
		}
		for m, n := range perMinute {
			if m >= atMin-24*60 && m < atMin {
				req24 += n
			}
			if m == atMin-1 {
				now = n
			}
			if m >= day.Unix()/60 && m < atMin && n > peak {
				peak = n
			}
		}
		all := map[string]bool{}
		for m := atMin - 5; m < atMin; m++ {
			for s := range ex.servers[m] {
				all[s] = true
			}
		}
		if customer != "" {
			return req24, now, peak, 0 // the fleet's figure: staff only
		}
		return req24, now, peak, len(all)
	}
	for _, tc := range []struct{ token, customer string }{{tokEng, ""}, {tokAcme, "acme"}} {
		var o api.Overview
		if code := get(t, hs, tc.token, "/api/v1/ops/overview?at="+at.Format(time.RFC3339), &o); code != 200 {
			t.Fatalf("overview: %d", code)
		}
		req24, now, peak, servers := want(tc.customer)
		if o.Requests24h != req24 || o.RequestsPerSNow != float64(now)/60 || o.PeakRequestsPerS != float64(peak)/60 || int(o.ServersReporting) != servers {
			t.Errorf("%q: overview %+v; want 24h %d, now %d/min, peak %d/min, %d servers", tc.customer, o, req24, now, peak, servers)
		}
		if req24 == 0 || peak == 0 || (servers == 0) != (tc.customer != "") {
			t.Fatalf("%q: the generated day is empty around %s", tc.customer, at)
		}
		if (tc.customer == "") != (o.StoredBytes > 0) {
			t.Errorf("%q: stored bytes %d (fleet figure for staff only)", tc.customer, o.StoredBytes)
		}
		if !strings.Contains(o.Table, "traffic_1h") || strings.Contains(o.Table, "requests") {
			t.Errorf("%q: read %s, want hours from traffic_1h and never the raw table", tc.customer, o.Table)
		}
		if got := fmt.Sprint(o.FieldFallbacks24h); got != wantFallbacks[tc.customer] {
			t.Errorf("%q: fallbacks %s, want %s", tc.customer, got, wantFallbacks[tc.customer])
		}
	}
}

// TestSeries checks the all-customer traffic series and the latency series
// against the generated events.
func TestSeries(t *testing.T) {
	db := chtest.NewDB(t)
	ex := load(t, db, 30_000, october, 31*24*time.Hour)
	hs := newServer(t, db, nil)
	var total uint64
	for _, n := range ex.requests {
		total += n
	}
	sumPoints := func(s api.Series) (n uint64) {
		for _, p := range s.Points {
			n += p.Requests
		}
		return n
	}
	var all, own api.Series
	if code := get(t, hs, tokEng, "/api/v1/traffic/timeseries?step=24h&"+monthRange, &all); code != 200 {
		t.Fatalf("all-customer series: %d", code)
	}
	if n := sumPoints(all); n != total || all.Table != "traffic_1d" {
		t.Errorf("all-customer series: %d requests from %s, want %d from traffic_1d", n, all.Table, total)
	}
	if code := get(t, hs, tokAcme, "/api/v1/traffic/timeseries?step=24h&"+monthRange, &own); code != 200 {
		t.Fatalf("acme's series: %d", code)
	}
	if n := sumPoints(own); n != ex.requests["acme"] {
		t.Errorf("acme's token without ?customer: %d requests, want its own %d", n, ex.requests["acme"])
	}

	for region, want := range ex.regions {
		var ps api.PerfSeries
		if code := get(t, hs, tokEng, "/api/v1/perf/timeseries?metric=request_time&step=24h&region="+region+"&"+monthRange, &ps); code != 200 {
			t.Fatalf("perf series: %d", code)
		}
		var n uint64
		for _, p := range ps.Points {
			n += p.Requests
			if p.Requests > 0 && !(p.P50Ms > 0 && p.P50Ms <= p.P90Ms && p.P90Ms <= p.P99Ms) {
				t.Errorf("%s %s: quantiles out of order: %+v", region, p.Time, p)
			}
		}
		if n != want || ps.Table != "perf_all_1h" {
			t.Errorf("%s: perf series holds %d requests from %s, want %d from perf_all_1h", region, n, ps.Table, want)
		}
	}
	// Five-minute steps of every customer read perf_all_1m; the week before
	// is drawn on this range.
	var pop api.PerfSeries
	if code := get(t, hs, tokEng, "/api/v1/perf/timeseries?step=5m&pop=bom1&from=2026-10-20T00:00:00Z&to=2026-10-21T00:00:00Z", &pop); code != 200 {
		t.Fatalf("PoP series: %d", code)
	}
	if pop.Table != "perf_all_1m" || len(pop.Points) == 0 || len(pop.WeekBefore) == 0 {
		t.Fatalf("PoP series from %s: %d points, %d the week before", pop.Table, len(pop.Points), len(pop.WeekBefore))
	}
	for _, p := range pop.WeekBefore {
		if p.Time.Before(time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("week-before point at %s, want it shifted onto the range", p.Time)
		}
	}
	// A month's latency by region reads the hour rollup, by country the day
	// rollup; both hold every request.
	// (without a customer, from the rollups without the customer dimension).
	for _, tc := range []struct{ by, customer, table string }{
		{"region", "", "perf_all_1h"}, {"country", "", "perf_geo_all_1d"},
		{"region", "acme", "perf_1h"}, {"country", "acme", "perf_geo_1d"},
	} {
		var br api.PerfBreakdown
		if code := get(t, hs, tokEng, "/api/v1/perf/breakdown?by="+tc.by+"&customer="+tc.customer+"&"+monthRange, &br); code != 200 {
			t.Fatalf("perf breakdown by %s: %d", tc.by, code)
		}
		var n uint64
		for _, row := range br.Rows {
			n += row.Requests
			if tc.by == "region" && tc.customer == "" && row.Requests != ex.regions[row.Key] {
				t.Errorf("%s: %d requests in %s, generated %d", row.Key, row.Requests, br.Table, ex.regions[row.Key])
			}
		}
		want := total
		if tc.customer != "" {
			want = ex.requests[tc.customer]
		}
		if br.Table != tc.table || n != want {
			t.Errorf("latency by %s for %q: %d requests from %s, want %d from %s", tc.by, tc.customer, n, br.Table, want, tc.table)
		}
	}
	if code := get(t, hs, tokFinance, "/api/v1/perf/timeseries?"+monthRange, nil); code != http.StatusForbidden {
		t.Errorf("finance on latency: %d, want 403", code)
	}
	if code := get(t, hs, tokEng, "/api/v1/perf/timeseries?metric=cpu&"+monthRange, nil); code != http.StatusBadRequest {
		t.Errorf("unknown metric: %d, want 400", code)
	}
}
