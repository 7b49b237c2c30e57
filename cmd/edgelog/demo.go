package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/edgelog/edgelog/deploy"
	"github.com/edgelog/edgelog/lab/engines/chserver"
	"github.com/edgelog/edgelog/lab/engines/stack"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/query/api"
)

func init() {
	register("demo", "run the whole pipeline locally on generated (or given) logs, print a report, serve the API", runDemo)
}

func runDemo(ctx context.Context, args []string) error {
	fs := newFlags("demo", "[flags]", `Starts a project-local ClickHouse server, the embedded broker, a collector, an
ingest worker and the query API as separate processes; generates an access log
(or uses --log), waits until every line is in ClickHouse, prints a traffic
report per customer and leaves the API running until Ctrl-C.`)
	dir := fs.String("dir", ".data/demo", "working directory (ClickHouse data, broker log, checkpoints, process logs)")
	lines := fs.Int("lines", 1_000_000, "lines to generate")
	malformed := fs.Int("malformed", 100, "malformed lines to mix in (they end up in the dead-letter file)")
	logFile := fs.String("log", "", "ship this access log (edgelog format) instead of generating one; needs --edge-config")
	edgeConfig := fs.String("edge-config", "", "edge mapping file for --log")
	listen := fs.String("listen", "127.0.0.1:8080", "query API address")
	keep := fs.Bool("keep", false, "keep data from a previous run instead of starting fresh")
	ingestWait := fs.Duration("ingest-batch-wait", 0, "ingest's --batch-wait: insert a partial batch this long after its first row (default ingest's, 1s)")
	collectorWait := fs.Duration("collector-batch-wait", 0, "the collector's --batch-wait: ship pending rows this long after the first (default the collector's, 250ms)")
	if err := parseFlags(ctx, fs, args); err != nil {
		return err
	}
	if _, err := chserver.Binary(); err != nil {
		return err
	}
	// Ctrl-C must stop the stack in order, not kill the processes under us:
	// they run in their own process groups, and the context below is ours.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !*keep {
		if err := os.RemoveAll(*dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil { // #nosec G301 -- the demo's directory of generated data, readable by the user's tools
		return err
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	start := time.Now()
	step := func(format string, a ...any) {
		fmt.Printf("[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, a...))
	}

	var truth *gen.Truth
	access, edge := *logFile, *edgeConfig
	if access == "" {
		access, edge = filepath.Join(*dir, "access.log"), filepath.Join(*dir, "edge.yaml")
		step("generating %d lines (+%d malformed) into %s", *lines, *malformed, access)
		truth, err = gen.WriteFiles(gen.Options{Lines: *lines, Malformed: *malformed, Seed: 1}, access, edge, filepath.Join(*dir, "truth.json"))
		if err != nil {
			return err
		}
	} else if edge == "" {
		return fmt.Errorf("--log needs --edge-config")
	}
	if access, err = filepath.Abs(access); err != nil {
		return err
	}
	if edge, err = filepath.Abs(edge); err != nil {
		return err
	}

	step("starting ClickHouse, broker and schema")
	st, err := stack.Start(ctx, stack.Options{Dir: *dir, Bin: bin})
	if err != nil {
		return err
	}
	defer func() {
		step("stopping")
		st.Stop()
	}()
	step("ClickHouse on %s, broker on %s", st.CH.Addr(), st.BrokerAddr)
	chArgs := st.CHArgs()
	ingestArgs := st.IngestArgs("--metrics-addr", "127.0.0.1:0")
	if *ingestWait > 0 {
		ingestArgs = append(ingestArgs, "--batch-wait", ingestWait.String())
	}
	if _, err := st.Start("ingest", ingestArgs...); err != nil {
		return err
	}
	collectorArgs := []string{"--brokers", st.BrokerAddr, "--file", access, "--edge-config", edge,
		"--dead-letter-file", filepath.Join(st.Dir, "dead-letters.jsonl")}
	if *collectorWait > 0 {
		collectorArgs = append(collectorArgs, "--batch-wait", collectorWait.String())
	}
	if _, err := st.Start("collector", collectorArgs...); err != nil {
		return err
	}
	prices := filepath.Join(st.Dir, "pricebook.yaml")
	if err := os.WriteFile(prices, deploy.DemoPriceBook, 0o644); err != nil { // #nosec G306 -- the demo's sample price book, no secret
		return err
	}
	// The wall's newest seconds counted from Kafka as they arrive
	// (query --live-tail; ARCHITECTURE.md, "The live counter").
	if _, err := st.Start("query", append(chArgs, "--listen", *listen, "--prices", prices, "--live-tail", "--brokers", st.BrokerAddr)...); err != nil {
		return err
	}
	api := "http://" + *listen + "/api/v1"
	if err := stack.WaitHTTP(ctx, "http://"+*listen+"/healthz", 30*time.Second); err != nil {
		return err
	}

	want := uint64(0)
	if truth != nil {
		want = truth.Requests
	} else if want, err = countLines(access); err != nil {
		return err
	}
	step("collector and ingest running; waiting for %d rows in ClickHouse", want)
	last := time.Now()
	progress := func(c stack.Counts) {
		if time.Since(last) > 2*time.Second {
			step("%d rows in ClickHouse", c.RawRows)
			last = time.Now()
		}
	}
	deadLetters := filepath.Join(st.Dir, "dead-letters.jsonl")
	var counts stack.Counts
	if truth != nil {
		counts, err = st.WaitRows(ctx, want, 30*time.Minute, progress)
	} else {
		// A log of your own has no ground truth: every line is either a
		// row or a dead letter (a blank line or a directive is neither, so
		// the wait also ends when nothing has moved for ten seconds).
		counts, err = waitGivenLog(ctx, st, want, deadLetters, progress)
	}
	if err != nil {
		return err
	}
	took := time.Since(start)
	step("all %d rows ingested (%.0f rows/s end to end); rollup traffic_1m holds %d requests", counts.RawRows, float64(counts.RawRows)/took.Seconds(), counts.RollupRows)
	if err := printReport(ctx, api, truth, st); err != nil {
		return err
	}
	fmt.Printf("\nQuery API: %s (try %s/traffic/summary?from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z)\n", api, api)
	fmt.Printf("Dead letters: %s\nLogs: %s\nPress Ctrl-C to stop.\n", deadLetters, filepath.Join(st.Dir, "logs"))
	<-ctx.Done()
	return nil
}

// printReport prints per-customer requests, GB and hit ratio, read from the
// query API, beside the generator's ground truth when there is one. Without
// one (a log of your own) it reports the days the raw table covers.
func printReport(ctx context.Context, apiURL string, truth *gen.Truth, st *stack.Stack) error {
	var from, to time.Time
	if truth != nil {
		from, to = truth.From, truth.To
	} else {
		var ok bool
		var err error
		if from, to, ok, err = st.TimeSpan(ctx); err != nil {
			return err
		} else if !ok {
			fmt.Printf("\nThe log holds no requests: nothing to report.\n")
			return nil
		}
	}
	from, to = from.Truncate(24*time.Hour), to.Truncate(24*time.Hour).Add(24*time.Hour)
	var sum api.Summary
	q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
	if err := getJSON(ctx, apiURL+"/traffic/summary?"+q.Encode(), &sum); err != nil {
		return fmt.Errorf("cannot read the traffic summary: %w", err)
	}
	fmt.Printf("\nTraffic report %s to %s (from %s)\n\n", from.Format("2006-01-02"), to.Format("2006-01-02"), sum.Table)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "customer\trequests\tGB out\thit ratio\tcheck\t")
	var total, totalBytes uint64
	for _, c := range sum.Customers {
		check := ""
		if truth != nil {
			tc := truth.Customers[c.Customer]
			check = "ok"
			if tc.Requests != c.Requests || tc.BytesSent != c.BytesOut {
				check = "MISMATCH"
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.1f%%\t%s\t\n", c.Customer, c.Requests, float64(c.BytesOut)/1e9, 100*c.CacheHitRatio, check)
		total += c.Requests
		totalBytes += c.BytesOut
	}
	fmt.Fprintf(tw, "total\t%d\t%.3f\t\t\t\n", total, float64(totalBytes)/1e9)
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(sum.Customers) == 0 {
		return nil
	}
	top := sum.Customers[0]
	for _, c := range sum.Customers {
		if c.Requests > top.Requests {
			top = c
		}
	}
	return printBill(ctx, apiURL, top.Customer, from.Format("2006-01"))
}

// printBill prints one customer's bill of a month from the query API, with
// the demo's price book (deploy/compose/pricebook.yaml).
func printBill(ctx context.Context, apiURL, customer, month string) error {
	var b api.Bill
	if err := getJSON(ctx, apiURL+"/billing/bill?"+url.Values{"customer": {customer}, "month": {month}}.Encode(), &b); err != nil {
		return fmt.Errorf("cannot read the bill: %w", err)
	}
	fmt.Printf("\nBill of %s for %s (plan %s; %d requests, %.3f GB, 95th percentile %.2f Mbps)\n\n",
		b.Customer, b.Month, b.Plan, b.Requests, float64(b.BytesOut)/1e9, b.P95Mbps)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "item\tregion\ttier\tquantity\tunit\tunit price\tamount\t")
	for _, l := range b.Lines {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", l.Item, l.Region, l.Tier, l.Quantity, l.Unit, l.UnitPrice, l.Amount)
	}
	fmt.Fprintf(tw, "total\t\t\t\t\t\t%s %s\t\n", b.Total, b.Currency)
	return tw.Flush()
}

// getJSON decodes the JSON answer of a GET of u into v; an answer other
// than 200 is an error naming its status.
func getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", req.URL.Path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// waitGivenLog waits until every line of a log without ground truth is a
// row (in the raw table and the rollups) or a dead letter, or until nothing
// has moved for ten seconds, and returns the counts then.
func waitGivenLog(ctx context.Context, st *stack.Stack, lines uint64, deadLetters string, progress func(stack.Counts)) (stack.Counts, error) {
	var last stack.Counts
	var lastDead uint64
	still := time.Now()
	for {
		c, err := st.Counts(ctx)
		if err != nil {
			return c, err
		}
		progress(c)
		dead, err := countLines(deadLetters)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return c, err
		}
		settled := c.RollupRows == c.RawRows && c.DailyRows == c.RawRows
		if settled && c.RawRows+dead >= lines {
			return c, nil
		}
		if c != last || dead != lastDead {
			last, lastDead, still = c, dead, time.Now()
		} else if settled && time.Since(still) > 10*time.Second {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return c, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func countLines(path string) (uint64, error) {
	b, err := os.ReadFile(path) // #nosec G304 -- path built by the demo from its own data directory
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n, nil
}
