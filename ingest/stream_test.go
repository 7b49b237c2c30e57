package ingest_test

import (
	"context"
	"testing"
	"time"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/broker"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

func startCluster(t *testing.T, id string, topics ...string) *broker.Broker {
	t.Helper()
	b, err := broker.Start(broker.Config{Partitions: 2, Topics: append(topics, "dlq"), ClusterID: id})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// ingestAll runs one worker of topic on b until the database holds want
// rows, then stops it.
func ingestAll(t *testing.T, b *broker.Broker, topic, db string, want uint64, mutate func(*ingest.Config)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	_, done := startWorker(t, ctx, b.Addr(), db, func(c *ingest.Config) {
		c.Topic, c.GroupID = topic, "g-"+topic
		if mutate != nil {
			mutate(c)
		}
	})
	waitRows(t, db, want, time.Minute)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestTopicsAndClustersShareADatabase: a backfill topic beside the live
// one, and a second Kafka cluster with a topic of the same name, feed one
// database. Their partitions and offsets are the same numbers; each
// stream's ledger is its own, so no message of one is skipped for the
// other's, and every row is there once.
func TestTopicsAndClustersShareADatabase(t *testing.T) {
	db := chtest.NewDB(t)
	a := startCluster(t, "region-a", topic, "backfill")
	bb := startCluster(t, "region-b", topic)
	pa := produce(t, a.Addr(), 6, 100, 1)
	pBackfill := produceTo(t, a.Addr(), "backfill", 6, 100, 2)
	pb := produce(t, bb.Addr(), 6, 100, 3)

	ingestAll(t, a, topic, db, pa.rows, nil)
	ingestAll(t, a, "backfill", db, pa.rows+pBackfill.rows, nil)
	all := pa.rows + pBackfill.rows + pb.rows
	ingestAll(t, bb, topic, db, all, nil)
	// Each again: everything is in the ledgers, nothing is added.
	ingestAll(t, a, topic, db, all, func(c *ingest.Config) { c.GroupID = "g-again" })
	ingestAll(t, bb, topic, db, all, func(c *ingest.Config) { c.GroupID = "g-again" })
	c := readCounts(t, db)
	checkExact(t, c, produced{rows: all, bytes: pa.bytes + pBackfill.bytes + pb.bytes, fallbacks: pa.fallbacks + pBackfill.fallbacks + pb.fallbacks})

	conn, err := chconn.Open(context.Background(), chtest.Config(t, db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(context.Background(), "SELECT src_stream, sum(rows) FROM "+db+".ingest_ledger GROUP BY src_stream ORDER BY src_stream")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]uint64{}
	for rows.Next() {
		var s string
		var n uint64
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		got[s] = n
	}
	want := map[string]uint64{"region-a/requests": pa.rows, "region-a/backfill": pBackfill.rows, "region-b/requests": pb.rows}
	for s, n := range want {
		if got[s] != n {
			t.Fatalf("ledger rows per stream %v, want %v", got, want)
		}
	}
}

// TestLegacyLedgerRows: ledger rows from before the ledgers had streams
// (src_stream ”) are read as its own by the stream LedgerLegacyStream
// names, and by no other.
func TestLegacyLedgerRows(t *testing.T) {
	for _, adopt := range []bool{false, true} {
		db := chtest.NewDB(t)
		a := startCluster(t, "region-a", topic)
		p := produce(t, a.Addr(), 4, 50, 1)
		// A row inserted as before migration 9: partition 0, offset 0,
		// no stream. The legacy stream has ingested partition 0's first
		// message.
		conn, err := chconn.Open(context.Background(), chtest.Config(t, db))
		if err != nil {
			t.Fatal(err)
		}
		d, _ := schema.ServerDialect(context.Background(), conn)
		var blk record.Block
		var r record.Record
		r.TimeMs = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
		r.Str[record.Customer], r.Str[record.Host] = []byte("legacy"), []byte("legacy.example")
		blk.Append(&r)
		if err := ingest.InsertBlock(context.Background(), conn, db, d, &blk); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		mutate := func(c *ingest.Config) {
			if adopt {
				c.LedgerLegacyStream = "region-a/" + topic
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		_, done := startWorker(t, ctx, a.Addr(), db, func(c *ingest.Config) { c.GroupID = "g-legacy"; mutate(c) })
		time.Sleep(3 * time.Second) // every message read by then (200 rows)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		// Without: every message; with: all but partition 0's first (50
		// rows), which the legacy ledger row shows inserted.
		want := p.rows + 1
		if adopt {
			want -= 50
		}
		if c := readCounts(t, db); c.raw != want {
			t.Fatalf("legacy stream adopted %v: %d rows, want %d", adopt, c.raw, want)
		}
	}
}
