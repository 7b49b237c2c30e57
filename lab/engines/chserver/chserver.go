// Package chserver starts and stops project-local clickhouse-server
// processes on 127.0.0.1: the demo, the end-to-end tests and the benchmarks
// all run against a real server started this way, from the same config
// template deploy/clickhouse.sh uses.
package chserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/edgelog/edgelog/deploy"
	"github.com/edgelog/edgelog/lab/engines/proc"
)

// SetupHint is what to run when the server binary is missing.
const SetupHint = "install it with `make setup` (runs deploy/clickhouse.sh install)"

// Config says where and how to run a server.
type Config struct {
	Dir      string // server directory; created if missing
	TCPPort  int    // 0 picks a free port
	HTTPPort int    // 0 picks a free port
	// InterserverPort is used by replicated tables; 0 picks a free port.
	InterserverPort int
	Extra           string // extra XML inside <yandex> (cluster mode)
}

// Server is a running clickhouse-server process.
type Server struct {
	Config
	// Process is the server's latest run (Restart starts another).
	proc.Process
}

// Binary returns the clickhouse-server executable (or the single
// "clickhouse" binary, which Start runs as "clickhouse server") or an error
// naming the setup command.
func Binary() (string, error) {
	for _, name := range []string{"clickhouse-server", "clickhouse"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("clickhouse-server not found in PATH: %s", SetupHint)
}

// Start writes the config and starts the server, returning once it answers
// queries on its native port.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	if cfg.Dir, err = filepath.Abs(cfg.Dir); err != nil {
		return nil, err
	}
	free, err := FreePorts(3)
	if err != nil {
		return nil, err
	}
	for i, p := range []*int{&cfg.TCPPort, &cfg.HTTPPort, &cfg.InterserverPort} {
		if *p == 0 {
			*p = free[i]
		}
	}
	for _, sub := range []string{"log", "data", "tmp", "user_files", "format_schemas"} {
		if err := os.MkdirAll(filepath.Join(cfg.Dir, sub), 0o755); err != nil { // #nosec G301 -- a local test server's directories
			return nil, fmt.Errorf("cannot create server dir: %w", err)
		}
	}
	conf := filepath.Join(cfg.Dir, "config.xml")
	xml := deploy.RenderClickHouseConfig(deploy.ClickHouseConfig{
		Dir: cfg.Dir, TCPPort: cfg.TCPPort, HTTPPort: cfg.HTTPPort,
		InterserverPort: cfg.InterserverPort, Extra: cfg.Extra,
	})
	if err := os.WriteFile(conf, []byte(xml), 0o644); err != nil { // #nosec G306 -- a local test server's config
		return nil, fmt.Errorf("cannot write server config: %w", err)
	}
	s := &Server{Config: cfg}
	if err := s.start(ctx, bin, conf); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context, bin, conf string) error {
	args := []string{"--config-file=" + conf}
	if filepath.Base(bin) == "clickhouse" {
		args = append([]string{"server"}, args...)
	}
	out, err := os.OpenFile(filepath.Join(s.Dir, "log", "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644) // #nosec G302 -- a local test server's stdout log
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...) // #nosec G204 -- the clickhouse binary the project installs, arguments built here
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = s.Dir
	if os.Getenv("MALLOC_CONF") == "" {
		cmd.Env = append(os.Environ(), "MALLOC_CONF="+deploy.ClickHouseMallocConf) // see deploy.ClickHouseMallocConf
	}
	// Its own process group, so a Ctrl-C at the terminal reaches it only
	// through Stop, after the stages that write to it have flushed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	closeLog := func() {
		out.Close() // #nosec G104 -- the server's stdout log, closed when it exits (or fails to start)
	}
	if err := s.Process.Start(cmd, closeLog); err != nil {
		closeLog()
		return fmt.Errorf("cannot start clickhouse-server: %w", err)
	}
	return s.waitReady(ctx)
}

func (s *Server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.Done():
			return fmt.Errorf("clickhouse-server exited at start (%v); see %s", s.Err(), filepath.Join(s.Dir, "log"))
		case <-ctx.Done():
			s.Kill()
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if s.ping(ctx) == nil {
			return nil
		}
	}
	s.Kill()
	return fmt.Errorf("clickhouse-server did not answer within 60s; see %s", filepath.Join(s.Dir, "log"))
}

func (s *Server) ping(ctx context.Context) error {
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{s.Addr()}, DialTimeout: time.Second})
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return conn.Ping(ctx)
}

// Addr returns the native-protocol address.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.TCPPort) }

// Restart starts the server again after Stop or Kill, on the same ports and
// data directory.
func (s *Server) Restart(ctx context.Context) error {
	if s.Running() {
		return errors.New("clickhouse-server is still running")
	}
	bin, err := Binary()
	if err != nil {
		return err
	}
	return s.start(ctx, bin, filepath.Join(s.Dir, "config.xml"))
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	ps, err := FreePorts(1)
	if err != nil {
		return 0, err
	}
	return ps[0], nil
}

// FreePorts returns n distinct TCP ports on 127.0.0.1 that were free a
// moment ago. Each is held until all are chosen: ports taken one at a time
// and released in between may repeat (the kernel may hand the one just
// closed out again), and a cluster whose config names one port for two
// servers does not start (ClickHouse: "two exactly the same instances").
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("cannot find a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
