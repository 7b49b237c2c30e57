package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/bench"
)

// TestLiveFigureExact runs the whole stack under load (6000 requests/s
// stamped with the clock, shifted so a minute boundary falls 10 s in) and
// samples the live API every 100 ms for 25 s: every figure, once past its
// watermark, must be within 0.5% of the truth the writer kept (the
// second's requests and the day's). The same run measures the lags
// `make bench-fresh` reports. bench.Fresh fails beyond the bound.
func TestLiveFigureExact(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	err := bench.Fresh(ctx, bench.FreshOptions{Dir: t.TempDir(), Bin: bin, MaxRate: 6000, Fractions: []float64{1},
		Phase: 25 * time.Second, CollectorWait: 100 * time.Millisecond, IngestWait: 150 * time.Millisecond,
		Lateness: 300 * time.Millisecond, MaxError: 0.005, Seed: 3, Out: &out})
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "BENCH fresh_live_max_error_100 ") || !strings.Contains(out.String(), "BENCH fresh_p99_100_live ") {
		t.Error("the run printed no live figures")
	}
}
