package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/collector/checkpoint"
	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/collector/tail"
	"github.com/edgelog/edgelog/internal/deadletter"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
)

// Collector ships one log file.
type Collector struct {
	cfg      Config
	log      *slog.Logger
	m        *metrics
	parser   format.Parser
	enricher *enrich.Enricher
	writer   *kafka.Writer
	dlq      deadletter.Sink
}

// New validates cfg and builds a collector; metrics go to reg.
func New(cfg Config, reg prometheus.Registerer, log *slog.Logger) (*Collector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	parser, err := NewParser(cfg.FormatKind, cfg.Format)
	if err != nil {
		return nil, err
	}
	ec, err := enrich.Load(cfg.EdgeConfig)
	if err != nil {
		return nil, err
	}
	transport, err := cfg.Kafka.Transport()
	if err != nil {
		return nil, err
	}
	var dlq deadletter.Sink
	if cfg.DeadLetterFile != "" {
		if dlq, err = deadletter.NewFileSink(cfg.DeadLetterFile); err != nil {
			return nil, err
		}
	} else {
		dlq = deadletter.NewKafkaSink(cfg.Kafka.Brokers, cfg.DeadLetterTopic, transport)
	}
	return &Collector{
		cfg:      cfg,
		log:      log,
		m:        newMetrics(reg),
		parser:   parser,
		enricher: enrich.New(ec),
		dlq:      dlq,
		writer: &kafka.Writer{
			Addr:                   kafka.TCP(cfg.Kafka.Brokers...),
			Topic:                  cfg.Topic,
			Balancer:               &kafka.Hash{}, // key = customer: a customer's rows stay in order in one partition
			RequiredAcks:           kafka.RequireAll,
			AllowAutoTopicCreation: true,
			Transport:              transport,
			BatchTimeout:           time.Millisecond, // we hand over whole batches; don't wait for more
			BatchSize:              1000,
			BatchBytes:             int64(cfg.MaxMessageBytes), // a record batch over the broker's limit would be refused forever
			MaxAttempts:            3,
			WriteBackoffMin:        50 * time.Millisecond,
			WriteBackoffMax:        time.Second,
		},
	}, nil
}

// shipment is one flushed batch on its way to Kafka: per-customer messages,
// the lines rejected since the previous batch, and the file position that
// becomes the checkpoint once all of it is acknowledged.
type shipment struct {
	msgs    []kafka.Message
	letters []deadletter.Letter
	rows    int
	file    checkpoint.File // Offset = the batch's end
}

// Run ships the file until ctx is cancelled (or, without Follow, until the
// file is shipped). On cancel it flushes what it has read and waits for
// Kafka to acknowledge it before returning.
func (c *Collector) Run(ctx context.Context) error {
	defer c.dlq.Close()
	defer c.writer.Close()
	state, err := checkpoint.Load(c.cfg.Checkpoint)
	if err != nil {
		return err
	}
	cp, _ := state.Lookup(c.cfg.File)
	t, err := tail.Open(c.cfg.File, cp.Offset, cp.Inode, cp.Fingerprint, tail.Config{Follow: c.cfg.Follow, MaxLineBytes: c.cfg.MaxLineBytes})
	if err != nil {
		return err
	}
	defer t.Close()
	if t.Offset() != cp.Offset {
		cp = checkpoint.File{} // another file now: its journal does not apply
	}
	c.log.Info("collecting", "file", c.cfg.File, "from_offset", t.Offset(), "topic", c.cfg.Topic, "resend_cuts", len(cp.Pending))

	ship := make(chan shipment, 2) // two batches in flight at most: backpressure on the tailer
	shipErr := make(chan error, 1)
	go func() { shipErr <- c.shipLoop(ship, state) }()
	readErr := c.readLoop(ctx, t, ship, cp.Pending)
	close(ship)
	if err := <-shipErr; err != nil {
		return err
	}
	if readErr != nil && !errors.Is(readErr, context.Canceled) && !errors.Is(readErr, tail.ErrStopped) {
		return readErr
	}
	return nil
}

// readLoop parses lines into per-customer blocks and hands them to the
// ship loop every BatchRows rows or BatchWait.
//
// cuts are batch ends journaled by a previous run that may have reached
// Kafka: the first batches end exactly there, so they are re-sent
// byte-for-byte and ingest recognises them (see package ingest).
func (c *Collector) readLoop(ctx context.Context, t *tail.Tailer, ship chan<- shipment, cuts []int64) error {
	blocks := map[string]*record.Block{}
	var order []string // customers with pending rows, in first-seen order
	var letters []deadletter.Letter
	var enc wire.Encoder
	var r record.Record
	pending := 0
	var first time.Time
	var last tail.Line
	source := c.cfg.File
	fileGen := -1

	flush := func() {
		if pending == 0 && len(letters) == 0 {
			return
		}
		s := shipment{letters: letters, rows: pending}
		for _, cust := range order {
			b := blocks[cust]
			s.msgs = c.appendMessages(s.msgs, &enc, cust, source, b)
			b.Reset()
		}
		// The batch's own file, not the Tailer's current one: a batch is
		// flushed when the first line of the next file arrives.
		inode, fp := last.Inode, last.Fingerprint
		s.file = checkpoint.File{Path: c.cfg.File, Inode: inode, Fingerprint: fp, Offset: last.End}
		src := []byte(c.cfg.SourceID + "#" + strconv.FormatUint(inode, 16) + "-" + strconv.FormatUint(fp, 16))
		end := strconv.AppendInt(nil, last.End, 10)
		// A cut's messages share src and src_end; src_seq tells them
		// apart. A re-cut after a crash yields the same messages in the
		// same order, so (src_end, src_seq) names one message for good.
		for i := range s.msgs {
			s.msgs[i].Headers = append(s.msgs[i].Headers, kafka.Header{Key: "src", Value: src}, kafka.Header{Key: "src_end", Value: end},
				kafka.Header{Key: "src_seq", Value: strconv.AppendInt(nil, int64(i), 10)})
		}
		ship <- s
		order, letters, pending = order[:0], nil, 0
	}

	for {
		lctx, cancel := ctx, context.CancelFunc(func() {})
		if pending > 0 || len(letters) > 0 {
			lctx, cancel = context.WithDeadline(ctx, first.Add(c.cfg.BatchWait))
		}
		line, err := t.Next(lctx)
		cancel()
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
		if pending == 0 && len(letters) == 0 {
			first = time.Now()
		}
		last = line
		c.m.linesRead.Inc()
		c.m.bytesRead.Add(float64(line.End - line.Offset))
		if reason := c.parseLine(line, &r); reason == noRecord {
			c.m.linesSkipped.Inc()
		} else if reason != "" {
			c.m.linesRejected.WithLabelValues(reasonLabel(reason)).Inc()
			letters = append(letters, deadletter.Letter{Stage: "collector", Reason: reason, Source: source,
				Offset: line.Offset, Time: time.Now().UTC(), Data: append([]byte(nil), line.Data...)})
		} else {
			c.m.linesParsed.Inc()
			if c.enricher.Enrich(&r) {
				c.m.unknownHosts.Inc()
			}
			cust := r.Str[record.Customer]
			b := blocks[string(cust)]
			if b == nil {
				b = &record.Block{}
				blocks[string(cust)] = b
			}
			if b.Len() == 0 {
				order = append(order, string(cust))
			}
			b.Append(&r)
			pending++
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
		case pending >= c.cfg.BatchRows || len(letters) >= c.cfg.BatchRows:
			flush()
		case pending&1023 == 0 && time.Since(first) > c.cfg.BatchWait:
			flush()
		}
	}
}

// appendMessages encodes b as one message keyed by customer, or as several
// when one would exceed MaxMessageBytes.
func (c *Collector) appendMessages(msgs []kafka.Message, enc *wire.Encoder, cust, source string, b *record.Block) []kafka.Message {
	val := enc.Encode(nil, b)
	if len(val) > c.cfg.MaxMessageBytes-1024 && b.Len() > 1 {
		half := b.Len() / 2
		var lo, hi record.Block
		lo.AppendRange(b, 0, half)
		hi.AppendRange(b, half, b.Len())
		msgs = c.appendMessages(msgs, enc, cust, source, &lo)
		return c.appendMessages(msgs, enc, cust, source, &hi)
	}
	return append(msgs, kafka.Message{
		Key:   []byte(cust),
		Value: val,
		Headers: []kafka.Header{
			{Key: "source", Value: []byte(source)},
			{Key: "rows", Value: strconv.AppendInt(nil, int64(b.Len()), 10)},
		},
	})
}

// noRecord is parseLine's answer for a valid line that holds no request
// (a W3C directive): neither shipped nor dead-lettered.
const noRecord = "\x00no record"

// parseLine parses and validates one line; it returns the rejection reason,
// noRecord, or "".
func (c *Collector) parseLine(line tail.Line, r *record.Record) string {
	switch {
	case line.Oversize:
		return "oversize: line longer than " + strconv.Itoa(c.cfg.MaxLineBytes) + " bytes"
	case len(line.Data) == 0:
		return "empty line"
	}
	if err := c.parser.Parse(line.Data, r); err != nil {
		if errors.Is(err, format.ErrNoRecord) {
			return noRecord
		}
		return "parse: " + err.Error()
	}
	if r.TimeMs < 86_400_000 || r.TimeMs > 4_102_444_800_000 {
		return "parse: timestamp out of range"
	}
	// ClickHouse String columns take any bytes, but reports and CSV bills
	// must not carry invalid UTF-8 in the fields they show.
	for _, f := range []record.Str{record.Host, record.Customer, record.PoP, record.Region, record.Country} {
		if !utf8.Valid(r.Str[f]) {
			return "parse: invalid UTF-8 in " + f.String()
		}
	}
	if len(r.Str[record.Country]) > 2 {
		r.Str[record.Country] = nil
	}
	return ""
}

func reasonLabel(reason string) string {
	for i := 0; i < len(reason); i++ {
		if reason[i] == ':' {
			return reason[:i]
		}
	}
	return reason
}

// shipLoop produces each shipment, retrying until Kafka acknowledges all of
// it, then writes the checkpoint. It drains the channel even after errors
// so the read loop never blocks forever.
func (c *Collector) shipLoop(ship <-chan shipment, state *checkpoint.State) error {
	for s := range ship {
		if len(s.letters) > 0 {
			retry(c.log, "dead letters", func() error { return c.dlq.Write(context.Background(), s.letters) })
		}
		// Journal the batch end before producing: if we crash after Kafka
		// has it, the next run re-cuts exactly this batch.
		jf := s.file
		jf.Offset = shippedOffset(state, jf)
		jf.Pending = append(pendingOf(state, jf), s.file.Offset)
		state.Set(jf)
		if err := checkpoint.Save(c.cfg.Checkpoint, state); err != nil {
			return fmt.Errorf("cannot journal batch: %w", err)
		}
		start := time.Now()
		pending := s.msgs
		for len(pending) > 0 {
			err := c.writer.WriteMessages(context.Background(), pending...)
			if err == nil {
				break
			}
			c.m.produceErrors.Inc()
			// Retry only what failed: re-sending an acknowledged message
			// would put a duplicate in Kafka.
			var werrs kafka.WriteErrors
			if errors.As(err, &werrs) {
				var failed []kafka.Message
				for i, e := range werrs {
					if e != nil {
						failed = append(failed, pending[i])
					}
				}
				pending = failed
			}
			c.log.Warn("produce failed, retrying", "messages", len(pending), "err", err)
			time.Sleep(500 * time.Millisecond)
		}
		c.m.produceSecs.Observe(time.Since(start).Seconds())
		c.m.batches.Inc()
		c.m.messages.Add(float64(len(s.msgs)))
		for _, m := range s.msgs {
			c.m.wireBytes.Add(float64(len(m.Value)))
		}
		done := s.file
		done.Pending = nil
		for _, p := range jf.Pending {
			if p > done.Offset {
				done.Pending = append(done.Pending, p)
			}
		}
		state.Set(done)
		if err := checkpoint.Save(c.cfg.Checkpoint, state); err != nil {
			return fmt.Errorf("cannot save checkpoint: %w", err)
		}
		c.m.shipped.Set(float64(s.file.Offset))
		if st, err := os.Stat(c.cfg.File); err == nil {
			c.m.behind.Set(float64(max(0, st.Size()-s.file.Offset)))
		}
	}
	return nil
}

// shippedOffset is the acknowledged offset in state for f's file, or 0 when
// state holds another file's checkpoint for the path.
func shippedOffset(state *checkpoint.State, f checkpoint.File) int64 {
	old, ok := state.Lookup(f.Path)
	if !ok || old.Inode != f.Inode || (old.Fingerprint != 0 && old.Fingerprint != f.Fingerprint) {
		return 0
	}
	return old.Offset
}

func pendingOf(state *checkpoint.State, f checkpoint.File) []int64 {
	old, ok := state.Lookup(f.Path)
	if !ok || old.Inode != f.Inode {
		return nil
	}
	return append([]int64(nil), old.Pending...)
}

func retry(log *slog.Logger, what string, f func() error) {
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
		err := f()
		if err == nil {
			return
		}
		log.Warn("cannot write "+what+", retrying", "err", err)
		time.Sleep(delay)
	}
}
