package ingest

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/engines/chtest"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/traffic"
	"github.com/edgelog/edgelog/schema"
)

// messagesBlock returns rows as the wire decoder leaves them: messages of
// one customer each (the customer's bytes shared by the message's rows),
// rows in time order within a message, customers interleaved, and some
// messages of one customer overlapping in time (two servers' logs).
func messagesBlock(rng *rand.Rand, messages int) *record.Block {
	var blk record.Block
	var r record.Record
	customers := []string{"globex", "acme", "initech", "acme-eu", "a", ""}
	hosts := []string{"www", "img", "api"}
	for m := range messages {
		cust := customers[rng.IntN(len(customers))]
		t := int64(1_800_000_000_000) + int64(m/3)*1000 + rng.Int64N(5000) - 2500
		rows := 1 + rng.IntN(40)
		for j := range rows {
			t += rng.Int64N(300)
			r = record.Record{TimeMs: t, Status: uint16(m), BytesSent: uint64(j)} // #nosec G115 -- test data
			r.Str[record.Customer] = []byte(cust)
			r.Str[record.Host] = []byte(hosts[rng.IntN(len(hosts))])
			if j == 0 {
				blk.Append(&r)
				continue
			}
			blk.AppendNumbers(&r)
			for s := range blk.Str {
				if record.Str(s) == record.Customer {
					blk.Str[s].AppendLast() // the message's customer, shared
				} else {
					blk.Str[s].Append(r.Str[s])
				}
			}
		}
	}
	return &blk
}

// disjointBlock returns messages of one customer each whose rows follow
// the customer's previous message in time (one server's log): the rows
// sort by ordering the messages.
func disjointBlock(rng *rand.Rand, messages int) *record.Block {
	var blk record.Block
	var r record.Record
	next := map[string]int64{}
	for range messages {
		cust := fmt.Sprintf("c%d", rng.IntN(7))
		t := next[cust] + 1_800_000_000_000
		for range 1 + rng.IntN(200) {
			t += rng.Int64N(800)
			r = record.Record{TimeMs: t}
			r.Str[record.Customer] = []byte(cust)
			r.Str[record.Host] = []byte("www")
			blk.Append(&r)
		}
		next[cust] = t - 1_800_000_000_000
	}
	return &blk
}

// checkOrder fails unless perm is a permutation of blk's rows that puts
// them in key's order (string columns as bytes, then time), rows of equal
// keys in their own order.
func checkOrder(t *testing.T, blk *record.Block, key []record.Str, unit int64, runs []rowRun) {
	t.Helper()
	var perm []uint32
	for _, r := range runs {
		for j := range r.n {
			perm = append(perm, r.from+j)
		}
	}
	if len(perm) != blk.Len() {
		t.Fatalf("permutation of %d rows for %d", len(perm), blk.Len())
	}
	seen := make([]bool, blk.Len())
	for _, p := range perm {
		if seen[p] {
			t.Fatalf("row %d twice in the permutation", p)
		}
		seen[p] = true
	}
	for j := 1; j < len(perm); j++ {
		a, b := int(perm[j-1]), int(perm[j])
		c := 0
		for _, s := range key {
			if c = bytes.Compare(blk.Str[s].Bytes(a), blk.Str[s].Bytes(b)); c != 0 {
				break
			}
		}
		if c == 0 {
			c = cmp.Or(cmp.Compare(floorDiv(blk.TimeMs[a], unit), floorDiv(blk.TimeMs[b], unit)), cmp.Compare(a, b))
		}
		if c > 0 {
			t.Fatalf("rows %d and %d out of order at %d", a, b, j)
		}
	}
}

func TestRowOrderSorts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, d := range []schema.Dialect{{}, {Modern: true}} {
		// Modern servers' key too, though ingest leaves their rows as they
		// are (newRowOrder): the sort of a two-string key in milliseconds.
		o := keyOrder(d)
		key, unit := []record.Str{record.Customer}, int64(1000)
		if d.Modern {
			key, unit = append(key, record.Host), 1
		}
		if !slices.Equal(o.strKeys, key) || !o.timeKey || o.timeUnit != unit {
			t.Fatalf("modern %v: key %v (time %v) from %v", d.Modern, o.strKeys, o.timeKey, schema.RawSortKey(d))
		}
		for k := range 40 { // the same rowOrder again and again: nothing stale kept
			blk := messagesBlock(rng, 1+rng.IntN(60))
			if k%2 == 1 {
				blk = disjointBlock(rng, 1+rng.IntN(60))
			}
			runs := o.sort(blk)
			if blk.Len() > 1 && runs == nil {
				// A block of one message can be in order already.
				if isSorted(blk, key, unit) {
					continue
				}
				t.Fatalf("modern %v: %d rows out of order left unsorted", d.Modern, blk.Len())
			}
			if runs != nil {
				checkOrder(t, blk, key, unit, runs)
			}
		}
	}
}

func isSorted(blk *record.Block, key []record.Str, unit int64) bool {
	for i := 1; i < blk.Len(); i++ {
		c := 0
		for _, s := range key {
			if c = bytes.Compare(blk.Str[s].Bytes(i-1), blk.Str[s].Bytes(i)); c != 0 {
				break
			}
		}
		if c > 0 || c == 0 && floorDiv(blk.TimeMs[i-1], unit) > floorDiv(blk.TimeMs[i], unit) {
			return false
		}
	}
	return true
}

func TestRowOrderOffOnModernServers(t *testing.T) {
	blk := messagesBlock(rand.New(rand.NewPCG(3, 4)), 20)
	if runs := newRowOrder(schema.Dialect{Modern: true}).sort(blk); runs != nil {
		t.Fatal("modern rows ordered")
	}
	if runs := newRowOrder(schema.Dialect{}).sort(blk); runs == nil {
		t.Fatal("18.16 rows not ordered")
	}
}

func TestRowOrderLeavesSortedRows(t *testing.T) {
	o := newRowOrder(schema.Dialect{})
	var blk record.Block
	for i, c := range []string{"a", "a", "b", "b", "c"} {
		r := record.Record{TimeMs: int64(i)}
		r.Str[record.Customer] = []byte(c)
		blk.Append(&r)
	}
	if runs := o.sort(&blk); runs != nil {
		t.Fatalf("sorted rows got an order %v", runs)
	}
	if v := o.apply(0, blk.TimeMs); &v.([]int64)[0] != &blk.TimeMs[0] {
		t.Fatal("apply copied a column although the rows go as they are")
	}
	// A key the block cannot sort by: rows go as they are.
	if runs := newRowOrderOf([]string{"customer", "nope", "time"}, 1000).sort(&blk); runs != nil {
		t.Fatal("an unknown key column sorted")
	}
}

func TestRowOrderApply(t *testing.T) {
	o := newRowOrder(schema.Dialect{})
	var blk record.Block
	for i, c := range []string{"c", "a", "b"} {
		r := record.Record{TimeMs: int64(i)}
		r.Str[record.Customer] = []byte(c)
		blk.Append(&r)
	}
	if runs := o.sort(&blk); !slices.Equal(runs, []rowRun{{1, 2}, {0, 1}}) {
		t.Fatalf("order %v, want rows 1-2 then 0", runs)
	}
	for i, c := range []struct {
		in   any
		want string
	}{
		{[]int64{10, 11, 12}, "[11 12 10]"},
		{[]uint64{10, 11, 12}, "[11 12 10]"},
		{[]uint32{10, 11, 12}, "[11 12 10]"},
		{[]uint16{10, 11, 12}, "[11 12 10]"},
		{[]uint8{10, 11, 12}, "[11 12 10]"},
		{[]string{"10", "11", "12"}, "[11 12 10]"},
		{[][16]byte{{10}, {11}, {12}}, fmt.Sprint([][16]byte{{11}, {12}, {10}})},
	} {
		if got := fmt.Sprint(o.apply(i, c.in)); got != c.want {
			t.Errorf("%T: %s, want %s", c.in, got, c.want)
		}
	}
}

// TestInsertInTableOrder: the server itself says every raw block ingest
// sent was in the table's order (its MergeTreeDataWriterBlocksAlreadySorted
// event), and every row reads back whole: each column went through the
// same permutation. Sent in their own order (the sort switched off), the
// blocks are not sorted and the first check fails.
func TestInsertInTableOrder(t *testing.T) {
	blk, err := traffic.All(gen.Options{Lines: 20_000, Customers: 5, Duration: 30 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	conn := chtest.Conn(t)
	ctx := context.Background()
	full := chtest.NewDB(t)
	// The raw table alone: the views' target tables write blocks too, and
	// theirs are not the raw table's concern.
	db := full + "_raw"
	lc := clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{schema.LowCardinalitySetting: 1})) // 18.16: the raw table has LowCardinality columns
	for _, q := range []string{
		"CREATE DATABASE " + db,
		fmt.Sprintf("CREATE TABLE %s.%s AS %s.%s", db, schema.RawTable, full, schema.RawTable),
	} {
		if err := conn.Exec(lc, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db) })

	b := &batch{}
	b.reset()
	b.partition = 3
	b.block.AppendBlock(blk)
	for i := range blk.Len() {
		b.srcOffset = append(b.srcOffset, uint64(i)) // #nosec G115 -- test data
		b.srcFile = append(b.srcFile, fmt.Sprintf("/var/log/edge-%d.log", i/1000))
		b.srcEnd = append(b.srcEnd, uint64(i/1000)) // #nosec G115 -- test data
		b.srcSeq = append(b.srcSeq, uint32(i%7))    // #nosec G115 -- test data
	}
	if isSorted(&b.block, []record.Str{record.Customer}, 1000) {
		t.Fatal("the test's rows are in the table's order already")
	}
	events := func() (blocks, sorted uint64) {
		row := conn.QueryRow(ctx, "SELECT sumIf(value, event = 'MergeTreeDataWriterBlocks'), sumIf(value, event = 'MergeTreeDataWriterBlocksAlreadySorted') FROM system.events")
		if err := row.Scan(&blocks, &sorted); err != nil {
			t.Fatal(err)
		}
		return blocks, sorted
	}
	blocks0, sorted0 := events()
	ins := newInserter(conn, db, schema.Dialect{})
	ins.stream = "s"
	if err := ins.insert(ctx, b); err != nil {
		t.Fatal(err)
	}
	blocks1, sorted1 := events()
	// 30 hours: two or three day partitions, a block each.
	if blocks1-blocks0 < 2 || sorted1-sorted0 != blocks1-blocks0 {
		t.Errorf("the raw table wrote %d blocks, %d of them in order already; want all", blocks1-blocks0, sorted1-sorted0)
	}

	// Every row whole: the columns' values belong together as sent.
	rows, err := conn.Query(ctx, fmt.Sprintf(`SELECT src_offset, src_file, src_file_end, src_seq, src_partition, customer, host, path, user_agent,
		toInt64(toUnixTimestamp(time)) * 1000 + time_ms, hex(client_ip), asn, status, bytes_sent, bytes_total, bytes_received, request_time_us, ttfb_us
		FROM %s.%s`, db, schema.RawTable))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			off, end, sent, total, recv    uint64
			seq, asn, rt, ttfb             uint32
			part, status                   uint16
			file, cust, host, path, ua, ip string
			ms                             int64
		)
		if err := rows.Scan(&off, &file, &end, &seq, &part, &cust, &host, &path, &ua, &ms, &ip, &asn, &status, &sent, &total, &recv, &rt, &ttfb); err != nil {
			t.Fatal(err)
		}
		i := int(off) // #nosec G115 -- test data
		want := fmt.Sprint(b.srcFile[i], b.srcEnd[i], b.srcSeq[i], 3, blk.Str[record.Customer].String(i), blk.Str[record.Host].String(i),
			blk.Str[record.Path].String(i), blk.Str[record.UserAgent].String(i), blk.TimeMs[i], fmt.Sprintf("%X", blk.ClientIP[i][:]),
			blk.ASN[i], blk.Status[i], blk.BytesSent[i], blk.BytesTotal[i], blk.BytesReceived[i], blk.RequestTimeUs[i], blk.TTFBUs[i])
		got := fmt.Sprint(file, end, seq, part, cust, host, path, ua, ms, ip, asn, status, sent, total, recv, rt, ttfb)
		if got != want {
			t.Fatalf("row %d read back as\n%s\nwant\n%s", i, got, want)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != blk.Len() {
		t.Fatalf("%d rows read back, %d sent", n, blk.Len())
	}
}

// BenchmarkRowOrder: one bench-sized INSERT (235k rows: messages of 3,800
// rows of 13 customers, half an hour of log time) ordered and every
// numeric column of the raw table copied in that order. 18.16's key
// (customer, time): each message is one run. The modern key (customer,
// host, time) with 8 hosts a customer interleaved in each message: short
// runs, so every row's key is sorted.
func BenchmarkRowOrder(b *testing.B) {
	for _, d := range []schema.Dialect{{}, {Modern: true}} {
		name := "18.16"
		if d.Modern {
			name = "modern"
		}
		b.Run(name, func(b *testing.B) { benchmarkRowOrder(b, d) })
	}
}

func benchmarkRowOrder(b *testing.B, d schema.Dialect) {
	var blk record.Block
	var r record.Record
	t0 := int64(1_800_000_000_000)
	for m := range 62 {
		r.Str[record.Customer] = fmt.Appendf(nil, "customer-%02d", m%13)
		for j := range 3800 {
			r.TimeMs = t0 + int64(m/13)*360_000 + int64(j)*95
			r.Str[record.Host] = fmt.Appendf(r.Str[record.Host][:0], "host-%d", j%8)
			blk.Append(&r)
		}
	}
	o := keyOrder(d)
	u64 := make([]uint64, blk.Len())
	u32 := make([]uint32, blk.Len())
	u16 := make([]uint16, blk.Len())
	b.ResetTimer()
	for range b.N {
		if o.sort(&blk) == nil {
			b.Fatal("not sorted")
		}
		// The raw table's numeric columns on 18.16: time, client_ip, six
		// UInt64, four UInt32, three UInt16.
		o.apply(0, blk.TimeMs)
		o.apply(1, blk.ClientIP)
		for c := range 6 {
			o.apply(2+c, u64)
		}
		for c := range 4 {
			o.apply(8+c, u32)
		}
		for c := range 3 {
			o.apply(12+c, u16)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(blk.Len()), "ns/row")
}
