package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/edgelog/edgelog/collector"
	"github.com/edgelog/edgelog/internal/record"
)

func init() {
	register("check", "read an access log as the collector would and report what it would keep and dead-letter, shipping nothing", runCheck, withFiles())
}

// errTooManyDead is check's error when the dead-letter share is above the
// limit: the exit status is then non-zero.
var errTooManyDead = errors.New("too many lines would be dead-lettered")

// checkFlags are check's settings.
type checkFlags struct {
	config, format, logFormat     string
	edgeConfig, defaultCustomer   string
	geoCountry, geoASN, proxies   string
	maxDeadShare                  float64
	rows, examples, sample, limit int
}

func runCheck(ctx context.Context, args []string) error {
	fs := newFlags("check", "[flags] [FILE|-]",
		"Reads an access log (FILE, or standard input when FILE is - or absent) the way the collector\n"+
			"would, ships nothing, and prints: lines read, kept, kept with fallbacks per field and reason,\n"+
			"dead-lettered per reason with examples, and the first rows as JSON. Run it on one edge server\n"+
			"before rolling a log format out to a fleet. --log-format auto names the known format that fits\n"+
			"the first lines, or says why none does. The exit status is 1 when more than --max-dead-share\n"+
			"of the lines would be dead-lettered.")
	var f checkFlags
	fs.StringVar(&f.config, "config", os.Getenv("EDGELOG_CONFIG"), "collector YAML config (its format, log_format, trusted_proxies, edge_config, geoip); flags override it")
	fs.StringVar(&f.format, "format", "", "log family: "+strings.Join(collector.Formats, ", ")+" (default: the config's, else nginx)")
	fs.StringVar(&f.logFormat, "log-format", "", "the family's format text, as in the collector; 'auto' detects the format from the first lines")
	fs.StringVar(&f.edgeConfig, "edge-config", "", "edge mapping file, for the customers (default: the config's; none: every host is the default customer's)")
	fs.StringVar(&f.defaultCustomer, "default-customer", "", "customer of hosts the mapping does not know")
	fs.StringVar(&f.geoCountry, "geoip-country", "", "MaxMind-format country database (.mmdb)")
	fs.StringVar(&f.geoASN, "geoip-asn", "", "MaxMind-format ASN database (.mmdb)")
	fs.StringVar(&f.proxies, "trusted-proxies", "", "comma-separated CIDRs of your proxies (the config's trusted_proxies)")
	fs.Float64Var(&f.maxDeadShare, "max-dead-share", 0.01, "exit 1 when more than this share of the lines would be dead-lettered")
	fs.IntVar(&f.rows, "rows", 5, "print the first N kept rows as JSON")
	fs.IntVar(&f.examples, "examples", 3, "example lines printed per dead-letter reason")
	fs.IntVar(&f.sample, "sample", 200, "lines --log-format auto looks at")
	fs.IntVar(&f.limit, "limit", 0, "stop after N lines (0: read all)")
	if err := parseFlags(ctx, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("want one file, got %d", fs.NArg())
	}
	cfg := collector.DefaultConfig()
	if f.config != "" {
		var err error
		if cfg, err = collector.LoadConfig(f.config); err != nil {
			return err
		}
		if err := collector.ApplyEnv(&cfg, os.LookupEnv); err != nil {
			return err
		}
	}
	kind, text := cfg.FormatKind, cfg.Format
	if len(cfg.Inputs) > 0 && (cfg.Inputs[0].Format != "" || cfg.Inputs[0].LogFormat != "") {
		if cfg.Inputs[0].Format != "" {
			kind, text = cfg.Inputs[0].Format, ""
		}
		if cfg.Inputs[0].LogFormat != "" {
			text = cfg.Inputs[0].LogFormat
		}
	}
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "format":
			kind, text = f.format, ""
		case "log-format":
			text = f.logFormat
		case "edge-config":
			cfg.EdgeConfig = f.edgeConfig
		case "default-customer":
			cfg.DefaultCustomer = f.defaultCustomer
		case "geoip-country":
			cfg.GeoIP.CountryDB = f.geoCountry
		case "geoip-asn":
			cfg.GeoIP.ASNDB = f.geoASN
		case "trusted-proxies":
			cfg.TrustedProxies = strings.Split(f.proxies, ",")
		}
	})

	name, in := "stdin", io.Reader(os.Stdin)
	if p := fs.Arg(0); p != "" && p != "-" {
		file, err := os.Open(p) // #nosec G304 -- a log file the operator names on the command line
		if err != nil {
			return fmt.Errorf("cannot check: %w", err)
		}
		defer file.Close()
		name, in = p, file
	}
	maxLine := cfg.MaxLineBytes
	if maxLine == 0 {
		maxLine = 1 << 20
	}
	lines := newLineReader(in, maxLine)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()

	var head []checkLine // lines read ahead for --log-format auto
	if text == "auto" {
		for len(head) < f.sample {
			l, ok := lines.next()
			if !ok {
				break
			}
			head = append(head, l)
		}
		if err := lines.err; err != nil {
			return fmt.Errorf("cannot read %s: %w", name, err)
		}
		sample := make([][]byte, len(head))
		for i := range head {
			sample[i] = head[i].data
		}
		fits, ok := collector.DetectFormat(sample)
		printFits(out, fits, ok, len(sample))
		if !ok {
			out.Flush() // #nosec G104 -- stdout; the error below is what the command reports
			return errors.New("no known log format fits the first lines")
		}
		kind, text = fits[0].Kind, fits[0].Text
	}
	chk, err := collector.NewChecker(cfg, kind, text)
	if err != nil {
		return err
	}
	if kind == "" {
		kind = "nginx"
	}
	fmt.Fprintf(out, "edgelog check: %s as --format %s", name, kind)
	if text != "" {
		fmt.Fprintf(out, " --log-format '%s'", text)
	}
	fmt.Fprintln(out)

	var s checkSummary
	s.init()
	var r record.Record
	handle := func(l checkLine) {
		s.read++
		reject, skip := chk.Line(l.data, l.oversize, &r)
		switch {
		case skip:
			s.skipped++
		case reject != "":
			s.dead(collector.ReasonGroup(reject), l, f.examples)
		default:
			s.kept++
			s.bytes += r.BytesSent
			if fbs := chk.Fallbacks(); len(fbs) > 0 {
				s.withFallbacks++
				for _, fb := range fbs {
					s.fallbacks[fb.Field+" / "+fb.Reason]++
				}
			}
			if len(s.rows) < f.rows {
				s.rows = append(s.rows, rowJSON(&r))
			}
		}
	}
	for _, l := range head {
		handle(l)
	}
	for f.limit == 0 || s.read < f.limit {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		l, ok := lines.next()
		if !ok {
			break
		}
		handle(l)
	}
	if err := lines.err; err != nil {
		return fmt.Errorf("cannot read %s: %w", name, err)
	}
	s.print(out)
	if s.read > 0 && float64(s.deadTotal)/float64(s.read) > f.maxDeadShare {
		out.Flush() // #nosec G104 -- stdout; a failed write shows as missing output
		return fmt.Errorf("%w: %d of %d (%.2f%%; --max-dead-share %g)", errTooManyDead, s.deadTotal, s.read, 100*float64(s.deadTotal)/float64(s.read), f.maxDeadShare)
	}
	return nil
}

func printFits(w io.Writer, fits []collector.Fit, ok bool, n int) {
	fmt.Fprintf(w, "format detection on the first %d lines (lines read whole by the fast path / kept):\n", n)
	for i, f := range fits {
		mark := "  "
		if i == 0 && ok {
			mark = "=>"
		}
		fmt.Fprintf(w, "%s %-70s %4d / %4d of %d", mark, f.Name, f.Strict, f.Kept, f.Lines)
		if f.Error != "" && f.Strict < f.Lines {
			fmt.Fprintf(w, "   commonest refusal: %s", f.Error)
		}
		fmt.Fprintln(w)
	}
	switch {
	case !ok:
		fmt.Fprintln(w, "no known format fits: none reads a line whole and keeps half of them; the refusals above say where each one stops. Give the format with --format and --log-format.")
	case len(fits) > 1 && fits[1].Strict == fits[0].Strict && fits[1].Kept == fits[0].Kept:
		fmt.Fprintf(w, "the sample fits %s and %s alike; checking with the first\n", fits[0].Name, fits[1].Name)
	}
	fmt.Fprintln(w)
}

// checkSummary counts what check saw.
type checkSummary struct {
	read, kept, withFallbacks, skipped, deadTotal int
	bytes                                         uint64
	fallbacks                                     map[string]int
	deadBy                                        map[string]int
	examples                                      map[string][]string
	rows                                          []string
}

func (s *checkSummary) init() {
	s.fallbacks, s.deadBy, s.examples = map[string]int{}, map[string]int{}, map[string][]string{}
}

func (s *checkSummary) dead(reason string, l checkLine, examples int) {
	s.deadTotal++
	s.deadBy[reason]++
	if len(s.examples[reason]) < examples {
		ex := string(l.data)
		if len(ex) > 300 {
			ex = ex[:300] + "..."
		}
		s.examples[reason] = append(s.examples[reason], fmt.Sprintf("line %d: %q", l.n, ex))
	}
}

func (s *checkSummary) print(w io.Writer) {
	pct := func(n int) string {
		if s.read == 0 {
			return ""
		}
		return fmt.Sprintf(" (%.2f%%)", 100*float64(n)/float64(s.read))
	}
	fmt.Fprintf(w, "lines read        %d\n", s.read)
	fmt.Fprintf(w, "kept              %d%s, %d bytes sent\n", s.kept, pct(s.kept), s.bytes)
	fmt.Fprintf(w, "  with fallbacks  %d%s\n", s.withFallbacks, pct(s.withFallbacks))
	fmt.Fprintf(w, "no request        %d (W3C directives)\n", s.skipped)
	fmt.Fprintf(w, "dead-lettered     %d%s\n", s.deadTotal, pct(s.deadTotal))
	if len(s.fallbacks) > 0 {
		fmt.Fprintf(w, "\nfallbacks, field / reason (edgelog_collector_field_fallbacks_total):\n")
		for _, k := range byCount(s.fallbacks) {
			fmt.Fprintf(w, "  %-40s %d\n", k, s.fallbacks[k])
		}
	}
	if len(s.deadBy) > 0 {
		fmt.Fprintf(w, "\ndead letters, by reason:\n")
		for _, k := range byCount(s.deadBy) {
			fmt.Fprintf(w, "  %s: %d\n", k, s.deadBy[k])
			for _, ex := range s.examples[k] {
				fmt.Fprintf(w, "    %s\n", ex)
			}
		}
	}
	if len(s.rows) > 0 {
		fmt.Fprintf(w, "\nfirst rows:\n")
		for _, r := range s.rows {
			fmt.Fprintf(w, "  %s\n", r)
		}
	}
}

func byCount(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// rowJSON renders a kept row as the columns it would fill.
func rowJSON(r *record.Record) string {
	m := map[string]any{
		"time":            time.UnixMilli(r.TimeMs).UTC().Format("2006-01-02T15:04:05.000Z"),
		"status":          r.Status,
		"bytes_sent":      r.BytesSent,
		"bytes_total":     r.Total(),
		"bytes_received":  r.BytesReceived,
		"request_time_us": r.RequestTimeUs,
		"ttfb_us":         r.TTFBUs,
		"asn":             r.ASN,
	}
	if r.ClientIP != ([16]byte{}) {
		m["client_ip"] = record.ClientAddr(r.ClientIP).String()
	}
	for i, v := range r.Str {
		if len(v) > 0 {
			m[record.StrNames[i]] = string(v)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic("BUG: a row does not marshal: " + err.Error())
	}
	return string(b)
}

// checkLine is one line read, numbered from 1.
type checkLine struct {
	data     []byte
	n        int
	oversize bool
}

// lineReader reads lines of at most max bytes; a longer one is cut there
// and marked oversize, and the rest of it skipped, as the collector's
// tailer does. Each line is its own copy.
type lineReader struct {
	r   *bufio.Reader
	max int
	n   int
	err error
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

func (l *lineReader) next() (checkLine, bool) {
	var buf []byte
	oversize := false
	for {
		part, err := l.r.ReadSlice('\n')
		if len(buf)+len(part) > l.max+1 {
			oversize = true
			part = part[:max(0, min(len(part), l.max-len(buf)))]
		}
		buf = append(buf, part...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			l.err = err
			return checkLine{}, false
		}
		if err == io.EOF && len(buf) == 0 {
			return checkLine{}, false
		}
		buf = []byte(strings.TrimSuffix(string(buf), "\n"))
		l.n++
		return checkLine{data: buf, n: l.n, oversize: oversize}, true
	}
}
