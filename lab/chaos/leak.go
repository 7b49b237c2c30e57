package chaos

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Point is one sample of a series: seconds since the run began, the value,
// and the incarnation of the process it was read from (a restart starts a
// new one: its level is its own, only the slope is shared).
type Point struct {
	T    float64
	V    float64
	Life int
}

// Rule bounds how fast a series may grow. A series is judged over the second
// half of the run (the first half is warm-up: caches, pools and the batch
// pipeline fill), leaving out the samples within Warmup after each restart
// of its process. The growth is the least-squares slope within each
// incarnation of the process, pooled (every incarnation its own intercept):
// a restart's drop is not mistaken for shrinking, a warm-up's climb is left
// out, and a leak that restarts hide still shows in each piece.
type Rule struct {
	// PerHour is the allowed slope, in the series' unit per hour;
	// ShareOfMedian, when set, allows that share of the series' median per
	// hour instead when it is larger.
	PerHour       float64
	ShareOfMedian float64
	Warmup        float64 // seconds after a restart left out
	MinPoints     int     // fewer points judged: the verdict is "short", not a pass or a fail (default 6)
	// MinSpan is the shortest judged window, in seconds (default 600): a
	// slope per hour from a minute or two of a young process's samples is
	// its warm-up extrapolated sixtyfold, not a verdict.
	MinSpan float64
}

// The rules of the soak (README, Guarantees): RSS may grow by 20 MiB or
// 5% of its median per hour, whichever is larger (a Go process's heap
// breathes by more than 5% of a 40 MiB median between collections);
// goroutines and open files by 1 a minute.
var (
	RSSRule       = Rule{PerHour: 20 << 20, ShareOfMedian: 0.05}
	GoroutineRule = Rule{PerHour: 60}
	FDRule        = Rule{PerHour: 60}
)

// Verdict is the judgement of one series.
type Verdict struct {
	Name                 string
	Start, End, Max, Med float64
	Slope, Allowed       float64 // per hour
	Points               int     // the points judged
	Short                bool    // too few points to judge
	Judged               bool    // false: reported only (Why says why)
	Why                  string
}

// OK reports whether the series stayed within its rule.
func (v Verdict) OK() bool { return !v.Judged || v.Short || v.Slope <= v.Allowed }

// Judge applies rule to the points of one series over a run that wrote
// from 0 to end seconds.
func Judge(name string, pts []Point, end float64, rule Rule) Verdict {
	if rule.MinPoints == 0 {
		rule.MinPoints = 6
	}
	if rule.MinSpan == 0 {
		rule.MinSpan = 600
	}
	v := Verdict{Name: name, Judged: true}
	if len(pts) == 0 {
		v.Short = true
		return v
	}
	v.Start, v.End = pts[0].V, pts[len(pts)-1].V
	v.Max = pts[0].V
	lifeStart := map[int]float64{}
	for _, p := range pts {
		v.Max = max(v.Max, p.V)
		if _, ok := lifeStart[p.Life]; !ok {
			lifeStart[p.Life] = p.T
		}
	}
	var kept []Point
	for _, p := range pts {
		// The first incarnation starts with the run (its warm-up is the
		// first half); later ones begin at a restart.
		restarted := p.Life != pts[0].Life
		if p.T < end/2 || (restarted && p.T-lifeStart[p.Life] < rule.Warmup) || p.T > end {
			continue
		}
		kept = append(kept, p)
	}
	v.Points = len(kept)
	vals := make([]float64, len(kept))
	for i, p := range kept {
		vals[i] = p.V
	}
	if len(vals) > 0 {
		slices.Sort(vals)
		v.Med = vals[len(vals)/2]
	}
	v.Allowed = max(rule.PerHour, rule.ShareOfMedian*v.Med)
	slope, ok := pooledSlope(kept)
	v.Slope = slope * 3600
	if !ok || len(kept) < rule.MinPoints || kept[len(kept)-1].T-kept[0].T < rule.MinSpan {
		v.Short = true
	}
	return v
}

// pooledSlope is the least-squares slope of V over T with one intercept per
// incarnation: sum over lives of cov(T,V) / sum of var(T). ok is false when
// no incarnation has two distinct times.
func pooledSlope(pts []Point) (float64, bool) {
	type acc struct{ n, t, v float64 }
	means := map[int]*acc{}
	for _, p := range pts {
		a := means[p.Life]
		if a == nil {
			a = &acc{}
			means[p.Life] = a
		}
		a.n++
		a.t += p.T
		a.v += p.V
	}
	var sxy, sxx float64
	for _, p := range pts {
		a := means[p.Life]
		dt := p.T - a.t/a.n
		sxy += dt * (p.V - a.v/a.n)
		sxx += dt * dt
	}
	if sxx == 0 || math.IsNaN(sxx) {
		return 0, false
	}
	return sxy / sxx, true
}

// SpoolDrained checks that the spool was back to at most limit bytes in
// the last sample before each fault (after the first) and at the end: a
// fault may fill it, the next must find it empty again.
func SpoolDrained(pts []Point, faults []float64, limit float64) error {
	if len(pts) == 0 {
		return nil
	}
	check := append(slices.Clone(faults[min(1, len(faults)):]), math.Inf(1))
	for _, at := range check {
		var last *Point
		for i := range pts {
			if pts[i].T < at {
				last = &pts[i]
			}
		}
		if last != nil && last.V > limit {
			when := "at the end"
			if !math.IsInf(at, 1) {
				when = fmt.Sprintf("before the fault at %s", time.Duration(at*float64(time.Second)).Round(time.Second))
			}
			return fmt.Errorf("spool held %.0f bytes %s (allowed %.0f)", last.V, when, limit)
		}
	}
	return nil
}
