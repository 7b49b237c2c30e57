package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/edgelog/edgelog/internal/buildinfo"
)

// How a subcommand is written: its file registers it in init, and its run
// function starts with
//
//	fs := newFlags(name, usageLine, help)
//	... fs.String(...), kafkaconf/chconn RegisterFlags(fs), ...
//	if err := parseFlags(ctx, fs, args); err != nil { return err }
//
// doing nothing before parseFlags but defining flags. The cobra command is
// built by running the function once up to parseFlags with a discovery
// context (discoverFlags), which hands back the flag set without running
// anything; cobra and pflag then parse the command line against those
// flags (help, completion, errors), and the run proper gets the parsed
// flags again as --name=value arguments. The flags stay Go flag.FlagSet
// definitions, so the per-subcommand files and the RegisterFlags helpers of
// internal/kafkaconf and internal/chconn did not change shape.

type command struct {
	run     func(ctx context.Context, args []string) error
	summary string
	// actions are the valid first positional arguments, for completion.
	actions []string
	// files: the positional arguments are file names.
	files bool
}

// An option says what positional arguments a subcommand takes; without
// one it takes none.
type option func(*command)

// withActions: the verbs (bill close, schema migrate) the subcommand takes
// as its positional argument, offered by shell completion; the subcommand
// checks them.
func withActions(actions ...string) option { return func(c *command) { c.actions = actions } }

// withFiles: the positional arguments are file names (completed as such).
func withFiles() option { return func(c *command) { c.files = true } }

// commands is filled by each subcommand's file in its init, so adding a
// subcommand touches one file.
var commands = map[string]command{}

// register adds a subcommand.
func register(name, summary string, run func(ctx context.Context, args []string) error, opts ...option) {
	if _, dup := commands[name]; dup {
		panic("BUG: subcommand registered twice: " + name)
	}
	c := command{run: run, summary: summary}
	for _, o := range opts {
		o(&c)
	}
	commands[name] = c
}

// flagsHelp is what newFlags was told about its command, for discovery.
type flagsHelp struct{ usage, long string }

var (
	helpMu sync.Mutex
	helpOf = map[*flag.FlagSet]flagsHelp{}
)

// newFlags returns a FlagSet for a subcommand; usageLine follows the
// command name in the usage line ("[flags] FILE..."), help is the
// description --help prints above the flags.
func newFlags(name, usageLine, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: edgelog %s %s\nRun 'edgelog %s --help' for the flags.\n", name, usageLine, name)
	}
	helpMu.Lock()
	helpOf[fs] = flagsHelp{usage: usageLine, long: help}
	helpMu.Unlock()
	return fs
}

type discoverKey struct{}

// discovery receives a subcommand's flag set and help from parseFlags.
type discovery struct {
	fs   *flag.FlagSet
	help flagsHelp
}

// errDiscovered ends a run function at parseFlags under discoverFlags.
var errDiscovered = errors.New("flags discovered")

// parseFlags parses args into fs with pflag's GNU syntax: --name value,
// --name=value, flags anywhere among the positional arguments, "--" ending
// the flags. Each flag given is then set on fs with fs.Set in command-line
// order, so fs.Visit sees the flags given and fs.Args the positional
// arguments. Under discoverFlags it returns errDiscovered instead.
func parseFlags(ctx context.Context, fs *flag.FlagSet, args []string) error {
	helpMu.Lock()
	h := helpOf[fs]
	delete(helpOf, fs)
	helpMu.Unlock()
	if d, ok := ctx.Value(discoverKey{}).(*discovery); ok {
		d.fs, d.help = fs, h
		return errDiscovered
	}
	pfs := pflag.NewFlagSet(fs.Name(), pflag.ContinueOnError)
	pfs.SetOutput(discard{})
	var given settings
	addFlags(pfs, fs, &given)
	if err := pfs.Parse(args); err != nil {
		return err
	}
	if err := given.apply(fs); err != nil {
		return err
	}
	return fs.Parse(append([]string{"--"}, pfs.Args()...))
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// setting is one flag as given on the command line.
type setting struct{ name, value string }

// settings are the flags given, in order (a repeatable flag once per use).
type settings []setting

// args renders the settings and positional arguments as a command line
// parseFlags reads back the same.
func (s settings) args(positional []string) []string {
	out := make([]string, 0, len(s)+1+len(positional))
	for _, g := range s {
		out = append(out, "--"+g.name+"="+g.value)
	}
	return append(append(out, "--"), positional...)
}

func (s settings) apply(fs *flag.FlagSet) error {
	for _, g := range s {
		if err := fs.Set(g.name, g.value); err != nil {
			return fmt.Errorf("invalid argument %q for --%s: %w", g.value, g.name, err)
		}
	}
	return nil
}

// recorder is the pflag value of a bridged Go flag: it records what was
// given (the Go flag is set from the record, once) and shows the Go flag's
// default.
type recorder struct {
	name, typ string
	def       flag.Value
	given     *settings
}

func (r *recorder) String() string { return r.def.String() }
func (r *recorder) Type() string   { return r.typ }
func (r *recorder) Set(s string) error {
	*r.given = append(*r.given, setting{r.name, s})
	return nil
}

// addFlags adds fs's flags to pfs (pflag.PFlagFromGoFlag: name, usage,
// default, bool flags that take no value), each recording into given.
func addFlags(pfs *pflag.FlagSet, fs *flag.FlagSet, given *settings) {
	fs.VisitAll(func(gf *flag.Flag) {
		pf := pflag.PFlagFromGoFlag(gf)
		typ := pf.Value.Type()
		switch typ {
		case "string", "bool", "int", "int64", "uint", "uint64", "float64", "duration":
		default: // flag.Func, flag.Var values: no Go type worth showing
			typ = "value"
		}
		if typ == "duration" && pf.DefValue == "0s" {
			pf.DefValue = "0" // pflag's zero default, not shown
		}
		pf.Value = &recorder{name: gf.Name, typ: typ, def: gf.Value, given: given}
		pf.Shorthand = "" // no one-letter flags: -x is never a long flag's typo
		pfs.AddFlag(pf)
	})
}

// discoverFlags runs a subcommand's run function up to its parseFlags and
// returns its flags and help.
func discoverFlags(name string, run func(ctx context.Context, args []string) error) *discovery {
	d := &discovery{}
	err := run(context.WithValue(context.Background(), discoverKey{}, d), nil)
	if !errors.Is(err, errDiscovered) || d.fs == nil {
		panic(fmt.Sprintf("BUG: edgelog %s does not start with newFlags and parseFlags (%v)", name, err))
	}
	return d
}

const rootLong = `edgelog turns CDN access logs into traffic reports, bills and performance
breakdowns. One binary: every stage of the pipeline and every tool is a
subcommand.`

// newRoot builds the command tree: the registered subcommands, help,
// completion (bash, zsh, fish, powershell), --version and the hidden
// gen-docs.
func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:     "edgelog",
		Short:   "CDN access logs to traffic reports, bills and performance breakdowns",
		Long:    rootLong,
		Version: buildinfo.Get().String(),
		// A runtime error is not a usage error: print the error only
		// (main does, on stderr), not the usage.
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		// Go's flag package took -name for --name; pflag reads -name as
		// the one-letter flags n, a, m, e.
		if _, long, ok := strings.Cut(err.Error(), "unknown shorthand flag: "); ok {
			if _, arg, ok := strings.Cut(long, " in -"); ok && len(arg) > 1 {
				name, _, _ := strings.Cut(arg, "=")
				return fmt.Errorf("%w: long flags take two dashes, --%s (see '%s --help')", err, name, c.CommandPath())
			}
		}
		return fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())
	})
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		root.AddCommand(commands[n].cobraCommand(n))
	}
	root.AddCommand(genDocsCommand())
	return root
}

// cobraCommand is the cobra form of a registered subcommand.
func (c command) cobraCommand(name string) *cobra.Command {
	d := discoverFlags(name, c.run)
	var given settings
	cc := &cobra.Command{
		Use:       strings.TrimSpace(name + " " + d.help.usage),
		Short:     c.summary,
		Long:      d.help.long,
		ValidArgs: c.actions,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			stopProfile := startCPUProfile(name)
			defer stopProfile()
			return c.run(ctx, given.args(args))
		},
	}
	switch {
	case c.files:
		cc.Args = cobra.ArbitraryArgs
		cc.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveDefault // the shell completes file names
		}
	case len(c.actions) > 0:
		cc.Args = cobra.ArbitraryArgs // the subcommand says which action it does not know
	default:
		cc.Args = func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unexpected argument %q: %s takes flags only (a bool flag is turned off with --name=false, not --name false)", args[0], name)
			}
			return nil
		}
	}
	addFlags(cc.Flags(), d.fs, &given)
	return cc
}
