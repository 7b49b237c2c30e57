package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/edgelog/edgelog/dashboards/plugin/pkg/plugin"
)

// TestPluginPackage checks, on the sources, what Grafana's plugin
// validator asks of the archive that build.sh makes from them (build.sh
// runs validate.mjs on the built folder too): an id of the form
// org-name-datasource, the README, CHANGELOG (with the version's entry)
// and LICENSE that build.sh and the Dockerfile copy into the archive,
// screenshots and logos that exist, and a source map.
func TestPluginPackage(t *testing.T) {
	dir := ".." // dashboards/plugin
	var meta struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Info struct {
			Logos       map[string]string `json:"logos"`
			Screenshots []struct{ Name, Path string }
		} `json:"info"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "src/plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-z0-9]+-[a-z0-9]+-datasource$`).MatchString(meta.ID) || meta.Type != "datasource" {
		t.Errorf("plugin id %q (type %s), want org-name-datasource", meta.ID, meta.Type)
	}
	if meta.ID != plugin.PluginID {
		t.Errorf("plugin.json id %q, backend PluginID %q", meta.ID, plugin.PluginID)
	}
	if len(meta.Info.Screenshots) == 0 {
		t.Error("plugin.json lists no screenshots")
	}
	paths := []string{meta.Info.Logos["small"], meta.Info.Logos["large"]}
	for _, s := range meta.Info.Screenshots {
		if s.Name == "" {
			t.Errorf("screenshot %s has no name", s.Path)
		}
		paths = append(paths, s.Path)
	}
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(dir, "src", p)); err != nil {
			t.Errorf("plugin.json names %s: %v", p, err)
		}
	}
	var pkg struct{ Version string }
	b, _ = os.ReadFile(filepath.Join(dir, "package.json"))
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		"src/README.md": "# edgelog data source for Grafana",
		"CHANGELOG.md":  "## " + pkg.Version + " (",
		"LICENSE":       "Apache License\n                           Version 2.0",
	} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s: want it to hold %q (%v)", file, want, err)
		}
	}
	build, _ := os.ReadFile(filepath.Join(dir, "build.sh"))
	docker, _ := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	for _, f := range []string{"README.md", "CHANGELOG.md", "LICENSE"} {
		if !strings.Contains(string(build), f) || !strings.Contains(string(docker), f) {
			t.Errorf("build.sh or the Dockerfile does not copy %s into the archive", f)
		}
	}
	if mjs, _ := os.ReadFile(filepath.Join(dir, "build.mjs")); !strings.Contains(string(mjs), "sourcemap: 'linked'") {
		t.Error("build.mjs makes no source map")
	}
}
