package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/edgelog/edgelog/lab/bench"
	"github.com/edgelog/edgelog/lab/engines/chserver"
)

func init() {
	register("bench", "measure the whole pipeline and its baselines on this machine", runBench)
}

func runBench(ctx context.Context, args []string) error {
	fs := newFlags("bench", "[flags]", `Generates --lines requests, runs collector -> broker -> ingest -> ClickHouse over
them at full speed and prints, as BENCH lines: end-to-end requests/s (log file to
queryable rollups), the collector's lines/s, CPU seconds per million requests of
each process, bytes per request in the log, on the Kafka wire and on disk. In the
same run, on the same data: clickhouse-client bulk-loading the rows as TSV into
the same schema, GoAccess parsing the same file and kcat producing it to the
same broker, with the ratios against them.`)
	dir := fs.String("dir", ".data/bench", "working directory (a previous run's is removed after this run; needs ~350 bytes per line, twice while the previous one is there)")
	lines := fs.Int("lines", 20_000_000, "requests to generate and ship")
	seed := fs.Uint64("seed", 1, "random seed")
	span := fs.Duration("span", 24*time.Hour, "time the generated requests span: the default puts a day of traffic into --lines requests, far sparser per minute than the 506k req/s the goal is about (20M requests at that rate span 40s), so the minute rollups keep far more rows per request")
	skip := fs.String("skip", "", "baselines to skip: clickhouse-client,goaccess,kcat")
	rate := fs.Int("rate", 0, "sustained-load check: write this many lines/s into a followed log instead of shipping a file at full speed, and print the lag")
	duration := fs.Duration("duration", 0, "sustained-load check: how long to write at --rate (e.g. 10m)")
	ingestFlags := fs.String("ingest-flags", "", "extra flags for ingest, space-separated (e.g. \"--insert-concurrency 2\"; also in the --fresh and --rate runs)")
	collectorFlags := fs.String("collector-flags", "", "extra flags for the collector, space-separated (e.g. \"--batch-rows 5000\": smaller Kafka messages; also in the --fresh and --rate runs)")
	profile := fs.String("profile", "", "write CPU and heap profiles of the broker, the collector and ingest into this directory")
	fresh := fs.Bool("fresh", false, "freshness: run the stack at 20, 50 and 80% of --max-rate and print the lag of raw rows, rollups, the live API and the plugin's live stream")
	maxRate := fs.Int("max-rate", 0, "freshness: the measured maximum in requests/s (0: measure it first with a --lines run)")
	waits := fs.String("waits", "", "freshness: waits to run with, e.g. ingest=1s,ingest-min=200ms,collector=250ms,collector-min=100ms,lateness=350ms (default each process's)")
	settle := fs.Duration("settle", bench.InodeSettle, "before starting, wait until this long after the last removal of a bench run's data on this machine, when the working directory is on ext4 without a journal (every file ClickHouse creates there searches past inodes freed in the last 6 minutes: lab/bench/settle.go); 0: do not wait")
	alone := fs.Bool("collector-alone", false, "measure the collector and the broker alone on the generated file (no ingest, no ClickHouse): the collector's own CPU per line, file read and Kafka produce included, and kcat alone on the same file unless skipped")
	liveTail := fs.Bool("live-tail", true, "freshness: the query service counts the live counter's newest seconds from Kafka (its --live-tail); false: from ClickHouse only")
	if err := parseFlags(ctx, fs, args); err != nil {
		return err
	}
	if _, err := chserver.Binary(); err != nil {
		return err
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	previous, err := setAside(*dir)
	if err != nil {
		return err
	}
	defer removeAfterRun(previous)
	window := *settle
	if *alone {
		window = 0 // the wait is for ClickHouse's files; the collector alone creates few
	}
	if err := bench.Settle(ctx, *dir, window, func(format string, a ...any) { fmt.Printf(format+"\n", a...) }); err != nil {
		return err
	}
	if !*alone && bench.WithoutJournal(*dir) {
		fmt.Printf("%s is on ext4 without a journal: ClickHouse's CPU includes the search past freed inodes each file it creates makes there (lab/bench/settle.go); --dir \"$(lab/bench/journaled-fs.sh)/bench\" runs on a journaled ext4, a server's usual file system\n", *dir)
	}
	if *fresh {
		return runFresh(ctx, bench.FreshOptions{Dir: *dir, Bin: bin, Seed: *seed, Out: os.Stdout, Phase: *duration, LiveTail: *liveTail,
			IngestArgs: strings.Fields(*ingestFlags), CollectorArgs: strings.Fields(*collectorFlags)}, *lines, *maxRate, *waits)
	}
	if *rate > 0 || *duration > 0 {
		return bench.Sustained(ctx, bench.SustainedOptions{Dir: *dir, Bin: bin, Rate: *rate, Duration: *duration, Seed: *seed, Out: os.Stdout,
			IngestArgs: strings.Fields(*ingestFlags), CollectorArgs: strings.Fields(*collectorFlags)})
	}
	o := bench.Options{Dir: *dir, Bin: bin, Lines: *lines, Span: *span, Seed: *seed, Out: os.Stdout, Skip: map[string]bool{}, ProfileDir: *profile, IngestArgs: strings.Fields(*ingestFlags), CollectorArgs: strings.Fields(*collectorFlags)}
	for _, s := range strings.Split(*skip, ",") {
		if s != "" {
			o.Skip[s] = true
		}
	}
	if *alone {
		return bench.CollectorAlone(ctx, o)
	}
	return bench.Run(ctx, o)
}

// runFresh measures the maximum (unless given) with an end-to-end run of
// lines requests without baselines, then runs the freshness phases.
func runFresh(ctx context.Context, o bench.FreshOptions, lines, maxRate int, waits string) error {
	for _, kv := range strings.Split(waits, ",") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("--waits %s: %w", kv, err)
		}
		switch k {
		case "ingest":
			o.IngestWait = d
		case "collector":
			o.CollectorWait = d
		case "ingest-min":
			o.IngestWaitMin = d
		case "collector-min":
			o.CollectorWaitMin = d
		case "lateness":
			o.Lateness = d
		default:
			return fmt.Errorf("--waits: unknown wait %q (ingest, ingest-min, collector, collector-min, lateness)", k)
		}
	}
	if maxRate == 0 {
		var out bytes.Buffer
		if lines == 20_000_000 {
			lines = 2_000_000 // the flag's default is for the full benchmark
		}
		err := bench.Run(ctx, bench.Options{Dir: filepath.Join(o.Dir, "max"), Bin: o.Bin, Lines: lines, Seed: o.Seed,
			Out: io.MultiWriter(os.Stdout, &out), Skip: map[string]bool{"clickhouse-client": true, "goaccess": true, "kcat": true},
			IngestArgs: o.IngestArgs, CollectorArgs: o.CollectorArgs})
		if err != nil {
			return err
		}
		for _, l := range strings.Split(out.String(), "\n") {
			if f := strings.Fields(l); len(f) == 4 && f[0] == "BENCH" && f[1] == "e2e_requests_per_sec" {
				v, _ := strconv.ParseFloat(f[2], 64)
				maxRate = int(v)
			}
		}
		if maxRate == 0 {
			return errors.New("the end-to-end run printed no e2e_requests_per_sec")
		}
		previous, err := setAside(filepath.Join(o.Dir, "max"))
		if err != nil {
			return err
		}
		defer removeAfterRun(previous)
	}
	o.MaxRate = maxRate
	return bench.Fresh(ctx, o)
}

// setAside renames a previous run's directory out of dir's way and
// returns its new name ("" if there was none), to be removed after this
// run (removeAfterRun), not before it: deleting a 20M-line run's
// ClickHouse data (tens of thousands of files) just before the next run
// made ext4 search past the freshly freed inodes on every file ClickHouse
// then created, which the run counted as the pipeline's cost (perf of the
// server: 8.7% of its CPU, 2.4% with the deletion a minute earlier; up to
// 31% on 2026-12-07). The next run waits for them (bench.Settle).
func setAside(dir string) (string, error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	previous := dir + ".previous"
	if err := bench.RemoveRun(previous); err != nil { // an interrupted run's
		return "", err
	}
	return previous, os.Rename(dir, previous)
}

// removeAfterRun removes what setAside set aside, recording when for the
// next run's bench.Settle.
func removeAfterRun(previous string) {
	if previous != "" {
		bench.RemoveRun(previous) // #nosec G104 -- a previous run's data; what is left is removed by the next run
	}
}
