package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/engines/chserver"
)

// `edgelog gen --rate R --lines -1` writes until interrupted; its help says
// -1 means no limit, and it used to fail at once with "negative line count".
func TestGenAtRateWithoutLimit(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "access.log")
	cmd := exec.Command(bin, "gen", "--rate", "2000", "--lines", "-1", "--out", log,
		"--edge-config", filepath.Join(dir, "edge.yaml"), "--truth", filepath.Join(dir, "truth.json"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("gen --lines -1: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte{'\n'}); n < 500 {
		t.Fatalf("%d lines written in 1.5 s at 2000 lines/s", n)
	}
	// Without --rate there is nothing to stop an unlimited count.
	if out, err := exec.Command(bin, "gen", "--lines", "-1", "--out", log).CombinedOutput(); err == nil || !strings.Contains(string(out), "needs --rate") {
		t.Fatalf("gen --lines -1 without --rate: %v\n%s", err, out)
	}
}

// `edgelog demo --log FILE` with an empty log used to stop the whole stack
// (its report asked for 2000-2100 and got 400); it now says there is
// nothing to report and serves the API.
func TestDemoWithEmptyLog(t *testing.T) {
	dir := t.TempDir()
	edge := filepath.Join(dir, "edge.yaml")
	if out, err := exec.Command(bin, "gen", "--lines", "10", "--out", filepath.Join(dir, "gen.log"), "--edge-config", edge, "--truth", "").CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	empty := filepath.Join(dir, "empty.log")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	port, err := chserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "demo", "--log", empty, "--edge-config", edge, "--dir", filepath.Join(dir, "demo"), "--listen", listen)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	var said []string
	timeout := time.After(2 * time.Minute)
	for ready := false; !ready; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("demo ended: %v\nstdout:\n%s\nstderr:\n%s", cmd.Wait(), strings.Join(said, "\n"), stderr.String())
			}
			said = append(said, l)
			ready = strings.HasPrefix(l, "Query API:")
		case <-timeout:
			t.Fatalf("demo not ready after 2 minutes:\n%s", strings.Join(said, "\n"))
		}
	}
	if !strings.Contains(strings.Join(said, "\n"), "nothing to report") {
		t.Errorf("the demo of an empty log does not say there is nothing to report:\n%s", strings.Join(said, "\n"))
	}
	resp, err := http.Get("http://" + listen + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %s", resp.Status)
	}
	cmd.Process.Signal(syscall.SIGINT)
	go func() {
		for range lines {
		}
	}()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("demo after Ctrl-C: %v\n%s", err, stderr.String())
	}
}
