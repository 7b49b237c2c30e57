package ingest

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/schema"
)

// batch is the rows of one partition waiting for one INSERT.
type batch struct {
	partition int
	block     record.Block
	srcOffset []uint64     // Kafka offset of each row's message
	srcFile   []string     // collector source of each row's message ("" if none)
	srcEnd    []uint64     // end offset of the collector batch of each row
	srcSeq    []uint32     // sequence number of each row's message in its collector batch
	fallbacks fallbackRows // the messages' field fallbacks (fallbacks.go)
	first     int64        // first and last message offsets in the batch (-1: none)
	last      int64
	messages  int
	// spans, set on a batch merged from several partitions' batches, say
	// which rows came from which partition, in order.
	spans []span
	// recheckUpTo, when not -1, is the ledger's highest offset on a
	// cluster: rows of messages up to it may be partly in ClickHouse
	// already (see dropLanded).
	recheckUpTo int64
	// feedOnly marks a batch of rows the raw table holds already and the
	// rollup feed does not: only its feed rows are inserted (feed.go).
	feedOnly bool
	// probeFirst marks the partition's first batch of raw rows after an
	// assignment: probed for a partial INSERT of the old owner before it
	// is inserted (partial.go). Not cleared by reset.
	probeFirst bool
}

// span is one partition's rows within a merged batch.
type span struct {
	partition int
	first     int64 // first message offset of those rows
	rows      int
}

// parts returns the batch's partitions with their first offsets.
func (b *batch) parts() []span {
	if b.spans != nil {
		return b.spans
	}
	return []span{{partition: b.partition, first: b.first, rows: b.block.Len()}}
}

func (b *batch) reset() {
	b.block.Reset()
	b.srcOffset = b.srcOffset[:0]
	b.srcFile = b.srcFile[:0]
	b.srcEnd = b.srcEnd[:0]
	b.srcSeq = b.srcSeq[:0]
	b.fallbacks.reset()
	b.first, b.last, b.messages = -1, -1, 0
	b.spans = nil
	b.recheckUpTo = -1
	b.feedOnly = false
}

// reserveProvenance makes room for n more rows' provenance (record.Grow
// says why).
func (b *batch) reserveProvenance(n int) {
	b.srcOffset = record.Grow(b.srcOffset, n)
	b.srcFile = record.Grow(b.srcFile, n)
	b.srcEnd = record.Grow(b.srcEnd, n)
	b.srcSeq = record.Grow(b.srcSeq, n)
}

// inserter turns a batch into one clickhouse-go native INSERT, appending
// whole columns rather than rows: a loop over the raw table's columns, each
// found by name among the block's columns (record.Block.Columns) and the
// batch's provenance columns (batch.columns). String columns alias the
// block's arenas (no copies); they are only used for the duration of the
// insert.
type inserter struct {
	conn    driver.Conn
	db      string
	sql     string
	dialect schema.Dialect
	cols    []schema.Column
	// settings, when set, replace the settings of the caller's context
	// for every INSERT (the worker's: workerInsertSettings).
	settings clickhouse.Settings

	data    map[string]any
	strs    []string // one string column at a time (see forDriver)
	secs    []int64
	millis  []uint16
	partCol []uint16
	ipRows  [][]byte
	// dts and ips are time and client_ip on 18.16 in the layout of the
	// driver's DateTime and FixedString(16) columns, which alias them
	// (alias).
	dts []proto.DateTime
	ips []byte
	// stream is the src_stream of every row (see stream.go).
	stream string
	// provenance holds src_stream and src_file as arenas the driver's
	// columns alias (provenanceArenas).
	provenance [2]record.StrCol
	// strCols holds the positions of the string columns the driver's
	// columns alias (strcol.go).
	strCols strColumns
	// lcCols holds the dictionaries and keys of the LowCardinality(String)
	// columns (lccol.go).
	lcCols lcColumns
	// feed aggregates batches into the rollup feed's rows (feed.go).
	feed feeder
	// order sends the rows in the raw table's sorting key (order.go).
	order *rowOrder
}

// maxKeptPositions is how many rows' string positions the inserter keeps
// between INSERTs per string column (16 bytes a row): a larger INSERT's are
// dropped after it.
const maxKeptPositions = 1 << 20

func newInserter(conn driver.Conn, db string, d schema.Dialect) *inserter {
	return &inserter{conn: conn, db: db, sql: schema.InsertRawSQL(db, d), dialect: d, cols: schema.RawColumns(d), data: map[string]any{},
		order: newRowOrder(d)}
}

// workerInsertSettings are the settings of the worker's INSERTs on any
// server (workerSettings adds the dialect's and the quorum's).
//
// insert_distributed_sync: in cluster mode the raw table is a Distributed
// table, which by default acknowledges an INSERT once the rows are queued
// on the receiving server's disk and sends them to the other shards later.
// An offset committed then would count rows no query can see yet, and the
// queue is lost with that server's disk. Synchronous, the INSERT returns
// only when one replica of every shard has written its part, views
// included; the shard's other replicas copy it from there. It changes
// nothing on a table that is not Distributed.
//
// Not insert_quorum (every replica before the acknowledgement): ClickHouse
// 18.16 runs one quorum INSERT per table at a time and fails the others,
// and a quorum that times out after the raw rows were written leaves their
// views unwritten, which a re-send cannot repair (the raw block is then a
// duplicate). Tried in lab/clustertest: rollups lost rows.
//
// min_insert_block_size_rows and _bytes = 0: the server otherwise squashes
// the blocks of an INSERT into blocks of at least 1,048,576 rows or 256 MB
// before writing them, copying every column of a smaller block into a
// growing buffer (ClickHouse profile of the 3M-line benchmark:
// SquashingBlockOutputStream::write 9% of the server's CPU, most of the
// kernel's page clearing on top). A worker INSERT is one block, so there is
// nothing to squash: with both at 0 the block goes to the table and its
// views as it came.
//
// optimize_on_insert = 0, on servers that have it (schema.Dialect): they
// otherwise sort and merge the rows of equal key of every block a view
// writes into a Summing- or AggregatingMergeTree before writing the part,
// re-building each latency state it meets, though the views' GROUP BYs
// already made one row per key and Kafka partition; merges and queries sum
// and merge whatever rows a key has, so the figures are the same either
// way. schema/conformance's BenchmarkSchemaCost on chDB (ClickHouse 26.5,
// the modern dialect, 3-6M requests at edgelog bench's default density):
// the INSERTs 3.00-3.60 -> 2.35-2.71 CPU-s per million in four pairs of
// runs, the merge pass unchanged; at `--span 1m` 2.43 -> 2.28.
//
// max_partitions_per_insert_block = 0 on modern servers (all have it;
// 18.16 does not): they refuse a block that writes more than 100
// partitions of one table (error 252), and a worker INSERT holds whatever
// times its messages carry: the live counter's hour partitions
// (schema.Live) pass 100 with rows four days apart, the day partitions
// of the raw table and the minute rollups with rows 100 days apart (an
// old backlog). A refused INSERT would stop its Kafka partition.
var workerInsertSettings = clickhouse.Settings{"insert_distributed_sync": 1, "min_insert_block_size_rows": 0, "min_insert_block_size_bytes": 0}

// workerSettings returns the worker's INSERT settings on a server of
// dialect d (workerInsertSettings) with a quorum of n replicas
// (quorumSettings).
func workerSettings(d schema.Dialect, n int, timeout time.Duration) clickhouse.Settings {
	s := workerInsertSettings
	if d.Modern {
		s = maps.Clone(s)
		s["max_partitions_per_insert_block"] = 0
		if d.OptimizeOnInsert {
			s["optimize_on_insert"] = 0
		}
	}
	return quorumSettings(s, n, timeout)
}

func (ins *inserter) insert(ctx context.Context, b *batch) error {
	n := b.block.Len()
	if ins.settings != nil {
		ctx = clickhouse.Context(ctx, clickhouse.WithSettings(ins.settings))
	}
	// The fallbacks first: if the rows then fail, a retry writes both
	// again, and readers count a message's fallbacks once.
	if err := ins.insertFallbacks(ctx, &b.fallbacks); err != nil {
		return err
	}
	ins.sources(b)
	runs := ins.order.sort(&b.block)
	chb, err := ins.conn.PrepareBatch(ctx, ins.sql)
	if err != nil {
		return fmt.Errorf("cannot prepare insert: %w", err)
	}
	defer chb.Abort()
	driverCols := chb.Columns()
	if len(driverCols) != len(ins.cols) {
		return fmt.Errorf("cannot insert: the server's %s has %d columns, the schema %d", schema.RawTable, len(driverCols), len(ins.cols))
	}
	for i, c := range ins.cols {
		v, ok := ins.data[c.Name]
		if !ok {
			panic("BUG: raw column " + c.Name + " has no source in the record or the batch")
		}
		if s, ok := v.(*record.StrCol); ok {
			if ins.strCols.set(i, driverCols[i], s, runs) {
				continue // the driver's column aliases the arena (strcol.go)
			}
			if ins.lcCols.set(i, driverCols[i], s, runs) {
				continue // a dictionary and the rows' keys (lccol.go)
			}
			v = ins.forDriver(c.Name, s)
		}
		v = ins.order.apply(i, v) // the rows in the table's order (order.go)
		if ins.alias(driverCols[i], c.Name, v) {
			continue // the driver's column aliases the data (numcol.go)
		}
		if err := chb.Column(i).Append(ins.forDriver(c.Name, v)); err != nil {
			return fmt.Errorf("cannot append column %s: %w", c.Name, err)
		}
	}
	err = chb.Send()
	ins.strCols.release(maxKeptPositions)
	ins.lcCols.release(maxKeptPositions)
	ins.order.release(maxKeptPositions)
	if cap(ins.dts) > maxKeptPositions {
		ins.dts, ins.ips = nil, nil
	}
	if err != nil {
		return fmt.Errorf("cannot insert %d rows: %w", n, err)
	}
	return nil
}

// sources fills ins.data with every column b can fill, by name: the
// block's, the batch's provenance and, on 18.16, time_ms.
func (ins *inserter) sources(b *batch) {
	clear(ins.data)
	for _, c := range b.block.Columns() {
		ins.data[c.Name] = c.Data
	}
	for _, c := range b.columns(&ins.partCol) {
		ins.data[c.Name] = c.Data
	}
	ins.provenanceArenas(b)
	if !ins.dialect.Modern {
		// DateTime has no sub-second part on 18.16.
		ins.millis = ins.millis[:0]
		for _, ms := range b.block.TimeMs {
			ins.millis = append(ins.millis, uint16(ms-floorDiv(ms, 1000)*1000)) // #nosec G115 -- ms-floor(ms/1000)*1000 is in [0, 999]
		}
		ins.data["time_ms"] = ins.millis
	}
}

// provenanceArenas puts src_stream (the worker's stream, see stream.go)
// and src_file, one value a row, into arenas kept across INSERTs, which
// the driver's String columns alias (strcol.go) like the block's own. As
// []string the driver copied each value into a ColStr it grew from
// nothing every INSERT: ch-go's ColStr.Append was 1.8 of ingest's 26.8
// CPU-seconds in the 20M-line bench (pprof), most of it growing and
// copying these two columns. Filling an arena costs one copy into memory
// that is already there.
//
// A row whose value is the previous row's shares its bytes (every row's
// src_stream, a message's rows' src_file): the arenas hold each value once
// a run, not once a row.
func (ins *inserter) provenanceArenas(b *batch) {
	stream, file := emptyArena(&ins.provenance[0]), emptyArena(&ins.provenance[1])
	stream.AppendRepeat(ins.stream, len(b.srcFile))
	for i, f := range b.srcFile {
		if i > 0 && f == b.srcFile[i-1] {
			file.AppendLast()
		} else {
			file.AppendString(f)
		}
	}
	ins.data["src_stream"], ins.data["src_file"] = stream, file
}

// emptyArena empties an arena the driver's column aliases (the INSERT's
// provenance, the feed's strings), dropping its memory first when the last
// INSERT made it larger than maxKeptPositions rows.
func emptyArena(a *record.StrCol) *record.StrCol {
	if a.Len() > maxKeptPositions {
		*a = record.StrCol{}
	}
	a.Reset()
	return a
}

// alias points the driver's column c at column name's data v (numcol.go)
// and reports whether it did. On 18.16 time (Unix milliseconds) and
// client_ip ([16]byte a row) are first converted into the driver's layout
// (DateTime seconds, FixedString bytes end to end) in buffers kept across
// INSERTs.
func (ins *inserter) alias(c column.Interface, name string, v any) bool {
	switch v := v.(type) {
	case [][16]byte:
		if ins.dialect.Modern {
			return false // IPv6: forDriver
		}
		ins.ips = ins.ips[:0]
		for i := range v {
			ins.ips = append(ins.ips, v[i][:]...)
		}
		return aliasFixed16(c, ins.ips)
	case []int64:
		if ins.dialect.Modern || name != "time" {
			return false
		}
		ins.dts = ins.dts[:0]
		for _, ms := range v {
			ins.dts = append(ins.dts, proto.DateTime(floorDiv(ms, 1000))) // #nosec G115 -- row times are within DateTime's range (record.ValidTime, splitInvalidTime) before they are batched
		}
		return aliasNumeric(c, ins.dts)
	}
	return aliasNumeric(c, v)
}

// forDriver returns column data in the form clickhouse-go takes for the
// column's type in the inserter's dialect.
func (ins *inserter) forDriver(name string, v any) any {
	switch v := v.(type) {
	case *record.StrCol:
		// One column's views at a time: fewer live pointers for the
		// garbage collector to scan than every column's at once.
		ins.strs = v.UnsafeStrings(ins.strs)
		return ins.strs
	case [][16]byte:
		if ins.dialect.Modern {
			return v // IPv6 takes [16]byte values
		}
		ins.ipRows = ins.ipRows[:0]
		for i := range v {
			ins.ipRows = append(ins.ipRows, v[i][:])
		}
		return ins.ipRows // FixedString(16)
	case []int64:
		if name != "time" {
			panic("BUG: int64 column " + name + " is not the request time")
		}
		if ins.dialect.Modern {
			return v // DateTime64(3) takes milliseconds
		}
		ins.secs = ins.secs[:0]
		for _, ms := range v {
			ins.secs = append(ins.secs, floorDiv(ms, 1000))
		}
		return ins.secs
	}
	return v
}

// columns returns the batch's provenance columns by name but src_file
// (an arena: provenanceArenas); partCol is scratch for src_partition.
func (b *batch) columns(partCol *[]uint16) []record.Column {
	*partCol = (*partCol)[:0]
	for _, s := range b.parts() {
		for range s.rows {
			*partCol = append(*partCol, uint16(s.partition)) // #nosec G115 -- Kafka partition ids are < 2^16 (the schema's src_partition is UInt16)
		}
	}
	return []record.Column{
		{Name: "src_partition", Data: *partCol},
		{Name: "src_offset", Data: b.srcOffset},
		{Name: "src_file_end", Data: b.srcEnd},
		{Name: "src_seq", Data: b.srcSeq},
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// InsertBlock inserts rows that did not come through Kafka (their
// src_partition and src_offset are 0 and they carry no collector source):
// for tests and tools that load generated or historical rows directly. It
// gives none of Worker's exactly-once guarantees, and the INSERTs run with
// the settings of ctx (clickhouse.Context), none of the worker's. Where db
// has the rollup feed, the rows' feed rows are inserted after them, as the
// worker does.
func InsertBlock(ctx context.Context, conn driver.Conn, db string, d schema.Dialect, blk *record.Block) error {
	b := &batch{}
	b.reset()
	b.block.AppendBlock(blk)
	for range blk.Len() {
		b.srcOffset = append(b.srcOffset, 0)
		b.srcFile = append(b.srcFile, "")
		b.srcEnd = append(b.srcEnd, 0)
		b.srcSeq = append(b.srcSeq, 0)
	}
	ins := newInserter(conn, db, d)
	if err := ins.insert(ctx, b); err != nil {
		return err
	}
	feed, err := hasFeed(ctx, conn, db)
	if err != nil || !feed {
		return err
	}
	return ins.insertFeed(ctx, b)
}
