package docs

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/cli/*.md, docs/completion/* and docs/metrics.md")

const regenerate = "make docs (go test ./docs/ -run TestGenerated -update)"

// TestGenerated compares the committed reference pages with what the
// generators write now: a new flag, subcommand or metric fails it until
// the pages are regenerated.
func TestGenerated(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "edgelog")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/edgelog")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	pages, completions, err := CLIPages(bin)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for name, text := range pages {
		want[filepath.Join("cli", name)] = text
	}
	for name, text := range completions {
		want[filepath.Join("completion", name)] = text
	}
	ms, err := Metrics()
	if err != nil {
		t.Fatal(err)
	}
	want["metrics.md"] = MetricsPage(ms)

	if *update {
		old, _ := filepath.Glob(filepath.Join("cli", "*.md"))
		oldScripts, _ := filepath.Glob(filepath.Join("completion", "*"))
		for _, p := range append(old, oldScripts...) {
			if _, ok := want[p]; !ok {
				os.Remove(p)
			}
		}
		os.MkdirAll("cli", 0o755)
		os.MkdirAll("completion", 0o755)
		for p, text := range want {
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	have, _ := filepath.Glob(filepath.Join("cli", "*.md"))
	scripts, _ := filepath.Glob(filepath.Join("completion", "*"))
	have = append(append(have, scripts...), "metrics.md")
	for _, p := range have {
		if _, ok := want[p]; !ok {
			t.Errorf("docs/%s is no longer generated (a removed command?); run %s", p, regenerate)
		}
	}
	names := make([]string, 0, len(want))
	for p := range want {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		got, err := os.ReadFile(p)
		if err != nil || string(got) != want[p] {
			t.Errorf("docs/%s is not what the code generates now (%v); run %s", p, err, regenerate)
		}
	}
}

// TestEveryMetricDocumented checks what the generator cannot: every metric
// has a help text and a unit, and the names follow Prometheus' conventions.
func TestEveryMetricDocumented(t *testing.T) {
	ms, err := Metrics()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 30 {
		t.Fatalf("only %d metrics found", len(ms))
	}
	for _, m := range ms {
		if m.Help == "" || m.Unit == "" || m.Type == "" {
			t.Errorf("%s: type %q unit %q help %q", m.Name, m.Type, m.Unit, m.Help)
		}
		if !strings.HasPrefix(m.Name, "edgelog_"+m.Stage+"_") {
			t.Errorf("%s: want the prefix edgelog_%s_", m.Name, m.Stage)
		}
		if (m.Type == "counter") != strings.HasSuffix(m.Name, "_total") {
			t.Errorf("%s: a %s; counters and only counters end in _total", m.Name, m.Type)
		}
	}
}
