// Package chaos runs the whole pipeline as real processes while injecting
// faults — kill -9 of the collector and of ingest, a frozen broker
// (SIGSTOP), a stopped ClickHouse server, log rotation by rename and by
// copytruncate — and then accounts for every request exactly: lines written
// must equal raw rows and the sum of requests in every rollup, bytes
// likewise.
package chaos

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/edgelog/edgelog/lab/engines/stack"
)

// Fault is a kind of fault.
type Fault string

const (
	KillCollector  Fault = "kill_collector"   // SIGKILL, restart after a moment
	KillIngest     Fault = "kill_ingest"      // SIGKILL, restart after a moment
	PauseBroker    Fault = "pause_broker"     // SIGSTOP for BrokerPause, then SIGCONT
	StopClickHouse Fault = "stop_clickhouse"  // server stopped for ClickHouseDown
	RenameRotate   Fault = "rotate_rename"    // mv access.log access.log.N; new access.log
	CopyTruncate   Fault = "rotate_copytrunc" // cp access.log access.log.N; truncate access.log
	KillQuery      Fault = "kill_query"       // SIGKILL of the query service, restart after a moment
	// KillClickHouse is SIGKILL of the server (INSERTs in flight),
	// restarted after ClickHouseDown. Killed within an INSERT, 18.16
	// keeps the parts it wrote (the raw table's, then each view's in
	// name order, the ledger's last: schema's ledgerlast.go); ingest
	// sends the batch again and records what the cut INSERT had left
	// (ingest's partial.go), so a run ends exact or with a double count
	// detected and bounded: Report.Err.
	KillClickHouse Fault = "kill_clickhouse"
	KillBroker     Fault = "kill_broker" // SIGKILL of the broker (its log on disk), restarted after BrokerPause
)

// AllFaults lists every kind, in report order.
var AllFaults = []Fault{KillCollector, KillIngest, PauseBroker, StopClickHouse, RenameRotate, CopyTruncate, KillQuery, KillClickHouse, KillBroker}

// Options configure a run.
type Options struct {
	Dir   string // working directory (data, logs, access logs)
	Bin   string // the edgelog binary
	Lines int    // requests to write (default 1,000,000)
	Rate  float64
	Seed  uint64
	// Faults is how many of each kind to inject, spread evenly over the
	// time the lines take to write.
	Faults         map[Fault]int
	ClickHouseDown time.Duration // default 5s
	BrokerPause    time.Duration // default 3s
	Settle         time.Duration // how long to wait for the pipeline to drain (default 10 min)
	Progress       io.Writer     // progress lines; nil for none

	// Soak, when set, writes at Rate for this long (Lines is Rate*Soak)
	// with the query service running under a light load, injects one
	// fault of SoakFaults every FaultEvery (default 3 min), samples every
	// process every SampleEvery (default 1 min) into SamplesCSV (default
	// DIR/soak-samples.csv), rotates the log by rename whenever it passes
	// RotateBytes (default 1 GiB, deleting rotated files the collector has
	// checkpointed to their end) and fails the run if a sampled series
	// grows (see Judge and the rules).
	Soak        time.Duration
	FaultEvery  time.Duration
	SampleEvery time.Duration
	SamplesCSV  string
	RotateBytes int64
	// Verify runs `edgelog schema verify` and `edgelog bill verify` at the
	// end; either failing fails the run. The soak always does.
	Verify bool
}

func (o *Options) fill() {
	if o.Lines == 0 {
		o.Lines = 1_000_000
	}
	if o.Rate == 0 {
		o.Rate = 40_000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.ClickHouseDown == 0 {
		o.ClickHouseDown = 5 * time.Second
	}
	if o.BrokerPause == 0 {
		o.BrokerPause = 3 * time.Second
	}
	if o.Settle == 0 {
		o.Settle = 10 * time.Minute
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Soak > 0 {
		o.Lines = int(o.Rate * o.Soak.Seconds())
		o.Verify = true
		if o.FaultEvery == 0 {
			o.FaultEvery = 3 * time.Minute
		}
		if o.SampleEvery == 0 {
			o.SampleEvery = time.Minute
		}
		if o.RotateBytes == 0 {
			o.RotateBytes = 1 << 30
		}
	}
}

// warmup is how long after a restart the soak leaves a process's samples
// out: three minutes or two sampling intervals, whichever is longer. A
// restarted collector's RSS climbs for two to three minutes before it
// levels (25-minute soak at 25k lines/s: 55 -> 70 MiB over 200 s, then
// 70 +- 1 MiB for the next 10 minutes); with one minute left out, two
// young incarnations in the judged half read as 74-92 MiB/h of growth
// while the long-lived one was flat.
func (o *Options) warmup() time.Duration { return max(3*time.Minute, 2*o.SampleEvery) }

// Run runs the pipeline under faults and returns the accounting.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.fill()
	var err error
	if o.Dir, err = filepath.Abs(o.Dir); err != nil { // the processes run in the stack's directory
		return nil, err
	}
	if o.SamplesCSV == "" && o.Soak > 0 {
		o.SamplesCSV = filepath.Join(o.Dir, "soak-samples.csv")
	}
	began := time.Now()
	logf := progress(o.Progress)
	r, err := startRig(ctx, o.Dir, o.Bin, o.Lines, o.Seed)
	if err != nil {
		return nil, err
	}
	st, g, access, edge := r.st, r.g, r.access, r.edge
	defer st.Stop()

	w, err := newWriter(g, access, o.Rate)
	if err != nil {
		return nil, err
	}
	defer w.close()
	w.maxBytes = o.RotateBytes

	ingest, err := st.Start("ingest", st.IngestArgs()...)
	if err != nil {
		return nil, err
	}
	collectorArgs := []string{"--brokers", st.BrokerAddr, "--file", access, "--edge-config", edge,
		"--dead-letter-file", filepath.Join(o.Dir, "dead-letters.jsonl")}
	spoolDir := ""
	if o.Soak > 0 {
		spoolDir = filepath.Join(o.Dir, "spool")
		collectorArgs = append(collectorArgs, "--spool-dir", spoolDir)
	}
	collector, err := st.Start("collector", collectorArgs...)
	if err != nil {
		return nil, err
	}

	rep := &Report{Faults: map[Fault]int{}, soak: o.Soak > 0}
	var query *stack.Proc
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	if o.Soak > 0 || o.Faults[KillQuery] > 0 {
		if query, err = startQuery(loadCtx, st, &rep.QueryOK, &rep.QueryFailed); err != nil {
			return nil, err
		}
	}
	var smp *sampler
	if o.Soak > 0 {
		logs := filepath.Join(st.Dir, "logs")
		smp = newSampler(began, spoolDir,
			watched{"collector", collector.Pid, filepath.Join(logs, "collector.log")},
			watched{"ingest", ingest.Pid, filepath.Join(logs, "ingest.log")},
			watched{"query", query.Pid, filepath.Join(logs, "query.log")},
			watched{"broker", st.Broker.Pid, ""},
			watched{"clickhouse", st.CH.Pid, ""})
		go smp.run(loadCtx, o.SampleEvery)
		logf("soak: %s at %.0f lines/s (%d lines), a fault every %s, samples every %s into %s",
			o.Soak, o.Rate, o.Lines, o.FaultEvery, o.SampleEvery, o.SamplesCSV)
	}
	var wg sync.WaitGroup
	writeStart := time.Now()
	writeErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		writeErr <- w.run(ctx)
	}()

	// Faults one after another, evenly spaced over the writing time.
	var plan []Fault
	for _, f := range AllFaults {
		for range o.Faults[f] {
			plan = append(plan, f)
		}
	}
	rng := rand.New(rand.NewPCG(o.Seed, 99)) // #nosec G404 -- reproducible fault schedule from a seed, not a secret
	rng.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	if o.Soak > 0 {
		plan = soakPlan(o)
	}
	gap := time.Duration(float64(o.Lines)/o.Rate*float64(time.Second)) / time.Duration(len(plan)+1)
	var faultTimes []float64
	for i, f := range plan {
		// Each fault at its own time from the start, whatever the last
		// one took (a copytruncate waits for the collector).
		if !sleepCtx(ctx, time.Until(writeStart.Add(time.Duration(i+1)*gap))) {
			return nil, ctx.Err()
		}
		logf("%s (%d lines written)", f, w.written())
		faultTimes = append(faultTimes, time.Since(began).Seconds())
		if err := inject(ctx, f, o, st, collector, ingest, query, w); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		rep.Faults[f]++
	}
	wg.Wait()
	if err := <-writeErr; err != nil {
		return nil, err
	}
	writeEnd := time.Since(began).Seconds()
	rep.SizeRotations = w.sizeRotations
	logf("all %d lines written; waiting for the pipeline to drain", o.Lines)
	if err := waitDrained(ctx, st, uint64(o.Lines), o.Settle, collector, ingest); err != nil { // #nosec G115 -- a line count, positive
		logf("did not drain: %v", err)
	}
	time.Sleep(3 * time.Second) // a late duplicate would land now
	if smp != nil {
		smp.once(ctx) // the drained state: the spool must be empty again
	}
	stopLoad()
	if err := rep.count(ctx, st, w); err != nil {
		return nil, err
	}
	if o.Verify {
		rep.verify(ctx, st, logf)
	}
	if smp != nil {
		rep.Series, rep.SpoolErr = judgeSoak(smp, writeEnd, o.warmup().Seconds(), faultTimes)
		if err := writeSamples(smp, o.SamplesCSV); err != nil {
			return nil, err
		}
		rep.SamplesCSV = o.SamplesCSV
	}
	rep.Duration = time.Since(began)
	return rep, nil
}

func inject(ctx context.Context, f Fault, o Options, st *stack.Stack, collector, ingest, query *stack.Proc, w *writer) error {
	pause := func(d time.Duration) { sleepCtx(ctx, d) }
	switch f {
	case KillQuery:
		if query == nil {
			return fmt.Errorf("no query service runs")
		}
		query.Kill()
		pause(500 * time.Millisecond)
		return query.Restart()
	case KillCollector:
		collector.Kill()
		pause(500 * time.Millisecond)
		return collector.Restart()
	case KillIngest:
		joined := countInLog(st, "ingest", "assigned partitions")
		ingest.Kill()
		pause(500 * time.Millisecond)
		if err := ingest.Restart(); err != nil {
			return err
		}
		// The embedded broker (kfake) never expires a group member that
		// dies while its JoinGroup is pending: the partitions it is then
		// given stay unread forever (real Kafka expires it after the
		// session timeout). So the next fault waits until the new process
		// has joined; killing it mid-join would test kfake, not edgelog.
		return waitLog(ctx, st, "ingest", "assigned partitions", joined, time.Minute)
	case PauseBroker:
		if err := st.Broker.Signal(syscall.SIGSTOP); err != nil {
			return err
		}
		pause(o.BrokerPause)
		return st.Broker.Signal(syscall.SIGCONT)
	case StopClickHouse:
		st.CH.Stop()
		pause(o.ClickHouseDown)
		return st.CH.Restart(ctx)
	case KillBroker:
		// The broker keeps its log and committed offsets in its data
		// directory (kfake.DataDir, written as it goes; fsync left to the
		// OS as Kafka's default): a process killed loses nothing it
		// acknowledged. Producers and consumers reconnect.
		st.Broker.Kill()
		pause(o.BrokerPause)
		return st.Broker.Restart()
	case KillClickHouse:
		// No shutdown: INSERTs die half-sent or half-written (see
		// KillClickHouse for what that can leave behind).
		st.CH.Kill()
		pause(o.ClickHouseDown)
		return st.CH.Restart(ctx)
	case RenameRotate:
		return w.rotate(ctx, false)
	case CopyTruncate:
		return w.rotate(ctx, true)
	}
	return fmt.Errorf("unknown fault %q", f)
}

// waitDrained waits until ClickHouse holds every line, and stops waiting
// as soon as one of procs, which the faults (and the adversarial run's
// checkpoint damage) restart and which never exit by themselves, has
// exited: a crash no fault caused (an ingest panic on
// 2026-12-07 left a 10-minute run waiting out its settle time before it
// said anything).
func waitDrained(ctx context.Context, st *stack.Stack, lines uint64, settle time.Duration, procs ...*stack.Proc) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		for sleepCtx(ctx, time.Second) {
			for _, p := range procs {
				if !p.Running() {
					cancel(fmt.Errorf("edgelog %s exited by itself (%v); its log: %s", p.Name, p.Err(), st.LogPath(p.Name)))
					return
				}
			}
		}
	}()
	_, err := st.WaitRows(ctx, lines, settle, nil)
	if cause := context.Cause(ctx); err != nil && cause != nil {
		return cause
	}
	return err
}

// countInLog counts the lines of a process's log holding text.
func countInLog(st *stack.Stack, proc, text string) int {
	b, _ := os.ReadFile(st.LogPath(proc)) // #nosec G304 -- a log in the chaos run's own directory
	return strings.Count(string(b), text)
}

// waitLog waits until a process's log holds text more than n times.
func waitLog(ctx context.Context, st *stack.Stack, proc, text string, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for countInLog(st, proc, text) <= n {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not log %q within %s", proc, text, timeout)
		}
		if !sleepCtx(ctx, 100*time.Millisecond) {
			return ctx.Err()
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// ParseFaults parses "kill_ingest=3,stop_clickhouse=1".
func ParseFaults(s string) (map[Fault]int, error) {
	m := map[Fault]int{}
	if s == "" {
		return m, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, n, ok := strings.Cut(part, "=")
		var count int
		if _, err := fmt.Sscan(n, &count); !ok || err != nil || count < 0 {
			return nil, fmt.Errorf("fault %q: want NAME=COUNT", part)
		}
		known := false
		for _, f := range AllFaults {
			known = known || Fault(name) == f
		}
		if !known {
			return nil, fmt.Errorf("unknown fault %q (known: %v)", name, AllFaults)
		}
		m[Fault(name)] = count
	}
	return m, nil
}
