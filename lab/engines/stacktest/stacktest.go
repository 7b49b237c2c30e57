// Package stacktest is the TestMain of test packages that run the real
// edgelog binary as processes (see package stack).
package stacktest

import (
	"fmt"
	"os"
	"testing"

	"github.com/edgelog/edgelog/lab/engines/chserver"
	"github.com/edgelog/edgelog/lab/engines/stack"
)

// TestMain runs the tests of a package that drives the real binary: it
// fails at once without a ClickHouse server (naming the setup command),
// builds cmd/edgelog into a temporary directory, sets *bin and runs m.
func TestMain(m *testing.M, bin *string) {
	if _, err := chserver.Binary(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: these tests need a real ClickHouse server: %v\n", err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "edgelog-bin-")
	if err != nil {
		panic(err)
	}
	if *bin, err = stack.Build(dir); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir) // #nosec G104 -- test cleanup of a temporary directory
	os.Exit(code)
}
