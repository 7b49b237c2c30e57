package clustertest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/schema"
)

// insertLocal writes rows of blk straight into table (a shard's _local
// raw table), as coming from Kafka partition 0 of the worker's stream at
// offset off(i): what
// reached one shard of an INSERT whose other parts never arrived.
func insertLocal(t *testing.T, conn driver.Conn, db, table string, d schema.Dialect, blk *record.Block, rows []int, off func(int) uint64) {
	t.Helper()
	ctx := context.Background()
	sql := strings.Replace(schema.InsertRawSQL(db, d), "."+schema.RawTable+" (", "."+table+" (", 1)
	b, err := conn.PrepareBatch(ctx, sql)
	if err != nil {
		t.Fatal(err)
	}
	cols := schema.RawColumns(d)
	for _, i := range rows {
		vals := make([]any, 0, len(cols))
		for _, c := range cols {
			var v any
			switch c.Name {
			case "time":
				v = time.UnixMilli(blk.TimeMs[i]).UTC().Truncate(time.Second)
			case "time_ms":
				v = uint16(blk.TimeMs[i] % 1000)
			case "client_ip":
				v = string(blk.ClientIP[i][:])
			case "asn":
				v = blk.ASN[i]
			case "status":
				v = blk.Status[i]
			case "bytes_sent":
				v = blk.BytesSent[i]
			case "bytes_total":
				v = blk.BytesTotal[i]
			case "bytes_received":
				v = blk.BytesReceived[i]
			case "request_time_us":
				v = blk.RequestTimeUs[i]
			case "ttfb_us":
				v = blk.TTFBUs[i]
			case "src_partition":
				v = uint16(0)
			case "src_offset":
				v = off(i)
			case "src_file":
				v = ""
			case "src_stream":
				v = "kfake/" + ingestTopic // the worker's stream: the embedded broker's cluster id is kfake
			case "src_file_end":
				v = uint64(0)
			case "src_seq":
				v = uint32(0)
			default:
				s := -1
				for j, n := range record.StrNames {
					if n == c.Name {
						s = j
					}
				}
				if s < 0 {
					t.Fatalf("raw column %s has no source in the record", c.Name)
				}
				v = blk.Str[s].String(i)
			}
			vals = append(vals, v)
		}
		if err := b.Append(vals...); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
}

// TestIngestRepairsPartialInsert: a worker died while its INSERT went to
// the shards, and only one shard took its part of the first messages
// (some of each message's hosts). The ledger on that shard shows those
// offsets. The next worker must insert exactly the missing rows: every
// table is exact at commit, nothing lost, nothing twice.
func TestIngestRepairsPartialInsert(t *testing.T) {
	const db = "repair"
	m := migrated(t, db)
	b := chtest.Broker(t, 1, ingestTopic, "dlq")
	blk := generated(t, 20_000, 41)
	msgs := messagesOf(blk, 500)
	end := produceMessages(t, b.Addr(), blk, msgs, 1)
	// Messages 0..5: the rows of each message's first host reached shard
	// 1, the other hosts' rows reached no shard.
	const partial = 6
	var rows []int
	offsetOf := map[int]uint64{}
	for off, msg := range msgs[:partial] {
		first := string(blk.Str[record.Host].Bytes(msg[0]))
		for _, i := range msg {
			if string(blk.Str[record.Host].Bytes(i)) == first {
				rows = append(rows, i)
				offsetOf[i] = uint64(off)
			}
		}
	}
	insertLocal(t, connect(t, 0), db, schema.RawTable+"_local", m.Dialect, blk, rows, func(i int) uint64 { return offsetOf[i] })
	t.Logf("%d of %d rows of messages 0..%d on shard 1 before ingest", len(rows), countRows(msgs[:partial]), partial-1)
	runWorker(t, b.Addr(), cluster.Servers[0], db)
	waitCommitted(t, b.Addr(), end, 2*time.Minute)
	checkTables(t, connect(t, 1), db, truth(blk))
}

func countRows(msgs [][]int) int {
	n := 0
	for _, m := range msgs {
		n += len(m)
	}
	return n
}
