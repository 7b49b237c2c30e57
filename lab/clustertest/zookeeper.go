package clustertest

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/edgelog/edgelog/lab/engines/chserver"
)

// ZooKeeperHint is what to run when ZooKeeper is missing.
const ZooKeeperHint = "install it with `make setup` (deploy/setup.sh installs Debian's zookeeper package)"

// zooKeeperJars are the Debian package's jars. zookeeper.jar's manifest
// lists its own dependencies; slf4j-simple gives its log a binding.
var zooKeeperJars = []string{"/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-simple.jar"}

// ZooKeeper is a standalone ZooKeeper server (Debian's package) on
// 127.0.0.1, with its own config and data in a directory of its own: no
// systemd unit, nothing in /etc.
type ZooKeeper struct {
	Dir  string
	Port int
	cmd  *exec.Cmd
	done chan struct{}
}

// StartZooKeeper starts ZooKeeper in dir on a free port and returns once it
// serves requests.
func StartZooKeeper(ctx context.Context, dir string) (*ZooKeeper, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("java not found in PATH: %s", ZooKeeperHint)
	}
	for _, j := range zooKeeperJars {
		if _, err := os.Stat(j); err != nil {
			return nil, fmt.Errorf("%s missing: %s", j, ZooKeeperHint)
		}
	}
	port, err := chserver.FreePort()
	if err != nil {
		return nil, err
	}
	zk := &ZooKeeper{Dir: dir, Port: port}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil { // #nosec G301 -- test ZooKeeper's data in its temporary directory
		return nil, err
	}
	// A short tick keeps session setup fast; 4lw "srvr" is the readiness
	// probe; the admin HTTP server would want a port of its own.
	conf := fmt.Sprintf(`tickTime=500
dataDir=%s
clientPort=%d
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr
`, filepath.Join(dir, "data"), port)
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(conf), 0o644); err != nil { // #nosec G306 -- test ZooKeeper's config in its temporary directory
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "zookeeper.log")) // #nosec G304 -- test ZooKeeper's log in its temporary directory
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(java, "-Xmx256m", "-cp", strings.Join(zooKeeperJars, ":"), // #nosec G204 -- the java found on the machine, fixed arguments
		"org.apache.zookeeper.server.ZooKeeperServerMain", cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close() // #nosec G104 -- already failing; the start error is returned
		return nil, fmt.Errorf("cannot start zookeeper: %w", err)
	}
	zk.cmd, zk.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(zk.done) }() // #nosec G104 -- end of the test ZooKeeper's log
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-zk.done:
			return nil, fmt.Errorf("zookeeper exited at start; see %s", logf.Name())
		case <-ctx.Done():
			zk.Stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if zk.serving() {
			return zk, nil
		}
	}
	zk.Stop()
	return nil, fmt.Errorf("zookeeper did not answer within 60s; see %s", logf.Name())
}

// serving asks ZooKeeper's "srvr" four-letter word. Not "ruok": it answers
// "imok" while the server is still loading, and a ClickHouse 18.16 that
// connects then crashes (null ZooKeeper session in its DDL worker).
func (zk *ZooKeeper) serving() bool {
	c, err := net.DialTimeout("tcp", zk.Addr(), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("srvr")); err != nil {
		return false
	}
	b, _ := io.ReadAll(c)
	return strings.Contains(string(b), "Mode: standalone")
}

// Addr is the client address.
func (zk *ZooKeeper) Addr() string { return fmt.Sprintf("127.0.0.1:%d", zk.Port) }

// Stop kills ZooKeeper (its data is scratch) and waits for it.
func (zk *ZooKeeper) Stop() {
	if zk.cmd == nil {
		return
	}
	select {
	case <-zk.done:
		return
	default:
	}
	_ = zk.cmd.Process.Kill()
	<-zk.done
}
