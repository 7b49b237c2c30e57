package main

import (
	"context"
	"fmt"
	"os"
	"time"

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
second), the broker frozen with SIGSTOP, the ClickHouse server stopped, and log
rotation by rename and by copytruncate. Then it waits for the pipeline to drain
and prints, as CHAOS lines: lines written, rows and bytes in the raw table and
in every rollup, each fault's count, lost and duplicated requests. It exits
non-zero unless every table accounts for every request exactly.

Faults: kill_collector, kill_ingest, pause_broker, stop_clickhouse,
rotate_rename, rotate_copytrunc.`)
	dir := fs.String("dir", ".data/chaos", "working directory (removed first)")
	lines := fs.Int("lines", 10_000_000, "requests to write")
	rate := fs.Float64("rate", 40_000, "lines written per second")
	faults := fs.String("faults", "kill_collector=10,kill_ingest=10,pause_broker=10,stop_clickhouse=10,rotate_rename=10,rotate_copytrunc=10", "faults to inject, NAME=COUNT,...")
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
	rep, err := chaos.Run(ctx, chaos.Options{Dir: *dir, Bin: bin, Lines: *lines, Rate: *rate, Seed: *seed, Faults: plan,
		ClickHouseDown: *chDown, BrokerPause: *brokerPause, Progress: os.Stdout})
	if err != nil {
		return err
	}
	rep.Print(os.Stdout)
	if err := rep.Err(); err != nil {
		return fmt.Errorf("not exact: %w", err)
	}
	return nil
}
