package query_test

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgelog/edgelog/internal/chtest"
)

// BenchmarkLoad200Clients runs 200 concurrent clients on loopback against
// the API over a month of generated traffic, each cycling through the
// dashboard queries (customer series and breakdowns, finance's bills,
// engineers' performance views), and prints p50/p99 latency and errors.
// The short-TTL cache is off: every answer is computed.
//
//	go test -run=NONE -bench=Load200Clients -benchtime=1x ./query/
func BenchmarkLoad200Clients(b *testing.B) {
	const clients, perClient = 200, 20
	db := newLoadDB(b)
	hs := server(b, db, nil)
	paths := []struct{ token, path string }{
		{tokAcme, "/api/v1/traffic/timeseries?step=1h&" + monthRange},
		{tokAcme, "/api/v1/traffic/breakdown?by=region&" + monthRange},
		{tokAcme, "/api/v1/traffic/top?kind=paths&" + monthRange},
		{tokFinance, "/api/v1/billing/bills?month=2026-10"},
		{tokFinance, "/api/v1/traffic/summary?" + monthRange},
		{tokEng, "/api/v1/perf/breakdown?by=pop&from=2026-10-10T00:00:00Z&to=2026-10-11T00:00:00Z"},
		{tokEng, "/api/v1/perf/slowest?at=2026-10-10T14:30:00Z"},
	}
	var errs atomic.Int64
	lat := make([][]time.Duration, clients)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perClient {
				p := paths[(c+i)%len(paths)]
				req, _ := http.NewRequest(http.MethodGet, hs.URL+p.path, nil)
				req.Header.Set("Authorization", "Bearer "+p.token)
				t := time.Now()
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					errs.Add(1)
				}
				if err == nil {
					resp.Body.Close()
				}
				lat[c] = append(lat[c], time.Since(t))
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	q := func(f float64) float64 { return float64(all[int(f*float64(len(all)-1))].Microseconds()) / 1000 }
	fmt.Printf("BENCH query_load_200_clients_p50 %.1f ms\nBENCH query_load_200_clients_p99 %.1f ms\n", q(0.5), q(0.99))
	fmt.Printf("BENCH query_load_200_clients_requests_per_sec %.0f req/s\nBENCH query_load_200_clients_errors %d errors\n",
		float64(len(all))/took.Seconds(), errs.Load())
}

// newLoadDB fills a database with a month of generated traffic.
func newLoadDB(b *testing.B) string {
	db := chtest.NewDB(b)
	load(b, db, 200_000, october, 31*24*time.Hour)
	return db
}
