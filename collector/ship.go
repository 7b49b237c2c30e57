package collector

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/collector/checkpoint"
	"github.com/edgelog/edgelog/internal/deadletter"
)

// shipment is one flushed batch on its way to Kafka: per-customer messages,
// the lines rejected since the previous batch, and for file inputs the file
// position that becomes the checkpoint once all of it is acknowledged.
// Fields are exported for gob, the spool's encoding.
type shipment struct {
	Msgs        []kafka.Message
	Letters     []deadletter.Letter
	LettersDone bool // dead letters written; only Msgs remain
	Rows        int
	Source      string
	File        checkpoint.File // Path empty: not a file input
}

// deliverAll produces every shipment in order and acknowledges it
// (checkpoint) once Kafka has all of it. With a spool, a shipment Kafka does
// not take within Spool.After goes to the spool, and so does every later one
// until the spool has drained: order is kept, and when the spool is full the
// intake blocks, the channel fills and the inputs pause.
//
// recovered is closed once the batches a previous run left in the spool are
// acknowledged (at once without a spool).
//
// Once ctx ends (SIGTERM), Kafka gets StopGrace more to take what was read;
// what it has not acknowledged by then is left: its lines stay after the
// checkpoint (or in the spool) and are read and sent on the next start,
// so nothing acknowledged is lost and the process stops within StopGrace
// whatever Kafka's and the spool's state. The last line logged says what
// was flushed after the stop and what was left.
func (c *Collector) deliverAll(ctx context.Context, ship <-chan shipment, recovered chan<- struct{}) error {
	gctx, giveUp := context.WithCancel(context.Background())
	defer giveUp()
	stopGrace := context.AfterFunc(ctx, func() { time.AfterFunc(StopGrace, giveUp) })
	defer stopGrace()
	var st stopStats
	defer func() { st.report(c, ctx) }()
	if c.spool == nil {
		close(recovered)
		for s := range ship {
			if st.leftBatches > 0 || gctx.Err() != nil {
				st.left(s) // after a give-up nothing later goes: order is kept
				continue
			}
			if err := c.journal(s); err != nil {
				return err
			}
			if err := c.deliver(gctx, &s); err != nil { // retries until acknowledged or given up
				st.left(s)
				continue
			}
			if err := c.ack(s); err != nil {
				return err
			}
			st.flushed(ctx, s)
		}
		return nil
	}
	dctx, stopDrain := context.WithCancel(context.Background())
	defer stopDrain()
	drained := make(chan error, 1)
	go func() { drained <- c.drain(dctx) }()
	go func() {
		_ = c.spool.WaitEmpty(dctx)
		close(recovered)
	}()

	var failed error
	for s := range ship {
		if failed != nil {
			continue // keep draining the channel so inputs never block forever
		}
		if err := c.journal(s); err != nil {
			failed = err
			continue
		}
		if st.leftBatches > 0 || gctx.Err() != nil {
			st.left(s)
			continue
		}
		if c.spool.Len() == 0 {
			actx, cancel := context.WithTimeout(gctx, c.cfg.Spool.After)
			err := c.deliver(actx, &s)
			cancel()
			if err == nil {
				if err := c.ack(s); err != nil {
					failed = err
				}
				st.flushed(ctx, s)
				continue
			}
			c.log.Warn("Kafka did not take a batch, spooling to disk", "source", s.Source, "rows", s.Rows, "err", err)
		}
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(&s); err != nil {
			panic("BUG: cannot encode a shipment: " + err.Error())
		}
		// Blocks while the spool is full: this is the backpressure (until
		// the grace after a stop ends: the batch is then read again on
		// the next start).
		if err := c.spool.Push(gctx, buf.Bytes()); err != nil {
			if gctx.Err() != nil {
				st.left(s)
				continue
			}
			failed = fmt.Errorf("cannot spool batch: %w", err)
			continue
		}
		if ctx.Err() != nil {
			st.spooledAfterStop++
		}
		c.m.spooled.Inc()
		c.m.spoolBytes.Set(float64(c.spool.Bytes()))
		c.m.spoolBatches.Set(float64(c.spool.Len()))
	}
	// Inputs are done. Without a shutdown (a backfill finished), deliver
	// everything. On shutdown give Kafka a moment; what is left stays in
	// the spool for the next run.
	wait := context.Background()
	if ctx.Err() != nil {
		wait = gctx
	}
	_ = c.spool.WaitEmpty(wait)
	stopDrain()
	if err := <-drained; err != nil && !errors.Is(err, context.Canceled) {
		failed = errors.Join(failed, err)
	}
	return failed
}

// StopGrace is how long the collector keeps trying to hand Kafka (or the
// spool) what it has read after a stop is asked.
const StopGrace = 5 * time.Second

// stopStats count what happened to the batches after a stop was asked.
type stopStats struct {
	flushedBatches, flushedRows int
	leftBatches, leftRows       int
	spooledAfterStop            int
	leftFiles                   []string // paths whose batches were left, in order
}

func (st *stopStats) flushed(ctx context.Context, s shipment) {
	if ctx.Err() != nil {
		st.flushedBatches++
		st.flushedRows += s.Rows
	}
}

func (st *stopStats) left(s shipment) {
	st.leftBatches++
	st.leftRows += s.Rows
	if s.File.Path != "" && !slices.Contains(st.leftFiles, s.File.Path) {
		st.leftFiles = append(st.leftFiles, s.File.Path)
	}
}

// report logs, on a stop, what was flushed and what is left for the next
// start.
func (st *stopStats) report(c *Collector, ctx context.Context) {
	if ctx.Err() == nil {
		return
	}
	args := []any{"flushed_batches", st.flushedBatches, "flushed_rows", st.flushedRows,
		"left_batches", st.leftBatches, "left_rows", st.leftRows}
	if c.spool != nil {
		args = append(args, "spooled_after_stop", st.spooledAfterStop, "left_in_spool_batches", c.spool.Len(), "left_in_spool_bytes", c.spool.Bytes())
	}
	if len(st.leftFiles) > 0 {
		// Where each file's next start reads from: its checkpoint.
		var resume []string
		c.stateMu.Lock()
		for _, path := range st.leftFiles {
			f, _ := c.state.Lookup(path)
			resume = append(resume, path+"@"+strconv.FormatInt(f.Offset, 10))
		}
		c.stateMu.Unlock()
		args = append(args, "resume_from", strings.Join(resume, ","))
	}
	if st.leftBatches > 0 {
		args = append(args, "note", "batches Kafka did not acknowledge stay after the checkpoint and are read and sent again on the next start")
	}
	c.log.Info("stopped: flushed what Kafka acknowledged after the stop", args...)
}

// drain produces the spool's batches, oldest first, each until Kafka takes
// it, and removes a batch only after its acknowledgement.
func (c *Collector) drain(ctx context.Context) error {
	for {
		seq, data, err := c.spool.Peek(ctx)
		if err != nil {
			return err
		}
		var s shipment
		if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&s); err != nil {
			// Written by us and renamed into place whole: only a disk fault
			// gets here. Keep the bytes beside the spool for a human.
			// 0600 like the spool's own entries: it holds client addresses.
			aside := fmt.Sprintf("%s.corrupt-%d", c.cfg.Spool.Dir, seq)
			if werr := os.WriteFile(aside, data, 0o600); werr != nil {
				c.log.Error("corrupt spool entry dropped: cannot move it aside", "seq", seq, "err", err, "write_err", werr)
			} else {
				c.log.Error("corrupt spool entry, moved aside", "seq", seq, "err", err, "file", aside)
			}
		} else {
			if err := c.deliver(ctx, &s); err != nil {
				return err
			}
			if err := c.ack(s); err != nil {
				return err
			}
		}
		if err := c.spool.Pop(seq); err != nil {
			return err
		}
		c.m.spoolBytes.Set(float64(c.spool.Bytes()))
		c.m.spoolBatches.Set(float64(c.spool.Len()))
	}
}

// deliver writes s's dead letters and messages, retrying with backoff until
// Kafka acknowledged all of them or ctx ends. It leaves in s what is still
// to send, so a caller that gives up can spool exactly that: re-sending an
// acknowledged message would put a duplicate in Kafka.
func (c *Collector) deliver(ctx context.Context, s *shipment) error {
	start := time.Now()
	delay := 100 * time.Millisecond
	backoff := func() error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
		return nil
	}
	for !s.LettersDone && len(s.Letters) > 0 {
		err := c.dlq.Write(ctx, s.Letters)
		if err == nil {
			c.dlqWarn.OK()
			s.LettersDone = true
			break
		}
		c.dlqWarn.Fail("cannot write dead letters, retrying", "err", err)
		if err := backoff(); err != nil {
			return err
		}
	}
	for len(s.Msgs) > 0 {
		err := c.writer.WriteMessages(ctx, s.Msgs...)
		if err == nil {
			c.kafkaWarn.OK()
			c.m.countSent(s.Msgs, nil)
			s.Msgs = nil
			break
		}
		c.m.produceErrors.Inc()
		var werrs kafka.WriteErrors
		if errors.As(err, &werrs) && len(werrs) == len(s.Msgs) {
			c.m.countSent(s.Msgs, werrs)
			var failed []kafka.Message
			for i, e := range werrs {
				if e != nil {
					failed = append(failed, s.Msgs[i])
				}
			}
			s.Msgs = failed
		}
		c.kafkaWarn.Fail("produce failed, retrying", "messages", len(s.Msgs), "err", err)
		if err := backoff(); err != nil {
			return err
		}
	}
	c.m.produceSecs.Observe(time.Since(start).Seconds())
	return nil
}

// journal records a file batch's end before it is produced: if we crash
// after Kafka has it, the next run re-cuts exactly this batch.
func (c *Collector) journal(s shipment) error {
	if s.File.Path == "" {
		return nil
	}
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	jf := s.File
	jf.Offset = shippedOffset(c.state, jf)
	jf.Pending = append(pendingOf(c.state, jf), s.File.Offset)
	c.state.Set(jf)
	if err := checkpoint.Save(c.cfg.Checkpoint, c.state); err != nil {
		return fmt.Errorf("cannot journal batch: %w", err)
	}
	return nil
}

// ack moves a file's checkpoint past s once Kafka has acknowledged it.
func (c *Collector) ack(s shipment) error {
	c.m.batches.Inc()
	c.m.rowsShipped.Add(float64(s.Rows))
	// Counted at acknowledgement: what was spooled and re-sent counts once.
	c.m.deadLetters.Add(float64(len(s.Letters)))
	if s.File.Path == "" {
		return nil
	}
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	done := s.File
	done.Pending = nil
	// Batches of the same content journaled after s are still in flight;
	// those of another content (the inode's new content after
	// copytruncate) are not cuts of this one.
	if old, _ := c.state.Lookup(s.File.Path); old.SameContent(done) {
		for _, p := range old.Pending {
			if p > done.Offset {
				done.Pending = append(done.Pending, p)
			}
		}
	}
	c.state.Set(done)
	if err := checkpoint.Save(c.cfg.Checkpoint, c.state); err != nil {
		return fmt.Errorf("cannot save checkpoint: %w", err)
	}
	c.m.shipped.WithLabelValues(s.File.Path).Set(float64(s.File.Offset))
	if st, err := os.Stat(s.File.Path); err == nil {
		c.m.behind.WithLabelValues(s.File.Path).Set(float64(max(0, st.Size()-s.File.Offset)))
	}
	return nil
}

// shippedOffset is where the journal of f's path starts in f's content:
// the acknowledged offset when the path's checkpoint is f's, or, for a file
// the path took over after rotation, the hand-over position once the lines
// before it are journaled by their reader (see checkpoint.State.HandOverStart).
// Else 0: the path reads the content from its start after a crash.
//
// The hand-over position matters after a crash in the moments after a
// rotation: the old name's last batches not acknowledged yet (Kafka down,
// they wait in the spool), the new name's first batch journaled. With 0 the
// restart read the whole file again under the new name's source id, which
// ingest cannot match to the lines sent under the old name: all of them
// counted twice.
func shippedOffset(state *checkpoint.State, f checkpoint.File) int64 {
	if old, ok := state.Lookup(f.Path); ok && old.SameContent(f) {
		return old.Offset
	}
	if at, ok := state.HandOverStart(f.Path, f); ok {
		return at
	}
	return 0
}

// pendingOf is the journaled batch ends of f's content under f's path: not
// those of another content on the same inode (copytruncate empties a file
// and its inode gets new content), whose offsets mean nothing in f.
func pendingOf(state *checkpoint.State, f checkpoint.File) []int64 {
	old, ok := state.Lookup(f.Path)
	if !ok || !old.SameContent(f) {
		return nil
	}
	return append([]int64(nil), old.Pending...)
}
