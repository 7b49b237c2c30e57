package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/schema"
)

// SustainedOptions configure a run at a fixed rate.
type SustainedOptions struct {
	Dir      string
	Bin      string
	Rate     int           // requests per second written to the log
	Duration time.Duration // how long lines are written
	Seed     uint64
	Out      io.Writer
	// IngestArgs and CollectorArgs are added to ingest's and the
	// collector's flags.
	IngestArgs, CollectorArgs []string
}

// pollEvery is how often the sustained run asks ClickHouse what it holds.
const pollEvery = 250 * time.Millisecond

// Sustained writes generated requests into a log file at a fixed rate while
// a following collector and ingest carry them to ClickHouse, and measures
// the lag: at every poll, how long ago the oldest line not yet queryable
// (in the raw table and in traffic_1m) was written; 0 when every written
// line is. It prints the lag's p50, p99 and maximum, whether it stayed
// bounded (the last quarter's p99 against the whole run's), the rate
// achieved and each process's CPU seconds per million requests, then waits
// until every line is in ClickHouse and checks the count.
func Sustained(ctx context.Context, o SustainedOptions) error {
	if o.Rate <= 0 || o.Duration <= 0 {
		return fmt.Errorf("sustained run needs a rate and a duration")
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	logf, bench := output(o.Out)
	var err error
	if o.Dir, err = workDir(o.Dir); err != nil {
		return err
	}
	lines := int(float64(o.Rate) * o.Duration.Seconds())
	// The lines are generated as they are written, not copied from a file
	// generated first: 10 minutes at 130k lines/s is 22 GB of log, and a
	// copy beside the followed log did not fit this machine's disk. The
	// generator runs in this process, outside the CPU figures (~1 us a
	// line, as an edge server's own logging would be).
	g, err := gen.New(gen.Options{Lines: lines, Seed: o.Seed, Incidents: gen.DefaultIncidents(gen.DefaultStart)})
	if err != nil {
		return err
	}
	lf, err := gen.NewFormatter("nginx")
	if err != nil {
		return err
	}
	f, err := startFollowed(ctx, o.Dir, o.Bin, g)
	if err != nil {
		return err
	}
	defer f.stop()
	access, edge, st, conn := f.access, f.edge, f.st, f.conn

	cpu0 := map[string]float64{"broker": cpuSeconds(st.Broker.Pid()), "clickhouse": cpuSeconds(st.CH.Pid())}
	ingest, err := st.Start("ingest", st.IngestArgs(o.IngestArgs...)...)
	if err != nil {
		return err
	}
	collector, err := st.Start("collector", append([]string{"--brokers", st.BrokerAddr, "--file", access, "--edge-config", edge,
		"--follow=true", "--dead-letter-file", filepath.Join(o.Dir, "dead-letters.jsonl")}, o.CollectorArgs...)...)
	if err != nil {
		return err
	}

	logf("writing %d lines/s into %s for %s", o.Rate, access, o.Duration)
	w := &pacer{}
	werr := make(chan error, 1)
	start := time.Now()
	go func() { werr <- w.run(ctx, g, lf, access, o.Rate, lines) }()

	var lags []float64 // seconds, one per poll while lines are written
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	writing := true
	for writing {
		select {
		case err := <-werr:
			if err != nil {
				return err
			}
			writing = false
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			// The ledgers, not the tables: rows the raw table holds and
			// rows whose rollup feed landed (traffic_1m and the other
			// sums), each a table of a row per INSERT and partition.
			// Counting the tables themselves every 250 ms is a load of its
			// own on ClickHouse (stack.WaitRows).
			var raw, rolled uint64
			q := fmt.Sprintf("SELECT (SELECT sum(rows) FROM %[1]s.%[2]s), (SELECT sum(rows) FROM %[1]s.%[3]s)", st.DB, schema.LedgerTable, schema.FeedLedgerTable)
			if err := conn.QueryRow(ctx, q).Scan(&raw, &rolled); err != nil {
				logf("poll: %v", err)
				continue
			}
			now := time.Now()
			lags = append(lags, w.lag(min(raw, rolled), now).Seconds())
			if err := w.prune(raw); err != nil {
				return err
			}
		}
	}
	writeSecs := time.Since(start).Seconds()
	logf("wrote %d lines in %.1fs; waiting for the rest", lines, writeSecs)
	if _, err := st.WaitRows(ctx, uint64(lines), 30*time.Minute, nil); err != nil { // #nosec G115 -- a line count, positive
		return err
	}
	drain := time.Since(start).Seconds() - writeSecs
	cpu := map[string]float64{
		"collector":  cpuSeconds(collector.Pid()),
		"ingest":     cpuSeconds(ingest.Pid()),
		"broker":     cpuSeconds(st.Broker.Pid()) - cpu0["broker"],
		"clickhouse": cpuSeconds(st.CH.Pid()) - cpu0["clickhouse"],
	}
	n := float64(lines)
	bench("sustained_rate", n/writeSecs, "req/s")
	bench("sustained_duration", writeSecs, "s")
	if len(lags) == 0 {
		return fmt.Errorf("no lag sample")
	}
	bench("sustained_lag_p50", quantile(lags, 0.5), "s")
	bench("sustained_lag_p99", quantile(lags, 0.99), "s")
	bench("sustained_lag_max", slices.Max(lags), "s")
	// Bounded: the last quarter's p99 is not above the whole run's by
	// more than a batch wait (a lag that grows would be).
	last := lags[len(lags)*3/4:]
	bench("sustained_lag_p99_last_quarter", quantile(last, 0.99), "s")
	bench("sustained_drain_after_writing", drain, "s")
	for _, p := range []string{"collector", "broker", "ingest", "clickhouse"} {
		bench("sustained_cpu_seconds_per_million_"+p, cpu[p]/n*1e6, "s")
	}
	logf("done")
	return nil
}

// quantile returns the q-quantile of v (nearest rank).
func quantile(v []float64, q float64) float64 {
	s := slices.Clone(v)
	sort.Float64s(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// pacer writes generated lines to the followed log at a fixed rate and
// remembers when each was written. It rotates the log by rename (as
// logrotate would; the collector follows) every rotateBytes, and the run
// deletes a rotated file once ClickHouse holds every line written before
// its rotation (prune): 10 minutes at 130k lines/s would otherwise keep
// 22 GB of log on disk.
type pacer struct {
	mu      sync.Mutex
	marks   []mark    // in order: after each write, the lines written so far
	rotated []rotated // rotated files not deleted yet, oldest first
}

type rotated struct {
	path    string
	written uint64 // lines written before it was rotated
}

// rotateBytes is the size at which the pacer rotates the log.
const rotateBytes = 1 << 30

// prune deletes the rotated files whose every line is among the first
// visible lines in ClickHouse.
func (p *pacer) prune(visible uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.rotated) > 0 && p.rotated[0].written <= visible {
		if err := os.Remove(p.rotated[0].path); err != nil {
			return err
		}
		p.rotated = p.rotated[1:]
	}
	return nil
}

type mark struct {
	at      time.Time
	written uint64
}

// tickEvery is the pacer's write interval: lines are written in bursts of
// rate*tickEvery, each stamped with the burst's time.
const tickEvery = 10 * time.Millisecond

func (p *pacer) run(ctx context.Context, g *gen.Generator, lf gen.Formatter, access string, rate, lines int) error {
	out, err := os.OpenFile(access, os.O_WRONLY|os.O_APPEND, 0o644) // #nosec G302 G304 -- the benchmark's own generated access log
	if err != nil {
		return err
	}
	defer func() { out.Close() }() // #nosec G104 -- the generated log; writes were flushed and checked
	bw := bufio.NewWriterSize(out, 1<<20)
	var size int64
	var line []byte
	var e gen.Event
	start := time.Now()
	written := 0
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	for written < lines {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		target := min(lines, int(float64(rate)*time.Since(start).Seconds()))
		for ; written < target; written++ {
			if !g.Next(&e) {
				return fmt.Errorf("the generator ended after %d of %d lines", written, lines)
			}
			line = append(lf.AppendLine(line[:0], &e), '\n')
			size += int64(len(line))
			bw.Write(line) // #nosec G104 -- bufio.Writer keeps its first error; Flush's is returned
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		p.mu.Lock()
		p.marks = append(p.marks, mark{at: time.Now(), written: uint64(written)})
		p.mu.Unlock()
		if size >= rotateBytes {
			name := fmt.Sprintf("%s.%d", access, len(p.marks))
			if err := os.Rename(access, name); err != nil {
				return err
			}
			out.Close()                                                                                 // #nosec G104 -- flushed above; the next open reports a real problem
			if out, err = os.OpenFile(access, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil { // #nosec G302 G304 -- the benchmark's own generated access log
				return err
			}
			bw.Reset(out)
			size = 0
			p.mu.Lock()
			p.rotated = append(p.rotated, rotated{path: name, written: uint64(written)})
			p.mu.Unlock()
		}
	}
	return nil
}

// lag returns how long before now the oldest line that is not among the
// first visible lines was written, 0 if every written line is visible.
func (p *pacer) lag(visible uint64, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := sort.Search(len(p.marks), func(i int) bool { return p.marks[i].written > visible })
	if i == len(p.marks) {
		return 0
	}
	return now.Sub(p.marks[i].at)
}
