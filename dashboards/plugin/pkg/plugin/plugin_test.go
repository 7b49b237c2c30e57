package plugin_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/edgelog/edgelog/dashboards/plugin/pkg/plugin"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/grafanaenv"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// The provisioned data sources (dashboards/provisioning) and the roles
// their tokens have.
const (
	dsAcme     = "edgelog-acme"
	dsFinance  = "edgelog-finance"
	dsEngineer = "edgelog-engineer"
	dsAdmin    = "edgelog-admin"
)

func dq(refID string, tr backend.TimeRange, q map[string]any) backend.DataQuery {
	b, _ := json.Marshal(q)
	return backend.DataQuery{RefID: refID, TimeRange: tr, Interval: time.Minute, MaxDataPoints: 1000, JSON: b}
}

// one runs a single query and returns its frame, failing on an error.
func one(t *testing.T, env *grafanaenv.Env, ds string, q backend.DataQuery) *data.Frame {
	t.Helper()
	r := env.Query(t, env.Settings(ds), q).Responses[q.RefID]
	if r.Error != nil {
		t.Fatalf("%s: %v (status %d, source %s)", q.JSON, r.Error, r.Status, r.ErrorSource)
	}
	if len(r.Frames) != 1 {
		t.Fatalf("%s: %d frames, want 1", q.JSON, len(r.Frames))
	}
	return r.Frames[0]
}

func field(t *testing.T, f *data.Frame, name string) *data.Field {
	t.Helper()
	fd, i := f.FieldByName(name)
	if i < 0 {
		t.Fatalf("frame %q has no field %q", f.Name, name)
	}
	return fd
}

func TestProvisionedRoles(t *testing.T) {
	env := grafanaenv.Shared(t)
	want := map[string]string{dsAcme: "customer:acme", dsFinance: "finance", dsEngineer: "engineer", dsAdmin: "admin"}
	for uid, role := range want {
		if env.Roles[uid] != role {
			t.Errorf("data source %s: token role %q, want %q", uid, env.Roles[uid], role)
		}
	}
}

// TestTrafficSeries checks each series metric, hour by hour, against the
// generated truth.
func TestTrafficSeries(t *testing.T) {
	env := grafanaenv.Shared(t)
	truth := env.Truth.Customers["acme"]
	if truth.Requests == 0 {
		t.Fatal("the generator sent acme nothing")
	}
	hourly := func(tm time.Time) gen.Counts {
		if c := truth.Hourly[tm.UTC().Format(time.RFC3339)]; c != nil {
			return *c
		}
		return gen.Counts{}
	}
	q := dq("A", grafanaenv.DayRange(), nil)
	q.Interval = time.Hour
	for metric, want := range map[string]func(c gen.Counts) (float64, bool){
		"requests_per_s":  func(c gen.Counts) (float64, bool) { return float64(c.Requests) / 3600, true },
		"bandwidth_bps":   func(c gen.Counts) (float64, bool) { return float64(c.BytesSent) * 8 / 3600, true },
		"bytes_out":       func(c gen.Counts) (float64, bool) { return float64(c.BytesSent), true },
		"cache_hit_ratio": func(c gen.Counts) (float64, bool) { return float64(c.CacheHits) / float64(c.Requests), c.Requests > 0 },
		"error_rate_5xx":  func(c gen.Counts) (float64, bool) { return float64(c.Status5xx) / float64(c.Requests), c.Requests > 0 },
	} {
		q.JSON, _ = json.Marshal(map[string]any{"queryType": "traffic_series", "metric": metric})
		f := one(t, env, dsAcme, q) // a customer token: its own customer
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesWide {
			t.Errorf("%s: frame type %v, want a wide time series", metric, f.Meta)
		}
		times, vals := field(t, f, "time"), field(t, f, metric)
		if vals.Config == nil || vals.Config.Unit == "" || vals.Labels["customer"] != "acme" {
			t.Errorf("%s: field config %+v labels %v", metric, vals.Config, vals.Labels)
		}
		n := 0
		for h := grafanaenv.Day; h.Before(grafanaenv.Day.Add(24 * time.Hour)); h = h.Add(time.Hour) {
			w, ok := want(hourly(h))
			if !ok {
				continue
			}
			if n >= f.Rows() {
				t.Fatalf("%s: %d points, want more", metric, f.Rows())
			}
			if got := times.At(n).(time.Time); !got.Equal(h) {
				t.Fatalf("%s: point %d at %v, want %v", metric, n, got, h)
			}
			if got := vals.At(n).(float64); !near(got, w) {
				t.Errorf("%s at %v: %v, want %v", metric, h, got, w)
			}
			n++
		}
		if n != f.Rows() || n == 0 {
			t.Errorf("%s: %d points, want %d", metric, f.Rows(), n)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestSeriesStep checks that max data points and the interval pick the
// step, and that the points add up to the truth whatever the step.
func TestSeriesStep(t *testing.T) {
	env := grafanaenv.Shared(t)
	for _, tc := range []struct {
		interval time.Duration
		maxPts   int64
		step     time.Duration
	}{
		{time.Minute, 100, 15 * time.Minute}, // 24h/100 = 14.4m -> 15m
		{time.Minute, 2000, time.Minute},
		{5 * time.Minute, 2000, 5 * time.Minute},
		{time.Second, 0, time.Minute},
	} {
		q := dq("A", grafanaenv.DayRange(), map[string]any{"queryType": "traffic_series", "metric": "bytes_out", "customer": "globex"})
		q.Interval, q.MaxDataPoints = tc.interval, tc.maxPts
		f := one(t, env, dsEngineer, q)
		if f.Rows() != int(24*time.Hour/tc.step) {
			t.Errorf("interval %v max %d: %d points, want %d", tc.interval, tc.maxPts, f.Rows(), 24*time.Hour/tc.step)
			continue
		}
		times, vals := field(t, f, "time"), field(t, f, "bytes_out")
		if d := times.At(1).(time.Time).Sub(times.At(0).(time.Time)); d != tc.step {
			t.Errorf("step %v, want %v", d, tc.step)
		}
		var sum float64
		for i := range f.Rows() {
			sum += vals.At(i).(float64)
		}
		if uint64(sum) != env.Truth.Customers["globex"].BytesSent {
			t.Errorf("step %v: bytes %v, want %d", tc.step, sum, env.Truth.Customers["globex"].BytesSent)
		}
	}
}

// TestMistakesAreDownstream checks that a query's mistakes, and what the
// token may not see, come back as downstream errors with a status, while
// the other queries of the request are answered.
func TestMistakesAreDownstream(t *testing.T) {
	env := grafanaenv.Shared(t)
	tr := grafanaenv.DayRange()
	resp := env.Query(t, env.Settings(dsAcme),
		dq("other-customer", tr, map[string]any{"queryType": "traffic_series", "customer": "globex"}),
		dq("unknown-type", tr, map[string]any{"queryType": "sql", "rawSql": "SELECT 1"}),
		dq("grafana-key", tr, map[string]any{"queryType": "traffic_breakdown", "groupBy": "region", "utcOffsetSec": 0}),
		dq("bad-groupby", tr, map[string]any{"queryType": "traffic_breakdown", "groupBy": "password"}),
		dq("list-with-customer", tr, map[string]any{"queryType": "billing_customers", "customer": "acme"}),
		dq("perf", tr, map[string]any{"queryType": "perf_breakdown", "groupBy": "pop"}),
		dq("ok", tr, map[string]any{"queryType": "traffic_breakdown", "groupBy": "region"}),
	)
	for ref, status := range map[string]backend.Status{
		"other-customer":     backend.StatusForbidden,
		"unknown-type":       backend.StatusBadRequest,
		"bad-groupby":        backend.StatusBadRequest,
		"list-with-customer": backend.StatusBadRequest,
	} {
		r := resp.Responses[ref]
		if r.Error == nil || r.ErrorSource != backend.ErrorSourceDownstream || r.Status != status {
			t.Errorf("%s: error %v, source %q, status %d; want a downstream error with status %d", ref, r.Error, r.ErrorSource, r.Status, status)
		}
	}
	// Customers may read their own performance (scoped to their traffic).
	if r := resp.Responses["perf"]; r.Error != nil {
		t.Errorf("perf for a customer token: %v", r.Error)
	}
	// A key Grafana adds that the plugin does not know is no error.
	if r := resp.Responses["grafana-key"]; r.Error != nil {
		t.Errorf("query with a key of Grafana's: %v", r.Error)
	}
	ok := resp.Responses["ok"]
	if ok.Error != nil || len(ok.Frames) != 1 || ok.Frames[0].Rows() == 0 {
		t.Fatalf("the valid query of the request: %v %v", ok.Error, ok.Frames)
	}
	// The customer token's breakdown is acme's traffic only.
	var sum uint64
	req := field(t, ok.Frames[0], "requests")
	for i := range req.Len() {
		sum += req.At(i).(uint64)
	}
	if sum != env.Truth.Customers["acme"].Requests {
		t.Errorf("acme's breakdown sums to %d requests, want %d", sum, env.Truth.Customers["acme"].Requests)
	}
	// A finance token may not read performance.
	r := env.Query(t, env.Settings(dsFinance), dq("A", tr, map[string]any{"queryType": "perf_breakdown"})).Responses["A"]
	if r.Status != backend.StatusForbidden || r.ErrorSource != backend.ErrorSourceDownstream {
		t.Errorf("finance reading performance: status %d source %q", r.Status, r.ErrorSource)
	}
}

func TestBreakdownByRegion(t *testing.T) {
	env := grafanaenv.Shared(t)
	f := one(t, env, dsEngineer, dq("A", grafanaenv.DayRange(), map[string]any{"queryType": "traffic_breakdown", "groupBy": "region"}))
	keys, req, out, share := field(t, f, "region"), field(t, f, "requests"), field(t, f, "bytes_out"), field(t, f, "share")
	if f.Rows() != len(env.Truth.Regions) {
		t.Fatalf("%d regions, want %d", f.Rows(), len(env.Truth.Regions))
	}
	var shares float64
	for i := range f.Rows() {
		w := env.Truth.Regions[keys.At(i).(string)]
		if w == nil || req.At(i).(uint64) != w.Requests || out.At(i).(*uint64) == nil || *out.At(i).(*uint64) != w.BytesSent {
			t.Errorf("region %s: %d requests %d bytes, want %+v", keys.At(i), req.At(i), out.At(i), w)
		}
		shares += share.At(i).(float64)
	}
	if !near(shares, 1) {
		t.Errorf("shares add up to %v", shares)
	}
	if u := share.Config.Unit; u != "percentunit" {
		t.Errorf("share unit %q", u)
	}
}

// TestPerformance checks the slowest-places ranking against the scripted
// incident (bom1 five times slower from 14:05 to 14:40) and the
// week-before comparison.
func TestPerformance(t *testing.T) {
	env := grafanaenv.Shared(t)
	var slow gen.Incident
	for _, in := range env.Truth.Incidents {
		if in.Kind == "latency" {
			slow = in
		}
	}
	at := slow.From.Add(25 * time.Minute)
	f := one(t, env, dsEngineer, dq("A", backend.TimeRange{From: at.Add(-time.Hour), To: at}, map[string]any{"queryType": "perf_slowest", "window": "15m"}))
	if f.Rows() == 0 || field(t, f, "pop").At(0).(string) != slow.PoP {
		t.Fatalf("slowest place: %v, want %s first", f.Fields, slow.PoP)
	}
	since, _ := field(t, f, "slow_since").ConcreteAt(0)
	if s, ok := since.(time.Time); !ok || s.Before(slow.From) || s.After(slow.From.Add(5*time.Minute)) {
		t.Errorf("slow since %v, want within 5 minutes after %v", since, slow.From)
	}
	if x := field(t, f, "slowdown").At(0).(float64); x < 2 {
		t.Errorf("slowdown %v", x)
	}

	f = one(t, env, dsEngineer, dq("B", grafanaenv.DayRange(), map[string]any{"queryType": "perf_breakdown", "groupBy": "region", "metric": "ttfb"}))
	keys, req, p50, p90, p99 := field(t, f, "region"), field(t, f, "requests"), field(t, f, "p50_ms"), field(t, f, "p90_ms"), field(t, f, "p99_ms")
	before, change := field(t, f, "p90_ms_week_before"), field(t, f, "p90_change")
	if f.Rows() != len(env.Truth.Regions) {
		t.Fatalf("%d regions, want %d", f.Rows(), len(env.Truth.Regions))
	}
	for i := range f.Rows() {
		region := keys.At(i).(string)
		if req.At(i).(uint64) != env.Truth.Regions[region].Requests {
			t.Errorf("%s: %d requests, want %d", region, req.At(i), env.Truth.Regions[region].Requests)
		}
		// Cache hits have no upstream and a TTFB of 0, so p50 may be 0.
		if !(p50.At(i).(float64) >= 0 && p50.At(i).(float64) <= p90.At(i).(float64) && p90.At(i).(float64) > 0 && p90.At(i).(float64) <= p99.At(i).(float64)) {
			t.Errorf("%s: quantiles %v %v %v", region, p50.At(i), p90.At(i), p99.At(i))
		}
		wb, _ := before.ConcreteAt(i)
		ch, _ := change.ConcreteAt(i)
		if env.WeekBeforeTruth.Regions[region] != nil {
			if wb == nil || ch == nil || !near(ch.(float64), p90.At(i).(float64)/wb.(float64)-1) {
				t.Errorf("%s: week before %v, change %v", region, wb, ch)
			}
		}
	}
	if u := p90.Config.Unit; u != "ms" {
		t.Errorf("p90 unit %q", u)
	}
}

// TestBilling checks bills and the 95th-percentile samples against the
// truth of both loaded days (both in October).
func TestBilling(t *testing.T) {
	env := grafanaenv.Shared(t)
	month := backend.TimeRange{From: gen.DefaultStart, To: gen.DefaultStart.AddDate(0, 1, 0)}
	want := func(c string) (req, bytes uint64) {
		a, b := env.Truth.Customers[c], env.WeekBeforeTruth.Customers[c]
		return a.Requests + b.Requests, a.BytesSent + b.BytesSent
	}
	f := one(t, env, dsFinance, dq("A", month, map[string]any{"queryType": "billing_customers"}))
	if f.Rows() != len(env.Truth.Customers) {
		t.Fatalf("%d bills, want %d", f.Rows(), len(env.Truth.Customers))
	}
	for i := range f.Rows() {
		c := field(t, f, "customer").At(i).(string)
		r, b := want(c)
		if field(t, f, "requests").At(i).(uint64) != r || field(t, f, "bytes_out").At(i).(uint64) != b {
			t.Errorf("%s: bill %v requests %v bytes, want %d %d", c, field(t, f, "requests").At(i), field(t, f, "bytes_out").At(i), r, b)
		}
		total, proj := field(t, f, "total").At(i).(float64), field(t, f, "projected_total").At(i).(float64)
		if total <= 0 || total != proj { // the whole month: nothing to project
			t.Errorf("%s: total %v projected %v", c, total, proj)
		}
	}
	if u := field(t, f, "total").Config.Unit; u != "currencyUSD" {
		t.Errorf("total unit %q", u)
	}

	// Half a month in: the projection scales the amount so far.
	half := backend.TimeRange{From: month.From, To: month.From.AddDate(0, 0, 15)}
	s := one(t, env, dsAcme, dq("B", half, map[string]any{"queryType": "billing_summary"}))
	total, proj := field(t, s, "total").At(0).(float64), field(t, s, "projected_total").At(0).(float64)
	if !near(proj, total*31/15) || total <= 0 {
		t.Errorf("acme: total %v projected %v, want x31/15", total, proj)
	}

	regions := one(t, env, dsAcme, dq("C", month, map[string]any{"queryType": "billing_regions"}))
	var bytes uint64
	for i := range regions.Rows() {
		b := field(t, regions, "bytes_out").At(i).(uint64)
		if !near(field(t, regions, "gb").At(i).(float64), float64(b)/1e9) {
			t.Errorf("gb %v for %d bytes", field(t, regions, "gb").At(i), b)
		}
		bytes += b
	}
	if _, b := want("acme"); bytes != b {
		t.Errorf("acme's GB by region add up to %d bytes, want %d", bytes, b)
	}

	// The 5-minute samples over the month: every slot of the month, and
	// their 95th percentile (top 5% dropped) is the billed line.
	p := one(t, env, dsAcme, dq("D", month, map[string]any{"queryType": "billing_p95"}))
	mbps, line := field(t, p, "mbps"), field(t, p, "p95_mbps")
	slots := int(month.To.Sub(month.From) / (5 * time.Minute))
	if p.Rows() != slots {
		t.Fatalf("%d samples, want %d", p.Rows(), slots)
	}
	v := make([]float64, slots)
	var sampled float64
	for i := range v {
		v[i] = mbps.At(i).(float64)
		sampled += v[i] * 300 / 8 * 1e6
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(v)))
	if !near(line.At(0).(float64), v[slots*5/100]) || v[slots*5/100] == 0 {
		t.Errorf("p95 line %v, samples' 95th percentile %v", line.At(0), v[slots*5/100])
	}
	if _, b := want("acme"); math.Abs(sampled-float64(b)) > 1 {
		t.Errorf("samples add up to %v bytes, want %d", sampled, b)
	}
}

// TestOpsOverview checks the wall's figures at 23:00 of the loaded day:
// the 24 hours before hold the day's first 23 hours.
func TestOpsOverview(t *testing.T) {
	env := grafanaenv.Shared(t)
	at := grafanaenv.Day.Add(23 * time.Hour)
	tr := backend.TimeRange{From: at.Add(-time.Hour), To: at}
	want := func(c string) (req, bytes uint64) {
		for h, n := range env.Truth.Customers[c].Hourly {
			if ht, _ := time.Parse(time.RFC3339, h); ht.Before(at) {
				req, bytes = req+n.Requests, bytes+n.BytesSent
			}
		}
		return req, bytes
	}
	var req, bytes uint64
	for c := range env.Truth.Customers {
		r, b := want(c)
		req, bytes = req+r, bytes+b
	}
	f := one(t, env, dsAdmin, dq("A", tr, map[string]any{"queryType": "ops_overview"}))
	if got := field(t, f, "requests_24h").At(0).(uint64); got != req {
		t.Errorf("requests in 24 h: %d, want %d", got, req)
	}
	if got := field(t, f, "bytes_out_24h").At(0).(uint64); got != bytes {
		t.Errorf("bytes in 24 h: %d, want %d", got, bytes)
	}
	for _, name := range []string{"servers_reporting", "stored_bytes"} {
		if field(t, f, name).At(0).(uint64) == 0 {
			t.Errorf("%s is 0", name)
		}
	}
	if now, peak := field(t, f, "requests_per_s_now").At(0).(float64), field(t, f, "peak_requests_per_s_today").At(0).(float64); now <= 0 || peak < now {
		t.Errorf("hits/s now %v, peak %v", now, peak)
	}
	if u := field(t, f, "requests_per_s_now").Config.Unit; u != "reqps" {
		t.Errorf("hits/s unit %q", u)
	}
	// A customer's wall: its own traffic, and no fleet-wide storage figure.
	f = one(t, env, dsAcme, dq("B", tr, map[string]any{"queryType": "ops_overview"}))
	if got, w := field(t, f, "requests_24h").At(0).(uint64), env.Truth.Customers["acme"].Requests; got == w || got == 0 {
		t.Errorf("acme's requests in 24 h: %d, want its first 23 hours (of %d in the day)", got, w)
	} else if r, _ := want("acme"); got != r {
		t.Errorf("acme's requests in 24 h: %d, want %d", got, r)
	}
	if got := field(t, f, "stored_bytes").At(0).(uint64); got != 0 {
		t.Errorf("acme sees stored bytes %d", got)
	}
}

// TestOpsFallbacks checks the wall's field fallbacks at the end of the
// loaded day against the lines the env logged with an address list.
func TestOpsFallbacks(t *testing.T) {
	env := grafanaenv.Shared(t)
	at := grafanaenv.Day.Add(24 * time.Hour)
	f := one(t, env, dsAdmin, dq("A", backend.TimeRange{From: at.Add(-time.Hour), To: at}, map[string]any{"queryType": "ops_fallbacks"}))
	got := map[string]uint64{}
	for i := range f.Rows() {
		if format := field(t, f, "format").At(i).(string); format != "nginx" {
			t.Errorf("format %q", format)
		}
		got[field(t, f, "field").At(i).(string)+"/"+field(t, f, "reason").At(i).(string)] += field(t, f, "lines").At(i).(uint64)
	}
	if len(env.Fallbacks) == 0 || fmt.Sprint(got) != fmt.Sprint(env.Fallbacks) {
		t.Fatalf("fallbacks %v, want %v", got, env.Fallbacks)
	}
}

func TestCheckHealth(t *testing.T) {
	env := grafanaenv.Shared(t)
	if r := env.Health(t, env.Settings(dsAcme)); r.Status != backend.HealthStatusOk {
		t.Errorf("provisioned token: %v %s", r.Status, r.Message)
	}
	if r := env.Health(t, env.WithToken(dsAcme, "not-a-token")); r.Status != backend.HealthStatusError || !strings.Contains(r.Message, "rejected the token") {
		t.Errorf("bad token: %v %s", r.Status, r.Message)
	}
	down := env.Settings(dsAcme)
	down.UID, down.URL = "down", "http://127.0.0.1:1"
	if r := env.Health(t, down); r.Status != backend.HealthStatusError || !strings.Contains(r.Message, "not healthy") {
		t.Errorf("unreachable service: %v %s", r.Status, r.Message)
	}
}

func TestResources(t *testing.T) {
	env := grafanaenv.Shared(t)
	// RFC 3339 and epoch milliseconds (as Grafana's frontend has them).
	day := url.Values{"from": {grafanaenv.Day.Format(time.RFC3339)},
		"to": {strconv.FormatInt(grafanaenv.Day.Add(24*time.Hour).UnixMilli(), 10)}}.Encode()
	list := func(ds, path, q string) []string {
		t.Helper()
		code, body := env.Resource(t, env.Settings(ds), path, q)
		if code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", ds, path, code, body)
		}
		var out []string
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return out
	}
	var all []string
	for c := range env.Truth.Customers {
		all = append(all, c)
	}
	sort.Strings(all)
	if got := list(dsFinance, "customers", day); !slices.Equal(got, all) {
		t.Errorf("finance sees customers %v, want %v", got, all)
	}
	if got := list(dsAcme, "customers", day); !slices.Equal(got, []string{"acme"}) {
		t.Errorf("acme sees customers %v", got)
	}
	regions := list(dsEngineer, "regions", day)
	if len(regions) != len(env.Truth.Regions) {
		t.Errorf("regions %v", regions)
	}
	for _, r := range regions {
		if env.Truth.Regions[r] == nil {
			t.Errorf("region %q is not in the traffic", r)
		}
	}
	hosts := list(dsAcme, "hosts", day)
	for _, h := range hosts {
		if !strings.Contains(h, "acme") {
			t.Errorf("acme's token lists host %q", h)
		}
	}
	if len(hosts) == 0 || len(list(dsEngineer, "pops", day)) == 0 || len(list(dsEngineer, "countries", day)) == 0 {
		t.Error("empty host, PoP or country list")
	}
	if code, _ := env.Resource(t, env.Settings(dsAcme), "hosts", day+"&customer=globex"); code != http.StatusForbidden {
		t.Errorf("acme listing globex's hosts: %d", code)
	}
	if code, _ := env.Resource(t, env.Settings(dsAcme), "passwords", day); code != http.StatusBadRequest {
		t.Errorf("unknown resource: %d", code)
	}
	for r := range plugin.Resources {
		if code, _ := env.Resource(t, env.Settings(dsEngineer), r, day); code != http.StatusOK {
			t.Errorf("resource %s: %d", r, code)
		}
	}
}

// Bytes per cache outcome and status class, and the byte hit ratio, are
// the generated ones (no false zeros), and hit ratios the rollups do not
// keep per status class are null cells.
func TestBreakdownBytesByOutcomeAndClass(t *testing.T) {
	env := grafanaenv.Shared(t)
	w := env.Truth.Counts
	f := one(t, env, dsEngineer, dq("A", grafanaenv.DayRange(), map[string]any{"queryType": "traffic_breakdown", "groupBy": "cache_status"}))
	keys, out, byteHit := field(t, f, "cache_status"), field(t, f, "bytes_out"), field(t, f, "byte_hit_ratio")
	want := map[string]uint64{"hit": w.BytesHit, "miss": w.BytesMiss, "other": w.BytesSent - w.BytesHit - w.BytesMiss}
	for i := range f.Rows() {
		k := keys.At(i).(string)
		if b := out.At(i).(*uint64); b == nil || *b != want[k] || want[k] == 0 {
			t.Errorf("cache outcome %s: bytes %v, generated %d", k, b, want[k])
		}
		if r := byteHit.At(i).(*float64); k == "hit" && (r == nil || *r != 1) {
			t.Errorf("byte hit ratio of the hit row: %v", r)
		}
	}
	f = one(t, env, dsEngineer, dq("B", grafanaenv.DayRange(), map[string]any{"queryType": "traffic_breakdown", "groupBy": "status_class"}))
	keys, out, hit := field(t, f, "status_class"), field(t, f, "bytes_out"), field(t, f, "cache_hit_ratio")
	for i := range f.Rows() {
		k := keys.At(i).(string)
		if b := out.At(i).(*uint64); b == nil || *b != w.BytesByClass[k] {
			t.Errorf("status class %s: bytes %v, generated %d", k, b, w.BytesByClass[k])
		}
		if r := hit.At(i).(*float64); r != nil {
			t.Errorf("status class %s: cache hit ratio %v, which no rollup keeps", k, *r)
		}
	}
	// The series' byte hit ratio over the day is the generated one.
	s := one(t, env, dsEngineer, dq("C", grafanaenv.DayRange(), map[string]any{"queryType": "traffic_series", "metric": "byte_hit_ratio"}))
	if s.Rows() == 0 {
		t.Fatal("no byte hit ratio series")
	}
	for i := range s.Rows() {
		if r := s.Fields[1].At(i).(float64); r <= 0 || r > 1 {
			t.Errorf("byte hit ratio %v at step %d", r, i)
		}
	}
}
