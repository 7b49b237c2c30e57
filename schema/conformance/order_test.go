//go:build chdb

package conformance

import (
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/schema"
)

// BenchmarkRawOrder measures what a modern ClickHouse spends sorting the
// raw table's INSERT blocks, the saving ingest's row order (ingest/order.go)
// buys on 18.16 and leaves off on modern servers. chDB (ClickHouse 26.x)
// inserts the same million generated requests into the modern raw table
// (background merges stopped), alternately in pipeline order (messages of
// one customer's five minutes in time order, hosts interleaved) and in the
// table's key order (customer, host, time), from Memory tables, in blocks
// of 262,144 rows as ingest sends them, on one thread; the process's CPU
// time per INSERT is the figure (the median of five of each).
//
//	go test -tags chdb -exec "$PWD/deploy/chdb-run.sh" -run=NONE \
//	    -bench=RawOrder -benchtime=1x ./schema/conformance/
func BenchmarkRawOrder(b *testing.B) {
	const rows = 1_000_000
	o := gen.Options{Lines: rows, Seed: 21, Start: gen.DefaultStart, Duration: 24 * time.Hour, Customers: 12}
	const sdb = "raworder"
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	for range b.N {
		must(chExec("CREATE DATABASE IF NOT EXISTS " + sdb))
		for _, t := range []string{"base", "target"} {
			must(createRaw(sdb, t))
		}
		must(chExec("SYSTEM STOP MERGES " + sdb + ".target"))
		_, err := loadTraffic(o, b.TempDir(), sdb, "base")
		must(err)
		orders := []struct{ name, by string }{
			{"pipeline", "toStartOfFiveMinute(time), customer, time"},
			{"table", schema.RawOrderBy(Modern)},
		}
		for _, o := range orders {
			must(chExec(fmt.Sprintf("CREATE TABLE %s.src_%s ENGINE = Memory AS SELECT * FROM %s.base ORDER BY %s SETTINGS max_threads = 1", sdb, o.name, sdb, o.by)))
		}
		cpu := map[string][]float64{}
		for range 6 { // the first round warms the engine up and is not counted
			for _, o := range orders {
				must(chExec("TRUNCATE TABLE " + sdb + ".target"))
				start := processCPU()
				must(chExec(fmt.Sprintf("INSERT INTO %s.target SELECT * FROM %s.src_%s SETTINGS max_threads = 1, max_insert_threads = 1, max_block_size = 262144, min_insert_block_size_rows = 262144, min_insert_block_size_bytes = 0", sdb, sdb, o.name)))
				cpu[o.name] = append(cpu[o.name], (processCPU() - start).Seconds())
			}
		}
		for _, o := range orders {
			s := slices.Clone(cpu[o.name][1:])
			slices.Sort(s)
			fmt.Printf("BENCH raw_order_modern_insert_cpu_seconds_per_million_%s_order %.3f s\n", o.name, s[len(s)/2]*1e6/rows)
		}
		must(chExec("DROP DATABASE " + sdb))
	}
}

// processCPU is this process's CPU time, user and system: chDB's threads
// included.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
