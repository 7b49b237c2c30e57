//go:build chdb

package conformance

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// childEnv makes the test binary a child process that opens chDB and then
// dereferences a nil pointer: "restored" with Go's signal handlers put
// back, "chdb" with libchdb's own handlers left in place.
const childEnv = "EDGELOG_CHDB_PANIC_CHILD"

// childDirEnv names the child's chDB directory. The parent makes it and
// removes it: the child dies of its panic and runs no defers.
const childDirEnv = "EDGELOG_CHDB_PANIC_CHILD_DIR"

func runChild(mode string) {
	if _, err := openEngine(os.Getenv(childDirEnv), mode == "chdb"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	fmt.Fprintln(os.Stderr, "child: chDB connected")
	var p *[2]int
	fmt.Println(p[1]) // SIGSEGV: the Go runtime must turn it into a panic
	os.Exit(4)
}

func runPanicChild(t *testing.T, mode string, wait time.Duration) (out string, exited bool, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, childDirEnv+"="+t.TempDir())
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err = cmd.Run()
	return buf.String(), ctx.Err() == nil, err
}

// TestGoPanicAfterConnect proves a Go panic still reports as a panic once
// libchdb is connected, and, as the control, that it does not when
// libchdb's own crash handlers are left in place.
func TestGoPanicAfterConnect(t *testing.T) {
	const want = "panic: runtime error: invalid memory address or nil pointer dereference"
	start := time.Now()
	out, exited, err := runPanicChild(t, "restored", 2*time.Minute)
	if !exited {
		t.Fatalf("child hung after a nil dereference (killed after %s):\n%s", time.Since(start), out)
	}
	if !strings.Contains(out, "child: chDB connected") || !strings.Contains(out, want) {
		t.Fatalf("child did not report a Go panic after connecting chDB (%v):\n%s", err, out)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("child exit %v, want status 2 (Go panic):\n%s", err, out)
	}
	t.Logf("restored handlers: Go panic reported in %s", time.Since(start).Round(time.Millisecond))

	out, exited, _ = runPanicChild(t, "chdb", 15*time.Second)
	if strings.Contains(out, want) {
		t.Fatalf("control: with libchdb's handlers the child still reported a Go panic, so the test above proves nothing:\n%s", out)
	}
	t.Logf("control: with libchdb's handlers a nil dereference gave no Go panic (exited by itself: %v)", exited)
}
