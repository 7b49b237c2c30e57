package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/lab/gen"
)

func init() {
	register("gen", "generate realistic CDN access logs with their ground truth", runGen)
}

// incidentFlags collects repeated --incident flags.
type incidentFlags []string

func (f *incidentFlags) String() string     { return strings.Join(*f, ", ") }
func (f *incidentFlags) Set(s string) error { *f = append(*f, s); return nil }

func runGen(ctx context.Context, args []string) error {
	fs := newFlags("gen", "[flags]", `Writes an access log in the nginx edge format (see collector/format/nginx.Edge;
or --format apache, jsonl, w3c, combined),
the edge.yaml that maps its hosts to customers and its PoPs to regions, and a
truth.json with what was written: requests and bytes per customer and hour, per
region, and the scripted incidents. Same seed and flags, same bytes.

By count (default): --lines requests spread over --duration from --start along
each region's diurnal curve. At a rate (--rate N): N lines per second stamped
with the wall clock, appended to --out until --lines are written or Ctrl-C.

Incidents (repeatable --incident; default: the two of gen.DefaultIncidents):
  latency:POP:xFACTOR:HH:MM-HH:MM     e.g. latency:bom1:x5:14:05-14:40
  errors:CUSTOMER:RATE%:HH:MM-HH:MM   e.g. errors:globex:33%:10:00-10:20`)
	out := fs.String("out", "access.log", `access log to write ("-" for stdout)`)
	edgePath := fs.String("edge-config", "edge.yaml", `edge mapping to write ("" for none)`)
	truthPath := fs.String("truth", "truth.json", `ground truth to write ("" for none)`)
	lines := fs.Int("lines", 1_000_000, "requests to write (with --rate, -1 for no limit)")
	malformed := fs.Int("malformed", 0, "malformed lines to mix in")
	seed := fs.Uint64("seed", 1, "random seed")
	start := fs.String("start", gen.DefaultStart.Format(time.RFC3339), "time of the first request (RFC 3339)")
	duration := fs.Duration("duration", 24*time.Hour, "time span the requests cover")
	customers := fs.Int("customers", 12, "number of customers")
	format := fs.String("format", "nginx", "log format: nginx, apache (gen.ApacheLogFormat), jsonl (nginx escape=json keys), w3c (CloudFront fields) or combined (nginx's predefined combined)")
	rate := fs.Float64("rate", 0, "write this many lines per second, stamped with the wall clock, instead of a fixed span")
	appendOut := fs.Bool("append", false, "append to --out instead of truncating it")
	noIncidents := fs.Bool("no-incidents", false, "script no incidents")
	var incidents incidentFlags
	fs.Var(&incidents, "incident", "scripted incident (repeatable; see above)")
	if err := parseFlags(ctx, fs, args); err != nil {
		return err
	}
	o := gen.Options{Lines: *lines, Malformed: *malformed, Seed: *seed, Duration: *duration, Customers: *customers, Format: *format}
	var err error
	if o.Start, err = time.Parse(time.RFC3339, *start); err != nil {
		return fmt.Errorf("--start: %w", err)
	}
	if *rate > 0 {
		o.Start = time.Now()
	}
	switch {
	case *noIncidents:
	case len(incidents) == 0:
		o.Incidents = gen.DefaultIncidents(o.Start)
	default:
		for _, s := range incidents {
			in, err := gen.ParseIncident(s, o.Start)
			if err != nil {
				return err
			}
			o.Incidents = append(o.Incidents, in)
		}
	}

	// The generator planned for a count also writes the edge mapping, which
	// does not depend on the count: at a rate without a limit (--lines -1)
	// it is planned for the default count.
	planned := o
	if o.Lines < 0 {
		if *rate <= 0 {
			return errors.New("--lines -1 (no limit) needs --rate")
		}
		planned.Lines = 0
	}
	g, err := gen.New(planned)
	if err != nil {
		return err
	}
	if *edgePath != "" {
		if err := g.WriteEdgeConfig(*edgePath); err != nil {
			return err
		}
	}
	var w io.Writer = os.Stdout
	if *out != "-" {
		flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		if *appendOut {
			flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
		}
		f, err := os.OpenFile(*out, flags, 0o644) // #nosec G302 -- generated synthetic logs (no real clients), readable like any log file
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	began := time.Now()
	var truth *gen.Truth
	if *rate > 0 {
		truth, err = gen.Stream(ctx, w, o, *rate)
	} else {
		truth, err = g.Write(w)
	}
	if err != nil {
		return err
	}
	if *truthPath != "" {
		if err := truth.WriteJSON(*truthPath); err != nil {
			return err
		}
	}
	switch *format {
	case "apache":
		fmt.Fprintf(os.Stderr, "gen: ship it with: edgelog collector --format apache --log-format '%s' ...\n", gen.ApacheLogFormat)
	case "jsonl", "w3c":
		fmt.Fprintf(os.Stderr, "gen: ship it with: edgelog collector --format %s ...\n", *format)
	case "combined":
		// No host in the line: every request goes to the default customer.
		fmt.Fprintf(os.Stderr, "gen: ship it with: edgelog collector --log-format '%s' --default-customer NAME ...\n", nginx.Combined)
	}
	fmt.Fprintf(os.Stderr, "gen: %d requests (+%d malformed), %d customers, %s to %s, in %.1fs\n",
		truth.Requests, truth.Malformed, len(truth.Customers), truth.From.Format(time.RFC3339), truth.To.Format(time.RFC3339), time.Since(began).Seconds())
	return nil
}
