package stack

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Build compiles cmd/edgelog into dir and returns the binary's path, for
// tests that run the real processes.
func Build(dir string) (string, error) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	bin := filepath.Join(dir, "edgelog")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/edgelog") // #nosec G204 -- go build of this repository's binary
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("cannot build edgelog: %w\n%s", err, out)
	}
	return bin, nil
}
