package ingest_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/internal/fallbacks"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

func TestMain(m *testing.M) { chtest.Main(m) }

const topic = "requests"

// produced is what a test sent, to compare with what ClickHouse holds.
type produced struct {
	rows       uint64
	bytes      uint64
	byCustomer map[string]uint64
	// fallbacks is the sum of the messages' fallbacks headers.
	fallbacks uint64
}

// produce sends n messages of rowsPer rows each, customers c0..c4.
func produce(t *testing.T, brokers string, n, rowsPer int, seed int) produced {
	t.Helper()
	return produceTo(t, brokers, topic, n, rowsPer, seed)
}

// produceTo is produce to another topic.
func produceTo(t *testing.T, brokers, topic string, n, rowsPer int, seed int) produced {
	t.Helper()
	return produceBalanced(t, brokers, topic, &kafka.Hash{}, n, rowsPer, seed)
}

// produceBalanced is produceTo with the writer's balancer (kafka.Hash:
// a customer's messages in one partition).
func produceBalanced(t *testing.T, brokers, topic string, bal kafka.Balancer, n, rowsPer int, seed int) produced {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(brokers), Topic: topic, Balancer: bal, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	defer w.Close()
	p := produced{byCustomer: map[string]uint64{}}
	var enc wire.Encoder
	var msgs []kafka.Message
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for m := 0; m < n; m++ {
		var b record.Block
		cust := "c" + strconv.Itoa((m+seed)%5)
		for i := 0; i < rowsPer; i++ {
			k := m*rowsPer + i
			r := record.Record{TimeMs: base + int64(seed*1_000_000+k)*37, Status: 200, BytesSent: uint64(100 + k%1000), RequestTimeUs: uint32(k % 5000)}
			r.SetClientIP(netip.AddrFrom4([4]byte{10, 0, byte(k >> 8), byte(k)}))
			r.Str[record.Customer] = []byte(cust)
			r.Str[record.Host] = []byte(cust + ".example")
			r.Str[record.PoP] = []byte("fra1")
			r.Str[record.Region] = []byte("eu-central")
			r.Str[record.Path] = []byte(fmt.Sprintf("/p/%d", k%50))
			r.Str[record.CacheStatus] = []byte("HIT")
			b.Append(&r)
			p.rows++
			p.bytes += r.BytesSent
			p.byCustomer[cust]++
		}
		// Every message carries a fallbacks header, as a collector's
		// message with odd lines does: checkExact holds ClickHouse's
		// count of them to what was sent, through replays and retries.
		fb := uint64(m%7 + 1)
		p.fallbacks += fb + 1
		hdr := fmt.Sprintf("nginx;client_ip/address_list=%d;line/extra=1", fb)
		msgs = append(msgs, kafka.Message{Key: []byte(cust), Value: enc.Encode(nil, &b), Headers: []kafka.Header{{Key: fallbacks.Header, Value: []byte(hdr)}}})
	}
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	return p
}

func startWorker(t testing.TB, ctx context.Context, brokers, db string, mutate func(*ingest.Config)) (*ingest.Worker, <-chan error) {
	t.Helper()
	cfg := ingest.Config{Topic: topic, GroupID: "g", DeadLetterTopic: "dlq", BatchRows: 5000, BatchWait: 200 * time.Millisecond}
	cfg.Kafka.Brokers = []string{brokers}
	cfg.CH = chtest.Config(t, db)
	if mutate != nil {
		mutate(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.Default()
	}
	w, err := ingest.New(cfg, prometheus.NewRegistry(), log)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	return w, done
}

type counts struct{ raw, rawBytes, rollup, rollupBytes, ledgerRows, fallbacks uint64 }

func readCounts(t testing.TB, db string) counts {
	t.Helper()
	conn, err := chconn.Open(context.Background(), chtest.Config(t, db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var c counts
	ctx := context.Background()
	if err := conn.QueryRow(ctx, "SELECT count(), sum(bytes_sent) FROM "+db+".requests").Scan(&c.raw, &c.rawBytes); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT sum(requests), sum(bytes_out) FROM "+db+".traffic_1m").Scan(&c.rollup, &c.rollupBytes); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT sum(rows) FROM "+db+".ingest_ledger").Scan(&c.ledgerRows); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, schema.FallbacksSumSQL(db, false), uint32(0), uint32(4_102_444_800))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var format, field, reason string
		var n uint64
		if err := rows.Scan(&format, &field, &reason, &n); err != nil {
			t.Fatal(err)
		}
		c.fallbacks += n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitRows waits until the raw table holds want rows, then a little longer
// to catch any duplicate arriving late.
func waitRows(t *testing.T, db string, want uint64, timeout time.Duration) counts {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		// An INSERT's rows are visible in the raw table before its views
		// have written the rollup and the ledger (18.16 runs the views one
		// after the other), so wait for all three; a second read a moment
		// later catches anything counted twice.
		c := readCounts(t, db)
		if c.raw >= want && c.rollup >= want && c.ledgerRows >= want {
			time.Sleep(time.Second)
			return readCounts(t, db)
		}
		if time.Now().After(deadline) {
			if c.raw >= want {
				return c // checkExact says which count fell short
			}
			t.Fatalf("raw table holds %d rows after %s, want %d", c.raw, timeout, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func checkExact(t *testing.T, c counts, p produced) {
	t.Helper()
	if c.raw != p.rows || c.rollup != p.rows || c.ledgerRows != p.rows {
		t.Fatalf("rows: raw %d, traffic_1m %d, ledger %d; produced %d", c.raw, c.rollup, c.ledgerRows, p.rows)
	}
	if c.rawBytes != p.bytes || c.rollupBytes != p.bytes {
		t.Fatalf("bytes: raw %d, traffic_1m %d; produced %d", c.rawBytes, c.rollupBytes, p.bytes)
	}
	if c.fallbacks != p.fallbacks {
		t.Fatalf("fallbacks: %d in ClickHouse, %d sent", c.fallbacks, p.fallbacks)
	}
}

func TestIngestsEveryRowOnce(t *testing.T) {
	b := chtest.Broker(t, 4, topic, "dlq")
	db := chtest.NewDB(t)
	p := produce(t, b.Addr(), 40, 1000, 0)
	ctx, cancel := context.WithCancel(context.Background())
	_, done := startWorker(t, ctx, b.Addr(), db, nil)
	c := waitRows(t, db, p.rows, time.Minute)
	cancel()
	<-done
	checkExact(t, c, p)
}

// TestReplayAfterCrashIsSkipped runs a worker that never commits offsets
// (as if it crashed after every insert) and then a normal one: the second
// re-reads everything from Kafka and must insert nothing twice.
func TestReplayAfterCrashIsSkipped(t *testing.T) {
	b := chtest.Broker(t, 4, topic, "dlq")
	db := chtest.NewDB(t)
	p := produce(t, b.Addr(), 20, 1000, 1)

	ctx1, cancel1 := context.WithCancel(context.Background())
	_, done1 := startWorker(t, ctx1, b.Addr(), db, func(c *ingest.Config) { c.GroupID = "crashy" })
	waitRows(t, db, p.rows, time.Minute)
	cancel1()
	<-done1

	// A different group starts from the first offset: a full replay.
	p2 := produce(t, b.Addr(), 5, 1000, 2)
	ctx2, cancel2 := context.WithCancel(context.Background())
	_, done2 := startWorker(t, ctx2, b.Addr(), db, func(c *ingest.Config) { c.GroupID = "replayer" })
	c := waitRows(t, db, p.rows+p2.rows, time.Minute)
	cancel2()
	<-done2
	checkExact(t, c, produced{rows: p.rows + p2.rows, bytes: p.bytes + p2.bytes, fallbacks: p.fallbacks + p2.fallbacks})
}

func TestTwoWorkersShareThePartitions(t *testing.T) {
	b := chtest.Broker(t, 4, topic, "dlq")
	db := chtest.NewDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	_, done1 := startWorker(t, ctx, b.Addr(), db, nil)
	_, done2 := startWorker(t, ctx, b.Addr(), db, nil)
	var total produced
	for i := 0; i < 5; i++ { // produce while the group rebalances
		p := produce(t, b.Addr(), 10, 1000, 10+i)
		total.rows += p.rows
		total.bytes += p.bytes
		total.fallbacks += p.fallbacks
		time.Sleep(300 * time.Millisecond)
	}
	c := waitRows(t, db, total.rows, time.Minute)
	cancel()
	<-done1
	<-done2
	checkExact(t, c, total)
}

func TestPoisonMessageIsDeadLettered(t *testing.T) {
	b := chtest.Broker(t, 1, topic, "dlq")
	db := chtest.NewDB(t)
	p1 := produce(t, b.Addr(), 3, 100, 3)
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr()), Topic: topic, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	var enc wire.Encoder
	good := enc.Encode(nil, &record.Block{})
	badVersion := append([]byte{}, good...)
	badVersion[4] = 99
	// 18 KB of zstd claiming 4M rows of zeros: 2.8 GB once decoded.
	bombRows := uint64(wire.MaxRows)
	bombPayload := make([]byte, bombRows*(8+uint64(record.NumStr))+uint64(record.NumStr)*3+1)
	bomb := binary.AppendUvarint(append([]byte("ELGB"), wire.Version, 1), bombRows)
	bomb = binary.AppendUvarint(bomb, uint64(len(bombPayload)))
	zenc, _ := zstd.NewWriter(nil)
	bomb = zenc.EncodeAll(bombPayload, bomb)
	poison := []kafka.Message{
		{Value: []byte("not a batch at all")},
		{Value: badVersion},
		{Value: good[:len(good)-2]},
		{Value: bomb},
	}
	if err := w.WriteMessages(context.Background(), poison...); err != nil {
		t.Fatal(err)
	}
	w.Close()
	p2 := produce(t, b.Addr(), 3, 100, 4)

	ctx, cancel := context.WithCancel(context.Background())
	_, done := startWorker(t, ctx, b.Addr(), db, nil)
	c := waitRows(t, db, p1.rows+p2.rows, time.Minute)

	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{b.Addr()}, Topic: "dlq", Partition: 0})
	defer r.Close()
	rctx, rcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer rcancel()
	reasons := map[string]bool{}
	for len(reasons) < 4 {
		m, err := r.ReadMessage(rctx)
		if err != nil {
			t.Fatalf("dead letters: got %v, then %v", reasons, err)
		}
		for _, h := range m.Headers {
			if h.Key == "reason" {
				reasons[string(h.Value)[:6]] = true
			}
		}
	}
	cancel()
	<-done
	if !reasons["too_la"] {
		t.Fatalf("dead letters %v: the decompression bomb is not among them as too_large", reasons)
	}
	checkExact(t, c, produced{rows: p1.rows + p2.rows, bytes: p1.bytes + p2.bytes, fallbacks: p1.fallbacks + p2.fallbacks})
}

// TestClickHouseOutage stops the server while rows are flowing; the worker
// must retry, stay unhealthy while it cannot insert, and end with every row
// exactly once after the server returns.
func TestClickHouseOutage(t *testing.T) {
	b := chtest.Broker(t, 2, topic, "dlq")
	db := chtest.NewDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	w, done := startWorker(t, ctx, b.Addr(), db, func(c *ingest.Config) { c.RetryMax = time.Second })
	p1 := produce(t, b.Addr(), 5, 1000, 20)
	waitRows(t, db, p1.rows, time.Minute)

	srv := chtest.Server(t)
	srv.Stop()
	p2 := produce(t, b.Addr(), 10, 1000, 21)
	deadline := time.Now().Add(30 * time.Second)
	for w.Healthy() == nil {
		if time.Now().After(deadline) {
			t.Fatal("worker still healthy with ClickHouse down")
		}
		time.Sleep(100 * time.Millisecond)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(3 * time.Second)
		if err := srv.Restart(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	wg.Wait()
	c := waitRows(t, db, p1.rows+p2.rows, 2*time.Minute)
	if err := w.Healthy(); err != nil {
		t.Fatalf("still unhealthy after recovery: %v", err)
	}
	cancel()
	<-done
	checkExact(t, c, produced{rows: p1.rows + p2.rows, bytes: p1.bytes + p2.bytes, fallbacks: p1.fallbacks + p2.fallbacks})
}

// TestTimedOutInsertsLandOnce gives every INSERT less time than the server
// needs: the client gives up while ClickHouse goes on and lands the rows.
// The worker must wait for each abandoned INSERT to end and read the
// ledger before sending the batch again, or the batch lands twice.
func TestTimedOutInsertsLandOnce(t *testing.T) {
	b := chtest.Broker(t, 2, topic, "dlq")
	db := chtest.NewDB(t)
	p := produce(t, b.Addr(), 30, 10_000, 0)
	ctx, cancel := context.WithCancel(context.Background())
	_, done := startWorker(t, ctx, b.Addr(), db, func(c *ingest.Config) {
		c.BatchRows = 100_000
		c.InsertTimeout = 300 * time.Millisecond
	})
	waitRows(t, db, p.rows, 2*time.Minute)
	time.Sleep(2 * time.Second) // a second landing of the last batch would show by now
	c := readCounts(t, db)
	cancel()
	<-done
	checkExact(t, c, p)
}
