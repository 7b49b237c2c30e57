// Package chtest gives tests real engines: one clickhouse-server per test
// package (started in TestMain on free ports with a temp dir) and embedded
// Kafka-protocol brokers. A missing clickhouse-server fails the package with
// the setup command to run; tests never skip silently.
package chtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/lab/engines/broker"
	"github.com/edgelog/edgelog/lab/engines/chserver"
	"github.com/edgelog/edgelog/schema"
)

var (
	server *chserver.Server
	dbSeq  atomic.Int64
)

// Main starts a ClickHouse server, runs the package's tests, and stops the
// server. Call it from TestMain:
//
//	func TestMain(m *testing.M) { chtest.Main(m) }
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
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
	server, err = chserver.Start(ctx, chserver.Config{Dir: dir})
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start clickhouse-server: %v\n", err)
		os.RemoveAll(dir) // #nosec G104 -- test cleanup of a temporary directory
		return 1
	}
	code := m.Run()
	server.Stop()
	if code == 0 {
		os.RemoveAll(dir) // #nosec G104 -- test cleanup of a temporary directory
	} else {
		fmt.Fprintf(os.Stderr, "clickhouse-server dir kept for inspection: %s\n", dir)
	}
	return code
}

// Server returns the package's ClickHouse server.
func Server(t testing.TB) *chserver.Server {
	t.Helper()
	if server == nil {
		t.Fatal("chtest: no ClickHouse server; call chtest.Main from TestMain")
	}
	return server
}

// Config returns connection settings for the package server and database db.
func Config(t testing.TB, db string) chconn.Config {
	return chconn.Config{Addr: Server(t).Addr(), Database: db}
}

// Conn opens a connection to the package server, closed at cleanup.
func Conn(t testing.TB) driver.Conn {
	t.Helper()
	conn, err := chconn.Open(context.Background(), chconn.Config{Addr: Server(t).Addr()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() }) // #nosec G104 -- test cleanup of a connection
	return conn
}

// NewDB creates a fresh database with the full edgelog schema migrated and
// returns its name. It is dropped at cleanup when the test passed.
func NewDB(t testing.TB) string {
	t.Helper()
	return NewDBAt(t, 0)
}

// NewDBAt is NewDB with the schema migrated up to version to only (0: all),
// as an older release left it: for tests of a migration over old rows.
func NewDBAt(t testing.TB, to int) string {
	t.Helper()
	name := strings.NewReplacer("/", "_", "-", "_", " ", "_", "#", "_", ".", "_").Replace(t.Name())
	if len(name) > 40 {
		name = name[:40]
	}
	db := fmt.Sprintf("t%d_%s", dbSeq.Add(1), name)
	conn := Conn(t)
	ctx := context.Background()
	m, err := schema.NewMigrator(ctx, conn, db, "")
	if err != nil {
		t.Fatal(err)
	}
	m.To = to
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db)
		}
	})
	return db
}

// WaitMutations waits until every mutation of db (ALTER ... DELETE or
// UPDATE) has run: ClickHouse answers the ALTER at once and rewrites the
// parts in the background, one by one, so a test reading right after it
// may see some parts done and others not. Fails the test after 30 s.
func WaitMutations(t testing.TB, db string) {
	t.Helper()
	conn := Conn(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n uint64
		if err := conn.QueryRow(context.Background(), "SELECT count() FROM system.mutations WHERE database = ? AND is_done = 0", db).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mutations of %s still running after 30 s", n, db)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Broker starts an embedded Kafka-protocol broker on a free port, closed at
// cleanup.
func Broker(t testing.TB, partitions int, topics ...string) *broker.Broker {
	t.Helper()
	b, err := broker.Start(broker.Config{Partitions: partitions, Topics: topics})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// TempDir is t.TempDir with a shorter path (ClickHouse and unix sockets
// dislike long paths).
func TempDir(t testing.TB) string {
	dir, err := os.MkdirTemp("", "edgelog-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) }) // #nosec G104 -- test cleanup of a temporary directory
	return filepath.Clean(dir)
}
