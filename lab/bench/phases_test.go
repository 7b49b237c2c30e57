package bench

import (
	"math"
	"testing"
)

// TestPhaseCores splits a run's CPU at the collector's end: 20 s shipping
// with 36 CPU-seconds used, then 10 s draining with 14 more.
func TestPhaseCores(t *testing.T) {
	c := phaseCores(20, 30, 36, 50)
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	near("shipping", c.shipping, 1.8)
	near("draining", c.draining, 1.4)
	near("drain seconds", c.drainSecs, 10)
	// A run whose rows were all in when the collector ended: no drain,
	// and no division by it.
	c = phaseCores(20, 20, 36, 36)
	near("drain seconds", c.drainSecs, 0)
	near("draining", c.draining, 0)
}
