package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheck runs edgelog check on a golden corpus: the exit status follows
// the dead-letter share, and --log-format auto refuses a file no known
// format fits.
func TestCheck(t *testing.T) {
	corpus := filepath.Join("..", "..", "collector", "testdata", "corpus", "nginx.log") // 15% dead by design
	stdout := os.Stdout
	devnull, _ := os.Open(os.DevNull)
	os.Stdout = devnull
	defer func() { os.Stdout = stdout }()
	if err := runCheck(context.Background(), []string{"--format", "nginx", "--log-format", "combined", corpus}); err == nil {
		t.Error(`--log-format combined (not a log_format text): no error`)
	}
	err := runCheck(context.Background(), []string{"--log-format", "auto", corpus})
	if !errors.Is(err, errTooManyDead) || !strings.Contains(err.Error(), "36 of 240") {
		t.Errorf("default share: %v, want 36 of 240 too many", err)
	}
	if err := runCheck(context.Background(), []string{"--log-format", "auto", "--max-dead-share", "0.2", corpus}); err != nil {
		t.Errorf("--max-dead-share 0.2: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "syslog")
	os.WriteFile(junk, []byte("Mar  4 08:00:00 edge1 sshd[42]: Accepted publickey\n-- MARK --\n"), 0o644)
	if err := runCheck(context.Background(), []string{"--log-format", "auto", junk}); err == nil || !strings.Contains(err.Error(), "no known log format") {
		t.Errorf("syslog lines: %v", err)
	}
}
