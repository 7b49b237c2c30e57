package ingest

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestGroupIndex numbers keys as a map would: by first appearance, the
// same number for equal bytes however often the table grows, keys that
// are prefixes of one another and the empty key apart; and after reset,
// from zero again.
func TestGroupIndex(t *testing.T) {
	var x groupIndex
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 3 {
		want := map[string]int32{}
		for range 20_000 {
			var k []byte
			switch rng.IntN(4) {
			case 0:
				k = nil
			case 1:
				k = []byte(fmt.Sprint("k", rng.IntN(50)))
			case 2:
				k = []byte(fmt.Sprint("k", rng.IntN(50), "x")) // "k1" is a prefix of "k1x"
			default:
				k = fmt.Appendf(nil, "%d-%d", rng.IntN(3000), round)
			}
			w, seen := want[string(k)]
			if !seen {
				w = int32(len(want))
				want[string(k)] = w
			}
			g, found := x.find(k)
			if g != w || found != seen {
				t.Fatalf("round %d: find(%q) = %d, %v; want %d, %v", round, k, g, found, w, seen)
			}
		}
		if x.len() != len(want) {
			t.Fatalf("round %d: %d groups, want %d", round, x.len(), len(want))
		}
		for k, w := range want {
			if got := string(x.key(w)); got != k {
				t.Fatalf("round %d: group %d's key %q, want %q", round, w, got, k)
			}
		}
		if len(x.slots) < 2*x.len() || len(x.slots)&(len(x.slots)-1) != 0 {
			t.Fatalf("round %d: %d slots for %d groups: not a power of two at least twice the groups", round, len(x.slots), x.len())
		}
		x.reset()
	}
}
