package query_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/schema"
)

// drillDay is the generated day of the drill-down tests, with the default
// incidents (bom1 five times slower from 14:05 to 14:40).
var drillDay = time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC)

// loadRows generates a day of traffic, inserts it the way the collector
// and ingest would, and returns every row as the drill-down should answer
// it, computed here from the parsed records without the query package.
func loadRows(t *testing.T, db string, lines int) []api.RequestRow {
	t.Helper()
	g, err := gen.New(gen.Options{Lines: lines, Seed: 7, Start: drillDay, Customers: 6, Incidents: gen.DefaultIncidents(drillDay)})
	if err != nil {
		t.Fatal(err)
	}
	enr := enrich.New(g.EdgeConfig())
	p := nginx.MustCompile(nginx.Edge)
	f, _ := gen.NewFormatter("nginx")
	var blk record.Block
	var e gen.Event
	var r record.Record
	var rows []api.RequestRow
	for g.Next(&e) {
		if err := p.Parse(f.AppendLine(nil, &e), &r); err != nil {
			t.Fatal(err)
		}
		enr.Enrich(&r)
		blk.Append(&r)
		s := func(i record.Str) string { return string(r.Str[i]) }
		rows = append(rows, api.RequestRow{
			Time: time.UnixMilli(r.TimeMs).UTC().Truncate(time.Second), Customer: s(record.Customer), Host: s(record.Host),
			Region: s(record.Region), PoP: s(record.PoP), Server: s(record.Server), Country: s(record.Country), ASN: r.ASN,
			ClientIP: netip.AddrFrom16(r.ClientIP).Unmap().String(), Method: s(record.Method), Scheme: s(record.Scheme),
			Protocol: s(record.Protocol), Path: s(record.Path), Status: r.Status, BytesSent: r.BytesSent, BytesReceived: r.BytesReceived,
			RequestTimeMs: float64(r.RequestTimeUs) / 1000, TTFBMs: float64(r.TTFBUs) / 1000, CacheStatus: s(record.CacheStatus),
			ContentType: s(record.ContentType), UserAgent: s(record.UserAgent), Referer: s(record.Referer),
		})
	}
	if err := ingest.InsertBlock(context.Background(), chtest.Conn(t), db, schema.Dialect{}, &blk); err != nil {
		t.Fatal(err)
	}
	return rows
}

// drill asks GET /requests and fails unless it answers 200.
func drill(t *testing.T, hs *httptest.Server, token string, q url.Values) api.Requests {
	t.Helper()
	var res api.Requests
	if code := get(t, hs, token, "/api/v1/requests?"+q.Encode(), &res); code != 200 {
		t.Fatalf("requests?%s: %d", q.Encode(), code)
	}
	return res
}

// want filters and orders the expected rows as the drill-down must.
func want(rows []api.RequestRow, from, to time.Time, keep func(api.RequestRow) bool, slowest bool) []api.RequestRow {
	var out []api.RequestRow
	for _, r := range rows {
		if !r.Time.Before(from) && r.Time.Before(to) && keep(r) {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if slowest {
			return out[i].RequestTimeMs > out[j].RequestTimeMs
		}
		return out[i].Time.After(out[j].Time)
	})
	return out
}

// sameRows checks an answer against the expected rows: the same number
// (up to the limit), the same sort keys in order, and every answered row
// one of the expected (rows with equal sort keys may come in any order).
func sameRows(t *testing.T, where string, got api.Requests, exp []api.RequestRow, limit int, slowest bool) {
	t.Helper()
	n := min(len(exp), limit)
	if len(got.Rows) != n || got.More != (len(exp) > limit) {
		t.Fatalf("%s: %d rows (more %v), want %d of %d", where, len(got.Rows), got.More, n, len(exp))
	}
	pool := map[api.RequestRow]int{}
	for _, r := range exp {
		pool[r]++
	}
	for i, r := range got.Rows {
		if pool[r] == 0 {
			t.Fatalf("%s: row %d is no generated row of the filter:\n%+v", where, i, r)
		}
		pool[r]--
		key, wantKey := r.Time.Unix(), exp[i].Time.Unix()
		if slowest {
			key, wantKey = int64(r.RequestTimeMs*1000), int64(exp[i].RequestTimeMs*1000)
		}
		if key != wantKey {
			t.Fatalf("%s: row %d sorts by %d, want %d", where, i, key, wantKey)
		}
	}
}

// TestRequestsDrillDown checks the drill-down against the generated rows:
// the slowest requests of the slow PoP during its incident, every filter,
// tenancy and the bounds.
func TestRequestsDrillDown(t *testing.T) {
	db := chtest.NewDB(t)
	rows := loadRows(t, db, 60_000)
	hs := newServer(t, db, nil)
	from, to := drillDay.Add(14*time.Hour), drillDay.Add(15*time.Hour)
	window := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
	with := func(kv ...string) url.Values {
		q := url.Values{}
		for k, v := range window {
			q[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return q
	}

	// "bom1 is slow since 14:05": its slowest requests are the incident's.
	res := drill(t, hs, tokEng, with("pop", "bom1", "order", "slowest", "limit", "50"))
	exp := want(rows, from, to, func(r api.RequestRow) bool { return r.PoP == "bom1" }, true)
	sameRows(t, "bom1 slowest", res, exp, 50, true)
	// Large objects are slow at any time; most of the slowest are the
	// incident's (35 minutes of the hour).
	inside := 0
	for _, r := range res.Rows {
		if !r.Time.Before(drillDay.Add(14*time.Hour+5*time.Minute)) && r.Time.Before(drillDay.Add(14*time.Hour+40*time.Minute)) {
			inside++
		}
	}
	if inside < 35 {
		t.Errorf("%d of bom1's 50 slowest requests are in the incident, want most", inside)
	}
	if res.Table != "requests" || res.Order != "slowest" || res.Metric != "request_time" || res.Limit != 50 {
		t.Errorf("answer header %+v", res)
	}

	// Each filter alone and a few together, newest first, against the rows.
	hostOf, serverOf, asnOf := "", "", uint32(0)
	for _, r := range rows {
		if r.Customer == "acme" && r.Time.After(from) && r.Time.Before(to) {
			hostOf, serverOf, asnOf = r.Host, r.Server, r.ASN
			break
		}
	}
	for _, tc := range []struct {
		params []string
		keep   func(api.RequestRow) bool
	}{
		{[]string{"customer", "acme"}, func(r api.RequestRow) bool { return r.Customer == "acme" }},
		{[]string{"host", hostOf}, func(r api.RequestRow) bool { return r.Host == hostOf }},
		{[]string{"region", "eu-west"}, func(r api.RequestRow) bool { return r.Region == "eu-west" }},
		{[]string{"server", serverOf}, func(r api.RequestRow) bool { return r.Server == serverOf }},
		{[]string{"country", "DE"}, func(r api.RequestRow) bool { return r.Country == "DE" }},
		{[]string{"asn", fmt.Sprint(asnOf)}, func(r api.RequestRow) bool { return r.ASN == asnOf }},
		{[]string{"status", "5xx"}, func(r api.RequestRow) bool { return r.Status >= 500 }},
		{[]string{"status", "404"}, func(r api.RequestRow) bool { return r.Status == 404 }},
		{[]string{"cache_status", "hit"}, func(r api.RequestRow) bool {
			return strings.Contains(" HIT STALE UPDATING REVALIDATED ", " "+r.CacheStatus+" ")
		}},
		{[]string{"cache_status", "miss"}, func(r api.RequestRow) bool { return r.CacheStatus == "MISS" || r.CacheStatus == "EXPIRED" }},
		{[]string{"cache_status", "other", "customer", "acme"}, func(r api.RequestRow) bool {
			return r.Customer == "acme" && !strings.Contains(" HIT STALE UPDATING REVALIDATED MISS EXPIRED ", " "+r.CacheStatus+" ")
		}},
		{[]string{"path_prefix", "/static/"}, func(r api.RequestRow) bool { return strings.HasPrefix(r.Path, "/static/") }},
		{[]string{"min_ttfb_ms", "150", "region", "ap-south"}, func(r api.RequestRow) bool { return r.TTFBMs >= 150 && r.Region == "ap-south" }},
		{[]string{"min_request_time_ms", "400.5"}, func(r api.RequestRow) bool { return r.RequestTimeMs >= 400.5 }},
	} {
		where := strings.Join(tc.params, "=")
		exp := want(rows, from, to, tc.keep, false)
		if len(exp) == 0 {
			t.Errorf("%s: the generated hour holds no such request; pick another value", where)
			continue
		}
		sameRows(t, where, drill(t, hs, tokEng, with(append(tc.params, "limit", "1000")...)), exp, 1000, false)
	}
	// Slowest by TTFB.
	res = drill(t, hs, tokEng, with("order", "slowest", "metric", "ttfb", "limit", "10"))
	exp = want(rows, from, to, func(api.RequestRow) bool { return true }, false)
	sort.SliceStable(exp, func(i, j int) bool { return exp[i].TTFBMs > exp[j].TTFBMs })
	for i, r := range res.Rows {
		if r.TTFBMs != exp[i].TTFBMs {
			t.Errorf("slowest by ttfb, row %d: %v ms, want %v", i, r.TTFBMs, exp[i].TTFBMs)
		}
	}

	// Tenancy: a customer token reads its own rows whatever it passes.
	for _, q := range []url.Values{with(), with("order", "slowest", "pop", "bom1"), with("host", hostOf), with("status", "5xx")} {
		res := drill(t, hs, tokAcme, q)
		if res.Customer != "acme" {
			t.Errorf("acme token, %s: answer for customer %q", q.Encode(), res.Customer)
		}
		for _, r := range res.Rows {
			if r.Customer != "acme" {
				t.Fatalf("acme token, %s: a row of %s", q.Encode(), r.Customer)
			}
		}
	}
	var other string
	for _, r := range rows {
		if r.Customer != "acme" && r.Customer != gen.UnknownCustomer {
			other = r.Customer
			break
		}
	}
	if code := get(t, hs, tokAcme, "/api/v1/requests?"+with("customer", other).Encode(), nil); code != http.StatusForbidden {
		t.Errorf("acme token asking for %s's rows: %d, want 403", other, code)
	}
	otherHost := ""
	for _, r := range rows {
		if r.Customer == other {
			otherHost = r.Host
			break
		}
	}
	if res := drill(t, hs, tokAcme, with("host", otherHost)); len(res.Rows) != 0 {
		t.Errorf("acme token filtering by %s's host %s: %d rows", other, otherHost, len(res.Rows))
	}
	if code := get(t, hs, tokFinance, "/api/v1/requests?"+with().Encode(), nil); code != http.StatusForbidden {
		t.Errorf("finance token: %d, want 403 (drill-down is performance data)", code)
	}

	// Bounds: the window, the limit and every enumerated parameter.
	for _, q := range []url.Values{
		{"from": {from.Format(time.RFC3339)}, "to": {from.Add(time.Hour + time.Second).Format(time.RFC3339)}},
		{"from": {from.Format(time.RFC3339)}, "to": {from.Add(24 * time.Hour).Format(time.RFC3339)}},
		{"from": {to.Format(time.RFC3339)}, "to": {from.Format(time.RFC3339)}},
		{"to": {to.Format(time.RFC3339)}},
		with("limit", "1001"), with("limit", "0"), with("limit", "-1"), with("order", "oldest"), with("metric", "cpu"),
		with("status", "6xx"), with("status", "50"), with("status", "5x"), with("cache_status", "HIT"), with("asn", "x"),
		with("asn", "4294967296"), with("min_ttfb_ms", "-1"), with("min_request_time_ms", "1e9"), with("bogus", "1"),
		{"from": {"1969-12-31T23:30:00Z"}, "to": {"1970-01-01T00:00:00Z"}},
	} {
		if code := get(t, hs, tokEng, "/api/v1/requests?"+q.Encode(), nil); code != http.StatusBadRequest {
			t.Errorf("requests?%s: %d, want 400", q.Encode(), code)
		}
	}
	if res := drill(t, hs, tokEng, url.Values{"from": {from.Format(time.RFC3339)}, "to": {from.Add(time.Hour).Format(time.RFC3339)}, "limit": {"1000"}}); len(res.Rows) != 1000 || !res.More {
		t.Errorf("a whole hour, limit 1000: %d rows, more %v", len(res.Rows), res.More)
	}
}

// TestRequestsRowLimit checks that ClickHouse 18.16 stops a drill-down
// reading more rows than max_rows_to_read, and that the client is told to
// narrow it (400), not served a partial answer.
func TestRequestsRowLimit(t *testing.T) {
	db := chtest.NewDB(t)
	loadRows(t, db, 20_000)
	store := &query.Store{Conn: chtest.Conn(t), DB: db, MaxRawRows: 1000}
	from, to := drillDay.Add(14*time.Hour), drillDay.Add(15*time.Hour)
	_, err := store.Requests(context.Background(), query.RequestsOptions{From: from, To: to})
	var ue query.UserError
	if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), "max_rows_to_read") {
		t.Fatalf("a drill-down over 1000 rows with max_rows_to_read 1000: %v, want a UserError naming max_rows_to_read", err)
	}
	// The same with the default bound answers.
	store.MaxRawRows = 0
	if res, err := store.Requests(context.Background(), query.RequestsOptions{From: from, To: to}); err != nil || len(res.Rows) != 100 {
		t.Fatalf("default bound: %v, %v", res, err)
	}
}
