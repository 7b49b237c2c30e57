package packaging

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	rpmutils "github.com/sassoftware/go-rpmutils"
)

// TestRPMContents builds the .rpm and reads it back with an independent
// reader (go-rpmutils, not the writer nfpm uses): architecture, version,
// every file's mode, owner and config flags, and the maintainer scripts.
// rpm itself is not on a Debian machine, so the rpm is not installed.
func TestRPMContents(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("no package for %s", runtime.GOARCH)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "edgelog")
	cmd := exec.Command("go", "build", "-ldflags", LDFlags("2.3.4", "test", ""), "-o", bin, "./cmd/edgelog")
	cmd.Dir = RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	paths, err := Build(context.Background(), Options{Version: "2.3.4", Archs: []string{runtime.GOARCH}, Formats: []string{"rpm"},
		OutDir: dir, Binaries: map[string]string{runtime.GOARCH: bin}})
	if err != nil {
		t.Fatal(err)
	}
	wantArch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	if want := "edgelog-2.3.4-1." + wantArch + ".rpm"; filepath.Base(paths[0]) != want {
		t.Errorf("package %s, want %s", filepath.Base(paths[0]), want)
	}
	f, err := os.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rpm, err := rpmutils.ReadRpm(f)
	if err != nil {
		t.Fatal(err)
	}
	nevra, err := rpm.Header.GetNEVRA()
	if err != nil {
		t.Fatal(err)
	}
	if nevra.Name != "edgelog" || nevra.Version != "2.3.4" || nevra.Arch != wantArch {
		t.Errorf("NEVRA %+v", nevra)
	}
	files, err := rpm.Header.GetFiles()
	if err != nil {
		t.Fatal(err)
	}
	const (
		config    = 1 << 0 // RPMFILE_CONFIG
		noreplace = 1 << 4 // RPMFILE_NOREPLACE
		dirMode   = 0o040000
	)
	type want struct {
		mode       int
		user, grp  string
		configured bool
	}
	wants := map[string]want{
		"/usr/bin/edgelog": {0o100755, "root", "root", false},
		"/usr/lib/systemd/system/edgelog-collector.service": {0o100644, "root", "root", false},
		"/usr/lib/systemd/system/edgelog-ingest.service":    {0o100644, "root", "root", false},
		"/usr/lib/systemd/system/edgelog-query.service":     {0o100644, "root", "root", false},
		"/etc/edgelog/collector.yaml":                       {0o100640, "root", "edgelog", true},
		"/etc/edgelog/tokens.yaml":                          {0o100640, "root", "edgelog", true},
		"/etc/edgelog/edge.yaml":                            {0o100644, "root", "root", true},
		"/etc/edgelog/pricebook.yaml":                       {0o100644, "root", "root", true},
		"/etc/edgelog/ingest.env":                           {0o100640, "root", "edgelog", true},
		"/etc/edgelog/query.env":                            {0o100640, "root", "edgelog", true},
		"/etc/edgelog/collector.env":                        {0o100640, "root", "edgelog", true},
		"/var/lib/edgelog":                                  {dirMode | 0o750, "edgelog", "edgelog", false},
		"/var/lib/edgelog/spool":                            {dirMode | 0o750, "edgelog", "edgelog", false},
		"/var/log/edgelog":                                  {dirMode | 0o750, "edgelog", "edgelog", false},
		"/usr/share/bash-completion/completions/edgelog":    {0o100644, "root", "root", false},
		"/usr/share/zsh/vendor-completions/_edgelog":        {0o100644, "root", "root", false},
		"/usr/share/fish/vendor_completions.d/edgelog.fish": {0o100644, "root", "root", false},
	}
	seen := map[string]bool{}
	for _, fi := range files {
		w, ok := wants[fi.Name()]
		if !ok {
			continue
		}
		seen[fi.Name()] = true
		isConfig := fi.Flags()&config != 0
		if fi.Mode() != w.mode || fi.UserName() != w.user || fi.GroupName() != w.grp || isConfig != w.configured ||
			(isConfig && fi.Flags()&noreplace == 0) {
			t.Errorf("%s: mode %o %s:%s flags %#x; want %o %s:%s config(noreplace) %v", fi.Name(), fi.Mode(), fi.UserName(), fi.GroupName(), fi.Flags(), w.mode, w.user, w.grp, w.configured)
		}
	}
	for name := range wants {
		if !seen[name] {
			t.Errorf("%s is not in the rpm", name)
		}
	}
	scripts := map[int]string{rpmutils.PREIN: "useradd --system", rpmutils.POSTIN: "try-restart", rpmutils.PREUN: "disable --now", rpmutils.POSTUN: "daemon-reload"}
	for tag, want := range scripts {
		s, err := rpm.Header.GetString(tag)
		if err != nil || !strings.Contains(s, want) {
			t.Errorf("rpm script %d does not contain %q (%v)", tag, want, err)
		}
	}
}
