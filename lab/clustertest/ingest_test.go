package clustertest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/lab/engines/chserver"
	"github.com/edgelog/edgelog/lab/engines/chtest"
)

const (
	ingestTopic      = "requests"
	ingestPartitions = 4
	ingestGroup      = "ingest"
)

// messagesOf cuts blk as collectors would: messages of up to rowsPer rows
// of one customer each. It returns each message's row indexes, in the
// order they are sent.
func messagesOf(blk *record.Block, rowsPer int) [][]int {
	byCustomer := map[string][]int{}
	var order []string
	for i := range blk.Len() {
		c := string(blk.Str[record.Customer].Bytes(i))
		if byCustomer[c] == nil {
			order = append(order, c)
		}
		byCustomer[c] = append(byCustomer[c], i)
	}
	var msgs [][]int
	for _, c := range order {
		rows := byCustomer[c]
		for from := 0; from < len(rows); from += rowsPer {
			msgs = append(msgs, rows[from:min(from+rowsPer, len(rows))])
		}
	}
	return msgs
}

// produceBlock sends blk in messages of up to rowsPer rows of one
// customer, keyed by customer, to a topic of ingestPartitions partitions,
// and returns each partition's end offset.
func produceBlock(t *testing.T, addr string, blk *record.Block, rowsPer int) map[int]int64 {
	t.Helper()
	return produceMessages(t, addr, blk, messagesOf(blk, rowsPer), ingestPartitions)
}

// produceMessages sends the messages of blk's rows msgs, in order, to a
// topic of partitions partitions and returns each one's end offset.
func produceMessages(t *testing.T, addr string, blk *record.Block, msgs [][]int, partitions int) map[int]int64 {
	t.Helper()
	var enc wire.Encoder
	var r record.Record
	var out []kafka.Message
	for _, rows := range msgs {
		var mb record.Block
		for _, i := range rows {
			blk.Row(i, &r)
			mb.Append(&r)
		}
		out = append(out, kafka.Message{Key: mb.Str[record.Customer].Bytes(0), Value: enc.Encode(nil, &mb)})
	}
	w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: ingestTopic, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(context.Background(), out...); err != nil {
		t.Fatal(err)
	}
	client := &kafka.Client{Addr: kafka.TCP(addr)}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for p := range partitions {
		req.Topics[ingestTopic] = append(req.Topics[ingestTopic], kafka.LastOffsetOf(p))
	}
	resp, err := client.ListOffsets(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	end := map[int]int64{}
	for _, p := range resp.Topics[ingestTopic] {
		if p.Error != nil {
			t.Fatal(p.Error)
		}
		end[p.Partition] = p.LastOffset
	}
	return end
}

// runWorker runs an ingest worker of group ingestGroup against server s
// until the test ends.
func runWorker(t *testing.T, brokers string, s *chserver.Server, db string) {
	t.Helper()
	cfg := ingest.Config{Topic: ingestTopic, GroupID: ingestGroup, DeadLetterTopic: "dlq", BatchRows: 3000, BatchWait: 100 * time.Millisecond}
	cfg.Kafka.Brokers = []string{brokers}
	cfg.CH = chconn.Config{Addr: s.Addr(), Database: db}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.Default()
	}
	w, err := ingest.New(cfg, prometheus.NewRegistry(), log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ingest worker: %v", err)
		}
	})
}

// waitCommitted returns as soon as the group's committed offset of every
// partition reaches end: the moment ingest has declared every row stored.
func waitCommitted(t *testing.T, addr string, end map[int]int64, timeout time.Duration) {
	t.Helper()
	client := &kafka.Client{Addr: kafka.TCP(addr)}
	parts := make([]int, 0, len(end))
	for p := range end {
		parts = append(parts, p)
	}
	deadline := time.Now().Add(timeout)
	var last []kafka.OffsetFetchPartition
	for time.Now().Before(deadline) {
		resp, err := client.OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: ingestGroup, Topics: map[string][]int{ingestTopic: parts}})
		if err == nil && resp.Error == nil {
			last = resp.Topics[ingestTopic]
			done := len(last) == len(end)
			for _, p := range last {
				// An empty partition has nothing to commit.
				if end[p.Partition] > 0 && p.CommittedOffset < end[p.Partition] {
					done = false
				}
			}
			if done {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("offsets not committed within %s: committed %+v, end %v", timeout, last, end)
}

// TestIngestCommitsRowsEveryShardHolds runs the ingest worker against the
// sharded cluster (its INSERTs go through the Distributed raw table) and
// reads every table, through the other server, the moment the last offset
// is committed: no waiting, no retries. The cluster's Distributed tables
// hold asynchronous inserts back for up to 20 seconds
// (TestAsyncInsertIsLate shows it), so this passes only because ingest
// inserts synchronously.
func TestIngestCommitsRowsEveryShardHolds(t *testing.T) {
	const db = "ingest"
	migrated(t, db)
	b := chtest.Broker(t, ingestPartitions, ingestTopic, "dlq")
	blk := generated(t, 40_000, 31)
	end := produceBlock(t, b.Addr(), blk, 1_000)
	runWorker(t, b.Addr(), cluster.Servers[0], db)
	waitCommitted(t, b.Addr(), end, 2*time.Minute)
	checkTables(t, connect(t, 1), db, truth(blk))
	if per := shardRows(t, db); per[0] == 0 || per[1] == 0 {
		t.Fatalf("rows per shard %v: want both shards used", per)
	}
}

// TestAsyncInsertIsLate is the control of the test above: an INSERT
// through the Distributed table without insert_distributed_sync returns
// before the other shard has its rows, which arrive later.
func TestAsyncInsertIsLate(t *testing.T) {
	const db = "async"
	m := migrated(t, db)
	conn := connect(t, 0)
	blk := generated(t, 5_000, 32)
	if err := ingest.InsertBlock(context.Background(), conn, db, m.Dialect, blk); err != nil {
		t.Fatal(err)
	}
	got, want := count(t, conn, db), uint64(blk.Len())
	if got >= want {
		t.Fatalf("%d rows right after an asynchronous insert, want fewer than %d: the control holds nothing back", got, want)
	}
	t.Logf("right after an asynchronous insert: %d of %d rows visible", got, want)
	deadline := time.Now().Add(cluster.AsyncSendDelay + 30*time.Second)
	for got != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d rows %s after an asynchronous insert: late rows never came", got, want, cluster.AsyncSendDelay+30*time.Second)
		}
		time.Sleep(100 * time.Millisecond)
		got = count(t, conn, db)
	}
}

// count is the raw table's row count through its Distributed table.
func count(t *testing.T, conn driver.Conn, db string) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(context.Background(), "SELECT count() FROM "+db+".requests").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
