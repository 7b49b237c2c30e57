package query_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"testing"

	"github.com/edgelog/edgelog/lab/rollupfill"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/query/billing"
	"github.com/edgelog/edgelog/query/server"
)

// BenchmarkNoisyTenant runs two clients side by side against the API over
// the production-size rollups (EDGELOG_BENCH_DAYS of them): a noisy
// customer token with 200 concurrent dashboard loads (each request's range
// and limit its own, so neither the cache nor coalescing absorbs them),
// and quiet ones: finance's month figures and another customer's
// dashboard, one request at a time. It runs once with per-token admission
// off (the global slots only, as before issue 17) and once with the
// defaults, EDGELOG_BENCH_NOISY_SECONDS (20) each, and prints the quiet
// clients' p50/p99 and the noisy token's share of 429s.
//
// Every query spans the filled days.
//
//	EDGELOG_BENCH_DAYS=3 go test -run=NONE -bench=NoisyTenant -benchtime=1x -timeout=60m ./query/
func BenchmarkNoisyTenant(b *testing.B) {
	conn, db := productionDB(b)
	secs := 20
	if v := os.Getenv("EDGELOG_BENCH_NOISY_SECONDS"); v != "" {
		secs, _ = strconv.Atoi(v)
	}
	noisy, quiet := rollupfill.CustomerName(0), rollupfill.CustomerName(1)
	// Every query spans the filled days (the whole month by default).
	days := 31
	if v := os.Getenv("EDGELOG_BENCH_DAYS"); v != "" {
		days, _ = strconv.Atoi(v)
	}
	end := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days).Format(time.RFC3339)
	b.ResetTimer()
	for _, mode := range []struct {
		name string
		adm  *server.Admission
	}{
		{"off", server.NewAdmission(server.DefaultConcurrent, server.DefaultMaxWait).LimitPerToken(server.DefaultConcurrent, 100_000)},
		{"on", server.NewAdmission(server.DefaultConcurrent, server.DefaultMaxWait)},
	} {
		hs := noisyServer(b, &query.Store{Conn: conn, DB: db, MaxExecution: 25 * time.Second}, mode.adm)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var codes [600]atomic.Int64
		var shift atomic.Int64
		for range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					s := shift.Add(1)
					// Whole hours (as the rollups answer them) and a limit
					// of its own: no two requests in flight are identical.
					from := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(s%24) * time.Hour)
					rng := "from=" + from.Format(time.RFC3339) + "&to=" + end + "&limit=" + strconv.FormatInt(s%1000+1, 10)
					paths := []string{"/api/v1/traffic/timeseries?step=1h&", "/api/v1/traffic/breakdown?by=country&", "/api/v1/traffic/top?kind=paths&", "/api/v1/traffic/breakdown?by=pop&"}
					code, _ := fetchStatus(hs.URL+paths[i%len(paths)]+rng, "tok-"+noisy)
					codes[code].Add(1)
					if code == http.StatusTooManyRequests {
						time.Sleep(time.Second) // Retry-After: 1
					}
				}
			}()
		}
		month := "from=2026-10-01T00:00:00Z&to=" + end
		quietQueries := []struct{ token, path string }{
			{tokFinance, "/api/v1/traffic/summary?" + month},
			{tokFinance, "/api/v1/customers?" + month},
			{"tok-" + quiet, "/api/v1/traffic/timeseries?step=1h&" + month},
			{"tok-" + quiet, "/api/v1/traffic/breakdown?by=country&" + month},
			{"tok-" + quiet, "/api/v1/traffic/top?kind=paths&" + month},
		}
		var mu sync.Mutex
		var lat []time.Duration
		var quietErrs atomic.Int64
		for c := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := c; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					q := quietQueries[i%len(quietQueries)]
					start := time.Now()
					code, _ := fetchStatus(hs.URL+q.path, q.token)
					d := time.Since(start)
					if code != http.StatusOK {
						quietErrs.Add(1)
					}
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(secs) * time.Second)
		close(stop)
		wg.Wait()
		var total int64
		for i := range codes {
			total += codes[i].Load()
		}
		share := func(code int) float64 { return 100 * float64(codes[code].Load()) / float64(max(total, 1)) }
		fmt.Printf("BENCH noisy_tenant_%s_quiet_p50 %.1f ms\nBENCH noisy_tenant_%s_quiet_p99 %.1f ms\nBENCH noisy_tenant_%s_quiet_requests %d requests\nBENCH noisy_tenant_%s_quiet_errors %d errors\n",
			mode.name, quantileMs(lat, 0.5), mode.name, quantileMs(lat, 0.99), mode.name, len(lat), mode.name, quietErrs.Load())
		fmt.Printf("BENCH noisy_tenant_%s_noisy_429_share %.1f %%\nBENCH noisy_tenant_%s_noisy_503_share %.1f %%\nBENCH noisy_tenant_%s_noisy_ok_per_sec %.1f req/s\n",
			mode.name, share(http.StatusTooManyRequests), mode.name, share(http.StatusServiceUnavailable), mode.name, float64(codes[200].Load())/float64(secs))
		var other []string
		for code := range codes {
			if n := codes[code].Load(); n > 0 && code != 200 && code != 429 && code != 503 {
				other = append(other, fmt.Sprintf("%d: %d", code, n))
			}
		}
		if len(other) > 0 {
			b.Errorf("noisy answers other than 200, 429 and 503: %v", other)
		}
		hs.Close()
	}
}

// noisyServer is benchServer with the given admission.
func noisyServer(b *testing.B, store *query.Store, adm *server.Admission) *httptest.Server {
	tokens := map[string]server.Principal{
		tokFinance: {Name: "finance", Role: server.RoleFinance},
	}
	for i := range 50 {
		c := rollupfill.CustomerName(i)
		tokens["tok-"+c] = server.Principal{Name: c, Role: server.RoleCustomer, Customer: c}
	}
	srv := &server.Server{Store: store, Billing: &billing.Ledger{Store: store}, Log: discardLog(), Tokens: server.NewTokens(tokens), Admission: adm}
	return httptest.NewServer(srv.Handler())
}

// fetchStatus runs one request and returns its status code.
func fetchStatus(url, token string) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := noisyClient.Do(req)
	if err != nil {
		return 599, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// noisyClient keeps a connection per client goroutine (the default
// transport keeps 2 idle per host, and 200 clients would open and close
// connections all the time).
var noisyClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: time.Minute}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
