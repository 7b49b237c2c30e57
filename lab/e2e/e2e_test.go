// Package e2e runs the real edgelog binary as separate processes — broker,
// collector, ingest, query — against a real ClickHouse server, on generated
// logs whose ground truth is known, and checks the numbers end to end.
package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/lab/engines/chserver"
	"github.com/edgelog/edgelog/lab/engines/stack"
	"github.com/edgelog/edgelog/lab/engines/stacktest"
	"github.com/edgelog/edgelog/lab/gen"
)

var bin string

func TestMain(m *testing.M) { stacktest.TestMain(m, &bin) }

// TestPipeline ships N generated lines with malformed ones mixed in through
// every stage and checks: exactly N raw rows, per-customer requests and
// bytes in the rollup equal the generator's truth, every malformed line in
// the dead-letter file, and the query API agrees.
func TestPipeline(t *testing.T) {
	const lines, malformed = 300_000, 37
	dir := t.TempDir()
	ctx := context.Background()
	access, edge := filepath.Join(dir, "access.log"), filepath.Join(dir, "edge.yaml")
	truth, err := gen.WriteFiles(gen.Options{Lines: lines, Malformed: malformed, Seed: 7, Start: incidentDay.Add(12 * time.Hour), Duration: 4 * time.Hour,
		Incidents: gen.DefaultIncidents(incidentDay)}, access, edge, filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if truth.Requests != lines {
		t.Fatalf("generator wrote %d valid requests, want %d", truth.Requests, lines)
	}

	st, err := stack.Start(ctx, stack.Options{Dir: filepath.Join(dir, "stack"), Bin: bin, Partitions: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Stop()
	dlq := filepath.Join(dir, "dead-letters.jsonl")
	mustStart(t, st, "ingest", st.IngestArgs()...)
	mustStart(t, st, "collector", "--brokers", st.BrokerAddr, "--file", access, "--edge-config", edge, "--dead-letter-file", dlq)
	qport, _ := chserver.FreePort()
	qaddr := fmt.Sprintf("127.0.0.1:%d", qport)
	mustStart(t, st, "query", append(st.CHArgs(), "--listen", qaddr)...)

	c, err := st.WaitRows(ctx, lines, 5*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // anything extra (a duplicate) would land now
	if c, err = st.Counts(ctx); err != nil {
		t.Fatal(err)
	}
	if c.RawRows != lines || c.RollupRows != lines {
		t.Fatalf("raw rows %d, traffic_1m requests %d; want %d", c.RawRows, c.RollupRows, lines)
	}
	if c.RawBytes != truth.BytesSent || c.RollupBytes != truth.BytesSent {
		t.Fatalf("raw bytes %d, traffic_1m bytes %d; want %d", c.RawBytes, c.RollupBytes, truth.BytesSent)
	}
	checkPerCustomer(t, st, truth)
	checkDeadLetters(t, dlq, malformed)
	checkAPI(t, qaddr, truth)
	checkSlowest(t, qaddr, truth)
}

var incidentDay = gen.DefaultStart

// checkSlowest asks the performance API for the slowest places during the
// scripted latency incident: it must name the PoP, and a start within two
// minutes of the scripted one.
func checkSlowest(t *testing.T, addr string, truth *gen.Truth) {
	t.Helper()
	var in gen.Incident
	for _, i := range truth.Incidents {
		if i.Kind == "latency" {
			in = i
		}
	}
	at := in.From.Add(25 * time.Minute)
	resp, err := http.Get(fmt.Sprintf("http://%s/api/v1/perf/slowest?at=%s&window=15m", addr, at.Format(time.RFC3339)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res struct {
		Places []struct {
			PoP      string
			Slowdown float64
			Since    *time.Time
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Places) == 0 || res.Places[0].PoP != in.PoP || res.Places[0].Since == nil {
		t.Fatalf("slowest places at %s: %+v; want %s first with a start time", at, res.Places, in.PoP)
	}
	if d := res.Places[0].Since.Sub(in.From); d < -2*time.Minute || d > 2*time.Minute {
		t.Errorf("%s slow since %s, scripted from %s", in.PoP, res.Places[0].Since, in.From)
	}
	if len(res.Places) > 1 && res.Places[1].Since != nil {
		t.Errorf("%s also reported slow: %+v", res.Places[1].PoP, res.Places[1])
	}
	t.Logf("slowest at %s: %s x%.1f since %s (scripted %s)", at.Format("15:04"), res.Places[0].PoP, res.Places[0].Slowdown, res.Places[0].Since.Format("15:04"), in.From.Format("15:04"))
}

func mustStart(t *testing.T, st *stack.Stack, name string, args ...string) {
	t.Helper()
	if _, err := st.Start(name, args...); err != nil {
		t.Fatal(err)
	}
}

func checkPerCustomer(t *testing.T, st *stack.Stack, truth *gen.Truth) {
	t.Helper()
	ctx := context.Background()
	conn, err := st.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(ctx, "SELECT customer, sum(requests), sum(bytes_out) FROM "+st.DB+".traffic_1m GROUP BY customer")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var cust string
		var req, bytes uint64
		if err := rows.Scan(&cust, &req, &bytes); err != nil {
			t.Fatal(err)
		}
		want, ok := truth.Customers[cust]
		if !ok {
			t.Errorf("customer %q in the rollup but not generated", cust)
			continue
		}
		if req != want.Requests || bytes != want.BytesSent {
			t.Errorf("customer %s: rollup %d requests %d bytes, truth %d requests %d bytes", cust, req, bytes, want.Requests, want.BytesSent)
		}
		seen++
	}
	if seen != len(truth.Customers) {
		t.Errorf("rollup has %d customers, truth %d", seen, len(truth.Customers))
	}
}

func checkDeadLetters(t *testing.T, path string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := 0
		if f, err := os.Open(path); err == nil {
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var l struct {
					Stage, Reason string
					Offset        int64
				}
				if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
					t.Fatalf("dead-letter file: %v", err)
				}
				if l.Reason == "" || l.Stage != "collector" {
					t.Fatalf("dead letter without reason or stage: %s", sc.Bytes())
				}
				n++
			}
			f.Close()
		}
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d dead letters, want %d", n, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func checkAPI(t *testing.T, addr string, truth *gen.Truth) {
	t.Helper()
	from := truth.From.Truncate(24 * time.Hour)
	to := truth.To.Truncate(24 * time.Hour).Add(24 * time.Hour)
	u := fmt.Sprintf("http://%s/api/v1/traffic/summary?from=%s&to=%s", addr, from.Format(time.RFC3339), to.Format(time.RFC3339))
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sum struct {
		Table     string
		Customers []struct {
			Customer string
			Requests uint64
			BytesOut uint64 `json:"bytes_out"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&sum); err != nil {
		t.Fatal(err)
	}
	if sum.Table == "requests" {
		t.Fatal("the summary read the raw table")
	}
	for _, c := range sum.Customers {
		want := truth.Customers[c.Customer]
		if c.Requests != want.Requests || c.BytesOut != want.BytesSent {
			t.Errorf("API customer %s: %d requests %d bytes, truth %d %d", c.Customer, c.Requests, c.BytesOut, want.Requests, want.BytesSent)
		}
	}
}

// TestFormatsEndToEnd ships the same kind of traffic written as Apache,
// JSON lines and CloudFront-style W3C logs through collectors configured
// for each family, and expects every request, exactly, in the rollups,
// and every byte: the JSON lines log the total bytes ($bytes_sent) beside
// the body, which the raw rows, the traffic rollups and the bills keep to
// the byte (the other formats' totals are their body bytes).
func TestFormatsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := stack.Start(ctx, stack.Options{Dir: filepath.Join(dir, "stack"), Bin: bin, Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Stop()
	mustStart(t, st, "ingest", st.IngestArgs()...)
	var want, wantBytes, wantTotal uint64
	for i, c := range []struct{ format, flags string }{
		{"apache", gen.ApacheLogFormat},
		{"jsonl", ""},
		{"w3c", ""},
	} {
		access, edge := filepath.Join(dir, c.format+".log"), filepath.Join(dir, c.format+".yaml")
		truth, err := gen.WriteFiles(gen.Options{Lines: 20_000, Seed: uint64(20 + i), Format: c.format}, access, edge, "")
		if err != nil {
			t.Fatal(err)
		}
		want += truth.Requests
		wantBytes += truth.BytesSent
		wantTotal += truth.BytesTotal
		if c.format == "jsonl" && truth.BytesTotal <= truth.BytesSent {
			t.Fatalf("jsonl: total bytes %d, body %d: the log carries no headers", truth.BytesTotal, truth.BytesSent)
		}
		args := []string{"--brokers", st.BrokerAddr, "--file", access, "--edge-config", edge, "--format", c.format,
			"--dead-letter-file", filepath.Join(dir, c.format+".dlq"), "--follow=false"}
		if c.flags != "" {
			args = append(args, "--log-format", c.flags)
		}
		if err := st.Run(ctx, "collector", args...); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, c.format+".dlq")); len(b) > 0 {
			t.Fatalf("%s: dead letters:\n%.2000s", c.format, b)
		}
	}
	got, err := st.WaitRows(ctx, want, 3*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.RawRows != want || got.RollupRows != want || got.RollupBytes != wantBytes {
		t.Fatalf("raw %d rows, rollup %d requests %d bytes; want %d requests %d bytes", got.RawRows, got.RollupRows, got.RollupBytes, want, wantBytes)
	}
	conn, err := st.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, table := range []string{"requests", "traffic_1m", "traffic_1d", "billing_5m", "billing_1d"} {
		var total uint64
		if err := conn.QueryRow(ctx, "SELECT sum(bytes_total) FROM "+st.DB+"."+table).Scan(&total); err != nil {
			t.Fatal(err)
		}
		if total != wantTotal {
			t.Errorf("%s: %d total bytes, generated %d (body %d)", table, total, wantTotal, wantBytes)
		}
	}
}

// TestAddressListEndToEnd: a line whose address field holds an
// X-Forwarded-For list (edges behind load balancers) reaches the raw table
// with its client taken from the list and the list itself kept in
// x_forwarded_for; a line with one address keeps an empty list.
func TestAddressListEndToEnd(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := stack.Start(ctx, stack.Options{Dir: filepath.Join(dir, "stack"), Bin: bin, Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Stop()
	mustStart(t, st, "ingest", st.IngestArgs()...)
	access, edge := filepath.Join(dir, "access.log"), filepath.Join(dir, "edge.yaml")
	lines := `66.249.66.1, 10.12.0.7 - - [04/Mar/2026:01:00:03 -0500] "GET /a.js HTTP/2.0" 206 1435 "-" "Googlebot/2.1"
"203.0.113.7, 10.0.0.1" - - [04/Mar/2026:01:00:05 -0500] "GET /b HTTP/1.1" 200 609 "-" "curl/8.5.0"
198.51.100.23 - - [04/Mar/2026:01:00:07 -0500] "GET /c HTTP/1.1" 200 100 "-" "curl/8.5.0"
`
	if err := os.WriteFile(access, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(edge, []byte("default_customer: acme\npops: {fra1: eu-central}\npop: fra1\nserver: edge-fra1-01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dlq := filepath.Join(dir, "dlq.jsonl")
	if err := st.Run(ctx, "collector", "--brokers", st.BrokerAddr, "--file", access, "--edge-config", edge,
		"--format", "nginx", "--log-format", nginx.Combined, "--dead-letter-file", dlq, "--follow=false"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dlq); len(b) > 0 {
		t.Fatalf("dead letters:\n%s", b)
	}
	if _, err := st.WaitRows(ctx, 3, 2*time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	conn, err := st.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(ctx, "SELECT path, IPv6NumToString(client_ip), x_forwarded_for FROM "+st.DB+".requests ORDER BY path")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var path, ip, list string
		if err := rows.Scan(&path, &ip, &list); err != nil {
			t.Fatal(err)
		}
		got = append(got, path+" "+ip+" ["+list+"]")
	}
	want := []string{
		"/a.js ::ffff:66.249.66.1 [66.249.66.1, 10.12.0.7]",
		"/b ::ffff:203.0.113.7 [203.0.113.7, 10.0.0.1]",
		"/c ::ffff:198.51.100.23 []",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("raw rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
