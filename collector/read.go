package collector

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/edgelog/edgelog/collector/batch"
	"github.com/edgelog/edgelog/collector/checkpoint"
	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/collector/geo"
	"github.com/edgelog/edgelog/collector/tail"
	"github.com/edgelog/edgelog/internal/deadletter"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
)

// lineSource hands out lines. Next overwrites *line with the next one
// (into the caller's Line, not returned by value: see tail.Tailer.Read);
// reject is set when the transport already knows the line is bad (a frame
// that is not syslog); it is dead-lettered.
type lineSource interface {
	Next(ctx context.Context, line *tail.Line) (reject string, err error)
}

// source is one stream of lines being read: a file, stdin, a syslog
// listener or an imported file.
type source struct {
	lines  lineSource
	parser format.Parser
	// name is what dead letters and the "source" header say (a path,
	// "stdin", "syslog:udp:127.0.0.1:5514").
	name string
	// id is the source ledger's name of the stream (see package ingest);
	// a file's id is completed with the identity of the file read.
	id string
	// checkpoint is the path a file is checkpointed under; empty for
	// inputs that cannot be re-read.
	checkpoint string
	// cuts are batch ends journaled by a previous run that may have reached
	// Kafka: the first batches end exactly there, so they are re-sent
	// byte-for-byte and ingest recognises them (see package ingest).
	cuts []int64
	// exactCuts cuts batches by BatchRows only, never by time, so that a
	// re-run of an import yields the same messages (ingest then skips them).
	exactCuts bool
	// lineCount, when set, counts the lines read (import progress).
	lineCount *atomic.Int64
	// flushed, when set, is called with every batch cut (a file's
	// bytes-behind gauge moves with reading, not only with acks).
	flushed func()
}

// readLoop parses lines into per-customer blocks and hands them to the
// ship loop every BatchRows rows or BatchWait.
func (c *Collector) readLoop(ctx context.Context, src *source, ship chan<- shipment) error {
	rows := batch.New(c.cfg.MaxMessageBytes)
	var letters []deadletter.Letter
	var geoCache geo.Cache // per loop: no locks on the hot path
	var r record.Record
	var due time.Time   // when the pending batch must be cut
	var begun time.Time // when its first line was read
	// The adaptive batch wait (wait.go).
	wait := newBatchWait(c.cfg.BatchWaitMin, c.cfg.BatchWait, c.cfg.BatchRows)
	var line tail.Line
	// The last line's file and end: a batch's checkpoint position.
	var lastInode, lastFingerprint uint64
	var lastEnd int64
	fileGen := -1
	cuts := src.cuts
	var counts lineCounts
	lp := newLineParser(src.parser, c.proxies, c.cfg.MaxLineBytes)
	fallbacks := fallbackCounters{vec: c.m.fallbacks, format: formatLabel(src.parser)}
	rows.Format = fallbacks.format

	flush := func() {
		c.publish(&counts, src)
		if rows.Rows() == 0 && len(letters) == 0 {
			return
		}
		// A batch's messages depend on its rows alone, so that a re-cut
		// after a crash yields the very same messages (see cuts).
		c.m.batchAge.Observe(time.Since(begun).Seconds())
		wait.observe(rows.Rows())
		s := shipment{Letters: letters, Rows: rows.Rows(), Source: src.name}
		s.Msgs = rows.Cut(nil, src.name)
		id := src.id
		if src.checkpoint != "" {
			// The batch's own file, not the Tailer's current one: a batch
			// is flushed when the first line of the next file arrives.
			s.File = checkpoint.File{Path: src.checkpoint, Inode: lastInode, Fingerprint: lastFingerprint, Offset: lastEnd}
			id += "#" + strconv.FormatUint(lastInode, 16) + "-" + strconv.FormatUint(lastFingerprint, 16)
		}
		srcID := []byte(id)
		end := strconv.AppendInt(nil, lastEnd, 10)
		// A cut's messages share src and src_end; src_seq tells them
		// apart. A re-cut after a crash yields the same messages in the
		// same order, so (src_end, src_seq) names one message for good.
		for i := range s.Msgs {
			s.Msgs[i].Headers = wire.AppendSource(s.Msgs[i].Headers, srcID, end, i)
		}
		if src.flushed != nil {
			src.flushed()
		}
		ship <- s
		letters = nil
	}

	// One deadline context per batch, not per line: at a million lines a
	// second, a context per line was a fifth of the read loop's time.
	deadline := batchDeadline{parent: ctx}
	defer deadline.reset()
	for {
		lctx := ctx
		if (rows.Rows() > 0 || len(letters) > 0) && !src.exactCuts {
			lctx = deadline.until(due)
		}
		reject, err := src.lines.Next(lctx, &line)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				if len(cuts) == 0 { // a journaled batch is never cut short
					flush()
				}
				continue
			}
			flush() // graceful shutdown or EOF: ship what was read
			return err
		}
		if line.File != fileGen && fileGen >= 0 {
			flush() // a batch never spans two files: its end offset names one
		}
		fileGen = line.File
		if rows.Rows() == 0 && len(letters) == 0 {
			begun = time.Now()
			due = begun.Add(wait.next)
		}
		lastInode, lastFingerprint, lastEnd = line.Inode, line.Fingerprint, line.End
		counts.read++
		counts.bytes += line.End - line.Offset
		if reject == "" {
			reject = lp.parse(line.Data, line.Oversize, &r)
		}
		if reject == "" && lp.odd {
			fallbacks.count(lp.notes.Fallbacks) // the slow path: only a line that took a fallback
		}
		if reject == "" {
			if c.enrich(&r, &geoCache) {
				counts.unknownHosts++
			}
			if !rows.Fits(&r, len(line.Data)) {
				reject = "oversize: the row is larger than one Kafka message may be (max_message_bytes " + strconv.Itoa(c.cfg.MaxMessageBytes) + ")"
			}
		}
		if reject == noRecord {
			c.m.linesSkipped.Inc()
		} else if reject != "" {
			c.m.linesRejected.WithLabelValues(reasonLabel(reject)).Inc()
			letters = append(letters, deadletter.Letter{Stage: "collector", Reason: reject, Source: src.name,
				Offset: line.Offset, Time: time.Now().UTC(), Data: append([]byte(nil), line.Data...)})
		} else {
			counts.parsed++
			rows.Add(&r)
			if lp.odd {
				// The row's fallbacks go with its message (a Kafka header) to
				// the ops overview.
				for _, fb := range lp.notes.Fallbacks {
					rows.Note(fb.Field, fb.Reason)
				}
			}
		}
		if rows.Rows() == 0 && len(letters) == 0 {
			c.publish(&counts, src) // a line that left nothing to flush
		}
		switch {
		case len(cuts) > 0:
			// Re-cutting a journaled batch: only its end decides.
			if line.End >= cuts[0] {
				flush()
				for len(cuts) > 0 && cuts[0] <= line.End {
					cuts = cuts[1:]
				}
			}
		case rows.Rows() >= c.cfg.BatchRows || len(letters) >= c.cfg.BatchRows:
			flush()
		case !src.exactCuts && rows.Rows()&1023 == 0 && time.Now().After(due):
			flush()
		}
	}
}

// lineCounts are a read loop's line counters not yet added to the
// metrics. Four shared counters touched per line were a twentieth of the
// read loop's time, so they are added per batch (and for a line that
// leaves no batch pending), never later than a batch is cut.
type lineCounts struct {
	read, parsed, unknownHosts int
	bytes                      int64
}

// publish adds counts to the metrics (and src's import progress) and
// zeroes them.
func (c *Collector) publish(counts *lineCounts, src *source) {
	if counts.read == 0 {
		return
	}
	c.m.linesRead.Add(float64(counts.read))
	c.m.bytesRead.Add(float64(counts.bytes))
	c.m.linesParsed.Add(float64(counts.parsed))
	c.m.unknownHosts.Add(float64(counts.unknownHosts))
	if src.lineCount != nil {
		src.lineCount.Add(int64(counts.read))
	}
	*counts = lineCounts{}
}

// enrich completes r from the current mapping and GeoIP databases (through
// the read loop's cache gc) and reports whether its host was unknown.
func (c *Collector) enrich(r *record.Record, gc *geo.Cache) (unknownHost bool) {
	e := c.enr.Load()
	unknownHost = e.edge.Enrich(r)
	if e.geo != nil && r.ClientIP != ([16]byte{}) && (len(r.Str[record.Country]) == 0 || r.ASN == 0) {
		country, asn := gc.Lookup(e.geo, record.ClientAddr(r.ClientIP))
		if len(r.Str[record.Country]) == 0 {
			r.Str[record.Country] = country
		}
		if r.ASN == 0 {
			r.ASN = asn
		}
	}
	return unknownHost
}

// rejectReasons are the reason labels of edgelog_collector_lines_rejected_total
// (reasonLabel of every reject the read loop and the inputs make),
// pre-initialised at 0.
var rejectReasons = []string{"parse", "oversize", "empty line", "truncated"}

func reasonLabel(reason string) string {
	for i := 0; i < len(reason); i++ {
		if reason[i] == ':' {
			return reason[:i]
		}
	}
	return reason
}

// batchDeadline is a context that ends at a batch's flush time, made once
// per batch.
type batchDeadline struct {
	parent context.Context
	at     time.Time
	ctx    context.Context
	cancel context.CancelFunc
}

func (d *batchDeadline) until(t time.Time) context.Context {
	if d.ctx == nil || !d.at.Equal(t) {
		d.reset()
		d.at = t
		d.ctx, d.cancel = context.WithDeadline(d.parent, t)
	}
	return d.ctx
}

func (d *batchDeadline) reset() {
	if d.cancel != nil {
		d.cancel()
		d.ctx, d.cancel = nil, nil
	}
}
