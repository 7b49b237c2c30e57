package clustertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/chserver"
	"github.com/edgelog/edgelog/lab/engines/stack"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/traffic"
	"github.com/edgelog/edgelog/schema"
)

const clusterName = "edgelog"

// cluster is 2 shards x 1 replica. Its Distributed tables hold the rows of
// an asynchronous INSERT for up to 20 seconds before sending them on, so
// reading too early after one shows every time (TestAsyncInsertIsLate).
var cluster *Cluster

// clusterDir holds every server and ZooKeeper of the package's clusters.
var clusterDir string

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "edgelog-cluster-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	clusterDir = dir
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cluster, err = Start(ctx, filepath.Join(dir, "sharded"), Layout{Name: clusterName, Shards: 2, Replicas: 1, AsyncSendDelay: 20 * time.Second})
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start the test cluster: %v (dir %s)\n", err, dir)
		return 1
	}
	code := m.Run()
	cluster.Stop()
	if replicaSet.c != nil {
		replicaSet.c.Stop()
	}
	if cliBin.path != "" {
		os.RemoveAll(filepath.Dir(cliBin.path))
	}
	if code == 0 {
		os.RemoveAll(dir)
	} else {
		fmt.Fprintf(os.Stderr, "cluster dir kept for inspection: %s\n", dir)
	}
	return code
}

// connect connects to the server of shard i of the sharded cluster.
func connect(t *testing.T, shard int) driver.Conn {
	t.Helper()
	return connectTo(t, cluster.Servers[shard])
}

func connectTo(t *testing.T, s *chserver.Server) driver.Conn {
	t.Helper()
	conn, err := chconn.Open(context.Background(), chconn.Config{Addr: s.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

var cliBin struct {
	once sync.Once
	path string
	err  error
}

// cli runs the edgelog binary against shard i's server and returns its
// output and error.
func cli(t *testing.T, shard int, db string, args ...string) (string, error) {
	t.Helper()
	cliBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "edgelog-bin-")
		if err != nil {
			cliBin.err = err
			return
		}
		cliBin.path, cliBin.err = stack.Build(dir)
	})
	if cliBin.err != nil {
		t.Fatal(cliBin.err)
	}
	args = append(args, "--ch-addr", cluster.Servers[shard].Addr(), "--ch-db", db)
	out, err := exec.Command(cliBin.path, args...).CombinedOutput()
	return string(out), err
}

// migrator migrates db on the cluster called name through conn, as
// `edgelog schema migrate --cluster` does: Dial reaches the other servers.
func migrator(t *testing.T, conn driver.Conn, db, name string) *schema.Migrator {
	t.Helper()
	m, err := schema.NewMigrator(context.Background(), conn, db, name)
	if err != nil {
		t.Fatal(err)
	}
	m.Dial = func(ctx context.Context, addr string) (driver.Conn, error) {
		return chconn.Open(ctx, chconn.Config{Addr: addr})
	}
	return m
}

// migrated creates database db on the cluster through shard 0's server.
func migrated(t *testing.T, db string) *schema.Migrator {
	t.Helper()
	ctx := context.Background()
	m := migrator(t, connect(t, 0), db, clusterName)
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return m
}

func tables(t *testing.T, conn driver.Conn, db string) []string {
	t.Helper()
	return column(t, conn, "SELECT name FROM system.tables WHERE database = ? ORDER BY name", db)
}

// column runs a query of one String column and returns its values.
func column(t *testing.T, conn driver.Conn, query string, args ...any) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrateOnCluster(t *testing.T) {
	const db = "mig"
	// The operator's command, as on a production cluster.
	if out, err := cli(t, 0, db, "schema", "migrate", "--cluster", clusterName); err != nil {
		t.Fatalf("edgelog schema migrate --cluster: %v\n%s", err, out)
	}
	ctx := context.Background()
	first := tables(t, connect(t, 0), db)
	second := tables(t, connect(t, 1), db)
	if fmt.Sprint(first) != fmt.Sprint(second) {
		t.Fatalf("shards hold different tables:\n%v\n%v", first, second)
	}
	// Every data table is a replicated "_local" table with a Distributed
	// table of the plain name in front and, for rollups, its view.
	want := map[string]bool{schema.MigrationsTable: true, schema.BillSnapshotsTable: true, schema.FallbacksTable: true, schema.OffsetGapsTable: true, schema.ClockSkewTable: true}
	for _, n := range []string{schema.RawTable, schema.LedgerTable, schema.SourceLedgerTable, schema.WatermarkTable} {
		want[n], want[n+"_local"] = true, true
	}
	want[schema.LedgerView], want[schema.SourceLedgerView], want[schema.WatermarkView], want[schema.PartialInsertsTable] = true, true, true, true
	for _, r := range schema.RollupsAndLive() {
		want[r.Name], want[r.Name+"_local"], want[r.Name+"_mv"] = true, true, true
	}
	var wantList []string
	for n := range want {
		wantList = append(wantList, n)
	}
	sort.Strings(wantList)
	if fmt.Sprint(first) != fmt.Sprint(wantList) {
		t.Fatalf("tables:\n got %v\nwant %v", first, wantList)
	}
	var replicated uint64
	if err := connect(t, 1).QueryRow(ctx, "SELECT count() FROM system.replicas WHERE database = ?", db).Scan(&replicated); err != nil {
		t.Fatal(err)
	}
	// raw, two ledgers, each rollup, migrations, bill snapshots, field
	// fallbacks, offset gaps, clock skew, the live counter and ingest_watermark,
	// partial inserts
	if want := uint64(3 + len(schema.Rollups) + 3 + 2 + 2 + 1); replicated != want {
		t.Fatalf("%d replicated tables on shard 2, want %d", replicated, want)
	}
	// The applied versions are on every server: migrating again through
	// the other server applies nothing.
	m2 := migrator(t, connect(t, 1), db, clusterName)
	steps, err := m2.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 0 {
		t.Fatalf("migrate through shard 2 applied %d steps, want 0", len(steps))
	}
}

// sums are the figures every table must reproduce, per customer.
type sums struct{ requests, bytesOut uint64 }

func truth(blk *record.Block) map[string]sums {
	out := map[string]sums{}
	for i := range blk.Len() {
		c := string(blk.Str[record.Customer].Bytes(i))
		s := out[c]
		s.requests++
		s.bytesOut += blk.BytesSent[i]
		out[c] = s
	}
	return out
}

// syncInsert makes a Distributed insert return only once every shard has
// its rows, so counts can be read at once.
func syncInsert() context.Context {
	return clickhouse.Context(context.Background(), clickhouse.WithSettings(clickhouse.Settings{"insert_distributed_sync": 1}))
}

func perCustomer(t *testing.T, conn driver.Conn, query string) map[string]sums {
	t.Helper()
	rows, err := conn.Query(context.Background(), query)
	if err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
	defer rows.Close()
	out := map[string]sums{}
	for rows.Next() {
		var c string
		var s sums
		if err := rows.Scan(&c, &s.requests, &s.bytesOut); err != nil {
			t.Fatal(err)
		}
		out[c] = s
	}
	return out
}

func hasField(fs []schema.Field, name string) bool {
	for _, f := range fs {
		if f.Name == name {
			return true
		}
	}
	return false
}

// checkTables reads every table through its Distributed table and
// compares requests and bytes out, per customer where the table has one,
// with the rows inserted.
func checkTables(t *testing.T, conn driver.Conn, db string, want map[string]sums) {
	t.Helper()
	checkTablesNamed(t, conn, db, "", want)
}

// checkLocalTables is checkTables on the server's own replicated tables
// rather than the Distributed ones: what this replica holds.
func checkLocalTables(t *testing.T, conn driver.Conn, db string, want map[string]sums) {
	t.Helper()
	checkTablesNamed(t, conn, db, "_local", want)
}

func checkTablesNamed(t *testing.T, conn driver.Conn, db, suffix string, want map[string]sums) {
	t.Helper()
	var all sums
	for _, s := range want {
		all.requests += s.requests
		all.bytesOut += s.bytesOut
	}
	check := func(table, customer, requests, bytes string) {
		q := fmt.Sprintf("SELECT %s AS c, toUInt64(sum(%s)), toUInt64(sum(%s)) FROM %s.%s%s GROUP BY c", customer, requests, bytes, db, table, suffix)
		got := perCustomer(t, conn, q)
		exp := want
		if customer == "''" {
			exp = map[string]sums{"": all}
		}
		if bytes == "0" {
			exp = stripBytes(exp)
		}
		if fmt.Sprint(got) != fmt.Sprint(exp) {
			t.Errorf("%s: per customer (requests, bytes out)\n got %v\nwant %v", table, got, exp)
		}
	}
	check(schema.RawTable, "customer", "1", "bytes_sent")
	check(schema.LedgerTable, "''", "rows", "0")
	for _, r := range schema.Rollups {
		customer, bytes := "''", "0"
		if hasField(r.Dims, "customer") {
			customer = "customer"
		}
		if hasField(r.Measures, "bytes_out") {
			bytes = "bytes_out"
		}
		check(r.Name, customer, "requests", bytes)
	}
}

func stripBytes(m map[string]sums) map[string]sums {
	out := map[string]sums{}
	for c, s := range m {
		out[c] = sums{requests: s.requests}
	}
	return out
}

func generated(t *testing.T, lines int, seed uint64) *record.Block {
	t.Helper()
	blk, err := traffic.All(gen.Options{Lines: lines, Seed: seed, Duration: 48 * time.Hour, Customers: 6})
	if err != nil {
		t.Fatal(err)
	}
	return blk
}

func shardRows(t *testing.T, db string) []uint64 {
	t.Helper()
	var out []uint64
	for i := range cluster.Servers {
		var n uint64
		if err := connect(t, i).QueryRow(context.Background(), "SELECT count() FROM "+db+".requests_local").Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func TestInsertThroughDistributed(t *testing.T) {
	const db = "dist"
	m := migrated(t, db)
	blk := generated(t, 40_000, 11)
	if err := ingest.InsertBlock(syncInsert(), connect(t, 0), db, m.Dialect, blk); err != nil {
		t.Fatal(err)
	}
	per := shardRows(t, db)
	if per[0] == 0 || per[1] == 0 || per[0]+per[1] != uint64(blk.Len()) {
		t.Fatalf("rows per shard %v, want both non-empty and %d in all", per, blk.Len())
	}
	want := truth(blk)
	// Read back through either server: each sees the whole cluster.
	checkTables(t, connect(t, 0), db, want)
	checkTables(t, connect(t, 1), db, want)
	// The reconciliation reads the Distributed tables as well.
	if out, err := cli(t, 1, db, "schema", "verify"); err != nil || !strings.Contains(out, "every rollup agrees") {
		t.Fatalf("edgelog schema verify on the cluster: %v\n%s", err, out)
	}
}

func TestResentBlockIsDeduplicated(t *testing.T) {
	const db = "dedup"
	m := migrated(t, db)
	blk := generated(t, 20_000, 12)
	// The first send through shard 1's server, the re-send (as after a lost
	// acknowledgement) through shard 2's: the same per-shard blocks reach
	// the same replicated tables and are dropped there.
	for i := range cluster.Servers {
		if err := ingest.InsertBlock(syncInsert(), connect(t, i), db, m.Dialect, blk); err != nil {
			t.Fatal(err)
		}
	}
	if per := shardRows(t, db); per[0]+per[1] != uint64(blk.Len()) {
		t.Fatalf("%v rows per shard after a re-send, want %d in all", per, blk.Len())
	}
	checkTables(t, connect(t, 0), db, truth(blk))
	// A different block is not mistaken for a re-send.
	other := generated(t, 5_000, 13)
	if err := ingest.InsertBlock(syncInsert(), connect(t, 0), db, m.Dialect, other); err != nil {
		t.Fatal(err)
	}
	if per := shardRows(t, db); per[0]+per[1] != uint64(blk.Len()+other.Len()) {
		t.Fatalf("%v rows per shard after a new block, want %d in all", per, blk.Len()+other.Len())
	}
}

// TestRetentionOnCluster runs `schema retention --cluster`: each shard's
// own tables lose their partitions past the retention and keep the rest.
// The rows are in the shards' "_local" tables, which the policy names by
// their Distributed tables' names.
func TestRetentionOnCluster(t *testing.T) {
	const db = "ret"
	if out, err := cli(t, 0, db, "schema", "migrate", "--cluster", clusterName); err != nil {
		t.Fatalf("edgelog schema migrate --cluster: %v\n%s", err, out)
	}
	ctx := context.Background()
	old, recent := time.Now().AddDate(0, 0, -500).Unix(), time.Now().Add(-time.Hour).Unix()
	for _, at := range []int64{old, recent} {
		// Ten customers on seven hosts: rows on both shards.
		q := fmt.Sprintf("INSERT INTO %s.%s (time, customer, host, status, bytes_sent) SELECT toDateTime(%d) + number, concat('c', toString(number %% 10)), concat('h', toString(number %% 7)), 200, 100 FROM system.numbers LIMIT 200", db, schema.RawTable, at)
		if err := connect(t, 0).Exec(syncInsert(), q); err != nil {
			t.Fatal(err)
		}
	}
	count := func(shard int, cond string) uint64 {
		var n uint64
		if err := connect(t, shard).QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s.%s WHERE %s", db, schema.ShardTable(schema.RawTable), cond)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	kept := make([]uint64, len(cluster.Servers))
	for s := range cluster.Servers {
		if count(s, "time < now() - 86400") == 0 {
			t.Fatalf("shard %d holds no old rows; the test needs rows on every shard", s+1)
		}
		kept[s] = count(s, "time >= now() - 86400")
	}
	out, err := cli(t, 0, db, "schema", "retention", "--cluster", clusterName)
	if err != nil {
		t.Fatalf("edgelog schema retention --cluster: %v\n%s", err, out)
	}
	if n := strings.Count(out, "shard at "); n != len(cluster.Servers) {
		t.Errorf("retention reported %d shards, want %d:\n%s", n, len(cluster.Servers), out)
	}
	for s := range cluster.Servers {
		if n := count(s, "time < now() - 86400"); n != 0 {
			t.Errorf("shard %d keeps %d raw rows past the retention:\n%s", s+1, n, out)
		}
		if n := count(s, "time >= now() - 86400"); n != kept[s] {
			t.Errorf("shard %d holds %d recent raw rows after retention, want %d", s+1, n, kept[s])
		}
	}
}
