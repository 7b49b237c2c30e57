package dashboards_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metricsql"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/edgelog/edgelog/dashboards"
	"github.com/edgelog/edgelog/dashboards/plugin/pkg/plugin"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/grafanaenv"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// now is the dashboards' "now" in the tests: late on the generated day, so
// "now-24h", "now-3h" and "now/M" all hold traffic.
var now = grafanaenv.Day.Add(23 * time.Hour)

func all(t *testing.T) []dashboards.File {
	t.Helper()
	files, err := dashboards.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("%d dashboards, want customer traffic, billing, performance, network operations and pipeline health", len(files))
	}
	return files
}

// TestDashboardsAreWellFormed checks every dashboard statically: unique
// uids and panel ids, a layout on the 24-column grid, every panel with a
// data source and targets, every edgelog target valid for the plugin's
// query model, every variable it uses defined, and the plugin shipping
// every dashboard.
func TestDashboardsAreWellFormed(t *testing.T) {
	files := all(t)
	uids := map[string]string{}
	root, err := grafanaenv.RepoDir()
	if err != nil {
		t.Fatal(err)
	}
	included := pluginIncludes(t, root)
	for _, f := range files {
		d := f.Dashboard
		if d.UID == "" || d.Title == "" {
			t.Errorf("%s: no uid or title", f.Name)
		}
		if other, ok := uids[d.UID]; ok {
			t.Errorf("%s and %s share uid %s", f.Name, other, d.UID)
		}
		uids[d.UID] = f.Name
		if !included["dashboards/"+f.Name] {
			t.Errorf("%s is not in plugin.json's includes", f.Name)
		}
		if _, err := relTime(d.Time.From, now); err != nil {
			t.Errorf("%s: time.from: %v", f.Name, err)
		}
		ids := map[int]bool{}
		for _, p := range d.AllPanels() {
			where := fmt.Sprintf("%s panel %d %q", f.Name, p.ID, p.Title)
			if ids[p.ID] {
				t.Errorf("%s: duplicate id", where)
			}
			ids[p.ID] = true
			if g := p.GridPos; g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
				t.Errorf("%s: grid position %+v", where, g)
			}
			if p.Datasource == nil || len(p.Targets) == 0 {
				t.Errorf("%s: no data source or no targets", where)
				continue
			}
			for _, raw := range p.Targets {
				var tg struct {
					RefID      string          `json:"refId"`
					Datasource *dashboards.Ref `json:"datasource"`
					Expr       string          `json:"expr"`
				}
				if err := json.Unmarshal(raw, &tg); err != nil || tg.RefID == "" || tg.Datasource == nil {
					t.Errorf("%s: target without refId or data source: %s", where, raw)
					continue
				}
				for _, name := range varRefs.FindAllStringSubmatch(string(raw), -1) {
					v := name[1] + name[2]
					if _, ok := d.Variable(v); !ok && !strings.HasPrefix(v, "__") {
						t.Errorf("%s: uses undefined variable $%s", where, v)
					}
				}
				// Every target's data source is the dashboard's data-source
				// variable: an import into a Grafana whose data sources
				// have other uids still works.
				if tg.Datasource.UID != "${datasource}" {
					t.Errorf("%s: target's data source is %q, want the ${datasource} variable", where, tg.Datasource.UID)
				}
				if *p.Datasource != *tg.Datasource {
					t.Errorf("%s: panel data source %+v, target's %+v", where, *p.Datasource, *tg.Datasource)
				}
				switch tg.Datasource.Type {
				case plugin.PluginID:
					if _, err := plugin.CheckQuery(raw); err != nil {
						t.Errorf("%s: %v\n%s", where, err, raw)
					}
				case "prometheus":
					if err := checkPromQL(root, tg.Expr); err != nil {
						t.Errorf("%s: %v", where, err)
					}
				default:
					t.Errorf("%s: data source type %q", where, tg.Datasource.Type)
				}
			}
		}
		for _, v := range d.Templating.List {
			switch v.Type {
			case "datasource":
				var q string
				if json.Unmarshal(v.Query, &q); q != plugin.PluginID && q != "prometheus" {
					t.Errorf("%s: data source variable %s lists %q", f.Name, v.Name, q)
				}
			case "query":
				if v.Datasource == nil || v.Datasource.UID != "${datasource}" {
					t.Errorf("%s: variable %s does not ask the ${datasource} variable", f.Name, v.Name)
					continue
				}
				if v.Datasource.Type == "prometheus" {
					var q struct {
						Query string `json:"query"`
					}
					if err := json.Unmarshal(v.Query, &q); err != nil {
						t.Errorf("%s: variable %s: %v", f.Name, v.Name, err)
					} else if err := checkLabelValues(root, q.Query); err != nil {
						t.Errorf("%s: variable %s: %v", f.Name, v.Name, err)
					}
					continue
				}
				var q struct {
					Resource string `json:"resource"`
				}
				if err := json.Unmarshal(v.Query, &q); err != nil {
					t.Errorf("%s: variable %s: %v", f.Name, v.Name, err)
				} else if _, ok := plugin.Resources[q.Resource]; !ok {
					t.Errorf("%s: variable %s asks for resource %q, which the plugin does not serve", f.Name, v.Name, q.Resource)
				}
			default:
				t.Errorf("%s: variable %s of type %s", f.Name, v.Name, v.Type)
			}
		}
	}
}

var varRefs = regexp.MustCompile(`\$\{(\w+)\}|\$(\w+)`)

func pluginIncludes(t *testing.T, root string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "dashboards", "plugin", "src", "plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pj struct {
		Includes []struct{ Type, Path string } `json:"includes"`
	}
	if err := json.Unmarshal(b, &pj); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, in := range pj.Includes {
		if in.Type == "dashboard" {
			out[in.Path] = true
		}
	}
	return out
}

// metricDecl finds a metric declaration in the services' source: its kind
// (CounterOpts, GaugeOpts, HistogramOpts), its name and its labels.
var metricDecl = regexp.MustCompile(`(\w+)Opts\{Name:\s*"(edgelog_\w+)"[^{}]*\}(?:,\s*\[\]string\{([^}]*)\})?`)

// exported reads the metrics the services register, with their labels.
func exported(root string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, f := range []string{"collector/metrics.go", "ingest/metrics.go", "query/server/metrics.go"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return nil, err
		}
		for _, m := range metricDecl.FindAllStringSubmatch(string(b), -1) {
			labels := []string{"instance", "job"}
			for _, l := range strings.Split(m[3], ",") {
				if l = strings.Trim(strings.TrimSpace(l), `"`); l != "" {
					labels = append(labels, l)
				}
			}
			if m[1] == "Histogram" {
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					l := labels
					if suffix == "_bucket" {
						l = append(slices.Clip(labels), "le")
					}
					out[m[2]+suffix] = l
				}
				continue
			}
			out[m[2]] = labels
		}
	}
	// Every role registers Prometheus' build-info collector as
	// edgelog_build_info (cmd/edgelog/common.go).
	b, err := os.ReadFile(filepath.Join(root, "cmd/edgelog/common.go"))
	if err != nil {
		return nil, err
	}
	if strings.Contains(string(b), `versioncollector.NewCollector("edgelog")`) {
		out["edgelog_build_info"] = []string{"instance", "job", "version", "revision", "branch", "goversion", "goos", "goarch", "tags"}
	}
	if len(out) < 10 {
		return nil, fmt.Errorf("found only %d metrics in the services' sources: has the declaration style changed?", len(out))
	}
	return out, nil
}

// checkPromQL parses expr (Grafana's $__ intervals replaced) and checks
// that every metric it reads is one the services export and every label it
// filters or groups by is one of those metrics' labels.
func checkPromQL(root, expr string) error {
	metrics, err := exported(root)
	if err != nil {
		return err
	}
	e, err := metricsql.Parse(strings.NewReplacer("$__rate_interval", "1m", "$__interval", "1m").Replace(expr))
	if err != nil {
		return fmt.Errorf("PromQL %q: %w", expr, err)
	}
	var names []string
	labels := map[string]bool{}
	metricsql.VisitAll(e, func(x metricsql.Expr) {
		switch x := x.(type) {
		case *metricsql.MetricExpr:
			for _, group := range x.LabelFilterss {
				for _, lf := range group {
					if lf.Label == "__name__" {
						names = append(names, lf.Value)
					} else {
						labels[lf.Label] = true
					}
				}
			}
		case *metricsql.AggrFuncExpr:
			for _, l := range x.Modifier.Args {
				labels[l] = true
			}
		}
	})
	if len(names) == 0 {
		return fmt.Errorf("PromQL %q reads no metric", expr)
	}
	have := map[string]bool{}
	for _, n := range names {
		ls, ok := metrics[n]
		if !ok {
			return fmt.Errorf("PromQL %q reads %s, which no service exports", expr, n)
		}
		for _, l := range ls {
			have[l] = true
		}
	}
	// Prometheus adds job and instance to every scraped series; every
	// selector must filter by the dashboard's $job and $instance.
	have["job"], have["instance"] = true, true
	if n := strings.Count(expr, "edgelog_"); strings.Count(expr, `job=~"$job"`) != n || strings.Count(expr, `instance=~"$instance"`) != n {
		return fmt.Errorf("PromQL %q: every selector needs job=~\"$job\" and instance=~\"$instance\"", expr)
	}
	for l := range labels {
		if !have[l] {
			return fmt.Errorf("PromQL %q uses label %q, which %v do not have", expr, l, names)
		}
	}
	return nil
}

// checkLabelValues checks a Prometheus variable's label_values(selector,
// label) query: its metric is exported and has the label.
func checkLabelValues(root, q string) error {
	m := labelValues.FindStringSubmatch(q)
	if m == nil {
		return fmt.Errorf("query %q is not label_values(metric{...}, label)", q)
	}
	return checkPromQL(root, fmt.Sprintf(`count by (%s) (%s{job=~"$job", instance=~"$instance"})`, m[2], m[1]))
}

var labelValues = regexp.MustCompile(`^label_values\((edgelog_[a-z0-9_]+)(?:\{[^}]*\})?, *([a-z_]+)\)$`)

// TestDashboardsFollowGrafanasLinterRules checks the rules of Grafana's
// dashboard linter (github.com/grafana/dashboard-linter, which `make lint`
// runs with --strict) that hold for every dashboard: provisioned
// dashboards are not editable; the data-source variable is named
// datasource and labelled "Data source"; query variables refresh on time
// range change; a Prometheus dashboard has multi-select $job and $instance
// variables with allValue .+; every panel has a description and its units.
func TestDashboardsFollowGrafanasLinterRules(t *testing.T) {
	for _, f := range all(t) {
		d := f.Dashboard
		if d.Editable {
			t.Errorf("%s: editable, want editable: false (provisioned)", f.Name)
		}
		var dsVars []dashboards.Variable
		for _, v := range d.Templating.List {
			switch v.Type {
			case "datasource":
				dsVars = append(dsVars, v)
			case "query":
				if v.Refresh != 2 {
					t.Errorf("%s: variable %s refreshes %d, want 2 (on time range change)", f.Name, v.Name, v.Refresh)
				}
			}
		}
		if len(dsVars) != 1 || dsVars[0].Name != "datasource" || dsVars[0].Label != "Data source" {
			t.Errorf("%s: data-source variables %+v, want one named datasource labelled \"Data source\"", f.Name, dsVars)
			continue
		}
		var dsType string
		json.Unmarshal(dsVars[0].Query, &dsType)
		if dsType == "prometheus" {
			for _, name := range []string{"job", "instance"} {
				v, ok := d.Variable(name)
				if !ok || !v.Multi || v.AllValue != ".+" || v.Label != strings.ToUpper(name[:1])+name[1:] {
					t.Errorf("%s: want a multi-select variable %s with allValue .+ (got %+v)", f.Name, name, v)
				}
			}
		}
		for _, p := range d.AllPanels() {
			if p.Type == "row" {
				continue
			}
			where := fmt.Sprintf("%s panel %q", f.Name, p.Title)
			if strings.TrimSpace(p.Description) == "" {
				t.Errorf("%s: no description", where)
			}
			units := p.Units()
			// A stat of one named field shows that field with the unit the
			// plugin gives it (a bill's currency); the linter skips it too.
			oneField := p.Type == "stat" && strings.HasPrefix(p.Options.ReduceOptions.Fields, "/^")
			if len(units) == 0 && !oneField {
				t.Errorf("%s: no unit", where)
			}
			for _, u := range units {
				if !grafanaUnits[u] {
					t.Errorf("%s: unit %q is not one of Grafana's", where, u)
				}
			}
		}
	}
}

// grafanaUnits are the Grafana unit ids the dashboards use (a subset of
// the list in Grafana's valueFormats, which the dashboard linter checks).
var grafanaUnits = map[string]bool{
	"none": true, "short": true, "percent": true, "percentunit": true,
	"bytes": true, "decbytes": true, "decgbytes": true, "bps": true, "Bps": true, "Mbits": true,
	"reqps": true, "ms": true, "s": true, "currencyUSD": true,
}

// TestEveryPanelQueryRuns runs every edgelog panel query of every
// dashboard through the plugin over gRPC, as Grafana would with the
// dashboard's default data source: its variables resolved through the
// plugin's resources (the first value, as Grafana picks), its time range
// relative to `now`. Each must answer non-empty frames whose fields are
// the ones the query model declares, with the declared types.
func TestEveryPanelQueryRuns(t *testing.T) {
	env := grafanaenv.Shared(t)
	ran := map[string]int{}
	for _, f := range all(t) {
		d := f.Dashboard
		dsVar, ok := d.Variable("datasource")
		var dsType string
		if json.Unmarshal(dsVar.Query, &dsType); !ok || dsType != plugin.PluginID {
			continue // a Prometheus dashboard: checked above
		}
		uid, _ := dsVar.Current.Value.(string)
		if _, ok := env.Sources[uid]; !ok {
			t.Errorf("%s: default data source %q is not provisioned", f.Name, uid)
			continue
		}
		settings := env.Settings(uid)
		from, err := relTime(d.Time.From, now)
		if err != nil {
			t.Fatal(err)
		}
		tr := backend.TimeRange{From: from, To: now}
		vals := resolveVariables(t, env, settings, d, tr)
		for _, p := range d.AllPanels() {
			for _, raw := range p.Targets {
				var tg struct {
					RefID      string          `json:"refId"`
					QueryType  string          `json:"queryType"`
					Datasource *dashboards.Ref `json:"datasource"`
				}
				json.Unmarshal(raw, &tg)
				if tg.Datasource == nil || tg.Datasource.Type != plugin.PluginID {
					continue
				}
				where := fmt.Sprintf("%s panel %q (%s, %s)", f.Name, p.Title, tg.QueryType, env.Roles[uid])
				q := backend.DataQuery{RefID: tg.RefID, QueryType: tg.QueryType, TimeRange: tr,
					Interval: intervalFor(tr, 1000), MaxDataPoints: 1000, JSON: interpolate(raw, vals)}
				r := env.Query(t, settings, q).Responses[tg.RefID]
				if r.Error != nil {
					t.Errorf("%s: %v", where, r.Error)
					continue
				}
				checkFrames(t, where, tg.QueryType, r.Frames)
				ran[tg.QueryType]++
			}
		}
	}
	for _, qt := range plugin.QueryTypes() {
		if ran[qt] == 0 {
			t.Errorf("no dashboard panel uses query type %s", qt)
		}
	}
	t.Logf("panel queries run by type: %v", ran)
}

// resolveVariables asks the plugin for each query variable's values and
// takes the first, as Grafana does for a variable with no saved value (All
// for a variable that has it).
func resolveVariables(t *testing.T, env *grafanaenv.Env, s *backend.DataSourceInstanceSettings, d dashboards.Dashboard, tr backend.TimeRange) map[string]string {
	t.Helper()
	vals := map[string]string{"datasource": s.UID}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q map[string]string
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Fatalf("%s: variable %s: %v", d.Title, v.Name, err)
		}
		params := url.Values{"from": {strconv.FormatInt(tr.From.UnixMilli(), 10)}, "to": {strconv.FormatInt(tr.To.UnixMilli(), 10)}}
		for k, val := range q {
			if k != "resource" {
				params.Set(k, string(interpolate([]byte(val), vals)))
			}
		}
		code, body := env.Resource(t, s, q["resource"], params.Encode())
		var list []string
		if code != 200 || json.Unmarshal(body, &list) != nil || len(list) == 0 {
			t.Fatalf("%s: variable %s: resource %s answered %d %s", d.Title, v.Name, q["resource"], code, body)
		}
		vals[v.Name] = list[0]
		// A variable with an All option starts on it, as in Grafana.
		if v.IncludeAll {
			vals[v.Name] = v.AllValue
		}
	}
	return vals
}

// interpolate replaces $name and ${name} as Grafana's frontend does before
// a query reaches the backend.
func interpolate(b []byte, vals map[string]string) []byte {
	return varRefs.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := varRefs.FindSubmatch(m)
		if v, ok := vals[string(sub[1])+string(sub[2])]; ok {
			return []byte(v)
		}
		return m
	})
}

// intervalFor is Grafana's interval for a range and a panel width in data
// points, rounded to a whole second as Grafana rounds it.
func intervalFor(tr backend.TimeRange, points int) time.Duration {
	return max(tr.To.Sub(tr.From)/time.Duration(points), time.Second).Round(time.Second)
}

func checkFrames(t *testing.T, where, queryType string, frames data.Frames) {
	t.Helper()
	spec := plugin.Specs[queryType]
	if len(frames) == 0 {
		t.Errorf("%s: no frames", where)
		return
	}
	for _, fr := range frames {
		if fr.Rows() == 0 {
			t.Errorf("%s: frame %q is empty", where, fr.Name)
		}
		if len(fr.Fields) == 0 {
			t.Errorf("%s: frame %q has no fields", where, fr.Name)
		}
		for i, fd := range fr.Fields {
			want, ok := spec.Fields[fd.Name]
			switch {
			case !ok:
				t.Errorf("%s: field %q is not in the query model", where, fd.Name)
			case fd.Type() != want:
				t.Errorf("%s: field %q is %s, the model says %s", where, fd.Name, fd.Type(), want)
			case i > 0 && fd.Config == nil && fd.Type().Numeric():
				t.Errorf("%s: numeric field %q has no config (unit)", where, fd.Name)
			}
		}
		if spec.TimeSeries {
			if fr.Fields[0].Type() != data.FieldTypeTime {
				t.Errorf("%s: a time series whose first field is %s", where, fr.Fields[0].Type())
			}
			if fr.Meta == nil || fr.Meta.Type != data.FrameTypeTimeSeriesWide {
				t.Errorf("%s: time series frame type %v", where, fr.Meta)
			}
		}
	}
}

// relTime resolves the relative times dashboards use: now, now-<n><unit>
// (m, h, d, w) and now/M, now/d (start of the month or day, UTC).
func relTime(s string, now time.Time) (time.Time, error) {
	switch s {
	case "now":
		return now, nil
	case "now/M":
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC), nil
	case "now/d":
		return now.Truncate(24 * time.Hour), nil
	}
	rest, ok := strings.CutPrefix(s, "now-")
	if !ok || len(rest) < 2 {
		return time.Time{}, fmt.Errorf("relative time %q not understood", s)
	}
	n, err := strconv.Atoi(rest[:len(rest)-1])
	unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[rest[len(rest)-1]]
	if err != nil || unit == 0 {
		return time.Time{}, fmt.Errorf("relative time %q not understood", s)
	}
	return now.Add(-time.Duration(n) * unit), nil
}

// TestSlowestPlacesLinkToSlowRequests checks the drill-down path of the
// performance dashboard: the slowest places table links each row to the
// same dashboard with $region and $pop set from the row's fields (which
// the query model says perf_slowest answers), and a requests panel
// follows those variables, whose All value the plugin reads as
// everywhere.
func TestSlowestPlacesLinkToSlowRequests(t *testing.T) {
	var perf *dashboards.File
	for _, f := range all(t) {
		if f.Dashboard.UID == "edgelog-performance" {
			perf = &f
		}
	}
	if perf == nil {
		t.Fatal("no performance dashboard")
	}
	var raw struct {
		Panels []struct {
			ID          int               `json:"id"`
			Targets     []json.RawMessage `json:"targets"`
			FieldConfig struct {
				Defaults struct {
					Links []struct{ Title, URL string } `json:"links"`
				} `json:"defaults"`
			} `json:"fieldConfig"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(perf.JSON, &raw); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"region", "pop"} {
		v, ok := perf.Dashboard.Variable(name)
		if !ok || !v.IncludeAll || v.AllValue != "*" {
			t.Errorf("variable %s: %+v, want one with an All option of value *", name, v)
		}
	}
	linked, followed := false, false
	for _, p := range raw.Panels {
		for _, tg := range p.Targets {
			q, err := plugin.CheckQuery(tg)
			if err != nil {
				continue
			}
			switch q.QueryType {
			case plugin.PerfSlowest:
				for _, l := range p.FieldConfig.Defaults.Links {
					u, err := url.Parse(l.URL)
					if err != nil {
						t.Fatalf("panel %d: link %q: %v", p.ID, l.URL, err)
					}
					fields := plugin.Specs[plugin.PerfSlowest].Fields
					if strings.HasPrefix(u.Path, "/d/"+perf.Dashboard.UID+"/") && u.Query().Get("var-region") == "${__data.fields.region}" &&
						u.Query().Get("var-pop") == "${__data.fields.pop}" && fields["region"] != 0 && fields["pop"] != 0 &&
						strings.Contains(l.URL, "${__url_time_range}") && strings.Contains(l.URL, "${datasource:queryparam}") {
						linked = true
					}
				}
			case plugin.Requests:
				var r struct{ Region, PoP string }
				json.Unmarshal(tg, &r)
				followed = followed || (r.Region == "$region" && r.PoP == "$pop")
			}
		}
	}
	if !linked {
		t.Error("the slowest places table has no data link setting $region and $pop on this dashboard")
	}
	if !followed {
		t.Error("no requests panel follows $region and $pop")
	}
	if q, err := plugin.ParseQuery([]byte(`{"queryType":"requests","region":"*","pop":"*"}`)); err != nil || q.Region != "" || q.PoP != "" {
		t.Errorf("All values: %+v %v, want everywhere", q, err)
	}
}
