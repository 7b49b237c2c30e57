package billing

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKthLargest holds the selection to a descending sort's k-th value on
// random, repeated, sorted and reversed inputs of every small length and
// a month's length.
func TestKthLargest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := [][]uint64{nil, {7}, {3, 3, 3, 3}, {0, 0, 1}}
	for n := 1; n < 40; n++ {
		r, few, up, down := make([]uint64, n), make([]uint64, n), make([]uint64, n), make([]uint64, n)
		for i := range n {
			r[i], few[i], up[i], down[i] = rng.Uint64(), rng.Uint64N(3), uint64(i), uint64(n-i)
		}
		inputs = append(inputs, r, few, up, down)
	}
	month := make([]uint64, 8928)
	for i := range month {
		month[i] = rng.Uint64N(1 << 30)
	}
	inputs = append(inputs, month)
	for _, in := range inputs {
		want := slices.Clone(in)
		slices.Sort(want)
		slices.Reverse(want)
		for k := -1; k <= len(in); k++ {
			if k > 50 && k%97 != 0 && k != 446 {
				continue
			}
			w := uint64(0)
			if k >= 0 && k < len(want) {
				w = want[k]
			}
			if got := kthLargest(slices.Clone(in), k); got != w {
				t.Fatalf("kthLargest(%v, %d) = %d, want %d", in, k, got, w)
			}
		}
	}
}

func BenchmarkKthLargest(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	month := make([]uint64, 8928)
	for i := range month {
		month[i] = rng.Uint64N(1 << 30)
	}
	v := make([]uint64, len(month))
	for b.Loop() {
		copy(v, month)
		kthLargest(v, 446)
	}
}
