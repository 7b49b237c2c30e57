package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/edgelog/edgelog/internal/buildinfo"
)

// TestVersionFromLinker builds the binary with -ldflags -X the way the
// Makefile does and checks `version`, `version --json` and `--version`.
func TestVersionFromLinker(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "edgelog")
	const pkg = "github.com/edgelog/edgelog/internal/buildinfo"
	cmd := exec.Command("go", "build", "-o", bin, "-ldflags",
		"-X "+pkg+".Version=9.8.7 -X "+pkg+".Commit=deadbee -X "+pkg+".Date=2026-01-02T03:04:05Z", ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	want := "edgelog 9.8.7 (commit deadbee, built 2026-01-02T03:04:05Z, " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("edgelog %v: %v", args, err)
		}
		if string(out) != want {
			t.Errorf("edgelog %v: got %q, want %q", args, out, want)
		}
	}
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var i buildinfo.Info
	if err := json.Unmarshal(out, &i); err != nil || i.Version != "9.8.7" || i.Commit != "deadbee" || i.Arch != runtime.GOARCH {
		t.Fatalf("version --json: %s (%v)", out, err)
	}
	help, _ := exec.Command(bin, "--help").CombinedOutput()
	if !strings.Contains(string(help), "version") {
		t.Errorf("--help does not list the version command:\n%s", help)
	}
}
