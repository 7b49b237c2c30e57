package buildinfo

import "testing"

func TestString(t *testing.T) {
	f := func(i Info, want string) {
		t.Helper()
		if got := i.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	f(Info{Version: "1.2.3", Commit: "abc", Date: "2026-12-04T22:00:00Z", Go: "go1.26", OS: "linux", Arch: "arm64"},
		"edgelog 1.2.3 (commit abc, built 2026-12-04T22:00:00Z, go1.26 linux/arm64)")
	f(Info{Version: "dev", Go: "go1.26", OS: "linux", Arch: "amd64"}, "edgelog dev (go1.26 linux/amd64)")
}
