package billing

// custTops are a customer's kept five-minute sums of a month, of total and
// of body bytes.
type custTops struct{ total, body ranked }

// ranked is a customer's largest five-minute sums of one measure, with the
// day of each, as usageCache keeps them between reads.
type ranked struct {
	vals []uint64
	days []uint32 // Unix day of each value, as ClickHouse sends it
	// complete says vals hold every sum of the month. Otherwise every sum
	// left out is at most floor.
	complete bool
	floor    uint64
	billed   uint64 // the month's billed sample, once ranked
}

// updateTops ranks each customer's sums after the days in dirty were read
// again into fresh: the kept sums of the other days (prev) and the fresh
// ones. skip is the month's dropped top (p95Rank). It returns nil when
// some customer's billed sample cannot be known from what was kept (the
// caller then reads the month), else the new tops, each pruned to the
// sums at or above its billed one. prev may be nil (nothing kept: fresh
// is the month).
func updateTops(prev map[string]*custTops, dirty map[int64]bool, fresh map[string]*custTops, skip int) map[string]*custTops {
	out := make(map[string]*custTops, len(fresh))
	customers := map[string]bool{}
	for c := range prev {
		customers[c] = true
	}
	for c := range fresh {
		customers[c] = true
	}
	for c := range customers {
		p, f := prev[c], fresh[c] // a nil map gives nil
		t := &custTops{}
		var ok bool
		if t.total, ok = rankMerge(pick(p, false), dirty, pick(f, false), skip); !ok {
			return nil
		}
		if t.body, ok = rankMerge(pick(p, true), dirty, pick(f, true), skip); !ok {
			return nil
		}
		if len(t.total.vals) > 0 || len(t.body.vals) > 0 {
			out[c] = t
		}
	}
	return out
}

// pick returns one measure of t, or nil.
func pick(t *custTops, body bool) *ranked {
	switch {
	case t == nil:
		return nil
	case body:
		return &t.body
	}
	return &t.total
}

// rankMerge merges one measure's kept sums of the unchanged days (p; nil:
// none, and none left out) with the dirty days' fresh ones (f; nil the
// same), bills the sample at rank skip (0-based, descending) and keeps the
// sums at or above it. It reports false when a sum left out could be
// billed: fewer sums than the rank remain, or the billed one is below a
// floor.
func rankMerge(p *ranked, dirty map[int64]bool, f *ranked, skip int) (ranked, bool) {
	var vals []uint64
	var days []uint32
	unkept, floor := false, uint64(0)
	for _, src := range []*ranked{p, f} {
		if src == nil {
			continue
		}
		if !src.complete {
			unkept, floor = true, max(floor, src.floor)
		}
		for i, v := range src.vals {
			if src == p && dirty[int64(src.days[i])] {
				continue // read again: in f
			}
			vals, days = append(vals, v), append(days, src.days[i])
		}
	}
	if len(vals) <= skip {
		// Fewer sums than the dropped top: nothing billed, unless a sum
		// left out would make up the rank.
		return ranked{vals: vals, days: days, complete: true}, !unkept
	}
	billed := kthLargest(append([]uint64(nil), vals...), skip)
	if unkept && billed < floor {
		return ranked{}, false
	}
	r := ranked{billed: billed, floor: billed}
	for i, v := range vals {
		if v >= billed {
			r.vals, r.days = append(r.vals, v), append(r.days, days[i])
		}
	}
	r.complete = !unkept && len(r.vals) == len(vals)
	return r, true
}
