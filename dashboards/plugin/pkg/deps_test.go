package main_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestBinaryDependencies keeps the executable to the plugin and the API's
// types: of edgelog's own packages it imports only dashboards/plugin/pkg/...
// and query/api (the folders the Dockerfile copies), and nothing of the
// ClickHouse driver.
func TestBinaryDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := []string{"github.com/edgelog/edgelog/dashboards/plugin/pkg", "github.com/edgelog/edgelog/query/api"}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(strings.ToLower(dep), "clickhouse") {
			t.Errorf("gpx_edgelog depends on %s", dep)
		}
		if own, ok := strings.CutPrefix(dep, "github.com/edgelog/edgelog/"); ok {
			if !slices.ContainsFunc(allowed, func(a string) bool { return dep == a || strings.HasPrefix(dep, a+"/") }) {
				t.Errorf("gpx_edgelog depends on edgelog's %s; the plugin may import only its own packages and query/api", own)
			}
		}
	}
}
