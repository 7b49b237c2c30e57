package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// output returns a run's progress logger (lines stamped with the seconds
// since the run began) and its figure printer: one `BENCH <name> <value>
// <unit>` line per figure, the form every benchmark's results are compared
// in from run to run.
func output(out io.Writer) (logf func(format string, a ...any), bench func(name string, v float64, unit string)) {
	began := time.Now()
	logf = func(format string, a ...any) {
		fmt.Fprintf(out, "[%6.1fs] %s\n", time.Since(began).Seconds(), fmt.Sprintf(format, a...))
	}
	bench = func(name string, v float64, unit string) { fmt.Fprintf(out, "BENCH %s %.6g %s\n", name, v, unit) }
	return logf, bench
}

// workDir returns dir made absolute, created if missing: the processes run
// in the stack's directory, so every path handed to them must be absolute.
func workDir(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil { // #nosec G301 -- the benchmark's own work directory of generated data
		return "", err
	}
	return dir, nil
}
