package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/edgelog/edgelog/dashboards/plugin/pkg/plugin"
	"github.com/edgelog/edgelog/lab/engines/stack"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/query/api"
)

// FreshOptions configure a freshness run.
type FreshOptions struct {
	Dir, Bin string
	// MaxRate is the pipeline's measured maximum (requests/s); each phase
	// writes a Fractions share of it.
	MaxRate   int
	Fractions []float64     // default 0.2, 0.5, 0.8
	Phase     time.Duration // each phase's writing time; default 40s
	// IngestWait, CollectorWait and Lateness are ingest's --batch-wait,
	// the collector's --batch-wait and the query service's
	// --live-lateness; zero leaves each process's default.
	IngestWait, CollectorWait, Lateness time.Duration
	// IngestWaitMin and CollectorWaitMin are the --batch-wait-min of
	// ingest and the collector; zero leaves each process's default.
	IngestWaitMin, CollectorWaitMin time.Duration
	// StampsBehind shifts every stamp this much further back than the
	// phase's shift (0 to 59 s, to put a minute boundary 10 s in): rows
	// written now, stamped more than the watermark's window (a minute)
	// before the clock, as a collector catching up a backlog ships.
	StampsBehind time.Duration
	// LiveTail runs the query service with --live-tail: the live
	// counter's newest seconds counted from Kafka (package livetail).
	LiveTail bool
	// IngestArgs and CollectorArgs are added to ingest's and the
	// collector's flags (experiments with batch sizes and streams).
	IngestArgs, CollectorArgs []string
	// MaxError is the live figure's largest relative error allowed
	// against the truth (default 0.005); a larger one fails the run.
	MaxError float64
	Seed     uint64
	Out      io.Writer
}

// freshPoll is how often the run samples ClickHouse and the live API.
const freshPoll = 100 * time.Millisecond

// Fresh runs the whole stack (collector following a log, ingest, query
// service, and the Grafana plugin's live stream in-process) and writes
// lines stamped with the wall clock at each fraction of MaxRate in turn.
// The stamps are shifted back so that a minute boundary falls in the
// first seconds of each phase. Every freshPoll it measures, per phase:
//
//   - raw, rollups: how long ago the oldest line not yet counted in the
//     raw table (in traffic_1m) was written — a request's lag;
//   - api, live: how long after a second ended GET /api/v1/ops/live
//     (the plugin's stream, frames as Grafana receives them) first
//     counted it complete — a complete second's lag;
//   - the live figures against the truth the writer kept: the second's
//     requests and the day's, each sample's relative error (the run fails
//     beyond MaxError);
//   - each process's CPU seconds per million requests.
//
// It prints BENCH fresh_p50_<pct>_<what> and fresh_p99_<pct>_<what>.
func Fresh(ctx context.Context, o FreshOptions) error {
	if o.MaxRate <= 0 {
		return fmt.Errorf("fresh run needs the measured maximum rate")
	}
	if len(o.Fractions) == 0 {
		o.Fractions = []float64{0.2, 0.5, 0.8}
	}
	if o.Phase <= 0 {
		o.Phase = 40 * time.Second
	}
	if o.MaxError <= 0 {
		o.MaxError = 0.005
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	logf, bench := output(o.Out)
	var err error
	if o.Dir, err = workDir(o.Dir); err != nil {
		return err
	}
	g, err := gen.New(gen.Options{Seed: o.Seed + 1})
	if err != nil {
		return err
	}
	f, err := startFollowed(ctx, o.Dir, o.Bin, g)
	if err != nil {
		return err
	}
	defer f.stop()
	access, edge, st, conn := f.access, f.edge, f.st, f.conn
	// Metrics on known ports: each phase reads the stages' timings.
	ingestMetrics, err := freeAddr()
	if err != nil {
		return err
	}
	collectorMetrics, err := freeAddr()
	if err != nil {
		return err
	}
	metricsURL := map[string]string{"ingest": "http://" + ingestMetrics + "/metrics", "collector": "http://" + collectorMetrics + "/metrics"}
	ingestArgs := st.IngestArgs("--metrics-addr", ingestMetrics)
	if o.IngestWait > 0 {
		ingestArgs = append(ingestArgs, "--batch-wait", o.IngestWait.String())
	}
	if o.IngestWaitMin > 0 {
		ingestArgs = append(ingestArgs, "--batch-wait-min", o.IngestWaitMin.String())
	}
	ingest, err := st.Start("ingest", append(ingestArgs, o.IngestArgs...)...)
	if err != nil {
		return err
	}
	collectorArgs := []string{"--metrics-addr", collectorMetrics, "--brokers", st.BrokerAddr, "--file", access, "--edge-config", edge,
		"--follow=true", "--dead-letter-file", filepath.Join(o.Dir, "dead-letters.jsonl")}
	if o.CollectorWait > 0 {
		collectorArgs = append(collectorArgs, "--batch-wait", o.CollectorWait.String())
	}
	if o.CollectorWaitMin > 0 {
		collectorArgs = append(collectorArgs, "--batch-wait-min", o.CollectorWaitMin.String())
	}
	collector, err := st.Start("collector", append(collectorArgs, o.CollectorArgs...)...)
	if err != nil {
		return err
	}
	listen, err := freeAddr()
	if err != nil {
		return err
	}
	queryArgs := append(st.CHArgs(), "--listen", listen, "--metrics-addr", "off")
	if o.Lateness > 0 {
		queryArgs = append(queryArgs, "--live-lateness", o.Lateness.String())
	}
	if o.LiveTail {
		queryArgs = append(queryArgs, "--live-tail", "--brokers", st.BrokerAddr)
	}
	qp, err := st.Start("query", queryArgs...)
	if err != nil {
		return err
	}
	base := "http://" + listen
	if err := stack.WaitHTTP(ctx, base+"/healthz", 60*time.Second); err != nil {
		return err
	}

	// The Grafana plugin's live stream, in-process: frames as Grafana Live
	// would fan them out to the wall.
	inst, err := plugin.NewDatasource(ctx, backend.DataSourceInstanceSettings{UID: "bench", URL: base})
	if err != nil {
		return err
	}
	ds := inst.(*plugin.Datasource)
	stream := &shownSeconds{}
	sctx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	streamDone := make(chan error, 1)
	go func() {
		streamDone <- ds.RunStream(sctx, &backend.RunStreamRequest{Path: "live/fleet"}, backend.NewStreamSender(stream))
	}()

	w := &clockWriter{g: g, truth: map[int64]uint64{}}
	out, err := os.OpenFile(access, os.O_WRONLY|os.O_APPEND, 0o644) // #nosec G302 G304 -- the benchmark's own generated access log
	if err != nil {
		return err
	}
	defer out.Close()
	procs := map[string]func() float64{
		"collector":  func() float64 { return cpuSeconds(collector.Pid()) },
		"ingest":     func() float64 { return cpuSeconds(ingest.Pid()) },
		"broker":     func() float64 { return cpuSeconds(st.Broker.Pid()) },
		"clickhouse": func() float64 { return cpuSeconds(st.CH.Pid()) },
		"query":      func() float64 { return cpuSeconds(qp.Pid()) },
	}
	var worst float64
	for _, frac := range o.Fractions {
		rate := int(float64(o.MaxRate) * frac)
		pct := strconv.Itoa(int(math.Round(frac * 100)))
		// Stamps shifted so the next minute boundary falls 10 s in.
		now := time.Now()
		w.setOffset(time.Duration((now.Second()+60-50)%60)*time.Second + o.StampsBehind)
		logf("phase %s%%: %d lines/s for %s (stamps %s behind the clock)", pct, rate, o.Phase, w.offsetNow())
		cpu0 := map[string]float64{}
		for p, f := range procs {
			cpu0[p] = f()
		}
		written0 := w.written()
		events0, err := chEvents(ctx, conn)
		if err != nil {
			return err
		}
		stages0 := map[string]map[string]histSnap{}
		for p, u := range metricsURL {
			if stages0[p], err = scrapeHistograms(ctx, u); err != nil {
				return err
			}
		}
		api0 := &shownSeconds{}
		stream.reset()
		phaseStart := time.Now()
		pctx, cancel := context.WithTimeout(ctx, o.Phase)
		werr := make(chan error, 1)
		go func() { werr <- w.run(pctx, out, rate) }()
		var rawLags, rollLags, errs []float64
		tick := time.NewTicker(freshPoll)
		for writing := true; writing; {
			select {
			case err := <-werr:
				if err != nil {
					cancel()
					tick.Stop()
					return err
				}
				writing = false
			case <-ctx.Done():
				cancel()
				tick.Stop()
				return ctx.Err()
			case <-tick.C:
				var raw, rolled uint64
				q := fmt.Sprintf("SELECT (SELECT count() FROM %[1]s.requests), (SELECT sum(requests) FROM %[1]s.traffic_1m)", st.DB)
				if err := conn.QueryRow(ctx, q).Scan(&raw, &rolled); err != nil {
					logf("poll: %v", err)
					continue
				}
				t := time.Now()
				rawLags = append(rawLags, w.lag(raw, t).Seconds())
				rollLags = append(rollLags, w.lag(rolled, t).Seconds())
				var l api.Live
				if err := getLive(ctx, base+"/api/v1/ops/live", &l); err != nil {
					logf("poll: %v", err)
					continue
				}
				api0.show(l.At, time.Now())
				if e, ok := w.check(&l); ok {
					errs = append(errs, e)
					if e > o.MaxError {
						logf("live figure off by %.3f%% at %s: %d requests in its second, %d today", e*100, l.At.Format(time.RFC3339), l.RequestsPerS, l.RequestsToday)
					}
				}
			}
		}
		cancel()
		tick.Stop()
		// Let the last seconds land before reading the lags of this phase.
		time.Sleep(3 * time.Second)
		n := float64(w.written() - written0)
		off := w.offsetNow()
		// Only the seconds this phase wrote are timed: a watermark that
		// jumps over the gap before the phase's first stamp is not lag.
		from := phaseStart.Add(-off).Unix() + 1
		apiLags, liveLags := api0.lags(off, from), stream.lags(off, from)
		for _, m := range []struct {
			what string
			v    []float64
		}{{"raw", rawLags}, {"rollups", rollLags}, {"api", apiLags}, {"live", liveLags}} {
			if len(m.v) == 0 {
				return fmt.Errorf("phase %s%%: no %s sample", pct, m.what)
			}
			bench("fresh_p50_"+pct+"_"+m.what, quantile(m.v, 0.5), "s")
			bench("fresh_p99_"+pct+"_"+m.what, quantile(m.v, 0.99), "s")
		}
		bench("fresh_rate_"+pct, n/o.Phase.Seconds(), "req/s")
		// Where the lag goes: each stage's mean and p99 (a histogram
		// bucket's upper bound) over the phase.
		stages1 := map[string]map[string]histSnap{}
		for p, u := range metricsURL {
			if stages1[p], err = scrapeHistograms(ctx, u); err != nil {
				return err
			}
		}
		for _, sg := range freshStages {
			if mean, p99, ok := stageFigures(stages0[sg.proc][sg.metric], stages1[sg.proc][sg.metric]); ok {
				bench("fresh_stage_mean_"+pct+"_"+sg.name, mean, "s")
				bench("fresh_stage_p99_"+pct+"_"+sg.name, p99, "s")
			}
		}
		if len(errs) == 0 {
			return fmt.Errorf("phase %s%%: no live figure to check", pct)
		}
		maxErr := 0.0
		for _, e := range errs {
			maxErr = max(maxErr, e)
		}
		worst = max(worst, maxErr)
		bench("fresh_live_max_error_"+pct, maxErr, "ratio")
		bench("fresh_live_samples_"+pct, float64(len(errs)), "samples")
		total := 0.0
		for _, p := range []string{"collector", "broker", "ingest", "clickhouse"} {
			v := (procs[p]() - cpu0[p]) / n * 1e6
			total += v
			bench("fresh_cpu_seconds_per_million_"+pct+"_"+p, v, "s")
		}
		bench("fresh_cpu_seconds_per_million_"+pct+"_query", (procs["query"]()-cpu0["query"])/n*1e6, "s")
		bench("fresh_cpu_seconds_per_million_"+pct, total, "s")
		// What ClickHouse did in the phase (its ProfileEvents): the
		// queries the wall's polls and this run's sampling make, the
		// INSERTs and the rows merged.
		events1, err := chEvents(ctx, conn)
		if err != nil {
			return err
		}
		secs := time.Since(phaseStart).Seconds()
		bench("fresh_clickhouse_selects_per_sec_"+pct, float64(events1["SelectQuery"]-events0["SelectQuery"])/secs, "queries/s")
		bench("fresh_clickhouse_inserts_per_sec_"+pct, float64(events1["InsertQuery"]-events0["InsertQuery"])/secs, "queries/s")
		bench("fresh_clickhouse_merged_rows_per_request_"+pct, float64(events1["MergedRows"]-events0["MergedRows"])/n, "rows")
	}
	stopStream()
	if err := <-streamDone; err != nil {
		return fmt.Errorf("live stream: %w", err)
	}
	if worst > o.MaxError {
		return fmt.Errorf("the live figure was %.3f%% off the truth (allowed %.3f%%)", worst*100, o.MaxError*100)
	}
	logf("done")
	return nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func getLive(ctx context.Context, url string, into *api.Live) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(into)
}

// shownSeconds records when each second was first shown complete (a
// watermark at or past its end), by the API or by the stream's frames.
type shownSeconds struct {
	mu    sync.Mutex
	first time.Time // the first watermark seen: seconds before it are not timed
	last  time.Time
	shown map[int64]time.Time // second's end (unix s) -> when first shown
}

func (s *shownSeconds) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.first, s.last, s.shown = time.Time{}, time.Time{}, nil
}

func (s *shownSeconds) show(at, when time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shown == nil {
		s.shown = map[int64]time.Time{}
	}
	if s.first.IsZero() {
		s.first, s.last = at, at
		return
	}
	for t := s.last.Add(time.Second); !t.After(at); t = t.Add(time.Second) {
		s.shown[t.Unix()] = when
	}
	if at.After(s.last) {
		s.last = at
	}
}

// lags returns, per second shown whose end is at or after from (unix s),
// how long after its end (in wall time: stamps run offset behind the
// clock) it was shown.
func (s *shownSeconds) lags(offset time.Duration, from int64) []float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []float64
	for end, when := range s.shown {
		if end <= from {
			continue
		}
		out = append(out, when.Sub(time.Unix(end, 0).Add(offset)).Seconds())
	}
	return out
}

// Send takes the plugin stream's packets (backend.StreamPacketSender).
func (s *shownSeconds) Send(p *backend.StreamPacket) error {
	var f data.Frame
	if err := json.Unmarshal(p.Data, &f); err != nil {
		return err
	}
	fd, i := f.FieldByName("time")
	if i < 0 || fd.Len() == 0 {
		return fmt.Errorf("a live frame without time")
	}
	if at, ok := fd.At(0).(time.Time); ok {
		s.show(at, time.Now())
	}
	return nil
}

// clockWriter writes generated requests stamped with the wall clock
// (less an offset) and keeps the truth per stamped second and when each
// line was written.
type clockWriter struct {
	g *gen.Generator
	pacer
	mu     sync.Mutex
	offset time.Duration
	truth  map[int64]uint64 // stamped unix second -> requests
	total  uint64
}

func (w *clockWriter) setOffset(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if d < w.offset || w.total == 0 {
		w.offset = d // stamps never go backwards: a later phase may only jump ahead
	}
}

func (w *clockWriter) offsetNow() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.offset
}

func (w *clockWriter) written() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.total
}

func (w *clockWriter) run(ctx context.Context, out io.Writer, rate int) error {
	f, err := gen.NewFormatter("nginx")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	start := time.Now()
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	var e gen.Event
	var line []byte
	sent := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		due := int(float64(rate) * time.Since(start).Seconds())
		w.mu.Lock()
		for ; sent < due; sent++ {
			stamp := time.Now().Add(-w.offset).UnixMilli()
			w.g.At(&e, stamp)
			line = append(f.AppendLine(line[:0], &e), '\n')
			bw.Write(line) // #nosec G104 -- bufio.Writer keeps its first error; Flush's is returned
			w.truth[floorSec(stamp)]++
			w.total++
		}
		total := w.total
		w.mu.Unlock()
		if err := bw.Flush(); err != nil {
			return err
		}
		w.pacer.mu.Lock()
		w.marks = append(w.marks, mark{at: time.Now(), written: total})
		w.pacer.mu.Unlock()
	}
}

func floorSec(ms int64) int64 {
	if ms < 0 {
		return (ms - 999) / 1000
	}
	return ms / 1000
}

// check compares a live answer with the truth: the relative error of the
// second's requests and of the day's, the larger. ok is false when the
// answer is of a second before this run.
func (w *clockWriter) check(l *api.Live) (float64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	at := l.At.Unix()
	sec := w.truth[at-1]
	if sec == 0 {
		return 0, false
	}
	day := l.At.Truncate(24 * time.Hour).Unix()
	var today uint64
	for s, n := range w.truth {
		if s >= day && s < at {
			today += n
		}
	}
	rel := func(got, want uint64) float64 {
		return math.Abs(float64(got)-float64(want)) / float64(want)
	}
	return max(rel(l.RequestsPerS, sec), rel(l.RequestsToday, today)), true
}

// chEvents reads ClickHouse's cumulative ProfileEvents counters.
func chEvents(ctx context.Context, conn driver.Conn) (map[string]uint64, error) {
	rows, err := conn.Query(ctx, "SELECT event, value FROM system.events WHERE event IN ('SelectQuery', 'InsertQuery', 'MergedRows')")
	if err != nil {
		return nil, fmt.Errorf("cannot read ClickHouse's events: %w", err)
	}
	defer rows.Close()
	out := map[string]uint64{}
	for rows.Next() {
		var e string
		var v uint64
		if err := rows.Scan(&e, &v); err != nil {
			return nil, err
		}
		out[e] = v
	}
	return out, rows.Err()
}
