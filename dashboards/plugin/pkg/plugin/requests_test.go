package plugin_test

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/edgelog/edgelog/dashboards/plugin/pkg/plugin"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/grafanaenv"
	"github.com/edgelog/edgelog/query/api"
)

// TestRequestsDrillDown runs the drill-down query type over gRPC as the
// performance dashboard's "slow requests" panel does after the slowest
// places table's link set $region and $pop: during the scripted incident
// its rows are the slow PoP's, slowest first, exactly the API's rows; the
// panel's three hours become the last hour; a customer token reads its
// own rows only; the filters reach the API.
func TestRequestsDrillDown(t *testing.T) {
	env := grafanaenv.Shared(t)
	var slow gen.Incident
	for _, in := range env.Truth.Incidents {
		if in.Kind == "latency" {
			slow = in
		}
	}
	end := slow.From.Add(30 * time.Minute)
	tr := backend.TimeRange{From: end.Add(-3 * time.Hour), To: end}
	f := one(t, env, dsEngineer, dq("A", tr, map[string]any{"queryType": "requests", "order": "slowest",
		"region": slow.Region, "pop": slow.PoP, "limit": 200}))
	if f.Meta == nil || f.Meta.Type != data.FrameTypeTable || f.Rows() == 0 {
		t.Fatalf("frame %v with %d rows", f.Meta, f.Rows())
	}
	for name, typ := range plugin.Specs[plugin.Requests].Fields {
		if fd, i := f.FieldByName(name); i < 0 || fd.Type() != typ {
			t.Errorf("field %s missing or not %s", name, typ)
		}
	}
	var res api.Requests
	askAPI(t, env, dsEngineer, f, &res)
	if !res.From.Equal(end.Add(-time.Hour)) || !res.To.Equal(end) {
		t.Errorf("window %s - %s, want the panel's last hour", res.From, res.To)
	}
	if f.Rows() != len(res.Rows) {
		t.Fatalf("%d rows, the API answers %d", f.Rows(), len(res.Rows))
	}
	inIncident := 0
	for i, r := range res.Rows {
		if field(t, f, "pop").At(i) != slow.PoP || r.PoP != slow.PoP {
			t.Fatalf("row %d at %s", i, r.PoP)
		}
		if field(t, f, "request_time_ms").At(i).(float64) != r.RequestTimeMs || !field(t, f, "time").At(i).(time.Time).Equal(r.Time) ||
			field(t, f, "customer").At(i) != r.Customer || field(t, f, "path").At(i) != r.Path || field(t, f, "status").At(i).(uint64) != uint64(r.Status) {
			t.Errorf("row %d differs from the API's %+v", i, r)
		}
		if i > 0 && r.RequestTimeMs > res.Rows[i-1].RequestTimeMs {
			t.Errorf("row %d is slower than the one before", i)
		}
		if !r.Time.Before(slow.From) {
			inIncident++
		}
	}
	if inIncident < len(res.Rows)*7/10 {
		t.Errorf("%d of the %d slowest requests at %s fall in the incident since %s", inIncident, len(res.Rows), slow.PoP, slow.From)
	}
	if u := field(t, f, "request_time_ms").Config; u == nil || u.Unit != "ms" {
		t.Errorf("request_time_ms config %+v", u)
	}

	// A dashboard variable's All value ("*") is every place.
	all := one(t, env, dsEngineer, dq("B", tr, map[string]any{"queryType": "requests", "region": "*", "pop": "*", "limit": 1000}))
	pops := map[string]bool{}
	for i := range all.Rows() {
		pops[field(t, all, "pop").At(i).(string)] = true
	}
	if len(pops) < 5 {
		t.Errorf("All: rows of %d PoPs", len(pops))
	}

	// The filters reach the API: 5xx of the customer whose origin failed.
	var failing gen.Incident
	for _, in := range env.Truth.Incidents {
		if in.Kind == "errors" {
			failing = in
		}
	}
	errTR := backend.TimeRange{From: failing.From, To: failing.To}
	ef := one(t, env, dsEngineer, dq("C", errTR, map[string]any{"queryType": "requests", "order": "newest", "customer": failing.Customer,
		"status": "5xx", "cacheStatus": "miss", "limit": 1000}))
	if ef.Rows() == 0 {
		t.Fatal("no 5xx of the failing customer during its incident")
	}
	for i := range ef.Rows() {
		st, c, cs := field(t, ef, "status").At(i).(uint64), field(t, ef, "customer").At(i), field(t, ef, "cache_status").At(i)
		if st < 500 || c != failing.Customer || (cs != "MISS" && cs != "EXPIRED") {
			t.Fatalf("row %d: %d %s %s", i, st, c, cs)
		}
	}

	// A customer token: its own rows, whatever the query names.
	own := one(t, env, dsAcme, dq("D", tr, map[string]any{"queryType": "requests", "limit": 1000}))
	for i := range own.Rows() {
		if c := field(t, own, "customer").At(i); c != "acme" {
			t.Fatalf("acme's data source answered a row of %s", c)
		}
	}
	r := env.Query(t, env.Settings(dsAcme), dq("E", tr, map[string]any{"queryType": "requests", "customer": failing.Customer})).Responses["E"]
	if r.Status != backend.StatusForbidden || r.ErrorSource != backend.ErrorSourceDownstream {
		t.Errorf("acme asking for %s's rows: status %d, source %q", failing.Customer, r.Status, r.ErrorSource)
	}
	// The drill-down's filters on another query type are a mistake.
	r = env.Query(t, env.Settings(dsEngineer), dq("F", tr, map[string]any{"queryType": "perf_series", "status": "5xx"})).Responses["F"]
	if r.Status != backend.StatusBadRequest {
		t.Errorf("perf_series with a status filter: status %d", r.Status)
	}
}
