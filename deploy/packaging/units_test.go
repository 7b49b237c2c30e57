package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestUnitsHoldUp checks the service units: what each must say (restart on
// failure, SIGHUP reload for the collector, the sandbox), and systemd's own
// exposure score (systemd-analyze security --offline) at most 2.0 of 10.
// systemd-analyze verify runs on the installed units in TestDebInstall.
func TestUnitsHoldUp(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Fatalf("systemd-analyze is missing: run deploy/setup.sh (%v)", err)
	}
	units, _ := filepath.Glob(filepath.Join("systemd", "*.service"))
	if len(units) != 4 {
		t.Fatalf("units: %v", units)
	}
	sandbox := []string{"NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "CapabilityBoundingSet=\n",
		"AmbientCapabilities=\n", "PrivateDevices=yes", "ProtectHome=", "User=edgelog", "SystemCallFilter=@system-service",
		"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"}
	score := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`)
	for _, u := range units {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		want := append([]string(nil), sandbox...)
		name := filepath.Base(u)
		switch name {
		case "edgelog-retention.service":
			want = append(want, "Type=oneshot")
		default:
			want = append(want, "Restart=on-failure", "KillSignal=SIGTERM", "TimeoutStopSec=")
		}
		switch name {
		case "edgelog-collector.service":
			want = append(want, "SupplementaryGroups=adm", "ExecReload=/bin/kill -HUP $MAINPID", "ReadWritePaths=/var/lib/edgelog /var/log/edgelog", "ExecStart=/usr/bin/edgelog collector --config /etc/edgelog/collector.yaml")
		case "edgelog-ingest.service":
			want = append(want, "ReadWritePaths=/var/lib/edgelog /var/log/edgelog")
		}
		for _, w := range want {
			if !strings.Contains(text, "\n"+w) {
				t.Errorf("%s does not say %q", name, strings.TrimSpace(w))
			}
		}
		out, err := exec.Command("systemd-analyze", "security", "--offline=true", "--no-pager", u).CombinedOutput()
		m := score.FindSubmatch(out)
		if m == nil {
			t.Fatalf("systemd-analyze security %s: %v\n%s", name, err, out)
		}
		if s, _ := strconv.ParseFloat(string(m[1]), 64); s > 2.0 {
			t.Errorf("%s: exposure %.1f, want at most 2.0:\n%s", name, s, out)
		} else {
			t.Logf("%s: systemd exposure %.1f", name, s)
		}
	}
}
