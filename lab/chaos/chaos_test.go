package chaos

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/engines/stacktest"
)

var bin string

func TestMain(m *testing.M) { stacktest.TestMain(m, &bin) }

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return def
}

func run(t *testing.T, o Options) {
	t.Helper()
	o.Dir, o.Bin, o.Settle = t.TempDir(), bin, 3*time.Minute
	if os.Getenv("EDGELOG_KEEP") != "" { // keep data and process logs to debug a failure
		dir, err := os.MkdirTemp("", "edgelog-chaos-")
		if err != nil {
			t.Fatal(err)
		}
		o.Dir = dir
		t.Logf("keeping %s", dir)
	}
	var progress strings.Builder
	o.Progress = &progress
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	var out strings.Builder
	rep.Print(&out)
	t.Logf("\n%s%s", progress.String(), out.String())
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	for f, n := range o.Faults {
		if rep.Faults[f] != n {
			t.Errorf("%s injected %d times, want %d", f, rep.Faults[f], n)
		}
	}
}

// TestIngestKilledRepeatedly kills ingest with SIGKILL again and again while
// the collector keeps producing: every rollup must still add up exactly.
func TestIngestKilledRepeatedly(t *testing.T) {
	run(t, Options{Lines: envInt("EDGELOG_CHAOS_LINES", 300_000), Rate: 25_000, Seed: 3, Faults: map[Fault]int{KillIngest: envInt("EDGELOG_CHAOS_KILLS", 5)}})
}

// TestChaosShort is the short form of `edgelog chaos`: a few faults of
// every kind over a million lines.
func TestChaosShort(t *testing.T) {
	run(t, Options{Lines: 1_000_000, Rate: 30_000, Seed: 4, ClickHouseDown: 4 * time.Second, BrokerPause: 2 * time.Second,
		Faults: map[Fault]int{KillCollector: 2, KillIngest: 2, PauseBroker: 1, StopClickHouse: 1, KillClickHouse: 2, KillBroker: 1, RenameRotate: 1, CopyTruncate: 1}})
}

// TestAdversarialShort is the short form of `edgelog chaos --adversarial`:
// 20,000 lines, 2% hostile (each class at least once, the megabyte ones
// too), a corrupt checkpoint, corrupt wire messages and truncated imports.
func TestAdversarialShort(t *testing.T) {
	dir := t.TempDir()
	var progress strings.Builder
	rep, err := RunAdversarial(context.Background(), AdversarialOptions{Dir: dir, Bin: bin, Lines: envInt("EDGELOG_ADVERSARIAL_LINES", 20_000), Rate: 10_000, Seed: 5, Progress: &progress})
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	var out strings.Builder
	rep.Print(&out)
	t.Logf("\n%s%s", progress.String(), out.String())
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	if rep.Rejected == 0 || rep.Letters < rep.Rejected || rep.IngestLetters != 2 || rep.ImportRows == 0 {
		t.Fatalf("too little was tested: %d must-reject lines, %d letters, %d ingest letters, %d import rows", rep.Rejected, rep.Letters, rep.IngestLetters, rep.ImportRows)
	}
}
