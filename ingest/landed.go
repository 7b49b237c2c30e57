package ingest

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/schema"
)

// rowsLanded reports whether the raw table holds every row of b: for each
// partition of b, the rows carrying its partition and one of its message
// offsets are counted and compared with the batch's. The count is bounded
// by the rows' customers and time range, which lead the raw table's sorting
// key, so it reads the batch's granules, not the whole table.
//
// Kafka offsets are unique per partition, so no other batch's rows are
// counted; a re-sent block that deduplicated adds nothing either.
func rowsLanded(ctx context.Context, conn driver.Conn, db string, b *batch) (bool, error) {
	from := 0
	for _, s := range b.parts() {
		to := from + s.rows
		n, err := countRows(ctx, conn, db, b, s.partition, from, to)
		if err != nil {
			return false, err
		}
		if n < uint64(s.rows) {
			return false, nil
		}
		from = to
	}
	return true, nil
}

// countRows counts the raw rows of partition that carry the offsets of
// b's rows from..to.
func countRows(ctx context.Context, conn driver.Conn, db string, b *batch, partition, from, to int) (uint64, error) {
	if from == to {
		return 0, nil
	}
	blk := &b.block
	minOff, maxOff := slices.Min(b.srcOffset[from:to]), slices.Max(b.srcOffset[from:to])
	minMs, maxMs := slices.Min(blk.TimeMs[from:to]), slices.Max(blk.TimeMs[from:to])
	var customers []string
	seen := map[string]bool{}
	for i := from; i < to; i++ {
		c := string(blk.Str[record.Customer].Bytes(i))
		if !seen[c] {
			seen[c] = true
			customers = append(customers, c)
		}
	}
	// Every value is a bound parameter; one placeholder per customer.
	q := fmt.Sprintf(`SELECT count() FROM %s.%s
WHERE customer IN (%s)
  AND time >= toDateTime(?) AND time < toDateTime(?)
  AND src_partition = ? AND src_offset >= ? AND src_offset <= ?`,
		db, schema.RawTable, strings.TrimSuffix(strings.Repeat("?, ", len(customers)), ", "))
	args := make([]any, 0, len(customers)+5)
	for _, c := range customers {
		args = append(args, c)
	}
	args = append(args, uint32(floorDiv(minMs, 1000)), uint32(floorDiv(maxMs, 1000)+1), uint16(partition), minOff, maxOff)
	var n uint64
	if err := conn.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("cannot count the batch's rows: %w", err)
	}
	return n, nil
}
