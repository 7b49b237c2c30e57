package billing

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRankMergeAgainstAllSums holds rankMerge to the billed sample of all
// sums, over random months whose days change one at a time: whenever it
// says it knows the sample, the sample is right, and it says so for sums
// that only grow (a month receiving rows). A change that lowers a day's
// sums below the floor must be refused: the caller then reads the month.
func TestRankMergeAgainstAllSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const days, slots, skip = 10, 30, 14 // 300 sums, the top 14 dropped
	for round := range 200 {
		month := make([][]uint64, days) // every sum of each day
		for d := range month {
			month[d] = make([]uint64, rng.IntN(slots+1))
			for i := range month[d] {
				month[d][i] = rng.Uint64N(1000)
			}
		}
		whole := func(only map[int64]bool) *ranked {
			r := &ranked{}
			for d, v := range month {
				if only != nil && !only[int64(d)] {
					continue
				}
				for _, x := range v {
					r.vals, r.days = append(r.vals, x), append(r.days, uint32(d))
				}
			}
			r.complete = true
			return r
		}
		want := func() uint64 {
			all := slices.Clone(whole(nil).vals)
			slices.Sort(all)
			slices.Reverse(all)
			if len(all) <= skip {
				return 0
			}
			return all[skip]
		}
		kept, ok := rankMerge(nil, nil, whole(nil), skip)
		if !ok || kept.billed != want() {
			t.Fatalf("round %d: first ranking %d (%v), want %d", round, kept.billed, ok, want())
		}
		grows := round%2 == 0
		for step := range 5 {
			d := int64(rng.IntN(days))
			for i := range month[d] {
				if grows {
					month[d][i] += rng.Uint64N(500)
				} else {
					month[d][i] = rng.Uint64N(1000)
				}
			}
			if grows && rng.IntN(2) == 0 {
				month[d] = append(month[d], rng.Uint64N(2000)) // a new slot
			}
			dirty := map[int64]bool{d: true}
			next, ok := rankMerge(&kept, dirty, whole(dirty), skip)
			if grows && !ok {
				t.Fatalf("round %d step %d: sums only grew, yet the kept ones were not enough", round, step)
			}
			if !ok {
				next, _ = rankMerge(nil, nil, whole(nil), skip) // the caller's re-read
			}
			if next.billed != want() {
				t.Fatalf("round %d step %d: billed %d, want %d (known: %v)", round, step, next.billed, want(), ok)
			}
			kept = next
		}
	}
}

// TestRankMergeRefusesWhatItCannotKnow: a day whose sums fell takes the
// billed rank below what was left out.
func TestRankMergeRefusesWhatItCannotKnow(t *testing.T) {
	// Days 0 and 1, four sums each; the top 2 dropped, the third billed.
	p := &ranked{vals: []uint64{90, 80, 70}, days: []uint32{0, 0, 1}, floor: 70} // 10, 20, 30, 60 left out
	if _, ok := rankMerge(p, map[int64]bool{0: true}, &ranked{vals: []uint64{5, 4}, days: []uint32{0, 0}, complete: true}, 2); ok {
		t.Fatal("day 0 fell to 5 and 4: the billed sum is now the left-out 30, which was not kept, yet the merge claimed to know it")
	}
	r, ok := rankMerge(p, map[int64]bool{0: true}, &ranked{vals: []uint64{95, 85}, days: []uint32{0, 0}, complete: true}, 2)
	if !ok || r.billed != 70 {
		t.Fatalf("day 0 rose to 95 and 85: billed %d (%v), want 70", r.billed, ok)
	}
	if _, ok := rankMerge(&ranked{vals: []uint64{9}, days: []uint32{3}, floor: 9}, map[int64]bool{3: true}, nil, 0); ok {
		t.Fatal("every kept sum's day was dropped and sums were left out: the merge cannot know the billed one")
	}
	if r, ok := rankMerge(&ranked{vals: []uint64{9}, days: []uint32{3}, complete: true}, map[int64]bool{3: true}, nil, 0); !ok || r.billed != 0 {
		t.Fatalf("the only sum's day was dropped: billed %d (%v), want 0", r.billed, ok)
	}
}
