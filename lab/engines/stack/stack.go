// Package stack runs the whole pipeline on one machine as separate
// processes, the way production runs it: a ClickHouse server, the embedded
// broker, and edgelog collector / ingest / query processes. The demo, the
// end-to-end tests, the chaos run and the end-to-end benchmark all use it,
// so they exercise the real binaries, flags and process boundaries.
package stack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/lab/engines/chserver"
	"github.com/edgelog/edgelog/lab/engines/proc"
)

// Options configure a stack.
type Options struct {
	Dir        string // working directory: server data, logs, checkpoints
	Bin        string // the edgelog binary
	DB         string // database; default "edgelog"
	Partitions int    // topic partitions; default 8
	CHPort     int    // 0 = free port
	BrokerPort int    // 0 = free port
	// Stdout receives the processes' output; nil writes to log files in Dir.
	Stdout io.Writer
	// BrokerOnly starts the broker alone: no ClickHouse, no schema (runs
	// that measure the collector without the rest of the pipeline).
	BrokerOnly bool
}

// Stack is a running pipeline.
type Stack struct {
	Options
	CH         *chserver.Server
	BrokerAddr string
	Broker     *Proc
	procs      []*Proc
}

// Start starts ClickHouse and the broker and migrates the schema (the
// broker alone with BrokerOnly).
func Start(ctx context.Context, o Options) (*Stack, error) {
	if o.DB == "" {
		o.DB = "edgelog"
	}
	if o.Partitions == 0 {
		o.Partitions = 8
	}
	var err error
	if o.Dir, err = filepath.Abs(o.Dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(o.Dir, "logs"), 0o755); err != nil { // #nosec G301 -- the harness run's directory
		return nil, err
	}
	s := &Stack{Options: o}
	if !o.BrokerOnly {
		if s.CH, err = chserver.Start(ctx, chserver.Config{Dir: filepath.Join(o.Dir, "clickhouse"), TCPPort: o.CHPort}); err != nil {
			return nil, err
		}
	}
	port := o.BrokerPort
	if port == 0 {
		if port, err = chserver.FreePort(); err != nil {
			s.Stop()
			return nil, err
		}
	}
	s.BrokerAddr = "127.0.0.1:" + strconv.Itoa(port)
	s.Broker, err = s.Start("broker", "--port", strconv.Itoa(port), "--partitions", strconv.Itoa(o.Partitions),
		"--data-dir", filepath.Join(o.Dir, "broker"))
	if err != nil {
		s.Stop()
		return nil, err
	}
	if err := waitTCP(ctx, s.BrokerAddr, 30*time.Second); err != nil {
		s.Stop()
		return nil, fmt.Errorf("broker did not start: %w", err)
	}
	if o.BrokerOnly {
		return s, nil
	}
	if err := s.Run(ctx, "schema", append([]string{"migrate"}, s.CHArgs()...)...); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// CHArgs are the flags that point an edgelog command (query, bill,
// schema...) at the stack's ClickHouse server and database.
func (s *Stack) CHArgs() []string {
	return []string{"--ch-addr", s.CH.Addr(), "--ch-db", s.DB}
}

// IngestArgs are ingest's flags for the stack (its broker, server and
// database), then extra.
func (s *Stack) IngestArgs(extra ...string) []string {
	return append(append([]string{"--brokers", s.BrokerAddr}, s.CHArgs()...), extra...)
}

// LogPath is where a process the stack started as `edgelog name` writes
// its output (when Options.Stdout is nil).
func (s *Stack) LogPath(name string) string {
	return filepath.Join(s.Dir, "logs", name+".log")
}

// Conn opens a ClickHouse connection to the stack's server.
func (s *Stack) Conn(ctx context.Context) (driver.Conn, error) {
	return chconn.Open(ctx, chconn.Config{Addr: s.CH.Addr(), Database: s.DB})
}

// Proc is a running edgelog subcommand.
type Proc struct {
	Name string
	args []string
	s    *Stack
	// Process is its latest run (Restart starts another).
	proc.Process
}

// Start runs `edgelog <name> args...` in the background. A collector,
// import, ingest or query without --metrics-addr serves its metrics on a
// free port (their default ports would collide between stacks on one machine).
func (s *Stack) Start(name string, args ...string) (*Proc, error) {
	switch name {
	case "collector", "import", "ingest", "query":
		if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--metrics-addr") }) {
			args = append(slices.Clip(args), "--metrics-addr", "127.0.0.1:0")
		}
	}
	p := &Proc{Name: name, args: args, s: s}
	if err := p.start(); err != nil {
		return nil, err
	}
	s.procs = append(s.procs, p)
	return p, nil
}

func (p *Proc) start() error {
	cmd := exec.Command(p.s.Bin, append([]string{p.Name}, p.args...)...) // #nosec G204 -- this repository's own binary, arguments built by the harness
	cmd.Dir = p.s.Dir
	var out io.Writer = p.s.Stdout
	var f *os.File
	if out == nil {
		var err error
		f, err = os.OpenFile(p.s.LogPath(p.Name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644) // #nosec G302 -- a harness process's log in the run's directory
		if err != nil {
			return err
		}
		out = f
	}
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group: the terminal's Ctrl-C reaches the stack's Stop,
	// which shuts the stages down in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	closeLog := func() {
		if f != nil {
			f.Close() // #nosec G104 -- the process's log, closed when it exits (or fails to start)
		}
	}
	if err := p.Process.Start(cmd, closeLog); err != nil {
		closeLog()
		return fmt.Errorf("cannot start edgelog %s: %w", p.Name, err)
	}
	return nil
}

// Run runs `edgelog <name> args...` to completion.
func (s *Stack) Run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, s.Bin, append([]string{name}, args...)...) // #nosec G204 -- this repository's own binary, arguments built by the harness
	cmd.Dir = s.Dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("edgelog %s: %w\n%s", name, err, out)
	}
	return nil
}

// Restart starts the process again with the same arguments.
func (p *Proc) Restart() error {
	if p.Running() {
		return fmt.Errorf("edgelog %s is still running", p.Name)
	}
	return p.start()
}

// Stop stops every process, last started first, then ClickHouse.
func (s *Stack) Stop() {
	for i := len(s.procs) - 1; i >= 0; i-- {
		s.procs[i].Stop()
	}
	if s.CH != nil {
		s.CH.Stop()
	}
}

func waitTCP(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := (&netDialer).DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close() // #nosec G104 -- a probe connection; only whether it opened matters
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitHTTP waits until url answers 200.
func WaitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close() // #nosec G104 -- a probe's response body; only the status matters
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer: %w", url, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
