package ingest_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// TestTimeThatLies sends a message whose rows include one stamped in 2150
// and one before 1970 among good rows, rows three hours ahead of the clock
// (a skewed server) and three hours behind: the two impossible rows are
// dead-lettered alone with the message's topic, partition and offset, every
// other row of the message is inserted exactly once in the hour it is
// stamped with, and the skewed server is in clock_skew. Before, the whole
// message went to the dead letters.
func TestTimeThatLies(t *testing.T) {
	b := chtest.Broker(t, 1, topic, "dlq")
	db := chtest.NewDB(t)
	p1 := produce(t, b.Addr(), 2, 100, 30)

	now := time.Now().UTC()
	// Ten minutes into an hour, so the three rows share it.
	ahead := now.Add(3 * time.Hour).Truncate(time.Hour).Add(10 * time.Minute)
	behind := now.Add(-3 * time.Hour).Truncate(time.Hour).Add(10 * time.Minute)
	times := []time.Time{
		time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC),
		time.Date(2150, 1, 1, 0, 0, 0, 0, time.UTC), // dead letter
		ahead, ahead.Add(time.Second), ahead.Add(2 * time.Second),
		time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), // dead letter
		behind, behind.Add(time.Second),
		time.Date(2026, 10, 1, 1, 0, 1, 0, time.UTC),
	}
	var blk record.Block
	var good produced
	for i, at := range times {
		server := "edge-ok"
		if at.Sub(now) > time.Hour {
			server = "edge-fast"
		}
		r := record.Record{TimeMs: at.UnixMilli(), Status: 200, BytesSent: uint64(1000 + i)}
		r.SetClientIP(netip.AddrFrom4([4]byte{10, 1, 0, byte(i)}))
		r.Str[record.Customer] = []byte("c0")
		r.Str[record.Host] = []byte("c0.example")
		r.Str[record.Server] = []byte(server)
		blk.Append(&r)
		if record.ValidTime(at.UnixMilli()) {
			good.rows++
			good.bytes += r.BytesSent
		}
	}
	var enc wire.Encoder
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr()), Topic: topic, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	if err := w.WriteMessages(context.Background(), kafka.Message{Key: []byte("c0"), Value: enc.Encode(nil, &blk),
		Headers: []kafka.Header{{Key: "src", Value: []byte("edge-fast:/var/log/access.log")}, {Key: "src_end", Value: []byte("9000")}, {Key: "src_seq", Value: []byte("0")}}}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	p2 := produce(t, b.Addr(), 2, 100, 31)

	ctx, cancel := context.WithCancel(context.Background())
	_, done := startWorker(t, ctx, b.Addr(), db, nil)
	want := produced{rows: p1.rows + good.rows + p2.rows, bytes: p1.bytes + good.bytes + p2.bytes, fallbacks: p1.fallbacks + p2.fallbacks}
	c := waitRows(t, db, want.rows, time.Minute)
	checkExact(t, c, want)

	// The dead letter: the two rows alone, with the message's offset.
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{b.Addr()}, Topic: "dlq", Partition: 0})
	defer r.Close()
	rctx, rcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer rcancel()
	m, err := r.ReadMessage(rctx)
	if err != nil {
		t.Fatalf("no dead letter: %v", err)
	}
	hdr := map[string]string{}
	for _, h := range m.Headers {
		hdr[h.Key] = string(h.Value)
	}
	if hdr["offset"] != "2" || hdr["partition"] != "0" || hdr["source"] != topic || hdr["reason"][:13] != "invalid_time:" {
		t.Fatalf("dead letter headers %v: want offset 2 of %s, reason invalid_time", hdr, topic)
	}
	var dec wire.Decoder
	var dead record.Block
	if err := dec.Decode(&dead, m.Value); err != nil {
		t.Fatalf("dead letter is not the rows: %v", err)
	}
	if dead.Len() != 2 || dead.TimeMs[0] != times[1].UnixMilli() || dead.TimeMs[1] != times[5].UnixMilli() {
		t.Fatalf("dead letter holds %d rows %v, want the 2150 and the 1969 rows", dead.Len(), dead.TimeMs)
	}

	conn, err := chconn.Open(context.Background(), chtest.Config(t, db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Skewed rows are in the hour they are stamped with.
	for _, h := range []struct {
		at   time.Time
		want uint64
	}{{ahead, 3}, {behind, 2}} {
		var n uint64
		hour := h.at.Truncate(time.Hour)
		if err := conn.QueryRow(ctx, "SELECT sum(requests) FROM "+db+".traffic_1h WHERE t = toDateTime(?)", uint32(hour.Unix())).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != h.want {
			t.Errorf("traffic_1h at %s holds %d requests, want %d", hour, n, h.want)
		}
	}
	// The skewed server is recorded; the one behind is not (see timecheck.go).
	deadline := time.Now().Add(10 * time.Second)
	for {
		var servers, rows uint64
		var maxAhead int64
		if err := conn.QueryRow(ctx, "SELECT uniqExact(server), sum(rows), max(max_ahead_s) FROM "+db+".clock_skew WHERE server = 'edge-fast'").Scan(&servers, &rows, &maxAhead); err != nil {
			t.Fatal(err)
		}
		if servers == 1 && rows == 3 && maxAhead >= int64((2*time.Hour).Seconds()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("clock_skew: %d servers, %d rows, max %d s ahead; want edge-fast with 3 rows 2-3 h ahead", servers, rows, maxAhead)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var others uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".clock_skew WHERE server != 'edge-fast'").Scan(&others); err != nil || others != 0 {
		t.Fatalf("clock_skew holds %d rows of other servers (%v)", others, err)
	}
	cancel()
	<-done
}

// TestDataKafkaNoLongerHas stops ingest, lets "retention" delete offsets it
// had not read (the partition's log start moves past its committed
// offset), and starts it again: the lost offsets are recorded in
// offset_gaps (and the metric), and everything Kafka still has is
// inserted exactly once. Before, kafka-go's reader jumped to the log start
// and nothing said so.
func TestDataKafkaNoLongerHas(t *testing.T) {
	b := chtest.Broker(t, 1, topic, "dlq")
	db := chtest.NewDB(t)
	p1 := produce(t, b.Addr(), 10, 100, 40) // offsets 0-9
	ctx, cancel := context.WithCancel(context.Background())
	_, done := startWorker(t, ctx, b.Addr(), db, nil)
	waitRows(t, db, p1.rows, time.Minute)
	cancel()
	<-done

	produce(t, b.Addr(), 10, 100, 41) // offsets 10-19, never read
	if err := b.DeleteRecords(context.Background(), topic, 0, 15); err != nil {
		t.Fatal(err)
	}
	p3 := produce(t, b.Addr(), 5, 100, 42) // offsets 20-24
	// What is left of the second batch: offsets 15-19, 5 messages of 100 rows.
	left := uint64(500)
	ctx, cancel = context.WithCancel(context.Background())
	_, done = startWorker(t, ctx, b.Addr(), db, nil)
	c := waitRows(t, db, p1.rows+left+p3.rows, time.Minute)
	cancel()
	<-done
	if c.raw != p1.rows+left+p3.rows || c.rollup != c.raw || c.ledgerRows != c.raw {
		t.Fatalf("rows: raw %d, traffic_1m %d, ledger %d; want %d", c.raw, c.rollup, c.ledgerRows, p1.rows+left+p3.rows)
	}
	conn, err := chconn.Open(context.Background(), chtest.Config(t, db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var from, to, lost uint64
	var n uint64
	if err := conn.QueryRow(context.Background(), "SELECT count(), min(from_offset), max(to_offset), sum(lost) FROM "+db+".offset_gaps WHERE src_partition = 0").Scan(&n, &from, &to, &lost); err != nil {
		t.Fatal(err)
	}
	if n != 1 || from != 10 || to != 15 || lost != 5 {
		t.Fatalf("offset_gaps: %d rows, [%d, %d) lost %d; want one row [10, 15) lost 5", n, from, to, lost)
	}
	// What `schema verify` prints.
	gaps, err := schema.OffsetGaps(context.Background(), conn, db)
	if err != nil || len(gaps) != 1 || gaps[0].From != 10 || gaps[0].To != 15 || gaps[0].Partition != 0 {
		t.Fatalf("schema.OffsetGaps: %v, %v", gaps, err)
	}
	t.Logf("LOST %s", gaps[0])
}
