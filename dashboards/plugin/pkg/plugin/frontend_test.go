package plugin_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/edgelog/edgelog/dashboards/plugin/pkg/plugin"
	"github.com/edgelog/edgelog/lab/grafanaenv"
)

var update = flag.Bool("update", false, "rewrite dashboards/plugin/src/model.json from the query model")

func pluginDir(t *testing.T) string {
	t.Helper()
	root, err := grafanaenv.RepoDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "dashboards", "plugin")
}

// TestFrontendModel keeps the frontend's copy of the query model equal to
// the backend's (go test -update rewrites it).
func TestFrontendModel(t *testing.T) {
	want, err := plugin.ModelJSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(pluginDir(t), "src", "model.json")
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the backend's query model; run go test ./dashboards/plugin/pkg/plugin/ -run TestFrontendModel -update", path)
	}
}

// TestFrontendSource checks that the query editor writes every key the
// backend reads (and no other), that the config editor sets the URL and the
// secure token the backend uses, and that the module registers both.
func TestFrontendSource(t *testing.T) {
	src := filepath.Join(pluginDir(t), "src")
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// The EdgelogQuery interface's own keys against Query's JSON tags.
	types := read("types.ts")
	m := regexp.MustCompile(`(?s)export interface EdgelogQuery extends DataQuery \{(.*?)\n\}`).FindStringSubmatch(types)
	if m == nil {
		t.Fatal("types.ts declares no EdgelogQuery interface")
	}
	var tsKeys []string
	for _, km := range regexp.MustCompile(`(?m)^\s*(\w+)\??:`).FindAllStringSubmatch(m[1], -1) {
		tsKeys = append(tsKeys, km[1])
	}
	var goKeys []string
	rt := reflect.TypeOf(plugin.Query{})
	for i := range rt.NumField() {
		goKeys = append(goKeys, strings.Split(rt.Field(i).Tag.Get("json"), ",")[0])
	}
	if !reflect.DeepEqual(tsKeys, goKeys) {
		t.Errorf("EdgelogQuery keys %v, the backend's Query keys %v", tsKeys, goKeys)
	}
	editor := read("QueryEditor.tsx")
	for _, k := range goKeys {
		if !strings.Contains(editor, k) {
			t.Errorf("QueryEditor.tsx never sets %s", k)
		}
	}
	if !strings.Contains(editor, "model.json") && !strings.Contains(types, "model.json") {
		t.Error("the editor does not read its choices from model.json")
	}
	config := read("ConfigEditor.tsx")
	for _, want := range []string{"url", "secureJsonData", "token", "secureJsonFields"} {
		if !strings.Contains(config, want) {
			t.Errorf("ConfigEditor.tsx does not mention %s", want)
		}
	}
	module := read("module.ts")
	for _, want := range []string{"setConfigEditor", "setQueryEditor", "DataSourcePlugin"} {
		if !strings.Contains(module, want) {
			t.Errorf("module.ts does not call %s", want)
		}
	}
	ds := read("datasource.ts")
	for r := range plugin.Resources {
		if !strings.Contains(ds+types, `'`+r+`'`) {
			t.Errorf("the frontend does not offer resource %s for variables", r)
		}
	}
}

// TestPluginJSON checks what Grafana needs to load the plugin.
func TestPluginJSON(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(pluginDir(t), "src", "plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pj struct {
		Type       string `json:"type"`
		ID         string `json:"id"`
		Backend    bool   `json:"backend"`
		Alerting   bool   `json:"alerting"`
		Executable string `json:"executable"`
		Includes   []struct{ Type, Path string }
		Info       struct {
			Logos struct{ Small, Large string }
		}
	}
	if err := json.Unmarshal(b, &pj); err != nil {
		t.Fatal(err)
	}
	if pj.Type != "datasource" || pj.ID != plugin.PluginID || !pj.Backend || pj.Executable != "gpx_edgelog" {
		t.Errorf("plugin.json: %+v", pj)
	}
	// Grafana's alerting calls the backend's QueryData only for plugins
	// that declare it (dashboards/alerting_test.go runs the rules).
	if !pj.Alerting {
		t.Error("plugin.json does not declare alerting: the provisioned alert rules would not run")
	}
	if !strings.HasSuffix(pj.ID, "-datasource") {
		t.Errorf("plugin id %q must end in -datasource", pj.ID)
	}
	for _, logo := range []string{pj.Info.Logos.Small, pj.Info.Logos.Large} {
		if _, err := os.Stat(filepath.Join(pluginDir(t), "src", logo)); err != nil {
			t.Errorf("logo: %v", err)
		}
	}
	provisioned := filepath.Join(filepath.Dir(pluginDir(t)), "provisioning")
	n := 0
	for _, in := range pj.Includes {
		if in.Type != "dashboard" {
			continue
		}
		n++
		// The build copies the provisioned dashboards into the plugin's dashboards/.
		if _, err := os.Stat(filepath.Join(provisioned, in.Path)); err != nil {
			t.Errorf("included dashboard: %v", err)
		}
	}
	if n == 0 {
		t.Error("plugin.json includes no dashboards")
	}
}
