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

var update = flag.Bool("update", false, "rewrite docs/cli/*.md and docs/metrics.md")

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
	pages, err := CLIPages(bin)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for name, text := range pages {
		want[filepath.Join("cli", name)] = text
	}
	ms, err := Metrics()
	if err != nil {
		t.Fatal(err)
	}
	want["metrics.md"] = MetricsPage(ms)

	if *update {
		old, _ := filepath.Glob(filepath.Join("cli", "*.md"))
		for _, p := range old {
			if _, ok := want[p]; !ok {
				os.Remove(p)
			}
		}
		os.MkdirAll("cli", 0o755)
		for p, text := range want {
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	have, _ := filepath.Glob(filepath.Join("cli", "*.md"))
	have = append(have, "metrics.md")
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

// TestEveryFlagExplained checks every subcommand's --help: a usage line,
// a description, and a meaning for every flag.
func TestEveryFlagExplained(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "edgelog")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/edgelog").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	top, err := help(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range parseCommands(top) {
		text, err := help(bin, c.Name)
		if err != nil {
			t.Fatal(err)
		}
		body, flags, _ := strings.Cut(text, "\nFlags:\n")
		if !strings.HasPrefix(body, "Usage: edgelog "+c.Name) || len(strings.Split(strings.TrimSpace(body), "\n")) < 3 {
			t.Errorf("edgelog %s --help has no usage line and description:\n%s", c.Name, text)
		}
		for _, f := range parseFlags(strings.Split(flags, "\n")) {
			if len(f.Usage) < 8 {
				t.Errorf("edgelog %s --%s: no meaning given (%q)", c.Name, f.Name, f.Usage)
			}
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

// TestParseFlags pins the reading of flag.PrintDefaults' output.
func TestParseFlags(t *testing.T) {
	got := parseFlags(strings.Split("  -batch-rows int\n    \trows per batch (default 50000)\n  -follow\n    \tkeep tailing (default true)\n  -topic string\n    \tKafka topic\n    \tsecond line (default \"edgelog-requests\")\n", "\n"))
	want := []Flag{{"batch-rows", "int", "50000", "rows per batch"}, {"follow", "bool", "true", "keep tailing"}, {"topic", "string", `"edgelog-requests"`, "Kafka topic second line"}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("flag %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
