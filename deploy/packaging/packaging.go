// Package packaging builds edgelog's Linux packages (.deb and .rpm, amd64
// and arm64) with nfpm used as a library: nfpm.yaml beside this file lists
// the contents (the static binary, systemd units, config files under
// /etc/edgelog, state directories, the reference docs) and the maintainer
// scripts (scripts/: system user, directories, restart on upgrade).
// `make package` runs it through the mkpkg command; the package test
// installs the .deb with dpkg.
package packaging

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers the rpm packager
)

// Options say what to build.
type Options struct {
	// Root is the repository. Default: the one this file is in.
	Root string
	// Version is the package and binary version: digits first, then
	// letters, digits and . + ~ (valid for dpkg and rpm alike).
	Version string
	// Commit and Date go into the binary (edgelog version).
	Commit, Date string
	// Archs are Go architectures (amd64, arm64). Default both.
	Archs []string
	// Formats are nfpm packagers (deb, rpm). Default both.
	Formats []string
	// OutDir receives the packages (created if missing).
	OutDir string
	// Binaries, when it names an architecture, is a binary already built
	// for it (a test reuses its build cache); otherwise Build compiles one
	// with BuildBinary.
	Binaries map[string]string
}

// Archs and Formats are what `make package` builds.
var (
	Archs   = []string{"amd64", "arm64"}
	Formats = []string{"deb", "rpm"}
)

var validVersion = regexp.MustCompile(`^[0-9][0-9A-Za-z.+~]*$`)

// RepoRoot is the repository this package was compiled from.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Build compiles the binary for each architecture and packages it in each
// format; it returns the packages' paths.
func Build(ctx context.Context, o Options) ([]string, error) {
	if o.Root == "" {
		o.Root = RepoRoot()
	}
	if len(o.Archs) == 0 {
		o.Archs = Archs
	}
	if len(o.Formats) == 0 {
		o.Formats = Formats
	}
	if !validVersion.MatchString(o.Version) {
		return nil, fmt.Errorf("version %q: want digits first, then letters, digits and . + ~ (e.g. 1.4.0 or 0.0.0+git1a2b3c4)", o.Version)
	}
	root, err := filepath.Abs(o.Root)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil { // #nosec G301 -- the packages' output directory of a release build
		return nil, fmt.Errorf("cannot create %s: %w", o.OutDir, err)
	}
	tmp, err := os.MkdirTemp("", "edgelog-package-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var out []string
	for _, arch := range o.Archs {
		bin := o.Binaries[arch]
		if bin == "" {
			bin = filepath.Join(tmp, "edgelog-linux-"+arch)
			if err := BuildBinary(ctx, root, bin, arch, o.Version, o.Commit, o.Date); err != nil {
				return out, err
			}
		}
		for _, format := range o.Formats {
			p, err := pack(root, bin, arch, format, o.Version, o.OutDir)
			if err != nil {
				return out, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// LDFlags are the linker flags that stamp the version into the binary
// (package internal/buildinfo).
func LDFlags(version, commit, date string) string {
	const pkg = "github.com/edgelog/edgelog/internal/buildinfo"
	return fmt.Sprintf("-X %s.Version=%s -X %s.Commit=%s -X %s.Date=%s", pkg, version, pkg, commit, pkg, date)
}

// BuildBinary compiles cmd/edgelog of the repository at root for
// linux/arch, static (no cgo) and stamped with the version, into bin.
func BuildBinary(ctx context.Context, root, bin, arch, version, commit, date string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w "+LDFlags(version, commit, date), "-o", bin, "./cmd/edgelog") // #nosec G204 -- go build of this repository's binary, flags built here
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cannot build edgelog for linux/%s: %w\n%s", arch, err, out)
	}
	return nil
}

// pack writes one package of bin and returns its path.
func pack(root, bin, arch, format, version, outDir string) (string, error) {
	// nfpm expands variables in a few fields only; the file is expanded
	// whole first, with these four.
	vars := map[string]string{"ROOT": root, "BIN": bin, "ARCH": arch, "VERSION": version}
	text, err := os.ReadFile(filepath.Join(root, "deploy", "packaging", "nfpm.yaml")) // #nosec G304 -- a file of this repository
	if err != nil {
		return "", fmt.Errorf("cannot read nfpm.yaml: %w", err)
	}
	expanded := os.Expand(string(text), func(k string) string {
		v, ok := vars[k]
		if !ok {
			panic("BUG: nfpm.yaml uses an unknown variable ${" + k + "}")
		}
		return v
	})
	// nfpm asks for its NFPM_*_PASSPHRASE variables: no signing here.
	cfg, err := nfpm.ParseWithEnvMapping(strings.NewReader(expanded), func(string) string { return "" })
	if err != nil {
		return "", fmt.Errorf("cannot parse nfpm.yaml: %w", err)
	}
	info, err := cfg.Get(format)
	if err != nil {
		return "", fmt.Errorf("cannot configure the %s package: %w", format, err)
	}
	info = nfpm.WithDefaults(info)
	if err := nfpm.PrepareForPackager(info, format); err != nil {
		return "", fmt.Errorf("cannot prepare the %s package: %w", format, err)
	}
	pkgr, err := nfpm.Get(format)
	if err != nil {
		return "", err
	}
	target := filepath.Join(outDir, pkgr.ConventionalFileName(info))
	f, err := os.Create(target) // #nosec G304 G703 -- the package file name nfpm gives, in the build's output directory
	if err != nil {
		return "", err
	}
	info.Target = target
	if err := pkgr.Package(info, f); err != nil {
		f.Close()         // #nosec G104 -- already failing; the packaging error is returned
		os.Remove(target) // #nosec G104 G703 -- removes the half-written package it created; the packaging error is returned
		return "", fmt.Errorf("cannot write %s: %w", target, err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return target, nil
}

// String is for log lines.
func (o Options) String() string {
	return fmt.Sprintf("edgelog %s for %s as %s", o.Version, strings.Join(o.Archs, ","), strings.Join(o.Formats, ","))
}
