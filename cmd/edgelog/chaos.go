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
	"syscall"
	"time"

	"github.com/edgelog/edgelog/lab/bench"
	"github.com/edgelog/edgelog/lab/chaos"
	"github.com/edgelog/edgelog/lab/engines/chserver"
)

func init() {
	register("chaos", "run the pipeline under injected faults and account for every request", runChaos)
}

func runChaos(ctx context.Context, args []string) error {
	fs := newFlags("chaos", "[flags]", `Starts ClickHouse, the broker, a collector and an ingest worker as processes,
writes an access log at --rate lines/s and, while it flows, injects faults one
after another: kill -9 of the collector and of ingest (restarted after half a
second), the broker frozen with SIGSTOP and killed with SIGKILL (its log on
disk), the ClickHouse server stopped, and log
rotation by rename and by copytruncate. Then it waits for the pipeline to drain
and prints, as CHAOS lines: lines written, rows and bytes in the raw table and
in every rollup, each fault's count, lost and duplicated requests. It exits
non-zero unless every table accounts for every request exactly, or (after
kill_clickhouse cut an INSERT) within the double count ingest recorded in
partial_inserts (CHAOS result DETECTED).

Faults: kill_collector, kill_ingest, pause_broker, stop_clickhouse,
kill_clickhouse, kill_broker, rotate_rename, rotate_copytrunc, kill_query.

--soak DURATION writes for that long instead of --lines, at --rate or, without
it, at 80% of the maximum measured first (an end-to-end 'edgelog bench' run of
2M lines without baselines: its e2e_requests_per_sec). The query service runs
under a light load, one fault every --fault-every cycles through kill -9 of
the collector, ingest and query, the broker frozen and killed, ClickHouse
stopped and killed, and both rotations, and every --sample-every the RSS,
goroutines, open files and
spool size of each process are sampled (CSV: DIR/soak-samples.csv). The run
fails unless the accounting is exact, schema verify and bill verify are clean,
the spool drains after each fault and no sampled series grows (SOAK lines:
the rule, and start, end, max and slope per series).

--adversarial writes --lines lines of which a share are hostile (fuzz corpora
of the parsers, invalid UTF-8, NULs, 1 MB fields and lines, binary garbage),
and also imports truncated gzip and zstd files, corrupts the collector's
checkpoint and produces a corrupt wire message onto the topic. It fails
unless every process survived, every rejected line is a dead letter with its
source and offset, and every good line is exact in raw rows and rollups.`)
	dir := fs.String("dir", ".data/chaos", "working directory (removed first)")
	lines := fs.Int("lines", 10_000_000, "requests to write")
	rate := fs.Float64("rate", 0, "lines written per second (default 40000; with --soak 80% of the measured maximum)")
	soak := fs.Duration("soak", 0, "soak: write for this long at --rate with a fault every --fault-every, sampling every process (e.g. 60m)")
	faultEvery := fs.Duration("fault-every", 3*time.Minute, "soak: time between faults")
	sampleEvery := fs.Duration("sample-every", time.Minute, "soak: time between samples of each process")
	adversarial := fs.Bool("adversarial", false, "bad input at scale: hostile lines among --lines, truncated imports, a corrupt checkpoint and a corrupt wire message")
	faults := fs.String("faults", "kill_collector=10,kill_ingest=10,pause_broker=10,stop_clickhouse=10,kill_clickhouse=10,kill_broker=10,rotate_rename=10,rotate_copytrunc=10", "faults to inject, NAME=COUNT,...")
	chDown := fs.Duration("clickhouse-down", 20*time.Second, "how long ClickHouse stays stopped")
	brokerPause := fs.Duration("broker-pause", 10*time.Second, "how long the broker stays frozen")
	seed := fs.Uint64("seed", 1, "random seed (traffic and fault order)")
	if err := parseFlags(ctx, fs, args); err != nil {
		return err
	}
	if _, err := chserver.Binary(); err != nil {
		return err
	}
	plan, err := chaos.ParseFaults(*faults)
	if err != nil {
		return err
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	if err := os.RemoveAll(*dir); err != nil {
		return err
	}
	if *adversarial {
		return runAdversarial(ctx, *dir, bin, *lines, *rate, *seed)
	}
	if *soak > 0 && *rate == 0 {
		max, err := measureMax(ctx, filepath.Join(*dir, "max"), bin, *seed)
		if err != nil {
			return err
		}
		*rate = 0.8 * max
		fmt.Printf("SOAK measured_max %.0f req/s; soak rate %.0f req/s (80%%)\n", max, *rate)
	}
	if *rate == 0 {
		*rate = 40_000
	}
	if *soak > 0 {
		*soak = fitDisk(*dir, *soak, *rate)
	}
	rep, err := chaos.Run(ctx, chaos.Options{Dir: *dir, Bin: bin, Lines: *lines, Rate: *rate, Seed: *seed, Faults: plan,
		ClickHouseDown: *chDown, BrokerPause: *brokerPause, Progress: os.Stdout,
		Soak: *soak, FaultEvery: *faultEvery, SampleEvery: *sampleEvery})
	if err != nil {
		return err
	}
	rep.Print(os.Stdout)
	if err := rep.Err(); err != nil {
		return fmt.Errorf("not exact: %w", err)
	}
	return nil
}

// soakBytesPerRequest is what a soak's request costs on disk while the run
// lasts: 25 bytes on the broker and, measured in a soak at 77k requests/s,
// 440 in ClickHouse (65-80 once merged: README, Performance).
const soakBytesPerRequest = 500

// fitDisk shortens a soak whose requests would fill more than 40% of the
// free space under dir, and says so.
func fitDisk(dir string, soak time.Duration, rate float64) time.Duration {
	var st syscall.Statfs_t
	parent := filepath.Dir(filepath.Clean(dir))
	if err := syscall.Statfs(parent, &st); err != nil {
		return soak
	}
	free := float64(st.Bavail) * float64(st.Bsize)
	fits := time.Duration(0.4 * free / (rate * soakBytesPerRequest) * float64(time.Second)).Truncate(time.Minute)
	if fits >= soak {
		return soak
	}
	fits = max(fits, time.Minute)
	fmt.Printf("SOAK shortened to %s: %.0f req/s for %s would need %.1f GB, and %s has %.1f GB free\n",
		fits, rate, soak, rate*soak.Seconds()*soakBytesPerRequest/1e9, parent, free/1e9)
	return fits
}

// measureMax runs the end-to-end benchmark on 2M lines without its
// baselines and returns its e2e_requests_per_sec.
func measureMax(ctx context.Context, dir, bin string, seed uint64) (float64, error) {
	var out bytes.Buffer
	err := bench.Run(ctx, bench.Options{Dir: dir, Bin: bin, Lines: 2_000_000, Seed: seed,
		Out: io.MultiWriter(os.Stdout, &out), Skip: map[string]bool{"clickhouse-client": true, "goaccess": true, "kcat": true}})
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir) // #nosec G104 -- the measurement's data, not needed after
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(l); len(f) == 4 && f[0] == "BENCH" && f[1] == "e2e_requests_per_sec" {
			return strconv.ParseFloat(f[2], 64)
		}
	}
	return 0, errors.New("the end-to-end run printed no e2e_requests_per_sec")
}
