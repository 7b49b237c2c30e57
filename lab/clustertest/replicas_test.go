package clustertest

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// replicaSet is 1 shard x 2 replicas, started by the first test that
// needs it and stopped by TestMain.
var replicaSet struct {
	once sync.Once
	c    *Cluster
	err  error
}

const replicaClusterName = "edgelog_replicas"

func replicas(t *testing.T) *Cluster {
	t.Helper()
	replicaSet.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		replicaSet.c, replicaSet.err = Start(ctx, filepath.Join(clusterDir, "replicated"), Layout{Name: replicaClusterName, Shards: 1, Replicas: 2})
	})
	if replicaSet.err != nil {
		t.Fatalf("cannot start the replicated cluster: %v", replicaSet.err)
	}
	return replicaSet.c
}

// quorumInsert makes an INSERT through the Distributed table return only
// once both replicas have written it, raw rows and every view's rows.
func quorumInsert() context.Context {
	return clickhouse.Context(context.Background(), clickhouse.WithSettings(clickhouse.Settings{
		"insert_distributed_sync": 1,
		"insert_quorum":           2,
	}))
}

func TestReplicaServesWhatTheOtherTook(t *testing.T) {
	c := replicas(t)
	const db = "repl"
	ctx := context.Background()
	first, second := connectTo(t, c.Server(0, 0)), connectTo(t, c.Server(0, 1))
	m := migrator(t, first, db, c.Name)
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	checkAltersReplicated(t, first, second, db)
	blk := generated(t, 30_000, 21)
	want := truth(blk)
	if err := ingest.InsertBlock(quorumInsert(), first, db, m.Dialect, blk); err != nil {
		t.Fatal(err)
	}
	// Right after the acknowledgement, with no wait: the other replica's
	// own tables hold every row and every rollup row.
	checkLocalTables(t, second, db, want)
	checkLocalTables(t, first, db, want)
	checkTables(t, second, db, want)

	// The same block again through the other replica, as an ingest worker
	// that lost its acknowledgement and reconnected elsewhere would send
	// it: both replicas recognise it and keep one copy.
	if err := ingest.InsertBlock(quorumInsert(), second, db, m.Dialect, blk); err != nil {
		t.Fatal(err)
	}
	checkLocalTables(t, second, db, want)
	syncReplicas(t, first, db)
	checkLocalTables(t, first, db, want)

	// A different block is not mistaken for a re-send, and reaches both.
	other := generated(t, 5_000, 22)
	if err := ingest.InsertBlock(quorumInsert(), second, db, m.Dialect, other); err != nil {
		t.Fatal(err)
	}
	both := truth(blk)
	for cust, s := range truth(other) {
		b := both[cust]
		b.requests += s.requests
		b.bytesOut += s.bytesOut
		both[cust] = b
	}
	checkLocalTables(t, first, db, both)
	checkLocalTables(t, second, db, both)
}

// syncReplicas waits until the server has fetched everything its replicas
// logged for db's replicated data tables, so that what it holds can be
// counted.
func syncReplicas(t *testing.T, conn driver.Conn, db string) {
	t.Helper()
	for _, n := range tables(t, conn, db) {
		if !strings.HasSuffix(n, "_local") {
			continue
		}
		if err := conn.Exec(context.Background(), "SYSTEM SYNC REPLICA "+db+"."+n); err != nil {
			t.Fatalf("cannot sync replica %s.%s: %v", db, n, err)
		}
	}
}

// TestIngestOnReplicas runs the ingest worker against one replica; once
// the last offset is committed and the other replica has fetched what the
// replication log holds, that replica's own tables hold every row.
func TestIngestOnReplicas(t *testing.T) {
	c := replicas(t)
	const db = "replingest"
	ctx := context.Background()
	m := migrator(t, connectTo(t, c.Server(0, 0)), db, c.Name)
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b := chtest.Broker(t, ingestPartitions, ingestTopic, "dlq")
	blk := generated(t, 20_000, 23)
	end := produceBlock(t, b.Addr(), blk, 1_000)
	runWorker(t, b.Addr(), c.Server(0, 0), db)
	waitCommitted(t, b.Addr(), end, 2*time.Minute)
	other := connectTo(t, c.Server(0, 1))
	syncReplicas(t, other, db)
	checkLocalTables(t, other, db, truth(blk))
}

// checkAltersReplicated checks that the migrator's ALTERs of replicated
// tables reached both replicas without ClickHouse's distributed DDL queue
// (schema.EachShard: 18.16's DDL worker can stop for good on a replicated
// ALTER ON CLUSTER), and that the replicas hold the same columns, the raw
// table every one the schema names.
func checkAltersReplicated(t *testing.T, first, second driver.Conn, db string) {
	t.Helper()
	ctx := context.Background()
	var queued uint64
	if err := first.QueryRow(ctx, "SELECT count() FROM system.zookeeper WHERE path = '/clickhouse/task_queue/ddl' AND value LIKE ?",
		"%ALTER TABLE "+db+".%").Scan(&queued); err != nil {
		t.Fatal(err)
	}
	if queued != 0 {
		t.Errorf("%d ALTERs of %s went through the distributed DDL queue, want 0 (one replica of each shard takes them)", queued, db)
	}
	one, other := columnsOf(t, first, db), columnsOf(t, second, db)
	if !slices.Equal(one, other) {
		t.Fatalf("replicas hold different columns:\n%v\n%v", one, other)
	}
	d, err := schema.ServerDialect(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range schema.RawColumns(d) {
		col := schema.ShardTable(schema.RawTable) + "." + c.Name + " "
		if !slices.ContainsFunc(other, func(s string) bool { return strings.HasPrefix(s, col) }) {
			t.Errorf("the second replica's raw table lacks %s", c.Name)
		}
	}
}

// columnsOf lists db's columns as "table.column type".
func columnsOf(t *testing.T, conn driver.Conn, db string) []string {
	t.Helper()
	return column(t, conn, "SELECT concat(table, '.', name, ' ', type) FROM system.columns WHERE database = ? ORDER BY table, name", db)
}

// TestShardsTakeTheNextReplica: schema.Shards gives a shard's work to its
// next replica when one cannot be reached or fails it, and names the shard
// when none takes it.
func TestShardsTakeTheNextReplica(t *testing.T) {
	c := replicas(t)
	ctx := context.Background()
	first, second := c.Server(0, 0).Addr(), c.Server(0, 1).Addr()
	dial := func(ctx context.Context, addr string) (driver.Conn, error) {
		return chconn.Open(ctx, chconn.Config{Addr: addr})
	}
	down := &schema.Shards{Conn: connectTo(t, c.Server(0, 0)), Cluster: c.Name, Dial: func(ctx context.Context, addr string) (driver.Conn, error) {
		if addr == first {
			return nil, errors.New("connection refused")
		}
		return dial(ctx, addr)
	}}
	defer down.Close()
	var took []string
	if err := down.Each(ctx, func(ctx context.Context, addr string, conn driver.Conn) error {
		took = append(took, addr)
		return conn.Ping(ctx)
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(took, []string{second}) {
		t.Errorf("with the first replica unreachable the work went to %v, want [%s]", took, second)
	}

	up := &schema.Shards{Conn: connectTo(t, c.Server(0, 0)), Cluster: c.Name, Dial: dial}
	defer up.Close()
	took = nil
	if err := up.Each(ctx, func(_ context.Context, addr string, _ driver.Conn) error {
		took = append(took, addr)
		if addr == first {
			return errors.New("table is in readonly mode")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(took, []string{first, second}) {
		t.Errorf("with the first replica failing the work went to %v, want [%s %s]", took, first, second)
	}
	err := up.Each(ctx, func(context.Context, string, driver.Conn) error { return errors.New("refused") })
	if err == nil || !strings.Contains(err.Error(), "no replica of shard 1") {
		t.Errorf("every replica failing: error %v, want one naming shard 1", err)
	}
}
