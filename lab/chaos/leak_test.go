package chaos

import (
	"math"
	"math/rand/v2"
	"testing"
)

// series samples f every step seconds over end seconds; a restart at each
// of restarts begins a new incarnation.
func series(end, step float64, restarts []float64, f func(t float64, life int, sinceStart float64) float64) []Point {
	var pts []Point
	life, began := 0, 0.0
	for t := 0.0; t <= end; t += step {
		for life < len(restarts) && t >= restarts[life] {
			began = restarts[life]
			life++
		}
		pts = append(pts, Point{T: t, V: f(t, life, t-began), Life: life})
	}
	return pts
}

const mib = 1 << 20

// TestLeakFails: an RSS growing by 60 MiB an hour under GC noise, a
// goroutine per 30 s and a file descriptor per 20 s are caught, also when
// kill -9 restarts the process (each incarnation leaks afresh).
func TestLeakFails(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	end := 1800.0
	leak := series(end, 10, []float64{1200}, func(_ float64, _ int, since float64) float64 {
		return 80*mib + since/3600*60*mib + rng.Float64()*8*mib
	})
	if v := Judge("rss", leak, end, RSSRule); v.OK() || v.Short {
		t.Fatalf("60 MiB/h leak passed: %+v", v)
	} else if math.Abs(v.Slope-60*mib) > 15*mib {
		t.Errorf("slope %.1f MiB/h, want about 60", v.Slope/mib)
	}
	g := series(end, 10, nil, func(t float64, _ int, _ float64) float64 { return 40 + math.Floor(t/30) })
	if v := Judge("goroutines", g, end, GoroutineRule); v.OK() {
		t.Fatalf("a goroutine per 30 s passed: %+v", v)
	}
	fds := series(end, 10, []float64{1000, 1400}, func(_ float64, _ int, since float64) float64 { return 20 + math.Floor(since/20) })
	if v := Judge("fds", fds, end, FDRule); v.OK() {
		t.Fatalf("an fd per 20 s passed: %+v", v)
	}
}

// TestBoundedPasses: a GC sawtooth (climbs 30 MiB, drops back, over and
// over), a process restarted mid-run that warms up to a lower level than
// before its kill, and a series flat with noise all pass.
func TestBoundedPasses(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	end := 1800.0
	saw := series(end, 10, nil, func(t float64, _ int, _ float64) float64 {
		return 60*mib + math.Mod(t, 130)/130*30*mib
	})
	if v := Judge("rss", saw, end, RSSRule); !v.OK() || v.Short {
		t.Fatalf("sawtooth failed: %+v", v)
	}
	// Warm-up climbs 100 MiB in a minute after each start, then flat; the
	// restart at 1300 s lands 50 MiB lower than the first life.
	restarted := series(end, 10, []float64{1300}, func(_ float64, life int, since float64) float64 {
		level := 150.0 * mib
		if life == 1 {
			level = 100 * mib
		}
		return level*min(1, since/60) + rng.Float64()*4*mib
	})
	if v := Judge("rss", restarted, end, Rule{PerHour: 20 * mib, ShareOfMedian: 0.05, Warmup: 60}); !v.OK() || v.Short {
		t.Fatalf("restart with warm-up failed: %+v", v)
	}
	flat := series(end, 10, nil, func(float64, int, float64) float64 { return float64(30 + rng.IntN(5)) })
	if v := Judge("goroutines", flat, end, GoroutineRule); !v.OK() || v.Short {
		t.Fatalf("flat goroutines failed: %+v", v)
	}
}

// TestShortRun: too few points in the judged half is "short", not a pass
// dressed as a measurement.
func TestShortRun(t *testing.T) {
	pts := series(40, 10, nil, func(t float64, _ int, _ float64) float64 { return t })
	if v := Judge("x", pts, 40, FDRule); !v.Short {
		t.Fatalf("3 points judged: %+v", v)
	}
	// Many points, but a 90-second window (a 3-minute run): the slope is
	// shown, no verdict is given.
	pts = series(180, 5, nil, func(t float64, _ int, _ float64) float64 { return t })
	if v := Judge("x", pts, 180, FDRule); !v.Short || !v.OK() || v.Slope < 3000 {
		t.Fatalf("a 90 s window judged: %+v", v)
	}
}

func TestSpoolDrained(t *testing.T) {
	pts := series(600, 10, nil, func(t float64, _ int, _ float64) float64 {
		if t >= 100 && t < 160 { // filled by the fault at 100 s, drained by 160 s
			return 5 * mib
		}
		return 0
	})
	if err := SpoolDrained(pts, []float64{100, 300}, 1*mib); err != nil {
		t.Fatal(err)
	}
	if err := SpoolDrained(pts, []float64{50, 130}, 1*mib); err == nil {
		t.Fatal("a spool still full at the next fault passed")
	}
}
