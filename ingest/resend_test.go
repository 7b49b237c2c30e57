package ingest_test

import (
	"context"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/internal/fallbacks"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/lab/engines/chtest"
)

// collectorMsg is one message as a collector sends it: rows rows of one
// customer, from batch end of source src, sequence seq within the batch.
func collectorMsg(t *testing.T, cust string, rows int, src string, end, seq int) kafka.Message {
	t.Helper()
	var b record.Block
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for i := range rows {
		r := record.Record{TimeMs: base + int64(end*1000+seq*100+i), Status: 200, BytesSent: 1000}
		r.SetClientIP(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}))
		r.Str[record.Customer] = []byte(cust)
		r.Str[record.Host] = []byte(cust + ".example")
		b.Append(&r)
	}
	var enc wire.Encoder
	return kafka.Message{Key: []byte("k"), Value: enc.Encode(nil, &b), Headers: []kafka.Header{
		{Key: "src", Value: []byte(src)},
		{Key: "src_end", Value: []byte(strconv.Itoa(end))},
		{Key: "src_seq", Value: []byte(strconv.Itoa(seq))},
		// As many fallbacks as rows: a skipped re-send must add none.
		{Key: fallbacks.Header, Value: []byte("nginx;line/extra=" + strconv.Itoa(rows))},
	}}
}

// TestCollectorResendsAreSkipped sends, on one partition, batches whose
// messages share a batch end (one per customer, as a collector cuts them),
// then what a restarted collector re-sends, partly out of order: every
// original message is inserted once, every re-send skipped, whether the
// worker knows the ledger from memory or reads it back after a restart.
func TestCollectorResendsAreSkipped(t *testing.T) {
	b := chtest.Broker(t, 1, topic, "dlq")
	db := chtest.NewDB(t)
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr()), Topic: topic, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	defer w.Close()
	send := func(msgs ...kafka.Message) {
		t.Helper()
		for _, m := range msgs { // one at a time: the order is the test
			if err := w.WriteMessages(context.Background(), m); err != nil {
				t.Fatal(err)
			}
		}
	}
	const src = "edge-1:/var/log/access.log#1-2"
	send(
		collectorMsg(t, "a", 10, src, 100, 0), collectorMsg(t, "b", 20, src, 100, 1), collectorMsg(t, "c", 30, src, 100, 2),
		collectorMsg(t, "a", 40, src, 200, 0), collectorMsg(t, "b", 50, src, 200, 2), // seq 1 failed and is retried later
		collectorMsg(t, "b", 60, src, 200, 1),
		collectorMsg(t, "b", 50, src, 200, 2),                             // re-sent in memory
		collectorMsg(t, "x", 7, "edge-2:/var/log/access.log#3-4", 200, 0), // another source, same offsets
	)
	want := uint64(10 + 20 + 30 + 40 + 50 + 60 + 7)
	ctx, cancel := context.WithCancel(context.Background())
	_, done := startWorker(t, ctx, b.Addr(), db, nil)
	c := waitRows(t, db, want, time.Minute)
	cancel()
	<-done
	if c.raw != want {
		t.Fatalf("raw rows %d, want %d", c.raw, want)
	}

	// A restarted collector re-sends its last batch; a restarted worker
	// must recognise it from the ledger in ClickHouse.
	send(collectorMsg(t, "a", 40, src, 200, 0), collectorMsg(t, "c", 30, src, 100, 2), collectorMsg(t, "b", 60, src, 200, 1),
		collectorMsg(t, "c", 70, src, 200, 3), // new: the re-cut batch had a message that never arrived
		collectorMsg(t, "a", 80, src, 300, 0))
	want += 70 + 80
	ctx, cancel = context.WithCancel(context.Background())
	_, done = startWorker(t, ctx, b.Addr(), db, nil)
	c = waitRows(t, db, want, time.Minute)
	cancel()
	<-done
	if c.raw != want || c.rollup != want || c.fallbacks != want {
		t.Fatalf("raw rows %d, traffic_1m %d, fallbacks %d, want %d", c.raw, c.rollup, c.fallbacks, want)
	}
}
