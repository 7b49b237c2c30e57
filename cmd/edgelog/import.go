package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/edgelog/edgelog/collector"
)

func init() {
	register("import", "backfill historical access logs (plain, gzip, zstd) into Kafka", runImport, withFiles())
}

func runImport(ctx context.Context, args []string) error {
	f := newCollectorFlags("import", "[--config collector.yaml] --edge-config edge.yaml [flags] FILE...",
		`Reads whole historical log files once (plain, gzip or zstd, told by their
first bytes) and ships them like the collector: parsed, enriched, batched per
customer, produced with acks=all. Progress shows bytes, lines/s and the ETA, as
a bar on a terminal and as plain lines otherwise. Batches are cut by row count
only and named by the file's identity and offsets, so importing the same file
again sends the same messages and ingest skips them. Inputs in --config are
ignored: the files named here are imported. /metrics is served on
`+importMetricsAddr+` unless --metrics-addr says otherwise (the config's
metrics_addr is the collector's).`)
	if err := parseFlags(ctx, f.fs, args); err != nil {
		return err
	}
	if f.fs.NArg() == 0 {
		f.fs.Usage()
		return errors.New("no files to import")
	}
	cfg, err := f.resolve()
	if err != nil {
		return err
	}
	cfg.File, cfg.Inputs, cfg.Follow = "", nil, false
	var total int64
	for _, path := range f.fs.Args() {
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		total += st.Size()
		cfg.Inputs = append(cfg.Inputs, collector.Input{Type: "import", Path: path})
	}
	log := newLogger()
	reg := newRegistry()
	c, err := collector.New(cfg, reg, log)
	if err != nil {
		return err
	}
	// An import of a big file runs for hours: it serves /metrics like the
	// collector, on a port of its own (an edge server's collector holds
	// 9101); a metrics_addr in --config is the collector's, not used.
	metricsAddr := importMetricsAddr
	f.fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "metrics-addr" {
			metricsAddr = cfg.MetricsAddr
		}
	})
	if err := serveOps(ctx, log, metricsAddr, reg, nil); err != nil {
		return err
	}
	start := time.Now()
	done := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		reportProgress(os.Stderr, c, total, start, done)
	}()
	err = c.Run(ctx)
	close(done)
	<-progressDone
	fmt.Printf("SUMMARY import files %d %s\n", len(cfg.Inputs), c.Summary(time.Since(start)))
	return err
}

// reportProgress shows the import's progress until done: a bar when w is a
// terminal, else a plain line every 10 seconds (logs, CI).
func reportProgress(w *os.File, c *collector.Collector, total int64, start time.Time, done <-chan struct{}) {
	if term.IsTerminal(int(w.Fd())) {
		bar := progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionFullWidth(),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				bar.Set64(c.ImportedBytes()) // #nosec G104 -- progress bar on the terminal; a failed redraw is harmless
				bar.Finish()                 // #nosec G104 -- progress bar on the terminal; a failed redraw is harmless
				return
			case <-tick.C:
				bar.Describe(fmt.Sprintf("%d lines, %.0f lines/s", c.ImportedLines(), float64(c.ImportedLines())/time.Since(start).Seconds()))
				bar.Set64(c.ImportedBytes()) // #nosec G104 -- progress bar on the terminal; a failed redraw is harmless
			}
		}
	}
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-done:
			printProgress(w, c, total, start)
			return
		case <-tick.C:
			printProgress(w, c, total, start)
		}
	}
}

func printProgress(w io.Writer, c *collector.Collector, total int64, start time.Time) {
	b, lines := c.ImportedBytes(), c.ImportedLines()
	el := time.Since(start)
	eta := "?"
	if b > 0 {
		eta = (time.Duration(float64(el) * float64(total-b) / float64(b))).Round(time.Second).String()
	}
	fmt.Fprintf(w, "import: %.1f of %.1f MiB (%.0f%%), %d lines, %.0f lines/s, ETA %s\n",
		float64(b)/(1<<20), float64(total)/(1<<20), 100*float64(b)/float64(max(total, 1)), lines, float64(lines)/el.Seconds(), eta)
}
