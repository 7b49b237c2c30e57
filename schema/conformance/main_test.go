//go:build chdb

package conformance

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/edgelog/edgelog/lab/engines/chserver"
)

// server is the package's ClickHouse 18.16 server. It keeps a query log:
// the conformance test replays the exact SQL the query layer sent it.
var server *chserver.Server

const queryLogXML = `  <query_log>
    <database>system</database>
    <table>query_log</table>
    <flush_interval_milliseconds>1000</flush_interval_milliseconds>
  </query_log>
`

func TestMain(m *testing.M) {
	if child := os.Getenv(childEnv); child != "" {
		runChild(child) // never returns
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	chdir, err := engineDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer removeEngineDir(chdir)
	if engine, err = openEngine(chdir, false); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		return 1
	}
	if _, err := chserver.Binary(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: these tests need a real ClickHouse server: %v\n", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "edgelog-ch-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	server, err = chserver.Start(ctx, chserver.Config{Dir: dir, Extra: queryLogXML})
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start clickhouse-server: %v\n", err)
		return 1
	}
	code := m.Run()
	server.Stop()
	if code == 0 {
		os.RemoveAll(dir)
	} else {
		fmt.Fprintf(os.Stderr, "clickhouse-server dir kept for inspection: %s\n", dir)
	}
	return code
}
