package chaos

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/edgelog/edgelog/lab/engines/chserver"
	"github.com/edgelog/edgelog/lab/engines/stack"
)

// SoakFaults is the soak's fault cycle: each process killed in turn, the
// broker frozen and killed, ClickHouse stopped and killed, both
// rotations.
var SoakFaults = []Fault{KillCollector, PauseBroker, KillIngest, StopClickHouse, KillQuery, RenameRotate, KillCollector, KillBroker, KillClickHouse, CopyTruncate}

// soakPlan is the soak's fault schedule: one fault every o.FaultEvery,
// cycling through SoakFaults, none in the last interval.
func soakPlan(o Options) []Fault {
	n := int(o.Soak/o.FaultEvery) - 1
	plan := make([]Fault, 0, max(n, 0))
	for i := range max(n, 0) {
		plan = append(plan, SoakFaults[i%len(SoakFaults)])
	}
	return plan
}

// startQuery runs the query service and a light load on it (the live
// figures every second, the ops overview every 10 s) until ctx ends; the
// counts of answers and failures go into ok and failed.
func startQuery(ctx context.Context, st *stack.Stack, ok, failed *atomic.Int64) (*stack.Proc, error) {
	port, err := chserver.FreePort()
	if err != nil {
		return nil, err
	}
	listen := "127.0.0.1:" + strconv.Itoa(port)
	q, err := st.Start("query", append(st.CHArgs(), "--listen", listen)...)
	if err != nil {
		return nil, err
	}
	if err := stack.WaitHTTP(ctx, "http://"+listen+"/healthz", time.Minute); err != nil {
		return nil, err
	}
	go func() {
		client := http.Client{Timeout: 30 * time.Second}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			path := "/api/v1/ops/live"
			if i%10 == 0 {
				path = "/api/v1/ops/overview"
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+listen+path, nil)
			resp, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close() // #nosec G104 -- a load probe's body
			if resp.StatusCode == http.StatusOK {
				ok.Add(1)
			} else {
				failed.Add(1)
			}
		}
	}()
	return q, nil
}

// SoakSeries is the judgement of one sampled series.
type SoakSeries struct {
	Proc, Measure string
	Verdict
}

// judgeSoak judges every series the sampler took: RSS, goroutines and
// open files of the edgelog processes, open files of ClickHouse and the
// broker (their RSS is reported, not judged: ClickHouse fills its caches,
// and the embedded broker, kfake, keeps the whole topic in memory with no
// retention, so it grows by every message by design; a real Kafka does
// not), and the spool's return to empty after each fault.
func judgeSoak(s *sampler, end float64, warmup float64, faultTimes []float64) ([]SoakSeries, error) {
	var out []SoakSeries
	for _, p := range s.procs {
		edgelog := p.log != ""
		rss := RSSRule
		rss.Warmup = warmup
		v := Judge(p.name+" rss", s.series(p.name, func(x sample) float64 { return x.rss }), end, rss)
		if !edgelog {
			v.Judged, v.Why = false, "not edgelog's: ClickHouse caches, kfake keeps the topic in memory"
		}
		out = append(out, SoakSeries{p.name, "rss_bytes", v})
		if edgelog {
			g := GoroutineRule
			g.Warmup = warmup
			out = append(out, SoakSeries{p.name, "goroutines", Judge(p.name+" goroutines", s.series(p.name, func(x sample) float64 { return x.goroutines }), end, g)})
		}
		f := FDRule
		f.Warmup = warmup
		out = append(out, SoakSeries{p.name, "open_files", Judge(p.name+" open_files", s.series(p.name, func(x sample) float64 { return x.fds }), end, f)})
	}
	spool := s.series("collector", func(x sample) float64 { return x.spool })
	sv := Verdict{Name: "collector spool", Judged: false, Why: "checked by return to empty, below"}
	if len(spool) > 0 {
		sv.Start, sv.End, sv.Max = spool[0].V, spool[len(spool)-1].V, spool[0].V
		for _, p := range spool {
			sv.Max = max(sv.Max, p.V)
		}
	}
	out = append(out, SoakSeries{"collector", "spool_bytes", sv})
	return out, SpoolDrained(spool, faultTimes, 1<<20)
}

// printSoak writes one SOAK line per series and the rule.
func printSoak(w io.Writer, series []SoakSeries, spoolErr error) {
	fmt.Fprintln(w, "SOAK rule: least-squares slope over the second half, per process incarnation, leaving out the samples within the warm-up after a restart;"+
		" RSS <= max(20 MiB, 5% of median)/h, goroutines <= 60/h, open files <= 60/h, judged on windows of 10 min or more (shorter: slope shown, verdict short); spool <= 1 MiB before the next fault and at the end")
	for _, s := range series {
		verdict := "ok"
		switch {
		case !s.Judged:
			verdict = "reported (" + s.Why + ")"
		case s.Short:
			verdict = "short (window under 10 min or too few samples: not judged)"
		case !s.OK():
			verdict = "GROWS"
		}
		fmt.Fprintf(w, "SOAK %s %s start %.0f end %.0f max %.0f median %.0f slope_per_hour %.1f allowed_per_hour %.1f points %d %s\n",
			s.Proc, s.Measure, s.Start, s.End, s.Max, s.Med, s.Slope, s.Allowed, s.Points, verdict)
	}
	if spoolErr != nil {
		fmt.Fprintf(w, "SOAK collector spool_drained FAIL %v\n", spoolErr)
	} else {
		fmt.Fprintln(w, "SOAK collector spool_drained ok")
	}
}

// soakErr is nil when no judged series grows and the spool drained.
func soakErr(series []SoakSeries, spoolErr error) error {
	for _, s := range series {
		if !s.OK() {
			return fmt.Errorf("%s %s grows by %.1f/h (allowed %.1f/h)", s.Proc, s.Measure, s.Slope, s.Allowed)
		}
	}
	return spoolErr
}

// writeSamples writes the sampler's CSV to path.
func writeSamples(s *sampler, path string) error {
	f, err := os.Create(path) // #nosec G304 -- the run's own output file
	if err != nil {
		return err
	}
	if err := s.writeCSV(f); err != nil {
		f.Close() // #nosec G104 -- already failing
		return err
	}
	return f.Close()
}
