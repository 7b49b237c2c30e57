// Command edgelog is the single binary of the pipeline: every stage and tool
// is a subcommand, so an edge server, an ingest host and a laptop demo all
// run the same build.
//
// Commands, help, completion and the reference pages are spf13/cobra's;
// flags are parsed by spf13/pflag (GNU syntax: --flag value, --flag=value,
// flags after positional arguments). Each subcommand's file keeps its flags
// as Go flag.FlagSet definitions (newFlags, then parseFlags), which pflag
// bridges; see cli.go.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

func main() {
	root := newRoot()
	cmd, err := root.ExecuteContextC(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", cmd.CommandPath(), err)
		os.Exit(1)
	}
}

// startCPUProfile writes a CPU profile of the whole run to
// $EDGELOG_CPUPROFILE_DIR/<command>-<pid>.pprof when that variable is set
// (edgelog bench --profile sets it for the processes it starts), and at
// the end a heap profile beside it (<command>-<pid>.heap.pprof: what the
// run allocated, by call site, and what was still in use). It returns the
// function that ends the profiles; a process killed with SIGKILL leaves
// none.
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
		writeHeapProfile(filepath.Join(dir, fmt.Sprintf("%s-%d.heap.pprof", name, os.Getpid())))
	}
}

// writeHeapProfile writes the runtime's heap profile (allocations sampled
// every 512 KiB, the runtime's default) to path.
func writeHeapProfile(path string) {
	f, err := os.Create(path) // #nosec G304 G703 -- a profile in the directory the operator's environment names
	if err != nil {
		fmt.Fprintf(os.Stderr, "edgelog: cannot write heap profile: %v\n", err)
		return
	}
	defer f.Close() // #nosec G307 -- end of a profile; nothing to recover
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		fmt.Fprintf(os.Stderr, "edgelog: cannot write heap profile: %v\n", err)
	}
}
