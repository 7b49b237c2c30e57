package ingest_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/ingest"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/traffic"
	"github.com/edgelog/edgelog/schema"
)

// benchRows is the volume of the ingest benchmark (issue bar: >= 5M).
var benchRows = envInt("EDGELOG_BENCH_ROWS", 5_000_000)

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkIngestVsClickHouseClient pre-loads the broker with encoded
// batches, measures rows/s from Kafka into ClickHouse with the full schema
// (raw table and every materialized view), then loads the same rows as TSV
// with clickhouse-client into a fresh database of the same schema:
// ClickHouse's own floor. Run with -benchtime=1x.
//
//	go test -run=NONE -bench=IngestVsClickHouseClient -benchtime=1x ./ingest/
func BenchmarkIngestVsClickHouseClient(b *testing.B) {
	const perMsg = 4_000
	// The rows: the project's traffic model cut into per-customer
	// messages keyed by customer, as collectors send them (default), or
	// uniformly random rows in mixed messages (EDGELOG_BENCH_DATA=synthetic).
	var blocks []*record.Block
	var keys []string
	if os.Getenv("EDGELOG_BENCH_DATA") == "synthetic" {
		blocks = synthBlocks(benchRows, perMsg)
		keys = make([]string, len(blocks))
	} else {
		blocks, keys = genBlocks(b, benchRows, perMsg)
	}
	brk := chtest.Broker(b, 8, topic, "dlq")
	w := &kafka.Writer{Addr: kafka.TCP(brk.Addr()), Topic: topic, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll,
		BatchTimeout: time.Millisecond, BatchBytes: 1_000_000}
	var enc wire.Encoder
	var wireBytes int
	for i := 0; i < len(blocks); i += 16 {
		var msgs []kafka.Message
		for j, blk := range blocks[i:min(i+16, len(blocks))] {
			v := enc.Encode(nil, blk)
			wireBytes += len(v)
			var key []byte
			if k := keys[i+j]; k != "" {
				key = []byte(k)
			} else {
				key = []byte(strconv.Itoa(i + j)) // spread mixed messages over the partitions
			}
			msgs = append(msgs, kafka.Message{Key: key, Value: v})
		}
		if err := w.WriteMessages(context.Background(), msgs...); err != nil {
			b.Fatal(err)
		}
	}
	w.Close()

	db := chtest.NewDB(b)
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	_, done := startWorker(b, ctx, brk.Addr(), db, func(c *ingest.Config) { c.BatchRows, c.BatchWait = 500_000, time.Second })
	waitRowsB(b, db, uint64(benchRows))
	ingestSecs := time.Since(start).Seconds()
	cancel()
	<-done

	tsv := filepath.Join(chtest.TempDir(b), "rows.tsv")
	writeTSV(b, tsv, blocks)
	db2 := chtest.NewDB(b)
	d := schema.Dialect{}
	cols := strings.Join(schema.RawColumnNames(d), ", ")
	start = time.Now()
	cmd := exec.Command("sh", "-c", fmt.Sprintf(`clickhouse-client --port %d --max_insert_block_size 1048576 --query "INSERT INTO %s.requests (%s) FORMAT TabSeparated" < %s`,
		chtest.Server(b).TCPPort, db2, cols, tsv))
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("clickhouse-client: %v\n%s", err, out)
	}
	// The traffic and billing rollups are fed by ingest's feed rows
	// (schema migration 15), which a bulk load writes with INSERT ...
	// SELECT, timed with the load as lab/bench does.
	conn := chtest.Conn(b)
	for _, q := range schema.FeedFromRawSliced(db2, d, 4) {
		if err := conn.Exec(context.Background(), q); err != nil {
			b.Fatalf("feeding the rollups of the clickhouse-client load: %v", err)
		}
	}
	clientSecs := time.Since(start).Seconds()
	if c := readCounts(b, db2); c.raw != uint64(benchRows) || c.rollup != uint64(benchRows) {
		b.Fatalf("clickhouse-client loaded %d rows (rollup %d), want %d", c.raw, c.rollup, benchRows)
	}
	ingestRate, clientRate := float64(benchRows)/ingestSecs, float64(benchRows)/clientSecs
	fmt.Printf("BENCH ingest_rows_per_sec %.0f rows/s\n", ingestRate)
	fmt.Printf("BENCH clickhouse_client_tsv_rows_per_sec %.0f rows/s\n", clientRate)
	fmt.Printf("BENCH ingest_vs_clickhouse_client %.2f ratio\n", ingestRate/clientRate)
	fmt.Printf("BENCH kafka_wire_bytes_per_row %.1f bytes\n", float64(wireBytes)/float64(benchRows))
	b.ReportMetric(ingestRate, "rows/s")
	b.ReportMetric(ingestRate/clientRate, "x_client")
}

func waitRowsB(b *testing.B, db string, want uint64) {
	deadline := time.Now().Add(30 * time.Minute)
	for {
		if c := readCounts(b, db); c.raw >= want {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("timed out waiting for %d rows", want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// genBlocks generates n requests with lab/gen, turns them into
// records as a collector does (format, parse, enrich) and cuts them into
// per-customer blocks of at most per rows.
func genBlocks(b *testing.B, n, per int) ([]*record.Block, []string) {
	blocks, keys, err := traffic.CustomerBlocks(gen.Options{Lines: n, Seed: 1, Customers: 50}, per)
	if err != nil {
		b.Fatal(err)
	}
	return blocks, keys
}

// synthBlocks makes realistic rows: a few dozen customers and hosts, Zipf
// paths, real-looking user agents, a day of timestamps.
func synthBlocks(n, per int) []*record.Block {
	rng := rand.New(rand.NewPCG(1, 2))
	uas := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
		"curl/8.5.0", "Googlebot/2.1 (+http://www.google.com/bot.html)",
	}
	pops := []string{"fra1", "fra2", "ams1", "lhr1", "iad1", "sjc1", "nrt1", "bom1", "gru1", "jnb1"}
	regions := []string{"eu-central", "eu-central", "eu-west", "eu-west", "us-east", "us-west", "ap-northeast", "ap-south", "sa-east", "af-south"}
	zipf := rand.NewZipf(rng, 1.2, 1, 5000)
	cz := rand.NewZipf(rng, 1.1, 1, 49)
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var out []*record.Block
	var r record.Record
	for i := 0; i < n; i += per {
		blk := &record.Block{}
		for j := i; j < min(i+per, n); j++ {
			c := int(cz.Uint64())
			p := rng.IntN(len(pops))
			r = record.Record{
				TimeMs: base + int64(j)*86_400_000/int64(n), ASN: uint32(3320 + rng.IntN(40)),
				Status: []uint16{200, 200, 200, 200, 206, 304, 404, 503}[rng.IntN(8)], BytesSent: uint64(200 + rng.IntN(200_000)),
				BytesReceived: uint64(250 + rng.IntN(400)), RequestTimeUs: uint32(rng.ExpFloat64() * 30_000), TTFBUs: uint32(rng.ExpFloat64() * 8_000),
			}
			r.SetClientIP(netip.AddrFrom4([4]byte{byte(20 + p), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))}))
			r.Str[record.Customer] = []byte("c" + strconv.Itoa(c))
			r.Str[record.Host] = []byte("www.c" + strconv.Itoa(c) + ".example")
			r.Str[record.PoP] = []byte(pops[p])
			r.Str[record.Region] = []byte(regions[p])
			r.Str[record.Server] = []byte(pops[p] + "-" + strconv.Itoa(rng.IntN(8)))
			r.Str[record.Country] = []byte([]string{"DE", "FR", "US", "JP", "IN", "BR", "ZA", "GB"}[rng.IntN(8)])
			r.Str[record.Method] = []byte("GET")
			r.Str[record.Scheme] = []byte("https")
			r.Str[record.Protocol] = []byte("HTTP/2.0")
			r.Str[record.Path] = []byte("/assets/" + strconv.FormatUint(zipf.Uint64(), 36) + ".js")
			r.Str[record.CacheStatus] = []byte([]string{"HIT", "HIT", "HIT", "MISS", "EXPIRED"}[rng.IntN(5)])
			r.Str[record.ContentType] = []byte("application/javascript")
			r.Str[record.UserAgent] = []byte(uas[rng.IntN(len(uas))])
			blk.Append(&r)
		}
		out = append(out, blk)
	}
	return out
}

// writeTSV writes the rows as clickhouse-client would load them, columns in
// schema order for the 18.16 dialect.
func writeTSV(b *testing.B, path string, blocks []*record.Block) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	var r record.Record
	var line []byte
	for mi, blk := range blocks {
		for i := 0; i < blk.Len(); i++ {
			blk.Row(i, &r)
			line = line[:0]
			for _, c := range schema.RawColumns(schema.Dialect{}) {
				if len(line) > 0 {
					line = append(line, '\t')
				}
				line = appendTSV(line, c.Name, &r, mi)
			}
			line = append(line, '\n')
			w.Write(line)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
}

func appendTSV(dst []byte, col string, r *record.Record, msg int) []byte {
	switch col {
	case "time":
		return strconv.AppendInt(dst, r.TimeMs/1000, 10)
	case "time_ms":
		return strconv.AppendInt(dst, r.TimeMs%1000, 10)
	case "client_ip":
		// FixedString(16) in TSV: the raw bytes, escaped.
		return appendEscaped(dst, r.ClientIP[:])
	case "asn":
		return strconv.AppendUint(dst, uint64(r.ASN), 10)
	case "status":
		return strconv.AppendUint(dst, uint64(r.Status), 10)
	case "bytes_sent":
		return strconv.AppendUint(dst, r.BytesSent, 10)
	case "bytes_total":
		return strconv.AppendUint(dst, r.Total(), 10)
	case "bytes_received":
		return strconv.AppendUint(dst, r.BytesReceived, 10)
	case "request_time_us":
		return strconv.AppendUint(dst, uint64(r.RequestTimeUs), 10)
	case "ttfb_us":
		return strconv.AppendUint(dst, uint64(r.TTFBUs), 10)
	case "src_partition":
		return strconv.AppendInt(dst, int64(msg%8), 10)
	case "src_offset":
		return strconv.AppendInt(dst, int64(msg), 10)
	case "src_file", "src_stream":
		return dst
	case "src_file_end", "src_seq":
		return append(dst, '0')
	}
	for s, name := range record.StrNames {
		if name == col {
			return appendEscaped(dst, r.Str[s])
		}
	}
	panic("BUG: no TSV for column " + col)
}

func appendEscaped(dst, v []byte) []byte {
	for _, c := range v {
		switch c {
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\\':
			dst = append(dst, '\\', '\\')
		case 0:
			dst = append(dst, '\\', '0')
		default:
			if c < 0x20 || c >= 0x7f {
				dst = append(dst, '\\', 'x')
				dst = hex.AppendEncode(dst, []byte{c})
			} else {
				dst = append(dst, c)
			}
		}
	}
	return dst
}
