package dashboards_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metricsql"
	"github.com/go-openapi/strfmt"
	"github.com/grafana/grafana-openapi-client-go/models"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"gopkg.in/yaml.v3"

	"github.com/edgelog/edgelog/dashboards/plugin/pkg/plugin"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/grafanaenv"
)

// exprUID is the data source uid of Grafana's server-side expressions.
const exprUID = "__expr__"

// alertRules reads the provisioned alert rules into Grafana's own model of
// its file-provisioning (export) format, from grafana-openapi-client-go:
// YAML to JSON, decoded refusing any key the model does not have, then
// validated by the model (enums such as noDataState and execErrState).
func alertRules(t *testing.T) []*models.AlertRuleGroupExport {
	t.Helper()
	root, err := grafanaenv.RepoDir()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "dashboards", "provisioning", "alerting", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no alert rule files (%v)", err)
	}
	var groups []*models.AlertRuleGroupExport
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		js, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.DisallowUnknownFields()
		var f models.AlertingFileExport
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("%s is not Grafana's alerting file format: %v", path, err)
		}
		if err := f.Validate(strfmt.Default); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if f.APIVersion != 1 || len(f.Groups) == 0 {
			t.Fatalf("%s: apiVersion %d with %d groups", path, f.APIVersion, len(f.Groups))
		}
		groups = append(groups, f.Groups...)
	}
	return groups
}

// provisionedSources are the data sources of the provisioning file, by
// uid: their types.
func provisionedSources(t *testing.T) map[string]string {
	t.Helper()
	root, _ := grafanaenv.RepoDir()
	b, err := os.ReadFile(filepath.Join(root, "dashboards", "provisioning", "datasources", "edgelog.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Datasources []struct{ UID, Type string } `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Datasources {
		out[d.UID] = d.Type
	}
	return out
}

// TestAlertRulesAreProvisionable checks what Grafana's provisioning
// requires of each rule beyond the model's own validation, and each
// query: an edgelog model the plugin accepts (strictly, as a dashboard's
// target), PromQL that parses and reads metrics the services export, and
// expressions over refIds of the rule.
func TestAlertRulesAreProvisionable(t *testing.T) {
	sources := provisionedSources(t)
	root, _ := grafanaenv.RepoDir()
	uids := map[string]bool{}
	kinds := map[string]int{}
	for _, g := range alertRules(t) {
		if g.Name == "" || g.Folder == "" || g.OrgID != 1 {
			t.Errorf("group %+v: want a name, a folder and orgId 1", g)
		}
		interval, err := time.ParseDuration(g.Interval)
		if err != nil || interval < 10*time.Second || interval%(10*time.Second) != 0 {
			t.Errorf("group %s: interval %q is not a multiple of 10s (Grafana's base interval)", g.Name, g.Interval)
		}
		for _, r := range g.Rules {
			where := g.Name + "/" + r.Title
			if r.UID == "" || len(r.UID) > 40 || uids[r.UID] || r.Title == "" || r.Condition == "" {
				t.Errorf("%s: uid %q (unique, at most 40 characters), title and condition are required", where, r.UID)
			}
			uids[r.UID] = true
			if d, err := time.ParseDuration(r.For); err != nil || d < interval {
				t.Errorf("%s: for %q", where, r.For)
			}
			if r.Annotations["summary"] == "" || r.Labels["severity"] == "" {
				t.Errorf("%s: want a summary annotation and a severity label", where)
			}
			refs := map[string]bool{}
			for _, q := range r.Data {
				refs[q.RefID] = true
			}
			if !refs[r.Condition] {
				t.Errorf("%s: condition %s is none of its queries", where, r.Condition)
			}
			for _, q := range r.Data {
				model, _ := json.Marshal(q.Model)
				var m struct {
					RefID      string `json:"refId"`
					Type       string `json:"type"`
					Expression string `json:"expression"`
					Expr       string `json:"expr"`
				}
				json.Unmarshal(model, &m)
				if m.RefID != q.RefID {
					t.Errorf("%s %s: the model's refId is %q", where, q.RefID, m.RefID)
				}
				if q.DatasourceUID == exprUID {
					if !slices.Contains([]string{"threshold", "reduce", "math"}, m.Type) || !refs[m.Expression] {
						t.Errorf("%s %s: expression %q over %q", where, q.RefID, m.Type, m.Expression)
					}
					continue
				}
				if q.RelativeTimeRange == nil || q.RelativeTimeRange.From <= q.RelativeTimeRange.To {
					t.Errorf("%s %s: relative time range %+v", where, q.RefID, q.RelativeTimeRange)
				}
				switch typ := sources[q.DatasourceUID]; typ {
				case plugin.PluginID:
					kinds[typ]++
					if _, err := plugin.CheckQuery(model); err != nil {
						t.Errorf("%s %s: %v", where, q.RefID, err)
					}
				case "prometheus":
					kinds[typ]++
					if err := checkAlertPromQL(root, m.Expr); err != nil {
						t.Errorf("%s %s: %v", where, q.RefID, err)
					}
				default:
					t.Errorf("%s %s: data source %q is not provisioned (or of type %q)", where, q.RefID, q.DatasourceUID, typ)
				}
			}
		}
	}
	if kinds[plugin.PluginID] < 3 || kinds["prometheus"] < 1 {
		t.Errorf("rules query %v, want the edgelog rules and the Prometheus one", kinds)
	}
}

// checkAlertPromQL parses a rule's PromQL and checks every metric it reads
// is one the services export.
func checkAlertPromQL(root, expr string) error {
	metrics, err := exported(root)
	if err != nil {
		return err
	}
	e, err := metricsql.Parse(expr)
	if err != nil {
		return fmt.Errorf("PromQL %q: %w", expr, err)
	}
	n := 0
	var bad error
	metricsql.VisitAll(e, func(x metricsql.Expr) {
		if me, ok := x.(*metricsql.MetricExpr); ok {
			for _, group := range me.LabelFilterss {
				for _, lf := range group {
					if lf.Label == "__name__" {
						n++
						if _, ok := metrics[lf.Value]; !ok {
							bad = fmt.Errorf("PromQL reads %s, which no service exports", lf.Value)
						}
					}
				}
			}
		}
	})
	if n == 0 {
		return fmt.Errorf("PromQL %q reads no metric", expr)
	}
	return bad
}

// evaluate runs a rule's edgelog queries through the plugin's QueryData
// over gRPC as Grafana's alerting does (the rule's model as it is, no
// frontend, the FromAlert header, the query's relative time range ending
// at the evaluation time) and applies its threshold expression. It
// answers the labels of the numbers over the threshold.
func evaluate(t *testing.T, env *grafanaenv.Env, r *models.AlertRuleExport, at time.Time) map[string]float64 {
	t.Helper()
	var threshold struct {
		Expression string
		Conditions []struct {
			Evaluator struct {
				Type   string
				Params []float64
			}
		}
	}
	var queries []backend.DataQuery
	var uid string
	for _, q := range r.Data {
		model, _ := json.Marshal(q.Model)
		if q.DatasourceUID == exprUID {
			if q.RefID == r.Condition {
				json.Unmarshal(model, &threshold)
			}
			continue
		}
		uid = q.DatasourceUID
		// Grafana's alerting adds these keys to the model it sends.
		var m map[string]any
		json.Unmarshal(model, &m)
		m["datasource"] = map[string]string{"type": plugin.PluginID, "uid": uid}
		m["intervalMs"], m["maxDataPoints"] = 1000, 43200
		js, _ := json.Marshal(m)
		qt, _ := m["queryType"].(string)
		queries = append(queries, backend.DataQuery{RefID: q.RefID, QueryType: qt, JSON: js, Interval: time.Second, MaxDataPoints: 43200,
			TimeRange: backend.TimeRange{From: at.Add(-time.Duration(q.RelativeTimeRange.From) * time.Second), To: at.Add(-time.Duration(q.RelativeTimeRange.To) * time.Second)}})
	}
	if len(threshold.Conditions) != 1 || threshold.Conditions[0].Evaluator.Type != "gt" || len(queries) != 1 || threshold.Expression != queries[0].RefID {
		t.Fatalf("%s: the test evaluates one query under a gt threshold, not %+v", r.Title, threshold)
	}
	resp, err := env.Plugin.Client.QueryData(context.Background(), &backend.QueryDataRequest{
		PluginContext: backend.PluginContext{PluginID: plugin.PluginID, DataSourceInstanceSettings: env.Settings(uid)},
		Headers:       map[string]string{"FromAlert": "true"},
		Queries:       queries,
	})
	if err != nil {
		t.Fatalf("QueryData: %v", err)
	}
	res := resp.Responses[queries[0].RefID]
	if res.Error != nil {
		t.Fatalf("%s at %s: %v", r.Title, at, res.Error)
	}
	over := map[string]float64{}
	for _, labels := range numbers(t, r.Title, res.Frames) {
		if labels.value != nil && *labels.value > threshold.Conditions[0].Evaluator.Params[0] {
			over[labels.key] = *labels.value
		}
	}
	return over
}

// evaluationTimes are the minutes the rules are evaluated at: hours of
// normal traffic at night and in the evening, and the hours around both
// incidents, each at the rule group's interval (the whole day takes half
// a minute, too long for make test).
func evaluationTimes(interval time.Duration) []time.Time {
	var out []time.Time
	for _, span := range [][2]time.Duration{{2 * time.Hour, 3 * time.Hour}, {9*time.Hour + 30*time.Minute, 11*time.Hour + 30*time.Minute},
		{13*time.Hour + 30*time.Minute, 15*time.Hour + 30*time.Minute}, {20 * time.Hour, 21 * time.Hour}} {
		for at := grafanaenv.Day.Add(span[0]); at.Before(grafanaenv.Day.Add(span[1])); at = at.Add(interval) {
			out = append(out, at)
		}
	}
	return out
}

type number struct {
	key   string // the labels, k=v sorted
	value *float64
}

// numbers reads frames as Grafana's alerting reads a numeric table: one
// frame, exactly one numeric field, the string fields its labels, each row
// uniquely labelled.
func numbers(t *testing.T, where string, frames data.Frames) []number {
	t.Helper()
	if len(frames) != 1 {
		t.Fatalf("%s: %d frames, want one numeric frame", where, len(frames))
	}
	f := frames[0]
	if f.Meta == nil || f.Meta.Type != data.FrameTypeNumericLong {
		t.Fatalf("%s: frame type %v, want %s", where, f.Meta, data.FrameTypeNumericLong)
	}
	var val *data.Field
	var labels []*data.Field
	for _, fd := range f.Fields {
		switch {
		case fd.Type().Numeric():
			if val != nil {
				t.Fatalf("%s: more than one numeric field (%s, %s)", where, val.Name, fd.Name)
			}
			val = fd
		case fd.Type() == data.FieldTypeString:
			labels = append(labels, fd)
		default:
			t.Fatalf("%s: field %s of type %s in a numeric frame", where, fd.Name, fd.Type())
		}
	}
	if val == nil {
		t.Fatalf("%s: no numeric field", where)
	}
	seen := map[string]bool{}
	var out []number
	for i := range f.Rows() {
		var kv []string
		for _, l := range labels {
			kv = append(kv, l.Name+"="+l.At(i).(string))
		}
		key := strings.Join(kv, ",")
		if seen[key] {
			t.Fatalf("%s: two rows labelled %s", where, key)
		}
		seen[key] = true
		n := number{key: key}
		if v, err := val.NullableFloatAt(i); err == nil && v != nil {
			n.value = v
		}
		out = append(out, n)
	}
	return out
}

// TestAlertRulesFireOnIncidents evaluates each edgelog rule every minute
// of its group's interval across the generated day (`edgelog gen`'s
// scripted incidents: bom1 five times slower 14:05-14:40, a customer's
// origin failing a third of its requests 10:00-10:20), with Grafana's
// pending period ("for"), and checks that each rule fires for its
// incident's place while the incident lasts and nowhere else all day.
func TestAlertRulesFireOnIncidents(t *testing.T) {
	env := grafanaenv.Shared(t)
	var slow, failing gen.Incident
	for _, in := range env.Truth.Incidents {
		switch in.Kind {
		case "latency":
			slow = in
		case "errors":
			failing = in
		}
	}
	want := map[string]struct {
		label    string
		incident gen.Incident
	}{
		"edgelog-pop-p90-ttfb":    {"pop=" + slow.PoP, slow},
		"edgelog-region-p90-ttfb": {"region=" + slow.Region, slow},
		"edgelog-5xx-rate":        {"", failing}, // whichever regions the customer's traffic reaches
	}
	sources := provisionedSources(t)
	ran := 0
	for _, g := range alertRules(t) {
		interval, _ := time.ParseDuration(g.Interval)
		for _, r := range g.Rules {
			if sources[r.Data[0].DatasourceUID] != plugin.PluginID {
				continue
			}
			w, ok := want[r.UID]
			if !ok {
				t.Errorf("rule %s: the test knows no incident it should fire on", r.UID)
				continue
			}
			ran++
			t.Run(r.UID, func(t *testing.T) {
				t.Parallel()
				checkRule(t, env, r, interval, w.label, w.incident)
			})
		}
	}
	if ran < 3 {
		t.Errorf("%d edgelog rules evaluated", ran)
	}
}

// checkRule evaluates r at evaluationTimes with Grafana's pending period
// and checks it fires for label (any, when "") during the incident (or
// within 15 minutes after it, the longest window a rule reads) only.
func checkRule(t *testing.T, env *grafanaenv.Env, r *models.AlertRuleExport, interval time.Duration, label string, incident gen.Incident) {
	pending, _ := time.ParseDuration(r.For)
	pendingSince := map[string]time.Time{} // per label set over the threshold
	var firstFiring time.Time
	for _, at := range evaluationTimes(interval) {
		over := evaluate(t, env, r, at)
		for key := range pendingSince {
			if _, ok := over[key]; !ok {
				delete(pendingSince, key) // back to normal
			}
		}
		for key, v := range over {
			since, ok := pendingSince[key]
			if !ok {
				since, pendingSince[key] = at, at
			}
			if at.Sub(since) < pending {
				continue // pending
			}
			if at.Before(incident.From) || at.After(incident.To.Add(15*time.Minute)) || (label != "" && key != label) {
				t.Errorf("%s fires for %s at %s (value %.3f): no incident there then", r.Title, key, at.Format("15:04"), v)
			}
			if firstFiring.IsZero() {
				firstFiring = at
			}
		}
	}
	if firstFiring.IsZero() || firstFiring.After(incident.From.Add(pending+15*time.Minute)) {
		t.Errorf("%s: first fired at %v, want within %s of the incident at %s", r.Title, firstFiring, pending+15*time.Minute, incident.From.Format("15:04"))
	}
	t.Logf("%s: fired from %s (incident %s-%s)", r.Title, firstFiring.Format("15:04"), incident.From.Format("15:04"), incident.To.Format("15:04"))
}
