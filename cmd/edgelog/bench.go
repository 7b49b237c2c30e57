package main

import (
	"context"
	"os"
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
	dir := fs.String("dir", ".data/bench", "working directory (removed first; needs ~350 bytes per line)")
	lines := fs.Int("lines", 20_000_000, "requests to generate and ship")
	seed := fs.Uint64("seed", 1, "random seed")
	span := fs.Duration("span", 24*time.Hour, "time the generated requests span: the default puts a day of traffic into --lines requests, far sparser per minute than the 506k req/s the goal is about (20M requests at that rate span 40s), so the minute rollups keep far more rows per request")
	skip := fs.String("skip", "", "baselines to skip: clickhouse-client,goaccess,kcat")
	rate := fs.Int("rate", 0, "sustained-load check: write this many lines/s into a followed log instead of shipping a file at full speed, and print the lag")
	duration := fs.Duration("duration", 0, "sustained-load check: how long to write at --rate (e.g. 10m)")
	ingestFlags := fs.String("ingest-flags", "", "extra flags for ingest, space-separated (e.g. \"--insert-concurrency 1\")")
	profile := fs.String("profile", "", "write CPU profiles of the collector and ingest into this directory")
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
	if err := os.RemoveAll(*dir); err != nil {
		return err
	}
	if *rate > 0 || *duration > 0 {
		return bench.Sustained(ctx, bench.SustainedOptions{Dir: *dir, Bin: bin, Rate: *rate, Duration: *duration, Seed: *seed, Out: os.Stdout})
	}
	o := bench.Options{Dir: *dir, Bin: bin, Lines: *lines, Span: *span, Seed: *seed, Out: os.Stdout, Skip: map[string]bool{}, ProfileDir: *profile, IngestArgs: strings.Fields(*ingestFlags)}
	for _, s := range strings.Split(*skip, ",") {
		if s != "" {
			o.Skip[s] = true
		}
	}
	return bench.Run(ctx, o)
}
