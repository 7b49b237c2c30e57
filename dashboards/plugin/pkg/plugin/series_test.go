package plugin_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/grafanaenv"
	"github.com/edgelog/edgelog/query/api"
)

// TestTrafficSeriesAllCustomers checks the wall's series: staff asking for
// no customer get every customer's requests summed, hour by hour.
func TestTrafficSeriesAllCustomers(t *testing.T) {
	env := grafanaenv.Shared(t)
	q := dq("A", grafanaenv.DayRange(), map[string]any{"queryType": "traffic_series", "metric": "requests_per_s"})
	q.Interval = time.Hour
	for _, ds := range []string{dsAdmin, dsEngineer, dsFinance} {
		f := one(t, env, ds, q)
		times, vals := field(t, f, "time"), field(t, f, "requests_per_s")
		if _, ok := vals.Labels["customer"]; ok || vals.Config == nil || vals.Config.Unit != "reqps" {
			t.Errorf("%s: labels %v config %+v, want no customer label and unit reqps", ds, vals.Labels, vals.Config)
		}
		if f.Rows() != 24 {
			t.Fatalf("%s: %d points, want 24 hours", ds, f.Rows())
		}
		var sum float64
		for i := range f.Rows() {
			h := times.At(i).(time.Time)
			var want uint64
			for _, c := range env.Truth.Customers {
				if n := c.Hourly[h.UTC().Format(time.RFC3339)]; n != nil {
					want += n.Requests
				}
			}
			if got := vals.At(i).(float64); !near(got, float64(want)/3600) {
				t.Errorf("%s at %v: %v requests/s, want %v", ds, h, got, float64(want)/3600)
			}
			sum += vals.At(i).(float64) * 3600
		}
		if !near(sum, float64(env.Truth.Requests)) {
			t.Errorf("%s: %v requests in the day, want %d", ds, sum, env.Truth.Requests)
		}
	}
}

// perfSeriesFields are perf_series' fields in frame order with weekBefore.
var perfSeriesFields = []struct{ name, unit, display string }{
	{"p50_ms", "ms", "p50"}, {"p90_ms", "ms", "p90"}, {"p99_ms", "ms", "p99"}, {"error_rate_5xx", "percentunit", "5xx error rate"},
	{"p50_ms_week_before", "ms", "p50 (week before)"}, {"p90_ms_week_before", "ms", "p90 (week before)"},
	{"p99_ms_week_before", "ms", "p99 (week before)"}, {"error_rate_5xx_week_before", "percentunit", "5xx error rate (week before)"},
}

// askAPI repeats the request a frame says it was built from (its executed
// query string) straight to the query service with ds's token.
func askAPI(t *testing.T, env *grafanaenv.Env, ds string, f *data.Frame, into any) {
	t.Helper()
	if f.Meta == nil {
		t.Fatal("frame without meta")
	}
	req, _, ok := strings.Cut(strings.TrimPrefix(f.Meta.ExecutedQueryString, "GET "), " (")
	if !ok {
		t.Fatalf("executed query string %q", f.Meta.ExecutedQueryString)
	}
	hr, err := http.NewRequest(http.MethodGet, env.QueryURL+"/api/v1/"+req, nil)
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Authorization", "Bearer "+env.Sources[ds].SecureJSONData["token"])
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", req, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatal(err)
	}
}

// nullable reads a *float64 field's value at row i.
func nullable(fd *data.Field, i int) (float64, bool) {
	v, ok := fd.ConcreteAt(i)
	if !ok || v == nil {
		return 0, false
	}
	return v.(float64), true
}

// TestPerfSeriesAgainstAPI runs a PoP's latency series with the week
// before around the scripted incident (bom1 five times slower from 14:05
// to 14:40) and checks the frame's shape, that it holds exactly the API's
// points, and that the incident stands out against the hours before and
// against the week before.
func TestPerfSeriesAgainstAPI(t *testing.T) {
	env := grafanaenv.Shared(t)
	var slow gen.Incident
	for _, in := range env.Truth.Incidents {
		if in.Kind == "latency" {
			slow = in
		}
	}
	from := slow.From.Truncate(time.Hour).Add(-2 * time.Hour)
	q := dq("A", backend.TimeRange{From: from, To: from.Add(4 * time.Hour)},
		map[string]any{"queryType": "perf_series", "metric": "ttfb", "pop": slow.PoP, "weekBefore": true})
	q.MaxDataPoints = 48 // 4 hours / 48 = 5 minutes
	f := one(t, env, dsEngineer, q)
	if f.Meta.Type != data.FrameTypeTimeSeriesWide || len(f.Fields) != 1+len(perfSeriesFields) || f.Fields[0].Name != "time" {
		t.Fatalf("frame %v with %d fields, want a wide time series of time and %d figures", f.Meta.Type, len(f.Fields), len(perfSeriesFields))
	}
	for i, want := range perfSeriesFields {
		fd := f.Fields[i+1]
		if fd.Name != want.name || fd.Config == nil || fd.Config.Unit != want.unit || fd.Config.DisplayNameFromDS != want.display || fd.Labels["pop"] != slow.PoP {
			t.Errorf("field %d: %s %+v %v, want %s in %s shown as %q, labelled pop=%s", i+1, fd.Name, fd.Config, fd.Labels, want.name, want.unit, want.display, slow.PoP)
		}
	}
	if !strings.Contains(f.Meta.ExecutedQueryString, "step=5m") || !strings.Contains(f.Meta.ExecutedQueryString, "(perf_all_1m)") {
		t.Errorf("executed %q, want a 5-minute step over perf_all_1m (every customer)", f.Meta.ExecutedQueryString)
	}

	var answer api.PerfSeries
	askAPI(t, env, dsEngineer, f, &answer)
	if len(answer.Points) == 0 || len(answer.WeekBefore) == 0 {
		t.Fatalf("the API has %d points and %d the week before", len(answer.Points), len(answer.WeekBefore))
	}
	times := field(t, f, "time")
	row := map[int64]int{}
	for i := range f.Rows() {
		tm := times.At(i).(time.Time)
		if tm.Before(q.TimeRange.From) || !tm.Before(q.TimeRange.To) || tm.Unix()%300 != 0 || (i > 0 && !tm.After(times.At(i-1).(time.Time))) {
			t.Errorf("row %d at %v: outside the range, off the 5-minute grid or out of order", i, tm)
		}
		row[tm.Unix()] = i
	}
	for w, pts := range [][]api.PerfPoint{answer.Points, answer.WeekBefore} {
		suffix := []string{"", "_week_before"}[w]
		nonNull := 0
		for _, pt := range pts {
			i, ok := row[pt.Time.Unix()]
			if !ok {
				t.Errorf("the API's point at %v%s is not in the frame", pt.Time, suffix)
				continue
			}
			for name, want := range map[string]float64{"p50_ms": pt.P50Ms, "p90_ms": pt.P90Ms, "p99_ms": pt.P99Ms, "error_rate_5xx": pt.ErrorRate} {
				if got, ok := nullable(field(t, f, name+suffix), i); !ok || got != want {
					t.Errorf("%s%s at %v: %v (set %v), the API says %v", name, suffix, pt.Time, got, ok, want)
				}
			}
			nonNull++
		}
		p90 := field(t, f, "p90_ms"+suffix)
		for i := range f.Rows() {
			if _, ok := nullable(p90, i); ok {
				nonNull--
			}
		}
		if nonNull != 0 {
			t.Errorf("p90_ms%s has values the API does not have (%d)", suffix, -nonNull)
		}
	}

	// The incident's p90 against the hours before it and the week before.
	mean := func(name string, from, to time.Time) float64 {
		fd := field(t, f, name)
		var sum float64
		n := 0
		for i := range f.Rows() {
			if tm := times.At(i).(time.Time); !tm.Before(from) && tm.Before(to) {
				if v, ok := nullable(fd, i); ok {
					sum, n = sum+v, n+1
				}
			}
		}
		if n == 0 {
			t.Fatalf("%s has no values in [%v, %v)", name, from, to)
		}
		return sum / float64(n)
	}
	during := mean("p90_ms", slow.From.Add(5*time.Minute), slow.To.Add(-5*time.Minute))
	before := mean("p90_ms", from, slow.From.Truncate(time.Hour))
	weekBefore := mean("p90_ms_week_before", slow.From.Add(5*time.Minute), slow.To.Add(-5*time.Minute))
	t.Logf("%s p90 TTFB: %.1f ms during the incident, %.1f ms before it, %.1f ms the week before; %d rows, %d points, %d the week before",
		slow.PoP, during, before, weekBefore, f.Rows(), len(answer.Points), len(answer.WeekBefore))
	if during < 2*before || during < 2*weekBefore {
		t.Errorf("p90 during the incident %.1f ms, before it %.1f ms, the week before %.1f ms: want the incident at least twice both", during, before, weekBefore)
	}

	// Without weekBefore the frame has this week's figures only.
	q.JSON, _ = json.Marshal(map[string]any{"queryType": "perf_series", "metric": "ttfb", "pop": slow.PoP})
	if g := one(t, env, dsEngineer, q); len(g.Fields) != 1+len(perfSeriesFields)/2 {
		t.Errorf("without weekBefore: %d fields", len(g.Fields))
	}
}

// TestPerfSeriesErrorRate checks the 5xx rate of whole-day steps (read
// from the hourly latency rollup) against the generated truth: everywhere and
// the week before, each region, a customer's own token and a staff token
// naming a customer.
func TestPerfSeriesErrorRate(t *testing.T) {
	env := grafanaenv.Shared(t)
	day := func(ds string, q map[string]any) *data.Frame {
		t.Helper()
		whole := dq("A", grafanaenv.DayRange(), q)
		whole.Interval, whole.MaxDataPoints = 24*time.Hour, 1
		f := one(t, env, ds, whole)
		if f.Rows() != 1 || !f.Fields[0].At(0).(time.Time).Equal(grafanaenv.Day) {
			t.Fatalf("%v: %d points, want the day's one", q, f.Rows())
		}
		want := "(perf_all_1h)" // every customer: the rollup without customers
		if q["customer"] != nil || ds == dsAcme {
			want = "(perf_1h)"
		}
		if !strings.Contains(f.Meta.ExecutedQueryString, want) {
			t.Errorf("%v: executed %q, want %s", q, f.Meta.ExecutedQueryString, want)
		}
		return f
	}
	check := func(what string, f *data.Frame, name string, c gen.Counts) {
		t.Helper()
		got, ok := nullable(field(t, f, name), 0)
		if want := float64(c.Status5xx) / float64(c.Requests); !ok || !near(got, want) || c.Requests == 0 {
			t.Errorf("%s: %s %v (set %v), want %d/%d", what, name, got, ok, c.Status5xx, c.Requests)
		}
	}
	f := day(dsEngineer, map[string]any{"queryType": "perf_series", "weekBefore": true})
	check("everywhere", f, "error_rate_5xx", env.Truth.Counts)
	check("everywhere", f, "error_rate_5xx_week_before", env.WeekBeforeTruth.Counts)
	for region, c := range env.Truth.Regions {
		check(region, day(dsEngineer, map[string]any{"queryType": "perf_series", "region": region}), "error_rate_5xx", *c)
	}
	check("acme's token", day(dsAcme, map[string]any{"queryType": "perf_series"}), "error_rate_5xx", env.Truth.Customers["acme"].Counts)
	var failing string
	for _, in := range env.Truth.Incidents {
		if in.Kind == "errors" {
			failing = in.Customer
		}
	}
	check(failing, day(dsAdmin, map[string]any{"queryType": "perf_series", "customer": failing}), "error_rate_5xx", env.Truth.Customers[failing].Counts)

	// Finance may not read performance.
	r := env.Query(t, env.Settings(dsFinance), dq("A", grafanaenv.DayRange(), map[string]any{"queryType": "perf_series"})).Responses["A"]
	if r.Status != backend.StatusForbidden || r.ErrorSource != backend.ErrorSourceDownstream {
		t.Errorf("finance reading a latency series: status %d source %q", r.Status, r.ErrorSource)
	}
}
