package ingest

import (
	"context"
	"fmt"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/schema"
)

// rowsLanded reports whether the raw table holds every row of b. Its rows
// are counted per partition, message and sharding key (groupCounts) and
// compared with the batch's: counting whole offset ranges would also count
// rows of those messages that an earlier INSERT landed and b no longer
// carries (dropLanded).
//
// Kafka offsets are unique per partition, so no other batch's rows are
// counted; a re-sent block that deduplicated adds nothing either.
//
// streams are the two src_stream values of the worker's rows (see
// Worker.streamArgs).
func rowsLanded(ctx context.Context, conn driver.Conn, db string, streams []any, b *batch) (bool, error) {
	from := 0
	for _, s := range b.parts() {
		to := from + s.rows
		want, have, err := groupCounts(ctx, conn, db, streams, b, s.partition, from, to, -1)
		if err != nil {
			return false, err
		}
		for k, n := range want {
			if have[k] < n {
				return false, nil
			}
		}
		from = to
	}
	return true, nil
}

// groupKey is a row's sharding key and message: the rows of one message
// with the same customer and host are on one shard, so they landed
// together or not at all.
type groupKey struct {
	offset         uint64
	customer, host string
}

// dropLanded removes from b the rows, of messages up to b.recheckUpTo,
// that ClickHouse already holds, and returns how many it removed.
//
// It serves a worker that took a partition over on a cluster: the
// ledger's highest offset says some INSERT carried those messages, but a
// worker killed while its INSERT went to the shards may have left some
// shards without their part. The raw table's sharding key is (customer,
// host) (schema.RawShardingKey), so per message each such group is either
// on its shard or missing; the missing groups are inserted again and go
// to the shard that lacks them, and nothing is counted twice. A group
// found with fewer rows than the message has is left alone (a shard's part
// is atomic unless the server itself crashed while writing it, ClickHouse's
// own limit).
func dropLanded(ctx context.Context, conn driver.Conn, db string, streams []any, b *batch) (int, error) {
	if b.spans != nil {
		return 0, fmt.Errorf("BUG: dropLanded on a merged batch")
	}
	blk := &b.block
	_, have, err := groupCounts(ctx, conn, db, streams, b, b.partition, 0, blk.Len(), b.recheckUpTo)
	if err != nil {
		return 0, err
	}
	upTo := b.recheckUpTo
	dropped := filterRows(b, func(i int) bool {
		return int64(b.srcOffset[i]) > upTo || have[keyOf(b, i)] == 0 // #nosec G115 -- offsets come from Kafka, int64 >= 0
	})
	// Checked once: a retry of this batch's INSERT must send it unchanged.
	b.recheckUpTo = -1
	return dropped, nil
}

// keepLanded keeps of a feed-only batch b the rows the raw table holds
// (by message and sharding key, as dropLanded) and returns how many it
// removed.
func keepLanded(ctx context.Context, conn driver.Conn, db string, streams []any, b *batch) (int, error) {
	if b.spans != nil {
		return 0, fmt.Errorf("BUG: keepLanded on a merged batch")
	}
	_, have, err := groupCounts(ctx, conn, db, streams, b, b.partition, 0, b.block.Len(), -1)
	if err != nil {
		return 0, err
	}
	return filterRows(b, func(i int) bool { return have[keyOf(b, i)] > 0 }), nil
}

// filterRows keeps the rows of b that keep accepts and returns how many it
// removed.
func filterRows(b *batch, keepRow func(i int) bool) int {
	blk := &b.block
	var keep batch
	keep.reset()
	var r record.Record
	for i := range blk.Len() {
		off := b.srcOffset[i]
		if !keepRow(i) {
			continue
		}
		blk.Row(i, &r)
		keep.block.Append(&r)
		keep.srcOffset = append(keep.srcOffset, off)
		keep.srcFile = append(keep.srcFile, b.srcFile[i])
		keep.srcEnd = append(keep.srcEnd, b.srcEnd[i])
		keep.srcSeq = append(keep.srcSeq, b.srcSeq[i])
	}
	dropped := blk.Len() - keep.block.Len()
	blk.Reset()
	blk.AppendBlock(&keep.block)
	b.srcOffset = append(b.srcOffset[:0], keep.srcOffset...)
	b.srcFile = append(b.srcFile[:0], keep.srcFile...)
	b.srcEnd = append(b.srcEnd[:0], keep.srcEnd...)
	b.srcSeq = append(b.srcSeq[:0], keep.srcSeq...)
	return dropped
}

func keyOf(b *batch, i int) groupKey {
	return groupKey{b.srcOffset[i], string(b.block.Str[record.Customer].Bytes(i)), string(b.block.Str[record.Host].Bytes(i))}
}

// groupCounts counts b's rows from..to of partition per message and
// sharding key (want) and the raw table's rows of the same groups (have).
// upTo, when not -1, leaves out rows of messages after it. The count is
// bounded by the rows' customers and time range, which lead the raw
// table's sorting key, so it reads the batch's granules, not the table.
func groupCounts(ctx context.Context, conn driver.Conn, db string, streams []any, b *batch, partition, from, to int, upTo int64) (want, have map[groupKey]uint64, err error) {
	blk := &b.block
	want = map[groupKey]uint64{}
	have = map[groupKey]uint64{}
	var minOff, maxOff uint64 = ^uint64(0), 0
	var minMs, maxMs int64 = 1<<63 - 1, -1 << 63
	var customers []string
	seen := map[string]bool{}
	for i := from; i < to; i++ {
		k := keyOf(b, i)
		if upTo >= 0 && int64(k.offset) > upTo { // #nosec G115 -- offsets come from Kafka (int64 >= 0) and upTo >= 0 here
			continue
		}
		want[k]++
		minOff, maxOff = min(minOff, k.offset), max(maxOff, k.offset)
		minMs, maxMs = min(minMs, blk.TimeMs[i]), max(maxMs, blk.TimeMs[i])
		if !seen[k.customer] {
			seen[k.customer] = true
			customers = append(customers, k.customer)
		}
	}
	if len(want) == 0 {
		return want, have, nil
	}
	// Every value is a bound parameter; one placeholder per customer.
	q := fmt.Sprintf(`SELECT src_offset, customer, host, count() FROM %s.%s
WHERE customer IN (%s)
  AND time >= toDateTime(?) AND time < toDateTime(?)
  AND src_stream IN (?, ?) AND src_partition = ? AND src_offset >= ? AND src_offset <= ?
GROUP BY src_offset, customer, host`,
		db, schema.RawTable, strings.TrimSuffix(strings.Repeat("?, ", len(customers)), ", "))
	args := make([]any, 0, len(customers)+7)
	for _, c := range customers {
		args = append(args, c)
	}
	args = append(args, uint32(floorDiv(minMs, 1000)), uint32(floorDiv(maxMs, 1000)+1), streams[0], streams[1], uint16(partition), minOff, maxOff) // #nosec G115 -- Kafka partition ids are < 2^16; row times are record.ValidTime (DateTime range, uint32 seconds)
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot count the batch's rows in ClickHouse: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k groupKey
		var n uint64
		if err := rows.Scan(&k.offset, &k.customer, &k.host, &n); err != nil {
			return nil, nil, err
		}
		have[k] = n
	}
	return want, have, rows.Err()
}

func init() {
	// dropLanded and rowsLanded group rows by (customer, host) because it
	// is the raw table's sharding key: catch a change of it at start.
	if schema.RawShardingKey != "cityHash64(customer, host)" {
		panic("BUG: ingest groups rows by (customer, host), but the raw sharding key is now " + schema.RawShardingKey)
	}
}
