package chaos

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/edgelog/edgelog/lab/engines/stack"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/schema"
)

// Table is what one table holds at the end of a run.
type Table struct {
	Name     string
	Requests uint64
	Bytes    uint64
	HasBytes bool
	// Complete tables account for every request; a heavy-hitter rollup
	// holds at most every request.
	Complete bool
}

// Report is the accounting of a run.
type Report struct {
	Lines, Bytes uint64 // written
	Tables       []Table
	// CustomerMismatches lists customers whose requests or bytes in
	// traffic_1d differ from what was written.
	CustomerMismatches []string
	Faults             map[Fault]int
	Duration           time.Duration

	// PartialRows is what ingest recorded in partial_inserts: raw rows of
	// INSERTs the server applied in part (killed within them) that were
	// sent again, so counted twice: detected and bounded, not exact.
	PartialRows uint64
	// PartialFeed is what ingest recorded as feed_requests: requests of
	// feed INSERTs cut after they began, counted twice at most in the
	// traffic and billing rollups.
	PartialFeed uint64

	// VerifyErrs are the failures of `schema verify` and `bill verify`
	// (when run); Verified names what ran.
	Verified   []string
	VerifyErrs []string
	// The soak's: the sampled series' judgements, the spool's drain, the
	// query load's answers, the CSV of the samples, size rotations.
	soak                 bool
	Series               []SoakSeries
	SpoolErr             error
	QueryOK, QueryFailed atomic.Int64
	SamplesCSV           string
	SizeRotations        int
}

// verify runs `edgelog schema verify` and `edgelog bill verify` for the
// generated traffic's month.
func (r *Report) verify(ctx context.Context, st *stack.Stack, logf func(string, ...any)) {
	ch := st.CHArgs()
	for _, args := range [][]string{
		append([]string{"schema", "verify"}, ch...),
		append([]string{"bill", "verify", "--month", gen.DefaultStart.Format("2006-01")}, ch...),
	} {
		name := strings.Join(args[:2], " ")
		r.Verified = append(r.Verified, name)
		if err := st.Run(ctx, args[0], args[1:]...); err != nil {
			r.VerifyErrs = append(r.VerifyErrs, fmt.Sprintf("%s: %v", name, err))
		}
		logf("%s done", name)
	}
}

// count reads every table's totals and the per-customer daily sums.
func (r *Report) count(ctx context.Context, st *stack.Stack, w *writer) error {
	w.mu.Lock()
	lines, bytes := w.lines, w.bytes
	byCustomer := make(map[string][2]uint64, len(w.byCustomer))
	for k, v := range w.byCustomer {
		byCustomer[k] = v
	}
	w.mu.Unlock()
	return r.countTruth(ctx, st, lines, bytes, byCustomer)
}

// countTruth reads every table's totals and the per-customer daily sums
// against what was written: lines requests of bytes, byCustomer.
func (r *Report) countTruth(ctx context.Context, st *stack.Stack, lines, bytes uint64, byCustomer map[string][2]uint64) error {
	r.Lines, r.Bytes = lines, bytes
	conn, err := st.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	read := func(name, reqExpr, bytesExpr string) error {
		t := Table{Name: name, HasBytes: bytesExpr != "", Complete: true}
		if bytesExpr == "" {
			bytesExpr = "0"
		}
		q := fmt.Sprintf("SELECT toUInt64(%s), toUInt64(%s) FROM %s.%s", reqExpr, bytesExpr, st.DB, name)
		if err := conn.QueryRow(ctx, q).Scan(&t.Requests, &t.Bytes); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		r.Tables = append(r.Tables, t)
		return nil
	}
	if err := read(schema.RawTable, "count()", "sum(bytes_sent)"); err != nil {
		return err
	}
	for _, ru := range schema.Rollups {
		bytes := ""
		if slices.ContainsFunc(ru.Measures, func(f schema.Field) bool { return f.Name == "bytes_out" }) {
			bytes = "sum(bytes_out)"
		}
		if err := read(ru.Name, "sum(requests)", bytes); err != nil {
			return err
		}
		r.Tables[len(r.Tables)-1].Complete = ru.Complete()
	}
	if err := read(schema.LedgerTable, "sum(rows)", ""); err != nil {
		return err
	}
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT toUInt64(sum(raw_rows)), toUInt64(sum(feed_requests)) FROM %s.%s", st.DB, schema.PartialInsertsTable)).Scan(&r.PartialRows, &r.PartialFeed); err != nil {
		return fmt.Errorf("%s: %w", schema.PartialInsertsTable, err)
	}

	rows, err := conn.Query(ctx, "SELECT customer, sum(requests), sum(bytes_out) FROM "+st.DB+".traffic_1d GROUP BY customer")
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var cust string
		var req, bytes uint64
		if err := rows.Scan(&cust, &req, &bytes); err != nil {
			return err
		}
		seen[cust] = true
		if want := byCustomer[cust]; want != [2]uint64{req, bytes} {
			r.CustomerMismatches = append(r.CustomerMismatches, fmt.Sprintf("%s: %d requests %d bytes, wrote %d %d", cust, req, bytes, want[0], want[1]))
		}
	}
	for cust, want := range byCustomer {
		if !seen[cust] {
			r.CustomerMismatches = append(r.CustomerMismatches, fmt.Sprintf("%s: missing, wrote %d requests", cust, want[0]))
		}
	}
	return rows.Err()
}

// Lost is how many written requests the raw table lacks; Duplicated how
// many it has beyond them.
func (r *Report) Lost() uint64 {
	if raw := r.Tables[0].Requests; raw < r.Lines {
		return r.Lines - raw
	}
	return 0
}

func (r *Report) Duplicated() uint64 {
	if raw := r.Tables[0].Requests; raw > r.Lines {
		return raw - r.Lines
	}
	return 0
}

// Err is nil when every table accounts for every request exactly or,
// where ingest recorded partial INSERTs, when the double count is within
// what it recorded: the raw table holds the lines written plus
// PartialRows exactly, the ledger the lines written, each rollup over raw
// rows between the lines written and PartialRows more (its view may or
// may not have run before the kill), each rollup of the feed (traffic,
// billing) between the lines written and PartialFeed more. `schema
// verify` then reports the recorded INSERTs: its failure is expected and
// printed, not judged; bytes are judged only where no double count can
// be.
func (r *Report) Err() error {
	var bad []string
	for _, t := range r.Tables {
		if !t.Complete { // heavy hitters only: never more than was written
			if t.Requests > r.Lines+r.PartialRows || (r.PartialRows == 0 && t.Bytes > r.Bytes) { // over raw rows
				bad = append(bad, fmt.Sprintf("%s: %d requests %d bytes, more than written", t.Name, t.Requests, t.Bytes))
			}
			continue
		}
		want, extra := r.Lines, uint64(0)
		switch {
		case t.Name == schema.RawTable:
			want = r.Lines + r.PartialRows
		case t.Name == schema.LedgerTable:
		case slices.ContainsFunc(schema.FeedRollups, func(f schema.Rollup) bool { return f.Name == t.Name }):
			extra = r.PartialFeed
		default:
			extra = r.PartialRows
		}
		exact := want+extra == r.Lines // no double count can be in it
		if t.Requests < want || t.Requests > want+extra || (t.HasBytes && (t.Bytes < r.Bytes || (exact && t.Bytes != r.Bytes))) {
			bad = append(bad, fmt.Sprintf("%s: %d requests %d bytes", t.Name, t.Requests, t.Bytes))
		}
	}
	if r.PartialFeed == 0 { // traffic_1d per customer: a feed rollup
		bad = append(bad, r.CustomerMismatches...)
	}
	if r.PartialRows+r.PartialFeed == 0 {
		bad = append(bad, r.VerifyErrs...)
	}
	if r.soak {
		if err := soakErr(r.Series, r.SpoolErr); err != nil {
			bad = append(bad, err.Error())
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("wrote %d requests %d bytes, but %s", r.Lines, r.Bytes, strings.Join(bad, "; "))
	}
	return nil
}

// Print writes the report as greppable lines: CHAOS <name> <value>.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "CHAOS lines_written %d\nCHAOS bytes_written %d\n", r.Lines, r.Bytes)
	for _, t := range r.Tables {
		fmt.Fprintf(w, "CHAOS table %s requests %d", t.Name, t.Requests)
		if t.HasBytes {
			fmt.Fprintf(w, " bytes %d", t.Bytes)
		}
		fmt.Fprintln(w)
	}
	for _, f := range AllFaults {
		fmt.Fprintf(w, "CHAOS fault %s %d\n", f, r.Faults[f])
	}
	fmt.Fprintf(w, "CHAOS lost %d\nCHAOS duplicated %d\nCHAOS partial_insert_rows %d\nCHAOS partial_feed_requests %d\nCHAOS customer_mismatches %d\nCHAOS seconds %.0f\n",
		r.Lost(), r.Duplicated(), r.PartialRows, r.PartialFeed, len(r.CustomerMismatches), r.Duration.Seconds())
	for _, v := range r.Verified {
		fmt.Fprintf(w, "CHAOS verify %q\n", v)
	}
	for _, e := range r.VerifyErrs {
		fmt.Fprintf(w, "CHAOS verify_failed %s\n", e)
	}
	if r.soak {
		fmt.Fprintf(w, "CHAOS size_rotations %d\nCHAOS query_answers %d\nCHAOS query_failures %d\nCHAOS samples %s\n",
			r.SizeRotations, r.QueryOK.Load(), r.QueryFailed.Load(), r.SamplesCSV)
		printSoak(w, r.Series, r.SpoolErr)
	}
	switch err := r.Err(); {
	case err != nil:
		fmt.Fprintf(w, "CHAOS result FAIL %v\n", err)
	case r.PartialRows+r.PartialFeed > 0:
		fmt.Fprintf(w, "CHAOS result DETECTED %d raw rows and up to %d feed requests counted twice, recorded in %s\n", r.PartialRows, r.PartialFeed, schema.PartialInsertsTable)
	default:
		fmt.Fprintln(w, "CHAOS result EXACT")
	}
}
