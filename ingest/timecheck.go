package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/internal/deadletter"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/schema"
)

// Time that lies. A row's time is the edge server's clock; ingest stores it
// as it is (a row stamped three hours ahead lands in the hour it is
// stamped with: the log is the only record of when the request was, and a
// bill must be recomputable from the raw rows). Two checks:
//
//   - A row ClickHouse cannot store (record.ValidTime: before 1970-01-02 or
//     from 2100 on) is dead-lettered alone, in a letter of its own message's
//     bad rows (Kafka topic, partition and offset; the collector source in
//     the reason), and the message's other rows are inserted. One bad row
//     once sent its whole message to the dead letters.
//   - Clock skew, defined against the ingest worker's clock: a row stamped
//     more than SkewTolerance after the moment the worker reads its message
//     was logged by a server whose clock is ahead (a line cannot be read
//     before it was written). Such rows are counted per edge server and
//     minute in the clock_skew table (schema.ClockSkewTable) and in
//     edgelog_ingest_clock_skewed_rows_total; the ops overview counts the
//     servers. A clock behind is not detected: its rows look like a backlog
//     read late (a collector catching up after an outage), which is normal.

// SkewTolerance is how far ahead of the worker's clock a row may be stamped
// before its server counts as skewed: clocks of healthy NTP-synced hosts
// agree within milliseconds, so 5 minutes flags only a wrong clock.
const SkewTolerance = 5 * time.Minute

// maxSkewServers bounds the servers a partition remembers between two
// flushes; more are counted in the metric but not stored.
const maxSkewServers = 1000

// splitInvalidTime moves the rows of blk from index from on that
// record.ValidTime refuses to bad (in order), keeping the others in blk in
// order. scratch is reused between calls. It returns how many it moved;
// the common case (none) costs one comparison per row.
func splitInvalidTime(blk *record.Block, from int, bad, scratch *record.Block) int {
	first := -1
	for i, t := range blk.TimeMs[from:] {
		if !record.ValidTime(t) {
			first = from + i
			break
		}
	}
	if first < 0 {
		return 0
	}
	scratch.Reset()
	scratch.AppendRange(blk, first, blk.Len())
	blk.Truncate(first)
	n, run := 0, 0
	for i, t := range scratch.TimeMs {
		if record.ValidTime(t) {
			continue
		}
		blk.AppendRange(scratch, run, i)
		bad.AppendRange(scratch, i, i+1)
		run = i + 1
		n++
	}
	blk.AppendRange(scratch, run, scratch.Len())
	return n
}

// skewObs is what a partition saw of one server's skewed rows.
type skewObs struct {
	rows       uint64
	maxAheadMs int64
}

// skewSeen collects skewed rows per server until the next flush.
type skewSeen map[string]*skewObs

// observe counts the rows of blk from index from on stamped more than
// SkewTolerance after now; it returns how many.
func (s skewSeen) observe(blk *record.Block, from int, now time.Time) int {
	limit := now.Add(SkewTolerance).UnixMilli()
	n := 0
	for i := from; i < blk.Len(); i++ {
		t := blk.TimeMs[i]
		if t <= limit {
			continue
		}
		n++
		srv := blk.Str[record.Server].Bytes(i)
		o := s[string(srv)] // no allocation for the lookup
		if o == nil {
			if len(s) >= maxSkewServers {
				continue
			}
			o = &skewObs{}
			s[string(srv)] = o
		}
		o.rows++
		o.maxAheadMs = max(o.maxAheadMs, t-now.UnixMilli())
	}
	return n
}

// writeSkew stores what a partition saw since its last flush. It is an
// observation, not data: on failure it warns and drops it (the metric kept
// the count).
func (w *Worker) writeSkew(ctx context.Context, s skewSeen) {
	if len(s) == 0 {
		return
	}
	defer clear(s)
	t := time.Now().UTC().Truncate(time.Minute)
	b, err := w.conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.%s (t, server, rows, max_ahead_s)", w.cfg.CH.Database, schema.ClockSkewTable))
	if err == nil {
		for srv, o := range s {
			if err = b.Append(t, srv, o.rows, o.maxAheadMs/1000); err != nil {
				break
			}
		}
		if err == nil {
			err = b.Send()
		} else {
			b.Abort() // #nosec G104 -- already failing; the append error is reported
		}
	}
	if err != nil {
		w.log.Warn("cannot record clock skew", "servers", len(s), "err", err)
		return
	}
	for srv, o := range s {
		w.log.Warn("edge server clock ahead of ingest's", "server", srv, "rows", o.rows, "max_ahead", time.Duration(o.maxAheadMs)*time.Millisecond)
	}
}

// deadLetterRows stores a message's rows of invalid time, as wire messages
// of those rows alone (each within deadletter.MaxData), retrying until
// stored or the generation ends.
func (w *Worker) deadLetterRows(gctx context.Context, msg kafka.Message, src string, bad *record.Block) bool {
	var enc wire.Encoder
	var letters []deadletter.Letter
	var cut func(from, to int)
	cut = func(from, to int) {
		var part record.Block
		part.AppendRange(bad, from, to)
		data := enc.Encode(nil, &part)
		if len(data) > deadletter.MaxData && to-from > 1 {
			mid := from + (to-from)/2
			cut(from, mid)
			cut(mid, to)
			return
		}
		letters = append(letters, deadletter.Letter{Stage: "ingest",
			Reason: fmt.Sprintf("invalid_time: %d row(s) stamped outside [1970-01-02, 2100-01-01), first at %d ms; the message's other rows were inserted; collector source %q",
				to-from, bad.TimeMs[from], src),
			Source: msg.Topic, Partition: msg.Partition, Offset: msg.Offset, Time: time.Now().UTC(), Data: data})
	}
	cut(0, bad.Len())
	for _, l := range letters {
		if !w.writeLetter(gctx, l, "invalid_time") {
			return false
		}
	}
	w.m.invalidTimeRows.Add(float64(bad.Len()))
	return true
}
