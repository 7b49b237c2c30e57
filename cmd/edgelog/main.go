// Command edgelog is the single binary of the pipeline: every stage and tool
// is a subcommand, so an edge server, an ingest host and a laptop demo all
// run the same build.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"syscall"
)

type command struct {
	run     func(ctx context.Context, args []string) error
	summary string
}

// commands is filled by each subcommand's file in its init, so adding a
// subcommand touches one file.
var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, args []string) error) {
	if _, dup := commands[name]; dup {
		panic("BUG: subcommand registered twice: " + name)
	}
	commands[name] = command{run: run, summary: summary}
}

func usage() {
	fmt.Fprintf(os.Stderr, "edgelog turns CDN access logs into traffic reports, bills and performance breakdowns.\n\nUsage: edgelog <command> [flags]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(os.Stderr, "\nRun 'edgelog <command> --help' for a command's flags.\n")
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	if os.Args[1] == "--version" || os.Args[1] == "-version" {
		os.Args[1] = "version"
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "edgelog: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startCPUProfile(os.Args[1])
	err := cmd.run(ctx, os.Args[2:])
	stopProfile()
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "edgelog %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// newFlags returns a FlagSet whose --help prints the command's summary,
// usage line and flags.
func newFlags(name, usageLine, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: edgelog %s %s\n\n%s\n\nFlags:\n", name, usageLine, help)
		fs.PrintDefaults()
	}
	return fs
}

// startCPUProfile writes a CPU profile of the whole run to
// $EDGELOG_CPUPROFILE_DIR/<command>-<pid>.pprof when that variable is set
// (edgelog bench --profile sets it for the processes it starts). It
// returns the function that ends the profile; a process killed with
// SIGKILL leaves no profile.
func startCPUProfile(name string) func() {
	dir := os.Getenv("EDGELOG_CPUPROFILE_DIR")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", name, os.Getpid()))) // #nosec G304 G703 -- a profile in the directory the operator's environment names
	if err != nil {
		fmt.Fprintf(os.Stderr, "edgelog: cannot write CPU profile: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "edgelog: cannot start CPU profile: %v\n", err)
		f.Close() // #nosec G104 -- already failing; the start error is printed
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close() // #nosec G104 -- end of a profile; nothing to recover
	}
}
