// Package buildinfo is the version of the edgelog binary. Release builds set
// the variables with the linker:
//
//	go build -ldflags "-X github.com/edgelog/edgelog/internal/buildinfo.Version=1.2.3 \
//	  -X github.com/edgelog/edgelog/internal/buildinfo.Commit=abc1234 \
//	  -X github.com/edgelog/edgelog/internal/buildinfo.Date=2026-12-04T22:00:00Z" ./cmd/edgelog
//
// (`make build` and `make package` do). A plain `go build` reports
// Version "dev" and, when the Go toolchain stamped it, the VCS revision.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set with -ldflags -X; see the package doc.
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

// Info is what `edgelog version` prints.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Date    string `json:"date,omitempty"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

// Get returns the build's version; Commit and Date fall back to the VCS
// stamp of the Go toolchain when the linker did not set them.
func Get() Info {
	i := Info{Version: Version, Commit: Commit, Date: Date, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && i.Commit == "":
				i.Commit = s.Value
			case s.Key == "vcs.time" && i.Date == "":
				i.Date = s.Value
			}
		}
	}
	return i
}

// String is the one-line form: "edgelog 1.2.3 (commit abc1234, built
// 2026-12-04T22:00:00Z, go1.26.8 linux/amd64)".
func (i Info) String() string {
	s := "edgelog " + i.Version + " ("
	if i.Commit != "" {
		s += "commit " + i.Commit + ", "
	}
	if i.Date != "" {
		s += "built " + i.Date + ", "
	}
	return s + fmt.Sprintf("%s %s/%s)", i.Go, i.OS, i.Arch)
}
