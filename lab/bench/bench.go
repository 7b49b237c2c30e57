// Package bench measures the whole pipeline on this machine — log file to
// queryable rollups — and, in the same run and on the same data, the
// baselines it must be judged against: clickhouse-client bulk-loading the
// rows as TSV into the same schema, GoAccess parsing the same file, and kcat
// producing the same file to the same broker. Every figure is printed as
// "BENCH <name> <value> <unit>".
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/edgelog/edgelog/internal/kafkaconf"
	"github.com/edgelog/edgelog/lab/engines/proc"
	"github.com/edgelog/edgelog/lab/engines/stack"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/schema"
)

// Options configure a run.
type Options struct {
	Dir   string
	Bin   string
	Lines int // default 20,000,000
	// Span is the time the generated requests span (default 24h). A day
	// in Lines requests is far sparser than production, where the goal's
	// 506k req/s put 30M requests in each minute: the per-minute rollups
	// then keep a row per thousands of requests; with the default span
	// traffic_1m keeps 0.4 rows per request in a 3M-line run.
	Span time.Duration
	Seed uint64
	Out  io.Writer // BENCH lines and progress
	// Skip lists baselines not to run: "clickhouse-client", "goaccess", "kcat".
	Skip map[string]bool
	// ProfileDir, when set, receives CPU and heap profiles of the broker,
	// the collector and ingest (<command>-<pid>.pprof, .heap.pprof; the
	// stack's `schema migrate` too) and ClickHouse's per-query and
	// per-part figures of the run (clickhouse.txt).
	ProfileDir string
	// IngestArgs are added to ingest's flags (experiments with batch sizes).
	IngestArgs []string
	// CollectorArgs are added to the collector's flags (e.g. --batch-rows:
	// the size of its Kafka messages, which the broker's cost follows).
	CollectorArgs []string
}

// Run runs the benchmark.
func Run(ctx context.Context, o Options) error {
	f, err := startFileRun(&o)
	if err != nil {
		return err
	}
	logf, bench, access, fi := f.logf, f.bench, f.access, f.log
	n := float64(o.Lines)
	st, err := stack.Start(ctx, stack.Options{Dir: filepath.Join(o.Dir, "stack"), Bin: o.Bin, Partitions: 8})
	if err != nil {
		return err
	}
	defer st.Stop()

	logf("pipeline: collector and ingest on %s", access)
	cpu0 := map[string]float64{"broker": cpuSeconds(st.Broker.Pid()), "clickhouse": cpuSeconds(st.CH.Pid()),
		"clickhouse_merges": backgroundCPUSeconds(st.CH.Pid()), "clickhouse_system": proc.SystemCPUSecondsOf(st.CH.Pid())}
	merged0, err := mergedRows(ctx, st)
	if err != nil {
		return err
	}
	machine0 := proc.MachineBusySeconds()
	start := time.Now()
	ingest, err := st.Start("ingest", st.IngestArgs(o.IngestArgs...)...)
	if err != nil {
		return err
	}
	collector, err := f.startCollector(st, o)
	if err != nil {
		return err
	}
	<-collector.Done()
	collectorSecs := time.Since(start).Seconds()
	if collector.Err() != nil {
		return fmt.Errorf("collector: %w", collector.Err())
	}
	collectorCPU := collector.CPUSeconds()
	// The other processes' CPU so far: with the collector's, what the
	// pipeline used while the file was shipped (the rest is the drain).
	othersShipping := cpuSeconds(ingest.Pid()) + cpuSeconds(st.Broker.Pid()) - cpu0["broker"] + cpuSeconds(st.CH.Pid()) - cpu0["clickhouse"]
	machineShipping := proc.MachineBusySeconds() - machine0
	logf("collector shipped the file in %.1fs", collectorSecs)
	if _, err := st.WaitRows(ctx, uint64(o.Lines), 2*time.Hour, nil); err != nil { // #nosec G115 -- a line count, positive
		return err
	}
	e2eSecs := time.Since(start).Seconds()
	machineAll := proc.MachineBusySeconds() - machine0
	cpu := map[string]float64{
		"collector":  collectorCPU,
		"ingest":     cpuSeconds(ingest.Pid()),
		"broker":     cpuSeconds(st.Broker.Pid()) - cpu0["broker"],
		"clickhouse": cpuSeconds(st.CH.Pid()) - cpu0["clickhouse"],
		// Of ClickHouse's: its background pool's threads, merging parts.
		"clickhouse_merges": backgroundCPUSeconds(st.CH.Pid()) - cpu0["clickhouse_merges"],
		// Of ClickHouse's: the kernel's, where ext4's search past freed
		// inodes shows (settle.go).
		"clickhouse_system": proc.SystemCPUSecondsOf(st.CH.Pid()) - cpu0["clickhouse_system"],
	}
	merged1, err := mergedRows(ctx, st)
	if err != nil {
		return err
	}
	e2eRate := n / e2eSecs
	bench("e2e_requests_per_sec", e2eRate, "req/s")
	bench("e2e_vs_goal_506k", e2eRate/506_000, "ratio")
	bench("collector_lines_per_sec", n/collectorSecs, "lines/s")
	bench("collector_peak_rss", float64(collector.PeakRSSBytes())/(1<<20), "MiB")
	for _, p := range []string{"collector", "broker", "ingest", "clickhouse", "clickhouse_merges", "clickhouse_system"} {
		bench("cpu_seconds_per_million_"+p, cpu[p]/n*1e6, "s")
	}
	bench("clickhouse_merged_rows_per_request", float64(merged1-merged0)/n, "rows")
	busy := phaseCores(collectorSecs, e2eSecs, collectorCPU+othersShipping, cpu["collector"]+cpu["ingest"]+cpu["broker"]+cpu["clickhouse"])
	machine := phaseCores(collectorSecs, e2eSecs, machineShipping, machineAll)
	bench("e2e_drain_seconds", busy.drainSecs, "s")
	bench("e2e_cores_busy_shipping", busy.shipping, "cores")
	bench("e2e_machine_cores_busy_shipping", machine.shipping, "cores")
	if busy.drainSecs >= minDrainSecs {
		bench("e2e_cores_busy_draining", busy.draining, "cores")
		bench("e2e_machine_cores_busy_draining", machine.draining, "cores")
	}
	wire, msgs, err := topicBytes(ctx, st.BrokerAddr, kafkaconf.DefaultTopic)
	if err != nil {
		return err
	}
	bench("kafka_wire_bytes_per_request", float64(wire)/n, "bytes")
	bench("kafka_wire_vs_log_line", float64(wire)/float64(fi.Size()), "ratio")
	if msgs > 0 {
		bench("kafka_messages", float64(msgs), "messages")
		bench("kafka_requests_per_message", n/float64(msgs), "requests")
		bench("kafka_bytes_per_message", float64(wire)/float64(msgs), "bytes")
	}
	disk, rawDisk, err := diskBytes(ctx, st)
	if err != nil {
		return err
	}
	bench("clickhouse_raw_disk_bytes_per_request", float64(rawDisk)/n, "bytes")
	bench("clickhouse_all_tables_disk_bytes_per_request", float64(disk)/n, "bytes")
	inserts, parts, err := insertsAndParts(ctx, st)
	if err != nil {
		return err
	}
	bench("clickhouse_inserts", float64(inserts), "inserts")
	bench("clickhouse_rows_per_insert", n/float64(max(inserts, 1)), "rows")
	bench("clickhouse_active_parts_all_tables", float64(parts), "parts")
	ingest.Stop()
	os.Unsetenv("EDGELOG_CPUPROFILE_DIR")

	if !o.Skip["clickhouse-client"] {
		logf("baseline: clickhouse-client bulk loads of the same rows, TSV and Native")
		r, err := clickhouseClientLoad(ctx, st, o.Dir, o.Lines, o.ProfileDir != "")
		if err != nil {
			return err
		}
		bench("clickhouse_client_tsv_rows_per_sec", r.full, "rows/s")
		bench("e2e_vs_clickhouse_client", e2eRate/r.full, "ratio")
		bench("clickhouse_client_raw_only_rows_per_sec", r.rawOnly, "rows/s")
		bench("e2e_vs_raw_only_load", e2eRate/r.rawOnly, "ratio")
		bench("clickhouse_client_native_raw_only_rows_per_sec", r.nativeRawOnly, "rows/s")
		bench("e2e_vs_native_raw_only_load", e2eRate/r.nativeRawOnly, "ratio")
	}
	if !o.Skip["goaccess"] {
		// GoAccess parses about 20k lines/s here: it reads the first
		// goaccessLines of the same file, and the ratio is of rates.
		gl := min(o.Lines, goaccessLines)
		logf("baseline: GoAccess parsing the first %d lines of the same file", gl)
		secs, err := goaccess(ctx, access, o.Dir, gl)
		if err != nil {
			return err
		}
		bench("goaccess_lines_per_sec", float64(gl)/secs, "lines/s")
		bench("collector_vs_goaccess", (n/collectorSecs)/(float64(gl)/secs), "ratio")
	}
	if !o.Skip["kcat"] {
		logf("baseline: kcat producing the same file to the same broker")
		secs, err := kcat(ctx, st.BrokerAddr, access)
		if err != nil {
			return err
		}
		bench("kcat_lines_per_sec", n/secs, "lines/s")
		bench("collector_vs_kcat", (n/collectorSecs)/(n/secs), "ratio")
	}
	logf("done")
	return nil
}

// cpuSeconds reads a process's user+system CPU time from /proc.
func cpuSeconds(pid int) float64 { return proc.CPUSecondsOf(pid) }

// fileRun is what the runs over a generated file share.
type fileRun struct {
	logf         func(format string, a ...any)
	bench        func(name string, v float64, unit string)
	access, edge string      // the log and its edge mapping
	log          os.FileInfo // the log's
}

// startFileRun fills o's defaults, generates the log into o.Dir and, when
// o.ProfileDir is set, makes it and sets EDGELOG_CPUPROFILE_DIR: the
// processes started from then on inherit it (cmd/edgelog) and write their
// profiles there.
func startFileRun(o *Options) (*fileRun, error) {
	if o.Lines == 0 {
		o.Lines = 20_000_000
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	f := &fileRun{}
	f.logf, f.bench = output(o.Out)
	var err error
	if o.Dir, err = workDir(o.Dir); err != nil {
		return nil, err
	}
	if f.access, f.edge, f.log, err = generate(*o, f.logf, f.bench); err != nil {
		return nil, err
	}
	if o.ProfileDir != "" {
		if o.ProfileDir, err = filepath.Abs(o.ProfileDir); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(o.ProfileDir, 0o755); err != nil { // #nosec G301 -- the benchmark's profile directory
			return nil, err
		}
		os.Setenv("EDGELOG_CPUPROFILE_DIR", o.ProfileDir) // #nosec G104 -- the variable name is valid; Setenv cannot fail here
	}
	return f, nil
}

// startCollector starts the collector on the run's log, to ship it once
// (--follow=false) to st's broker.
func (f *fileRun) startCollector(st *stack.Stack, o Options) (*stack.Proc, error) {
	return st.Start("collector", append([]string{"--brokers", st.BrokerAddr, "--file", f.access, "--edge-config", f.edge,
		"--follow=false", "--dead-letter-file", filepath.Join(o.Dir, "dead-letters.jsonl")}, o.CollectorArgs...)...)
}

// generate writes o.Lines requests over o.Span (default 24h) into
// access.log in o.Dir, with the edge mapping beside it, and syncs the log
// to disk: an edge server's log is written over the day, not in the
// seconds before it is read.
func generate(o Options, logf func(string, ...any), bench func(string, float64, string)) (access, edge string, fi os.FileInfo, err error) {
	access, edge = filepath.Join(o.Dir, "access.log"), filepath.Join(o.Dir, "edge.yaml")
	if o.Span == 0 {
		o.Span = 24 * time.Hour
	}
	logf("generating %d lines over %v", o.Lines, o.Span)
	bench("generated_requests_per_sec_of_log_time", float64(o.Lines)/o.Span.Seconds(), "req/s")
	if _, err := gen.WriteFiles(gen.Options{Lines: o.Lines, Seed: o.Seed, Duration: o.Span, Incidents: gen.DefaultIncidents(gen.DefaultStart)}, access, edge, filepath.Join(o.Dir, "truth.json")); err != nil {
		return "", "", nil, err
	}
	logf("writing the log to disk")
	if err := syncFile(access); err != nil {
		return "", "", nil, err
	}
	if fi, err = os.Stat(access); err != nil {
		return "", "", nil, err
	}
	bench("log_bytes_per_request", float64(fi.Size())/float64(o.Lines), "bytes")
	return access, edge, fi, nil
}

// syncFile writes path's dirty pages to disk, so that the kernel does not
// flush the file just generated (6 GB for 20M lines, written in under 20
// seconds) while the clock runs, on the pipeline's cores and disk and
// charged to none of its processes. On this project's machine the sync
// takes about a second after the generator: the kernel had written most
// of it back already, and the kernel's kworker threads used 3.1-3.4
// CPU-seconds in the pipeline's 40 seconds with it, 4.1 in a run without.
func syncFile(path string) error {
	f, err := os.Open(path) // #nosec G304 -- the bench's own log file
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("cannot sync %s: %w", path, err)
	}
	return nil
}

// pipelineCores is how many cores the pipeline's processes kept busy in
// the two phases of a run: while the collector shipped the file, and
// after, while ingest and ClickHouse drained Kafka (drainSecs). The rate
// the bench measures follows both: the collector ships faster than the
// server inserts, so a run ends with a drain, in which ingest's INSERTs,
// one at a time and each run by ClickHouse 18.16 on one thread with its
// views (package ingest, combine.go), leave part of a 2-core machine idle.
// 2026-12-07, seven 20M-line runs on a journaled ext4: the pipeline's
// processes 1.72-1.74 cores while shipping and 1.38-1.46 over drains of
// 14.8-17.8 s in runs of about 40 s; the machine, in the one run that
// printed it, 1.96 and 1.44 (the kernel's writeback and reclaim threads
// beside the processes). The machine's figures (proc.MachineBusySeconds)
// count whatever else runs on it.
type pipelineCores struct {
	shipping, draining, drainSecs float64
}

// minDrainSecs is the shortest drain whose cores are printed: a shorter
// one is mostly the time ingest takes to see the last rows.
const minDrainSecs = 1.0

// phaseCores splits a run's CPU-seconds at the moment the collector was
// done: shipCPU of the processes until then, allCPU in all.
func phaseCores(shippedSecs, e2eSecs, shipCPU, allCPU float64) pipelineCores {
	c := pipelineCores{drainSecs: max(e2eSecs-shippedSecs, 0)}
	if shippedSecs > 0 {
		c.shipping = shipCPU / shippedSecs
	}
	if c.drainSecs > 0 {
		c.draining = max(allCPU-shipCPU, 0) / c.drainSecs
	}
	return c
}

// backgroundCPUSeconds is the CPU time of the server's merge threads.
func backgroundCPUSeconds(pid int) float64 {
	return proc.ThreadCPUSeconds(pid, proc.MergeThreadPrefixes...)
}

// mergedRows is ClickHouse's count of rows its merges have read.
func mergedRows(ctx context.Context, st *stack.Stack) (uint64, error) {
	conn, err := st.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	ev, err := chEvents(ctx, conn)
	return ev["MergedRows"], err
}

// consumeTopic reads every message of topic with kcat (an independent
// client), from the beginning to the end, and returns what kcat printed
// of each in format (kcat -f).
func consumeTopic(ctx context.Context, broker, topic, format string) (string, error) {
	out, err := exec.CommandContext(ctx, "kcat", "-C", "-b", broker, "-t", topic, "-o", "beginning", "-e", "-q", "-f", format).Output() // #nosec G204 -- benchmark harness: fixed command, arguments from its own stack
	if err != nil {
		return "", fmt.Errorf("kcat: %w", err)
	}
	return string(out), nil
}

// topicBytes sums the message values of every partition of topic, read
// back with kcat (an independent client) to the end of the topic, and
// counts the messages.
func topicBytes(ctx context.Context, broker, topic string) (total, messages int64, err error) {
	out, err := consumeTopic(ctx, broker, topic, "%S\n")
	if err != nil {
		return 0, 0, err
	}
	for _, f := range strings.Fields(out) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("kcat printed %q", f)
		}
		total += n
		messages++
	}
	return total, messages, nil
}

func diskBytes(ctx context.Context, st *stack.Stack) (all, raw uint64, err error) {
	conn, err := st.Conn(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	err = conn.QueryRow(ctx, "SELECT sum(bytes_on_disk), sumIf(bytes_on_disk, table = ?) FROM system.parts WHERE active AND database = ?",
		schema.RawTable, st.DB).Scan(&all, &raw)
	return all, raw, err
}

// insertsAndParts counts the INSERTs of the run and the active parts of
// every table at its end. Each INSERT writes one unpartitioned ledger row
// (ingest_ledger has no partition key), so the ledger's level-0 parts,
// active or already merged away (kept for old_parts_lifetime, 8 minutes),
// are the INSERTs.
func insertsAndParts(ctx context.Context, st *stack.Stack) (inserts, parts uint64, err error) {
	conn, err := st.Conn(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	err = conn.QueryRow(ctx, "SELECT countIf(table = ? AND level = 0), countIf(active) FROM system.parts WHERE database = ?",
		schema.LedgerTable, st.DB).Scan(&inserts, &parts)
	return inserts, parts, err
}

// clientLoads are clickhouse-client's bulk loads of the ingested rows,
// rows a second.
type clientLoads struct {
	full          float64 // TSV into the whole schema, the rollup feed's rows included
	rawOnly       float64 // TSV into the raw table alone
	nativeRawOnly float64 // Native blocks into the raw table alone
}

// clickhouseClientLoad exports the ingested rows as TSV and as Native and
// times clickhouse-client loading them: the TSV into a fresh database with
// the same schema (raw table and every view, and the rollup feed's rows
// written from the loaded rows) and into a database holding the raw table
// alone, no views; then the Native blocks into that raw table, emptied.
//
// The raw-only TSV load is what the bench compared with from the start;
// since the raw table's strings are LowCardinality on 18.16 (schema
// migrations 22 and 23) the server converts fifteen string columns of
// every TSV row into dictionaries, so it is no longer what storing the
// rows costs. Native blocks carry the dictionaries as the server writes
// them (and as ingest sends them): parsing nothing, converting nothing,
// they are what ClickHouse needs to store the rows at all, the physical
// limit of this box.
//
// keep leaves the TSV in dir (rows.tsv) for experiments on the schema.
func clickhouseClientLoad(ctx context.Context, st *stack.Stack, dir string, lines int, keep bool) (clientLoads, error) {
	var r clientLoads
	tsv, native := filepath.Join(dir, "rows.tsv"), filepath.Join(dir, "rows.native")
	conn, err := st.Conn(ctx)
	if err != nil {
		return r, err
	}
	defer conn.Close()
	d, err := schema.ServerDialect(ctx, conn)
	if err != nil {
		return r, err
	}
	cols := strings.Join(schema.RawColumnNames(d), ", ")
	port := strconv.Itoa(st.CH.TCPPort)
	for _, f := range []struct{ path, format string }{{tsv, "TabSeparated"}, {native, "Native"}} {
		export := exec.CommandContext(ctx, "sh", "-c", fmt.Sprintf(`clickhouse-client --port %s --query "SELECT %s FROM %s.%s FORMAT %s" > %s`, // #nosec G204 -- benchmark harness: fixed command, arguments from its own stack
			port, cols, st.DB, schema.RawTable, f.format, f.path))
		if out, err := export.CombinedOutput(); err != nil {
			return r, fmt.Errorf("export: %v\n%s", err, out)
		}
	}
	defer os.Remove(native)
	if !keep {
		defer os.Remove(tsv)
	}
	load := func(db, path, format string) (float64, error) {
		start := time.Now()
		load := exec.CommandContext(ctx, "sh", "-c", fmt.Sprintf(`clickhouse-client --port %s --max_insert_block_size 1048576 --query "INSERT INTO %s.%s (%s) FORMAT %s" < %s`, // #nosec G204 -- benchmark harness: fixed command, arguments from its own stack
			port, db, schema.RawTable, cols, format, path))
		if out, err := load.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("load: %v\n%s", err, out)
		}
		return float64(lines) / time.Since(start).Seconds(), nil
	}

	const db = "bench_tsv"
	if err := st.Run(ctx, "schema", "migrate", "--ch-addr", st.CH.Addr(), "--ch-db", db); err != nil {
		return r, err
	}
	start := time.Now()
	if _, err = load(db, tsv, "TabSeparated"); err != nil {
		return r, err
	}
	// With the rollup feed (schema migration 15) the traffic and billing
	// rollups are fed by the feed's rows, which ingest computes: a bulk
	// load writes them with INSERT ... SELECT, timed with the load, in
	// four slices so the GROUP BY's memory stays a quarter.
	var feed uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ?", db, schema.FeedTable).Scan(&feed); err != nil {
		return r, err
	}
	if feed > 0 {
		for _, q := range schema.FeedFromRawSliced(db, schema.Dialect{}, 4) {
			if err := conn.Exec(ctx, q); err != nil {
				return r, fmt.Errorf("cannot feed the rollups of the clickhouse-client load: %w", err)
			}
		}
	}
	r.full = float64(lines) / time.Since(start).Seconds()
	var got uint64
	if err := conn.QueryRow(ctx, "SELECT sum(requests) FROM "+db+".traffic_1m").Scan(&got); err != nil {
		return r, err
	}
	if got != uint64(lines) { // #nosec G115 -- a line count, positive
		return r, fmt.Errorf("clickhouse-client loaded %d rows into the rollup, want %d", got, lines)
	}
	// Dropped after the raw-only load, not before it: a server creating
	// files just after deleting tens of thousands pays ext4's search past
	// the freed inodes (cmd/edgelog's setAside), which slowed the
	// baseline.

	// The raw table alone: every migration (so the table has today's
	// columns), then every materialized view dropped, so nothing but the
	// raw table is written.
	const rawDB = "bench_raw_only"
	if err := st.Run(ctx, "schema", "migrate", "--ch-addr", st.CH.Addr(), "--ch-db", rawDB); err != nil {
		return r, err
	}
	views, err := conn.Query(ctx, "SELECT name FROM system.tables WHERE database = ? AND engine = 'MaterializedView'", rawDB)
	if err != nil {
		return r, err
	}
	var drop []string
	for views.Next() {
		var name string
		if err := views.Scan(&name); err != nil {
			return r, err
		}
		drop = append(drop, "DROP TABLE "+rawDB+"."+name)
	}
	if err := views.Err(); err != nil {
		return r, err
	}
	views.Close() // #nosec G104 -- read to the end; Err above has the error
	if len(drop) == 0 {
		panic("BUG: the schema has no materialized views")
	}
	for _, q := range drop {
		if err := conn.Exec(ctx, q); err != nil {
			return r, fmt.Errorf("cannot drop a view of the raw-only database: %w", err)
		}
	}
	count := func() error {
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+rawDB+"."+schema.RawTable).Scan(&got); err != nil {
			return err
		}
		if got != uint64(lines) { // #nosec G115 -- a line count, positive
			return fmt.Errorf("clickhouse-client loaded %d raw rows, want %d", got, lines)
		}
		return nil
	}
	if r.rawOnly, err = load(rawDB, tsv, "TabSeparated"); err != nil {
		return r, err
	}
	if err := count(); err != nil {
		return r, err
	}
	if err := conn.Exec(ctx, "TRUNCATE TABLE "+rawDB+"."+schema.RawTable); err != nil {
		return r, err
	}
	if r.nativeRawOnly, err = load(rawDB, native, "Native"); err != nil {
		return r, err
	}
	if err := count(); err != nil {
		return r, err
	}
	for _, d := range []string{db, rawDB} {
		if err := conn.Exec(ctx, "DROP DATABASE "+d); err != nil {
			return r, err
		}
	}
	return r, nil
}

// goaccessFormat is nginx.Edge in GoAccess's log-format language.
const goaccessFormat = `%h %^[%d:%t %^] "%r" %s %b "%R" "%u" "%v" %^ %^ %T %^ %^ "%M" %^ %^ %^ %^ %^`

// goaccessLines caps the GoAccess baseline's input.
const goaccessLines = 2_000_000

func goaccess(ctx context.Context, access, dir string, lines int) (float64, error) {
	out := filepath.Join(dir, "goaccess.json")
	part := filepath.Join(dir, "goaccess-input.log")
	head := exec.CommandContext(ctx, "sh", "-c", fmt.Sprintf("head -n %d %s > %s", lines, access, part)) // #nosec G204 -- benchmark harness: fixed command, arguments from its own stack
	if b, err := head.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("head: %v\n%s", err, b)
	}
	defer os.Remove(part)
	start := time.Now()
	cmd := exec.CommandContext(ctx, "goaccess", part, "--log-format="+goaccessFormat, "--date-format=%d/%b/%Y", "--time-format=%T", // #nosec G204 -- benchmark harness: fixed command, arguments from its own stack
		"--no-progress", "--no-global-config", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("goaccess: %v\n%s", err, b)
	}
	return time.Since(start).Seconds(), nil
}

func kcat(ctx context.Context, broker, access string) (float64, error) {
	start := time.Now()
	cmd := exec.CommandContext(ctx, "kcat", "-P", "-b", broker, "-t", "bench-kcat", "-X", "acks=all", "-z", "zstd", "-l", access) // #nosec G204 -- benchmark harness: fixed command, arguments from its own stack
	if b, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("kcat: %v\n%s", err, b)
	}
	return time.Since(start).Seconds(), nil
}
