package packaging

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestDebInstall builds the .deb of this machine's architecture, installs
// it with dpkg, checks files, modes, owners, conffiles and the system user,
// runs the installed binary, verifies the installed systemd units with
// systemd-analyze, upgrades to a second version keeping a changed config
// file, then purges the package and removes the user it created: the
// machine is left as it was found. It needs root and dpkg (CI runs as root
// on Debian); it skips when edgelog is installed already.
func TestDebInstall(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("installing a package needs root")
	}
	for _, tool := range []string{"dpkg", "dpkg-query", "systemd-analyze", "runuser"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run deploy/setup.sh (%v)", tool, err)
		}
	}
	// Two runs at once (two checkouts on one machine) would install and
	// purge under each other: one at a time.
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "edgelog-dpkg-test.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Close() }) // runs last: after the purge below
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "edgelog").Output(); err == nil && strings.Contains(string(out), "installed") {
		t.Skip("an edgelog package is installed on this machine (or left by an interrupted run: dpkg --purge edgelog); not touching it")
	}
	_, userErr := user.Lookup("edgelog")
	_, groupErr := user.LookupGroup("edgelog")
	hadUser, hadGroup := userErr == nil, groupErr == nil

	ctx := context.Background()
	dir := t.TempDir()
	// Plain builds share the build cache with the other tests; only the
	// link differs between the two versions.
	build := func(version string) string {
		bin := filepath.Join(dir, "edgelog-"+version)
		cmd := exec.Command("go", "build", "-ldflags", LDFlags(version, "test", "2026-12-04T00:00:00Z"), "-o", bin, "./cmd/edgelog")
		cmd.Dir = RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		return bin
	}
	pkg := func(version string) string {
		paths, err := Build(ctx, Options{Version: version, Archs: []string{runtime.GOARCH}, Formats: []string{"deb"},
			OutDir: filepath.Join(dir, "dist"), Binaries: map[string]string{runtime.GOARCH: build(version)}})
		if err != nil {
			t.Fatal(err)
		}
		return paths[0]
	}
	v1, v2 := pkg("1.0.0"), pkg("1.0.1")

	run := func(name string, args ...string) string {
		t.Helper()
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("dpkg", "--purge", "edgelog").CombinedOutput(); err != nil {
			t.Errorf("dpkg --purge: %v\n%s", err, out)
		}
		if !hadUser {
			_ = exec.Command("userdel", "edgelog").Run()
		}
		if !hadGroup {
			_ = exec.Command("groupdel", "edgelog").Run()
		}
	})
	run("dpkg", "-i", v1)

	u, err := user.Lookup("edgelog")
	if err != nil {
		t.Fatalf("no edgelog user after install: %v", err)
	}
	if uid, _ := strconv.Atoi(u.Uid); uid >= 1000 || u.HomeDir != "/var/lib/edgelog" {
		t.Errorf("edgelog user: uid %s home %s; want a system uid and /var/lib/edgelog", u.Uid, u.HomeDir)
	}
	if pw := run("getent", "passwd", "edgelog"); !strings.HasSuffix(strings.TrimSpace(pw), ":/usr/sbin/nologin") {
		t.Errorf("edgelog user can log in: %s", pw)
	}
	g, err := user.LookupGroup("edgelog")
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		mode        os.FileMode
		owner, grp  string
		dir, config bool
	}
	files := map[string]want{
		"/usr/bin/edgelog": {mode: 0o755, owner: "0", grp: "0"},
		"/usr/lib/systemd/system/edgelog-collector.service": {mode: 0o644, owner: "0", grp: "0"},
		"/usr/lib/systemd/system/edgelog-ingest.service":    {mode: 0o644, owner: "0", grp: "0"},
		"/usr/lib/systemd/system/edgelog-query.service":     {mode: 0o644, owner: "0", grp: "0"},
		"/usr/lib/systemd/system/edgelog-retention.service": {mode: 0o644, owner: "0", grp: "0"},
		"/usr/lib/systemd/system/edgelog-retention.timer":   {mode: 0o644, owner: "0", grp: "0"},
		"/etc/edgelog/collector.yaml":                       {mode: 0o640, owner: "0", grp: g.Gid, config: true},
		"/etc/edgelog/collector.env":                        {mode: 0o640, owner: "0", grp: g.Gid, config: true},
		"/etc/edgelog/ingest.env":                           {mode: 0o640, owner: "0", grp: g.Gid, config: true},
		"/etc/edgelog/query.env":                            {mode: 0o640, owner: "0", grp: g.Gid, config: true},
		"/etc/edgelog/tokens.yaml":                          {mode: 0o640, owner: "0", grp: g.Gid, config: true},
		"/etc/edgelog/edge.yaml":                            {mode: 0o644, owner: "0", grp: "0", config: true},
		"/etc/edgelog/pricebook.yaml":                       {mode: 0o644, owner: "0", grp: "0", config: true},
		"/var/lib/edgelog":                                  {mode: 0o750, owner: u.Uid, grp: g.Gid, dir: true},
		"/var/lib/edgelog/spool":                            {mode: 0o750, owner: u.Uid, grp: g.Gid, dir: true},
		"/var/log/edgelog":                                  {mode: 0o750, owner: u.Uid, grp: g.Gid, dir: true},
		"/usr/share/doc/edgelog/metrics.md":                 {mode: 0o644, owner: "0", grp: "0"},
		"/usr/share/doc/edgelog/cli/collector.md":           {mode: 0o644, owner: "0", grp: "0"},
		"/usr/share/doc/edgelog/examples/logrotate-nginx":   {mode: 0o644, owner: "0", grp: "0"},
		"/usr/share/bash-completion/completions/edgelog":    {mode: 0o644, owner: "0", grp: "0"},
		"/usr/share/zsh/vendor-completions/_edgelog":        {mode: 0o644, owner: "0", grp: "0"},
		"/usr/share/fish/vendor_completions.d/edgelog.fish": {mode: 0o644, owner: "0", grp: "0"},
	}
	conffiles := run("dpkg-query", "-W", "-f=${Conffiles}", "edgelog")
	for path, w := range files {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode().Perm() != w.mode || fi.IsDir() != w.dir || strconv.Itoa(int(st.Uid)) != w.owner || strconv.Itoa(int(st.Gid)) != w.grp {
			t.Errorf("%s: mode %v uid %d gid %d; want %v dir=%v %s:%s", path, fi.Mode(), st.Uid, st.Gid, w.mode, w.dir, w.owner, w.grp)
		}
		if strings.Contains(conffiles, path+" ") != w.config {
			t.Errorf("%s: conffile %v, want %v (conffiles:\n%s)", path, !w.config, w.config, conffiles)
		}
	}

	// The installed binary, as root and as the service user.
	if help, _ := exec.Command("/usr/bin/edgelog", "--help").CombinedOutput(); !strings.Contains(string(help), "collector") || !strings.Contains(string(help), "version") {
		t.Errorf("edgelog --help:\n%s", help)
	}
	if out := run("runuser", "-u", "edgelog", "--", "/usr/bin/edgelog", "version"); !strings.HasPrefix(out, "edgelog 1.0.0 (commit test,") {
		t.Errorf("edgelog version: %q", out)
	}
	if out := run("/usr/bin/edgelog", "collector", "--help"); !strings.Contains(out, "--config") {
		t.Errorf("edgelog collector --help:\n%s", out)
	}
	// The installed bash completion, as bash-completion loads it, completes
	// a subcommand and an action by asking the installed binary.
	for line, want := range map[string]string{"edgelog coll": "collector", "edgelog bill v": "verify"} {
		words := strings.Fields(line)
		script := fmt.Sprintf(`source /usr/share/bash-completion/bash_completion
source /usr/share/bash-completion/completions/edgelog
COMP_WORDS=(%s); COMP_CWORD=%d; COMP_LINE=%q; COMP_POINT=%d
__start_edgelog 2>/dev/null
echo "${COMPREPLY[@]}"`, line, len(words)-1, line, len(line))
		if out := run("bash", "-c", script); strings.TrimSpace(out) != want {
			t.Errorf("bash completion of %q: %q, want %q", line, out, want)
		}
	}

	// The units as installed, against the installed binary.
	units := []string{"edgelog-collector.service", "edgelog-ingest.service", "edgelog-query.service", "edgelog-retention.service", "edgelog-retention.timer"}
	for _, u := range units {
		out, err := exec.Command("systemd-analyze", "verify", "/usr/lib/systemd/system/"+u).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("systemd-analyze verify %s: %v\n%s", u, err, out)
		}
	}

	// Upgrade: a changed config file is kept, the binary is the new one.
	const mine = "# changed by the operator\ndefault_customer: mine\n"
	if err := os.WriteFile("/etc/edgelog/edge.yaml", []byte(mine), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("/var/lib/edgelog/collector.checkpoint", []byte("{}"), 0o640); err != nil {
		t.Fatal(err)
	}
	run("dpkg", "-i", "--force-confold", v2)
	if b, _ := os.ReadFile("/etc/edgelog/edge.yaml"); string(b) != mine {
		t.Errorf("upgrade replaced the operator's edge.yaml: %q", b)
	}
	if _, err := os.Stat("/var/lib/edgelog/collector.checkpoint"); err != nil {
		t.Errorf("upgrade lost the checkpoint: %v", err)
	}
	if out := run("/usr/bin/edgelog", "version"); !strings.HasPrefix(out, "edgelog 1.0.1 ") {
		t.Errorf("after the upgrade: %q", out)
	}

	// Purge: nothing of the package is left.
	run("dpkg", "--purge", "edgelog")
	for _, p := range []string{"/usr/bin/edgelog", "/etc/edgelog", "/var/lib/edgelog", "/var/log/edgelog", "/usr/lib/systemd/system/edgelog-collector.service", "/usr/share/doc/edgelog"} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is left after purge (%v)", p, err)
		}
	}
}
