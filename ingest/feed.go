package ingest

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/schema"
)

// The rollup feed (schema.FeedTable, see package schema): after a batch's
// raw INSERT, ingest aggregates exactly those rows once, at traffic_1m's
// grain plus the Kafka stream and partition, and INSERTs the groups; the
// server folds them into the five traffic and billing rollups instead of
// grouping every raw block five times.
//
// The measures are schema.FeedMeasures, computed here in Go: feedMeasure
// names each by its schema name, init checks that the two lists are the
// same, and TestFeedEqualsViewsOverRaw holds the Go sums equal to
// ClickHouse's own definitions (schema.Verify re-derives every rollup from
// the raw rows).

// Feed measures, by index in a group's sums.
const (
	fRequests = iota
	fBytesOut
	fBytesIn
	fCacheHit
	fCacheMiss
	fBytesHit
	fStatus1xx // ... fStatus5xx: status class c is fStatus1xx+c
	fStatus2xx
	fStatus3xx
	fStatus4xx
	fStatus5xx
	fRequestTime
	fBytesTotal
	fBytesMiss
	fBytes1xx // ... fBytes5xx
	fBytes2xx
	fBytes3xx
	fBytes4xx
	fBytes5xx
	fSplitRequests
	numFeedMeasures
)

// feedMeasure names each index by the schema measure it computes.
var feedMeasure = [numFeedMeasures]string{
	fRequests: "requests", fBytesOut: "bytes_out", fBytesIn: "bytes_in",
	fCacheHit: "cache_hit", fCacheMiss: "cache_miss", fBytesHit: "bytes_hit",
	fStatus1xx: "status_1xx", fStatus2xx: "status_2xx", fStatus3xx: "status_3xx", fStatus4xx: "status_4xx", fStatus5xx: "status_5xx",
	fRequestTime: "request_time_us_sum", fBytesTotal: "bytes_total", fBytesMiss: "bytes_miss",
	fBytes1xx: "bytes_1xx", fBytes2xx: "bytes_2xx", fBytes3xx: "bytes_3xx", fBytes4xx: "bytes_4xx", fBytes5xx: "bytes_5xx",
	fSplitRequests: schema.SplitRequests,
}

// feedOrder maps the schema's measure order to feedMeasure indexes.
var feedOrder []int

func init() {
	byName := map[string]int{}
	for i, n := range feedMeasure {
		byName[n] = i
	}
	for _, m := range schema.FeedMeasures() {
		i, ok := byName[m.Name]
		if !ok {
			panic("BUG: feed measure " + m.Name + " (" + m.Expr + ") is not computed by ingest: add it to feedMeasure and feeder.add")
		}
		feedOrder = append(feedOrder, i)
		delete(byName, m.Name)
	}
	for n := range byName {
		panic("BUG: ingest computes feed measure " + n + ", which the schema does not have")
	}
	if d := schema.FeedDims(); len(d) != 8 || d[0].Name != "minute" || d[1].Name != "customer" || d[2].Name != "host" ||
		d[3].Name != "region" || d[4].Name != "pop" || d[5].Name != "country" || d[6].Name != "src_stream" || d[7].Name != "src_partition" {
		panic("BUG: the feed's dimensions changed: teach feeder its key")
	}
}

// feedStrs are the string dimensions of the feed, in its column order.
var feedStrs = [...]record.Str{record.Customer, record.Host, record.Region, record.PoP, record.Country}

// cacheClass is 1 for a cache hit, 2 for a miss, 0 otherwise: schema's
// hitStatuses and ('MISS', 'EXPIRED').
func cacheClass(s []byte) int {
	switch string(s) {
	case "HIT", "STALE", "UPDATING", "REVALIDATED":
		return 1
	case "MISS", "EXPIRED":
		return 2
	}
	return 0
}

// statusClass is 0 for 1xx (and below), 1 for 2xx ... 4 for 5xx and above.
func statusClass(s uint16) int {
	switch {
	case s < 200:
		return 0
	case s < 300:
		return 1
	case s < 400:
		return 2
	case s < 500:
		return 3
	}
	return 4
}

// feeder aggregates a batch into feed rows. Groups are found by one
// lookup per row on a byte key (minute, partition, then the five strings
// length-prefixed) in a groupIndex; it and every slice are reused between
// batches.
//
// Bounds: one group per distinct key of the batch, so at most one per
// row of an INSERT (MaxInsertRows); the index is reset, not shrunk.
type feeder struct {
	groups groupIndex // the batch's keys (groupindex.go)
	key    []byte
	first  []int32 // a row of each group (its strings)
	minute []int64 // seconds
	part   []uint16
	minOff []uint64
	maxOff []uint64
	maxMs  []uint64 // the latest row time, ms (the watermark's, schema.WatermarkView)
	sums   [][numFeedMeasures]uint64

	// column buffers of the INSERT
	strs    [len(feedStrs) + 1]record.StrCol // the string dimensions, then src_stream: arenas the driver's columns alias (strcol.go)
	strCols strColumns                       // their positions
	scratch []string                         // a string column for a driver that cannot alias (forDriver)
	cols    [numFeedMeasures][]uint64        // one a measure: the driver's columns alias them (numcol.go)
}

// aggregate groups b's rows.
func (f *feeder) aggregate(b *batch) {
	f.groups.reset()
	f.first, f.minute, f.part, f.minOff, f.maxOff, f.maxMs, f.sums = f.first[:0], f.minute[:0], f.part[:0], f.minOff[:0], f.maxOff[:0], f.maxMs[:0], f.sums[:0]
	blk := &b.block
	cache := &blk.Str[record.CacheStatus]
	row := 0
	for _, s := range b.parts() {
		part := uint16(s.partition) // #nosec G115 -- Kafka partition ids are < 2^16 (the schema's src_partition is UInt16)
		for end := row + s.rows; row < end; row++ {
			minute := floorDiv(blk.TimeMs[row], 60_000) * 60
			k := binary.LittleEndian.AppendUint64(f.key[:0], uint64(minute)) // #nosec G115 -- bit pattern of the key only
			k = binary.LittleEndian.AppendUint16(k, part)
			for _, c := range feedStrs {
				v := blk.Str[c].Bytes(row)
				k = binary.AppendUvarint(k, uint64(len(v)))
				k = append(k, v...)
			}
			f.key = k
			g, ok := f.groups.find(k)
			off := b.srcOffset[row]
			ms := uint64(blk.TimeMs[row]) // #nosec G115 -- a valid row time is after 1970 (timecheck.go)
			if !ok {
				f.first = append(f.first, int32(row)) // #nosec G115 -- row < MaxInsertRows
				f.minute = append(f.minute, minute)
				f.part = append(f.part, part)
				f.minOff = append(f.minOff, off)
				f.maxOff = append(f.maxOff, off)
				f.maxMs = append(f.maxMs, ms)
				f.sums = append(f.sums, [numFeedMeasures]uint64{})
			} else {
				f.minOff[g] = min(f.minOff[g], off)
				f.maxOff[g] = max(f.maxOff[g], off)
				f.maxMs[g] = max(f.maxMs[g], ms)
			}
			a := &f.sums[g]
			sent := blk.BytesSent[row]
			a[fRequests]++
			a[fSplitRequests]++
			a[fBytesOut] += sent
			a[fBytesIn] += blk.BytesReceived[row]
			a[fBytesTotal] += blk.BytesTotal[row]
			a[fRequestTime] += uint64(blk.RequestTimeUs[row])
			c := statusClass(blk.Status[row])
			a[fStatus1xx+c]++
			a[fBytes1xx+c] += sent
			switch cacheClass(cache.Bytes(row)) {
			case 1:
				a[fCacheHit]++
				a[fBytesHit] += sent
			case 2:
				a[fCacheMiss]++
				a[fBytesMiss] += sent
			}
		}
	}
	if row != blk.Len() {
		panic(fmt.Sprintf("BUG: the batch's spans cover %d of its %d rows", row, blk.Len()))
	}
}

// insertFeed aggregates b and INSERTs its feed rows.
func (ins *inserter) insertFeed(ctx context.Context, b *batch) error {
	f := &ins.feed
	f.aggregate(b)
	n := len(f.first)
	if n == 0 {
		return nil
	}
	chb, err := ins.conn.PrepareBatch(ctx, schema.InsertFeedSQL(ins.db))
	if err != nil {
		return fmt.Errorf("cannot prepare feed insert: %w", err)
	}
	defer chb.Abort()
	cols := chb.Columns() // a copy of the driver's list each call
	if want := len(schema.FeedColumnNames()); len(cols) != want {
		return fmt.Errorf("cannot insert: the server's %s has %d columns, ingest writes %d", schema.FeedTable, len(cols), want)
	}
	col := 0
	expect := func(name string) {
		if got := cols[col].Name(); got != name {
			panic("BUG: feed column " + name + " written where the INSERT has " + got)
		}
	}
	appendCol := func(name string, v any) error {
		expect(name)
		if aliasNumeric(cols[col], v) {
			col++
			return nil
		}
		if err := chb.Column(col).Append(v); err != nil {
			return fmt.Errorf("cannot append feed column %s: %w", name, err)
		}
		col++
		return nil
	}
	// A string column: the driver's aliases the arena (strcol.go), or,
	// where it cannot (LowCardinality: the feed on a modern server before
	// migration 19), copies it.
	appendStrCol := func(name string, j int) error {
		expect(name)
		if f.strCols.set(j, cols[col], &f.strs[j], nil) {
			col++
			return nil
		}
		f.scratch = f.strs[j].UnsafeStrings(f.scratch)
		return appendCol(name, f.scratch)
	}
	defer f.strCols.release(maxKeptPositions)
	if err := appendCol("minute", f.minute); err != nil {
		return err
	}
	for j, c := range feedStrs {
		a, src := emptyArena(&f.strs[j]), &b.block.Str[c]
		for _, row := range f.first {
			a.Append(src.Bytes(int(row)))
		}
		if err := appendStrCol(c.String(), j); err != nil {
			return err
		}
	}
	emptyArena(&f.strs[len(feedStrs)]).AppendRepeat(ins.stream, n)
	if err := appendStrCol("src_stream", len(feedStrs)); err != nil {
		return err
	}
	if err := appendCol("src_partition", f.part); err != nil {
		return err
	}
	for _, m := range feedOrder {
		c := f.cols[m][:0]
		for g := range f.sums {
			c = append(c, f.sums[g][m])
		}
		f.cols[m] = c
		if err := appendCol(feedMeasure[m], c); err != nil {
			return err
		}
	}
	if err := appendCol("min_offset", f.minOff); err != nil {
		return err
	}
	if err := appendCol("max_offset", f.maxOff); err != nil {
		return err
	}
	if err := appendCol("max_time_ms", f.maxMs); err != nil {
		return err
	}
	if err := chb.Send(); err != nil {
		return fmt.Errorf("cannot insert %d feed rows: %w", n, err)
	}
	return nil
}

// hasFeed reports whether db has the rollup feed (schema migration 15 on a
// single server): ingest then writes each batch's feed rows after its raw
// rows.
func hasFeed(ctx context.Context, conn driver.Conn, db string) (bool, error) {
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ?", db, schema.FeedTable).Scan(&n); err != nil {
		return false, fmt.Errorf("cannot look for the rollup feed: %w", err)
	}
	return n > 0, nil
}

// schemaVersion returns the highest migration applied to db (0 for none).
func schemaVersion(ctx context.Context, conn driver.Conn, db string) (int, error) {
	var exists uint8
	if err := conn.QueryRow(ctx, "SELECT count() > 0 FROM system.tables WHERE database = ? AND name = ?", db, schema.MigrationsTable).Scan(&exists); err != nil {
		return 0, fmt.Errorf("cannot read the schema version: %w", err)
	}
	if exists == 0 {
		return 0, nil
	}
	var v uint32
	if err := conn.QueryRow(ctx, "SELECT max(version) FROM "+db+"."+schema.MigrationsTable).Scan(&v); err != nil {
		return 0, fmt.Errorf("cannot read the schema version: %w", err)
	}
	return int(v), nil
}
