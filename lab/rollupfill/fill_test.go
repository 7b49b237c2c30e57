package rollupfill_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/rollupfill"
	"github.com/edgelog/edgelog/schema"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// TestFillIsConsistent fills two small days and checks what the
// materialized views would guarantee: every rollup holds the same requests
// and bytes, the day's total is the scale's, and each region peaks in its
// evening.
func TestFillIsConsistent(t *testing.T) {
	db := chtest.NewDB(t)
	conn := chtest.Conn(t)
	ctx := context.Background()
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	s := rollupfill.Scale{Start: start, Days: 2, RequestsPerDay: 2e8, Customers: 4, PoPsPerRegion: 2, ServersPerPoP: 3,
		Samples: 4, PathsPerHost: 300,
		SlowPoP: "bom1", SlowFrom: start.Add(10 * time.Hour), SlowTo: start.Add(12 * time.Hour), SlowFactor: 4}
	st, err := rollupfill.Fill(ctx, conn, db, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	perDay := float64(st.Requests) / float64(s.Days)
	if math.Abs(perDay/s.RequestsPerDay-1) > 0.02 {
		t.Errorf("%.0f requests a day, want %.0f ±2%%", perDay, s.RequestsPerDay)
	}
	sum := func(table, col string) uint64 {
		var n uint64
		if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT sum(%s) FROM %s.%s", col, db, table)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, table := range []string{"traffic_1m", "traffic_1h", "billing_5m", "edge_servers_1m", "perf_1m", "perf_1h", "perf_all_1h", "perf_all_1m", "billing_1d", "perf_geo_1h", "perf_geo_1d", "perf_geo_all_1d"} {
		if n := sum(table, "requests"); n != st.Requests {
			t.Errorf("%s holds %d requests, traffic_1d %d", table, n, st.Requests)
		}
	}
	// path_hits_1h keeps the most requested paths of each host-hour: about
	// the Zipf curve's share of the kept ones (paths are drawn per row, so
	// within a few percent).
	share, all := 0.0, 0.0
	for k := 1; k <= s.PathsPerHost; k++ {
		all += 1 / float64(k)
		if k <= schema.PathsKeptPerBlock {
			share += 1 / float64(k)
		}
	}
	if n, want := float64(sum("path_hits_1h", "requests")), float64(st.Requests)*share/all; math.Abs(n/want-1) > 0.03 {
		t.Errorf("path_hits_1h holds %.0f requests, want %.0f ±3%% (%.3f of all)", n, want, share/all)
	}
	if n, max := st.Rows["path_hits_1h"], uint64(s.Days*24*2*s.Customers*schema.PathsKeptPerBlock); n > max || n < max/2 {
		t.Errorf("path_hits_1h holds %d rows, want at most %d (kept paths of each host-hour) and most of them", n, max)
	}
	// Every server of every PoP logs every minute.
	if n, want := st.Rows["edge_servers_1m"], uint64(s.Days*1440*8*s.PoPsPerRegion*s.ServersPerPoP); n != want {
		t.Errorf("edge_servers_1m holds %d rows, want %d (every server, every minute)", n, want)
	}
	for _, table := range []string{"traffic_1m", "traffic_1h", "billing_5m", "billing_1d", "edge_servers_1m"} {
		if a, b := sum(table, "bytes_out"), sum("traffic_1d", "bytes_out"); a != b {
			t.Errorf("%s holds %d bytes out, traffic_1d %d", table, a, b)
		}
	}
	// eu-west (UTC+0) peaks in its evening, ap-east (UTC+8) around noon UTC.
	for region, want := range map[string]int{"eu-west": 20, "ap-east": 12} {
		var hour uint8
		if err := conn.QueryRow(ctx, fmt.Sprintf(`SELECT toHour(t) AS h FROM %s.traffic_1h WHERE region = ? GROUP BY h ORDER BY sum(requests) DESC LIMIT 1`, db), region).Scan(&hour); err != nil {
			t.Fatal(err)
		}
		if d := math.Abs(float64(int(hour) - want)); d > 2 && d < 22 {
			t.Errorf("%s peaks at %02d:00 UTC, want about %02d:00", region, hour, want)
		}
	}
	// The slow PoP's median request time is the factor above its own.
	var slow, usual float64
	median, _ := schema.LatencyQuantilesSQL("request_time")
	q := fmt.Sprintf(`SELECT (%s)[1] FROM %s.perf_1m WHERE pop = 'bom1' AND t >= toDateTime(?) AND t < toDateTime(?)`, median, db)
	if err := conn.QueryRow(ctx, q, uint32(s.SlowFrom.Unix()), uint32(s.SlowTo.Unix())).Scan(&slow); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, q, uint32(s.SlowTo.Unix()), uint32(s.SlowTo.Add(2*time.Hour).Unix())).Scan(&usual); err != nil {
		t.Fatal(err)
	}
	if r := slow / usual; !(r >= 3 && r <= 5) {
		t.Errorf("slow PoP median %.0f µs vs %.0f µs usually: ratio %.1f, want about %.0f", slow, usual, r, s.SlowFactor)
	}
	t.Logf("filled in %s (drawing %s): %v; spent %v", st.Took, st.Drawing, st.Rows, st.Spent)
}
