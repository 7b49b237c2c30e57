package ingest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/edgelog/edgelog/internal/wire"
)

// TestDeadLetterReasonsPreinitialised: every reason reasonOf can return is
// listed, and each has a series at 0 before the first dead letter (a panel
// reads 0, not "No data").
func TestDeadLetterReasonsPreinitialised(t *testing.T) {
	for _, err := range []error{wire.ErrMagic, wire.ErrVersion, wire.ErrCorrupt, errors.New("row 3: bad time")} {
		if r := reasonOf(fmt.Errorf("decode: %w", err)); !slices.Contains(deadLetterReasons, r) {
			t.Errorf("reasonOf(%v) = %q, not in deadLetterReasons %v", err, r, deadLetterReasons)
		}
	}
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	if n := testutil.CollectAndCount(m.deadLetters); n != len(deadLetterReasons) {
		t.Errorf("%d dead-letter series before any dead letter, want %d", n, len(deadLetterReasons))
	}
	for _, r := range deadLetterReasons {
		if v := testutil.ToFloat64(m.deadLetters.WithLabelValues(r)); v != 0 {
			t.Errorf("%s: %v", r, v)
		}
	}
}
