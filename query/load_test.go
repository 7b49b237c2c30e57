package query_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/rollupfill"
)

// BenchmarkLoad200Clients runs 200 concurrent clients on loopback against
// the API over the production-size month (see BenchmarkDashboardQueries):
// client i is customer i%50's dashboard, finance or an engineer, cycling
// through the dashboard queries. The answer cache is off; the admission
// control is on, with its production settings. The finance and engineer
// tokens are each shared by dozens of clients, more than their per-token
// line holds (query/server/tenant.go), so some of their requests get 429
// with Retry-After; a client does as it says, waits and asks again (at
// most five times), and its latency includes the waits. Prints p50/p99
// latency, throughput, the answers retried (throttled) and errors (any
// final answer but 200).
//
//	go test -run=NONE -bench=Load200Clients -benchtime=1x -timeout=60m ./query/
func BenchmarkLoad200Clients(b *testing.B) {
	const clients, perClient = 200, 20
	conn, db := productionDB(b)
	hs := productionServer(b, conn, db)
	var errs, throttled atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, clients)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			qs := dashboardQueries(rollupfill.CustomerName(c % 50))
			for i := range perClient {
				q := qs[(c+i)%len(qs)]
				d, retried, err := fetchRetrying(hs.URL+q.path, q.token, 5)
				throttled.Add(int64(retried))
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
				lat[c] = append(lat[c], d)
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	fmt.Printf("BENCH query_load_200_clients_p50 %.1f ms\nBENCH query_load_200_clients_p99 %.1f ms\n", quantileMs(all, 0.5), quantileMs(all, 0.99))
	fmt.Printf("BENCH query_load_200_clients_requests_per_sec %.1f req/s\nBENCH query_load_200_clients_errors %d errors\n",
		float64(len(all))/took.Seconds(), errs.Load())
	fmt.Printf("BENCH query_load_200_clients_throttled %d answers\n", throttled.Load())
	if e := firstErr.Load(); e != nil {
		fmt.Printf("first error: %s\n", e)
	}
}
