package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/edgelog/edgelog/lab/engines/chtest"
)

// buildEdgelog builds the binary for tests that look at exit statuses and
// which stream a text goes to.
func buildEdgelog(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "edgelog")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// run runs the binary and returns stdout, stderr and the exit status.
func runBin(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// TestCLIHabits checks the command-line habits of kubectl and Prometheus
// on the real binary: exit statuses, and what goes to stdout and stderr.
func TestCLIHabits(t *testing.T) {
	bin := buildEdgelog(t)
	for _, c := range []struct {
		name       string
		args       []string
		code       int    // 0, or 1 for any error
		stdout     string // a line stdout must contain ("" : must be empty)
		stderr     string // a text stderr must contain ("" : must be empty)
		notStderrs string // a text stderr must not contain
	}{
		{name: "help on stdout", args: []string{"--help"}, stdout: "Available Commands:"},
		{name: "help command", args: []string{"help", "import"}, stdout: "edgelog import [--config collector.yaml]"},
		{name: "subcommand --help", args: []string{"ingest", "--help"}, stdout: "--batch-rows int"},
		{name: "-h", args: []string{"query", "-h"}, stdout: "--listen string"},
		{name: "no command: help", args: nil, stdout: "Available Commands:"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 1, stderr: `unknown command "frobnicate" for "edgelog"`},
		{name: "unknown flag", args: []string{"gen", "--frob"}, code: 1, stderr: "unknown flag: --frob (see 'edgelog gen --help')"},
		{name: "single-dash long flag", args: []string{"collector", "-config", "x.yaml"}, code: 1, stderr: "long flags take two dashes, --config"},
		{name: "interspersed flags", args: []string{"import", "a.log", "--edge-config", "x", "--metrics-addr", "off"}, code: 1,
			stderr: "stat a.log: no such file or directory", notStderrs: "--edge-config"},
		{name: "--flag=value", args: []string{"import", "--edge-config=x", "--metrics-addr=off", "b.log"}, code: 1, stderr: "stat b.log"},
		{name: "stray argument", args: []string{"ingest", "--batch-rows", "5", "stray"}, code: 1, stderr: `unexpected argument "stray": ingest takes flags only`},
		{name: "drill-down bound", args: []string{"query", "--max-raw-rows", "0"}, code: 1, stderr: "--max-raw-rows must be positive"},
		{name: "bad value", args: []string{"gen", "--lines=many"}, code: 1, stderr: `invalid argument "many" for --lines`},
		{name: "version", args: []string{"version"}, stdout: "edgelog dev ("},
		{name: "--version", args: []string{"--version"}, stdout: "edgelog dev ("},
		{name: "completion bash", args: []string{"completion", "bash"}, stdout: "__start_edgelog"},
		{name: "completion zsh", args: []string{"completion", "zsh"}, stdout: "#compdef edgelog"},
		{name: "completion fish", args: []string{"completion", "fish"}, stdout: "complete -c edgelog"},
		{name: "completes verbs", args: []string{"__complete", "schema", ""}, stdout: "retention", stderr: "Completion ended"},
		{name: "completes flags", args: []string{"__complete", "import", "--edge-c"}, stdout: "--edge-config", stderr: "Completion ended"},
		{name: "unknown schema action", args: []string{"schema", "frob"}, code: 1, stderr: `unknown action "frob"`},
		{name: "unknown bill action", args: []string{"bill", "--month", "2026-10", "frob"}, code: 1, stderr: `unknown action "frob"`},
		{name: "bill without month", args: []string{"bill"}, code: 1, stderr: "--month is required"},
		{name: "bill bad month", args: []string{"bill", "--month", "2026-13"}, code: 1, stderr: "month must look like 2026-10"},
		{name: "bill future month", args: []string{"bill", "--month", "2098-01"}, code: 1, stderr: "has not begun"},
		{name: "bill close of one customer", args: []string{"bill", "close", "--month", "2026-10", "--customer", "x"}, code: 1, stderr: "--customer applies to printing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := runBin(t, bin, c.args...)
			if (code == 0) != (c.code == 0) {
				t.Errorf("edgelog %s: exit status %d, want %d\nstdout: %.500s\nstderr: %s", strings.Join(c.args, " "), code, c.code, stdout, stderr)
			}
			if c.stdout == "" && stdout != "" || !strings.Contains(stdout, c.stdout) {
				t.Errorf("edgelog %s: stdout %.800q, want %q", strings.Join(c.args, " "), stdout, c.stdout)
			}
			if c.stderr == "" && stderr != "" || !strings.Contains(stderr, c.stderr) {
				t.Errorf("edgelog %s: stderr %q, want %q", strings.Join(c.args, " "), stderr, c.stderr)
			}
			if c.notStderrs != "" && strings.Contains(stderr, c.notStderrs) {
				t.Errorf("edgelog %s: stderr %q names %q", strings.Join(c.args, " "), stderr, c.notStderrs)
			}
		})
	}
}

// TestParseFlags: pflag's syntax into a Go FlagSet, fs.Visit seeing the
// flags given, repeatable flags once per use, and what RunE hands the run
// function read back the same.
func TestParseFlags(t *testing.T) {
	newFS := func() (*flag.FlagSet, *string, *bool, *incidentFlags) {
		fs := newFlags("t", "[flags] FILE...", "test")
		s := fs.String("name", "def", "a string")
		b := fs.Bool("on", true, "a bool")
		var inc incidentFlags
		fs.Var(&inc, "incident", "repeatable")
		return fs, s, b, &inc
	}
	ctx := context.Background()
	fs, s, b, inc := newFS()
	if err := parseFlags(ctx, fs, []string{"a", "--name", "x", "b", "--on=false", "--incident=1", "--incident", "2", "--", "--c"}); err != nil {
		t.Fatal(err)
	}
	if *s != "x" || *b || strings.Join(*inc, ",") != "1,2" || strings.Join(fs.Args(), " ") != "a b --c" {
		t.Errorf("name %q on %v incident %q args %q", *s, *b, *inc, fs.Args())
	}
	var visited []string
	fs.Visit(func(f *flag.Flag) { visited = append(visited, f.Name) })
	if strings.Join(visited, ",") != "incident,name,on" {
		t.Errorf("fs.Visit: %v, want the three flags given", visited)
	}
	// Through cobra: parsed once by cobra, handed on as --name=value.
	var got []string
	cc := command{run: func(ctx context.Context, args []string) error {
		fs, s, b, inc := newFS()
		if err := parseFlags(ctx, fs, args); err != nil {
			return err
		}
		got = append([]string{*s, map[bool]string{true: "on", false: "off"}[*b], strings.Join(*inc, ",")}, fs.Args()...)
		return nil
	}, files: true}.cobraCommand("t")
	root := &cobra.Command{Use: "edgelog"}
	root.AddCommand(cc)
	root.SetArgs([]string{"t", "f1", "--name=a b", "--on=false", "--incident", "x=1", "f2", "--incident=y"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != "a b|off|x=1,y|f1|f2" {
		t.Errorf("through cobra: %q", got)
	}
}

// TestEveryCommandExplained: every command has a summary, a description
// and a usage line, and every flag a meaning.
func TestEveryCommandExplained(t *testing.T) {
	root := newRoot()
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if c.Short == "" || len(strings.Split(strings.TrimSpace(c.Long), "\n")) < 2 {
			t.Errorf("edgelog %s: summary %q, description %q", c.Name(), c.Short, c.Long)
		}
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if len(f.Usage) < 8 {
				t.Errorf("edgelog %s --%s: no meaning given (%q)", c.Name(), f.Name, f.Usage)
			}
		})
	}
}

// TestBillRefusesUnknownCustomer: a customer that never had traffic is an
// error, a known customer without traffic in the month an empty bill, a
// month without any traffic an error.
func TestBillRefusesUnknownCustomer(t *testing.T) {
	db := chtest.NewDB(t)
	conn := chtest.Conn(t)
	batch, err := conn.PrepareBatch(context.Background(), "INSERT INTO "+db+".billing_1d (t, customer, region, requests, bytes_out, bytes_in)")
	if err != nil {
		t.Fatal(err)
	}
	if err := batch.Append(time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC), "acme", "eu", uint64(10), uint64(1000), uint64(0)); err != nil {
		t.Fatal(err)
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	ch := []string{"--ch-addr", chtest.Server(t).Addr(), "--ch-db", db}
	bill := func(args ...string) (string, error) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout := os.Stdout
		os.Stdout = w
		root := newRoot()
		root.SetArgs(append(append([]string{"bill"}, ch...), args...))
		err = root.Execute()
		os.Stdout = stdout
		w.Close()
		var out bytes.Buffer
		out.ReadFrom(r)
		return out.String(), err
	}
	if out, err := bill("--month", "2026-10", "--customer", "acme"); err != nil || !strings.Contains(out, "acme") {
		t.Errorf("acme's bill: %v\n%s", err, out)
	}
	if out, err := bill("--month", "2026-09", "--customer", "acme"); err != nil || strings.Contains(out, "acme") {
		t.Errorf("acme in a month without traffic: %v (want no error, no bill)\n%s", err, out)
	}
	if _, err := bill("--month", "2026-09"); err == nil || !strings.Contains(err.Error(), "no bills for 2026-09") {
		t.Errorf("a month without traffic: %v", err)
	}
	if _, err := bill("--month", "2026-10", "--customer", "no-such"); err == nil || !strings.Contains(err.Error(), `unknown customer "no-such"`) {
		t.Errorf("unknown customer: %v", err)
	}
}
