package query_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/query/livetail"
	"github.com/edgelog/edgelog/schema"
)

// TestLiveFromKafkaTail: with a live tail the counter answers the seconds
// past ClickHouse's watermark from it (the day's figures ClickHouse's up
// to its watermark, the tail's after), and only when the tail vouches
// for every second between the two and reads every partition ClickHouse
// saw inserting; otherwise ClickHouse's answer, as without a tail.
func TestLiveFromKafkaTail(t *testing.T) {
	db := chtest.NewDB(t)
	conn := chtest.Conn(t)
	ctx := context.Background()
	at := func(ms int64) int64 { return time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC).UnixMilli() + ms }
	block := func(customer, region string, perSec int, fromS, toS int64) *record.Block {
		var b record.Block
		for s := fromS; s < toS; s++ {
			for i := range perSec {
				var r record.Record
				r.TimeMs = at(s*1000 + int64(i)*1000/int64(perSec))
				r.BytesSent = 10
				r.Str[record.Customer], r.Str[record.Region] = []byte(customer), []byte(region)
				b.Append(&r)
			}
		}
		return &b
	}
	// ClickHouse: 10 requests a second of acme/eu-west in 10:00:00-10:00:40,
	// its watermark 10:00:35 (two INSERTs of each partition of the
	// stream "k/requests", the latest row 35.9 s, less 600 ms).
	if err := ingest.InsertBlock(ctx, conn, db, schema.Dialect{}, block("acme", "eu-west", 10, 0, 40)); err != nil {
		t.Fatal(err)
	}
	setWatermarks := func(streams ...string) {
		t.Helper()
		if err := conn.Exec(ctx, fmt.Sprintf("TRUNCATE TABLE %s.ingest_watermark", db)); err != nil {
			t.Fatal(err)
		}
		for _, sp := range streams {
			for _, ms := range []int64{34_900, 35_900} {
				if err := conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s.ingest_watermark (src_stream, src_partition, max_time_ms, rows, visible_last) SELECT '%s', toUInt16(%s), toUInt64(%d), 1, 1", db, sp[:len(sp)-2], sp[len(sp)-1:], at(ms))); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	setWatermarks("k/requests#0", "k/requests#1")
	chAt := time.UnixMilli(at(35_000)).UTC()

	newTail := func(fromS int64, parts ...int) *livetail.Tail {
		tl := livetail.New(livetail.Config{Topic: "requests", Lateness: 600 * time.Millisecond})
		for _, p := range parts {
			// Partition 0 acme/eu-west 5 a second, partition 1 beta/us-east
			// 3 a second, up to 10:00:38.8: the tail's watermark 10:00:38.
			if p == 0 {
				tl.Add(0, block("acme", "eu-west", 5, fromS, 39), "a", 1, 0)
			} else {
				tl.Add(1, block("beta", "us-east", 3, fromS, 39), "b", 1, 0)
			}
		}
		return tl
	}
	store := &query.Store{Conn: conn, DB: db, Tail: newTail(30, 0, 1)}
	tailAt := time.UnixMilli(at(38_000)).UTC()
	for _, c := range []struct {
		sc               query.LiveScope
		perS, today, sec uint64
	}{
		{query.LiveScope{}, 8, 350 + 3*8, 3},
		{query.LiveScope{Customer: "acme"}, 5, 350 + 3*5, 3},
		{query.LiveScope{Customer: "beta", Region: "us-east"}, 3, 3 * 3, 3},
	} {
		l, err := store.Live(ctx, c.sc)
		if err != nil {
			t.Fatal(err)
		}
		if !l.At.Equal(tailAt) || l.RequestsPerS != c.perS || l.RequestsToday != c.today || l.BytesOutToday != 10*c.today || l.KafkaSeconds != uint32(c.sec) || l.Idle {
			t.Errorf("%+v: got at %s, %d/s, %d today (%d bytes), %d from Kafka, idle %v; want at %s, %d/s, %d today, %d from Kafka",
				c.sc, l.At, l.RequestsPerS, l.RequestsToday, l.BytesOutToday, l.KafkaSeconds, l.Idle, tailAt, c.perS, c.today, c.sec)
		}
	}

	// ClickHouse's answer whenever the tail cannot vouch.
	chOnly := func(what string, s *query.Store) {
		t.Helper()
		l, err := s.Live(ctx, query.LiveScope{})
		if err != nil {
			t.Fatal(err)
		}
		want := api.Live{Table: schema.Live.Name, At: chAt, RequestsPerS: 10, RequestsToday: 350, BytesOutPerS: 100, BytesOutToday: 3500, BehindS: l.BehindS}
		if *l != want {
			t.Errorf("%s: got %+v\nwant ClickHouse's %+v", what, *l, want)
		}
	}
	chOnly("no tail", &query.Store{Conn: conn, DB: db})
	chOnly("partition 1 not read by the tail", &query.Store{Conn: conn, DB: db, Tail: newTail(30, 0)})
	chOnly("the tail's counting starts after ClickHouse's watermark", &query.Store{Conn: conn, DB: db, Tail: newTail(36, 0, 1)})
	setWatermarks("k/requests#0", "k/requests#1", "k/other#0")
	chOnly("another topic inserting", store)
}
