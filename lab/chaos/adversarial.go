package chaos

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/segmentio/kafka-go"

	"github.com/edgelog/edgelog/internal/deadletter"
	"github.com/edgelog/edgelog/internal/kafkaconf"
	"github.com/edgelog/edgelog/lab/engines/stack"
	"github.com/edgelog/edgelog/lab/gen"
)

// AdversarialOptions configure a bad-input run.
type AdversarialOptions struct {
	Dir, Bin string
	Lines    int     // lines written to the followed log (default 10M)
	Rate     float64 // lines per second (default 50,000)
	Share    float64 // share of hostile lines (default 0.02)
	Seed     uint64
	Corpus   string // repository root holding collector/**/testdata/fuzz (default: this source tree)
	Progress io.Writer
}

// defaultCustomer bills the lines whose host cannot be mapped (a broken
// host, a fuzz line the parser keeps); no generated customer has the name.
const defaultCustomer = "zz-adversarial"

// AdversarialReport is the accounting of a bad-input run.
type AdversarialReport struct {
	Report
	Written          int            // lines written to the followed log
	ByClass          map[string]int // hostile lines written per class
	Rejected         int            // lines that must be dead letters
	FuzzWritten      int
	FuzzRejected     int // fuzz lines the collector dead-lettered
	Letters          int // collector dead letters (distinct offsets)
	LettersTwice     int // letters written again (at least once: a restart re-reads)
	LetterProblems   []string
	IngestLetters    int // corrupt wire messages dead-lettered by ingest (distinct)
	ImportRows       int // rows the truncated imports shipped (their complete lines)
	ImportLetters    int // the truncated imports' partial last lines, dead-lettered
	Crashes          []string
	CheckpointRefuse string // what the collector said about the corrupt checkpoint
}

// Err is nil when the run is exact and nothing crashed.
func (r *AdversarialReport) Err() error {
	var bad []string
	if err := r.Report.Err(); err != nil {
		bad = append(bad, err.Error())
	}
	bad = append(bad, r.LetterProblems...)
	bad = append(bad, r.Crashes...)
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}

// Print writes the report as ADVERSARIAL lines and the tables' CHAOS lines.
func (r *AdversarialReport) Print(w io.Writer) {
	fmt.Fprintf(w, "ADVERSARIAL lines_written %d\n", r.Written)
	for _, name := range slices.Sorted(maps.Keys(r.ByClass)) {
		fmt.Fprintf(w, "ADVERSARIAL class %s %d\n", name, r.ByClass[name])
	}
	fmt.Fprintf(w, "ADVERSARIAL must_reject %d\nADVERSARIAL fuzz_lines %d fuzz_rejected %d\nADVERSARIAL collector_dead_letters %d (written twice %d)\n",
		r.Rejected, r.FuzzWritten, r.FuzzRejected, r.Letters, r.LettersTwice)
	fmt.Fprintf(w, "ADVERSARIAL import_partial_lines_dead_lettered %d\n", r.ImportLetters)
	accepted := int(r.Lines) - r.ImportRows // #nosec G115 -- a line count, far below 2^63
	fmt.Fprintf(w, "ADVERSARIAL rows_expected %d (accepted lines %d + import rows %d)\n", r.Lines, accepted, r.ImportRows)
	fmt.Fprintf(w, "ADVERSARIAL rejected_plus_accepted %d written %d\n", r.Letters+accepted, r.Written)
	fmt.Fprintf(w, "ADVERSARIAL ingest_dead_letters %d\nADVERSARIAL corrupt_checkpoint %q\nADVERSARIAL crashes %d\nADVERSARIAL letter_problems %d\n",
		r.IngestLetters, r.CheckpointRefuse, len(r.Crashes), len(r.LetterProblems))
	for _, p := range r.LetterProblems[:min(len(r.LetterProblems), 10)] {
		fmt.Fprintf(w, "ADVERSARIAL problem %s\n", p)
	}
	for _, c := range r.Crashes {
		fmt.Fprintf(w, "ADVERSARIAL crash %s\n", c)
	}
	r.Report.Print(w)
	if err := r.Err(); err != nil {
		fmt.Fprintf(w, "ADVERSARIAL result FAIL %v\n", err)
	} else {
		fmt.Fprintln(w, "ADVERSARIAL result EXACT")
	}
}

// RunAdversarial runs the real processes on hostile input: a followed log
// with hostile lines among generated ones, a corrupt collector checkpoint,
// corrupt wire messages produced onto the topic and truncated gzip and zstd
// files given to `edgelog import`. Then it reads the dead-letter topic and
// accounts: each must-reject line is a collector dead letter with its file
// and byte offset (and its bytes), no good line is, rejected + accepted =
// written, every kept line is in the raw table and every rollup, each
// customer's requests and bytes exact, and no process died but by the
// injected kill.
func RunAdversarial(ctx context.Context, o AdversarialOptions) (*AdversarialReport, error) {
	if o.Lines == 0 {
		o.Lines = 10_000_000
	}
	if o.Rate == 0 {
		o.Rate = 50_000
	}
	if o.Share == 0 {
		o.Share = 0.02
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Corpus == "" {
		o.Corpus = repoRoot()
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	began := time.Now()
	logf := progress(o.Progress)
	var err error
	if o.Dir, err = filepath.Abs(o.Dir); err != nil { // the processes run in the stack's directory
		return nil, err
	}
	h, err := newHostile(o.Seed, o.Corpus)
	if err != nil {
		return nil, err
	}
	r, err := startRig(ctx, o.Dir, o.Bin, o.Lines, o.Seed)
	if err != nil {
		return nil, err
	}
	st, g, access, edge := r.st, r.g, r.access, r.edge
	defer st.Stop()
	ingest, err := st.Start("ingest", st.IngestArgs()...)
	if err != nil {
		return nil, err
	}
	collector, err := st.Start("collector", "--brokers", st.BrokerAddr, "--file", access, "--edge-config", edge,
		"--default-customer", defaultCustomer)
	if err != nil {
		return nil, err
	}
	aw, err := newAdvWriter(g, h, access, o)
	if err != nil {
		return nil, err
	}
	rep := &AdversarialReport{ByClass: map[string]int{}}
	werr := make(chan error, 1)
	go func() { werr <- aw.run(ctx) }()

	waitWritten := func(n int) error {
		for aw.written() < n {
			select {
			case err := <-werr:
				werr <- err
				return err
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		return nil
	}
	// A quarter in: the collector killed, its checkpoint overwritten by
	// garbage; it must refuse to start (it cannot know what it shipped),
	// and start again from the checkpoint the operator puts back.
	if err := waitWritten(o.Lines / 4); err != nil {
		return nil, err
	}
	logf("corrupt checkpoint (%d lines written)", aw.written())
	if rep.CheckpointRefuse, err = corruptCheckpoint(ctx, st, collector, access+".checkpoint"); err != nil {
		return nil, err
	}
	// Half way: corrupt wire messages produced onto the topic.
	if err := waitWritten(o.Lines / 2); err != nil {
		return nil, err
	}
	logf("corrupt wire messages (%d lines written)", aw.written())
	corrupt, err := produceCorrupt(ctx, st.BrokerAddr)
	if err != nil {
		return nil, err
	}
	// Three quarters: truncated gzip and zstd files imported.
	if err := waitWritten(o.Lines * 3 / 4); err != nil {
		return nil, err
	}
	logf("truncated imports (%d lines written)", aw.written())
	importRows, importTruth, partials, err := truncatedImports(ctx, st, o, edge)
	if err != nil {
		return nil, err
	}
	rep.ImportRows = importRows
	if err := <-werr; err != nil {
		return nil, err
	}
	logf("all %d lines written; waiting for the collector to reach the end", o.Lines)
	if err := aw.waitCheckpoint(ctx, 10*time.Minute); err != nil {
		return nil, err
	}
	letters, err := readLetters(ctx, st.BrokerAddr)
	if err != nil {
		return nil, err
	}
	aw.account(rep, letters, access, partials)
	// The truth: every accepted line, and the imports' complete lines.
	byCustomer := aw.byCustomer
	for k, v := range importTruth {
		c := byCustomer[k]
		byCustomer[k] = [2]uint64{c[0] + v[0], c[1] + v[1]}
	}
	rows := uint64(aw.accepted(rep)) + uint64(importRows) // #nosec G115 -- counts, positive
	if err := waitDrained(ctx, st, rows, 10*time.Minute, collector, ingest); err != nil {
		logf("did not drain: %v", err)
	}
	time.Sleep(3 * time.Second) // a late duplicate would land now
	// Ingest dead-letters a corrupt message when it reaches it, which can
	// be after the collector's last line (the letters read above once
	// missed both in CI): read them again until each is there.
	found, problems, err := ingestLettered(ctx, st.BrokerAddr, corrupt, letters, ingestLetterWait)
	if err != nil {
		return nil, err
	}
	rep.IngestLetters = found
	rep.LetterProblems = append(rep.LetterProblems, problems...)
	// The default customer's bytes: its fuzz lines' bytes are the parser's
	// reading of them; its requests are checked exactly.
	conn, err := st.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var defBytes uint64
	if err := conn.QueryRow(ctx, "SELECT toUInt64(sum(bytes_sent)) FROM "+st.DB+".requests WHERE customer = ?", defaultCustomer).Scan(&defBytes); err != nil {
		conn.Close() // #nosec G104 -- already failing
		return nil, err
	}
	conn.Close() // #nosec G104 -- done with it
	def := byCustomer[defaultCustomer]
	byCustomer[defaultCustomer] = [2]uint64{def[0] + uint64(rep.FuzzWritten-rep.FuzzRejected), defBytes} // #nosec G115 -- counts, positive
	var bytesTotal uint64
	for _, v := range byCustomer {
		bytesTotal += v[1]
	}
	if err := rep.countTruth(ctx, st, rows, bytesTotal, byCustomer); err != nil {
		return nil, err
	}
	rep.Faults = map[Fault]int{KillCollector: 1}
	rep.verify(ctx, st, logf)
	for _, p := range []*stack.Proc{collector, ingest, st.Broker} {
		if !p.Running() {
			rep.Crashes = append(rep.Crashes, fmt.Sprintf("%s not running at the end: %v", p.Name, p.Err()))
		}
	}
	logs, _ := filepath.Glob(filepath.Join(st.Dir, "logs", "*.log"))
	for _, l := range logs {
		b, _ := os.ReadFile(l) // #nosec G304 -- the run's own process logs
		if bytes.Contains(b, []byte("panic:")) || bytes.Contains(b, []byte("fatal error:")) {
			rep.Crashes = append(rep.Crashes, filepath.Base(l)+" holds a panic")
		}
	}
	rep.Duration = time.Since(began)
	return rep, nil
}

// advWriter writes generated lines with hostile ones among them at a rate,
// remembering every hostile line's offset and class and the truth of every
// line that must be kept.
type advWriter struct {
	g      *gen.Generator
	h      *hostile
	fmt    gen.Formatter
	f      *os.File
	path   string
	o      AdversarialOptions
	mu     sync.Mutex
	n      int
	hostAt map[int64]hostileLine // by byte offset
	// byCustomer is every kept line's requests and bytes per customer.
	byCustomer map[string][2]uint64
	kept       int // lines that must be rows
	byClass    map[string]int
}

type hostileLine struct {
	class   *class
	sum     uint64 // FNV-64a of the bytes a letter keeps (the first deadletter.MaxData)
	rejectd bool   // a letter was found
}

func newAdvWriter(g *gen.Generator, h *hostile, path string, o AdversarialOptions) (*advWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644) // #nosec G302 G304 -- the run's generated log
	if err != nil {
		return nil, err
	}
	lf, err := gen.NewFormatter("nginx")
	if err != nil {
		return nil, err
	}
	return &advWriter{g: g, h: h, fmt: lf, f: f, path: path, o: o, hostAt: map[int64]hostileLine{},
		byCustomer: map[string][2]uint64{}, byClass: map[string]int{}}, nil
}

func (w *advWriter) written() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

func sum64(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b[:min(len(b), deadletter.MaxData)]) // #nosec G104 -- hash.Hash never fails
	return h.Sum64()
}

func (w *advWriter) run(ctx context.Context) error {
	defer w.f.Close() // #nosec G104 -- the generated log; the checks read what was written
	rng := w.h.rng
	start := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var off int64
	var buf []byte
	var e gen.Event
	for w.written() < w.o.Lines {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			due := min(w.o.Lines, int(now.Sub(start).Seconds()*w.o.Rate))
			buf = buf[:0]
			w.mu.Lock()
			for w.n < due {
				if !w.g.Next(&e) {
					w.mu.Unlock()
					return fmt.Errorf("the generator ran out at %d lines", w.n)
				}
				w.n++
				lineAt := off + int64(len(buf))
				if rng.Float64() >= w.o.Share {
					buf = append(w.fmt.AppendLine(buf, &e), '\n')
					w.keep(e.Customer, e.BytesSent)
					continue
				}
				c := w.h.draw()
				line := c.make(w.h, &e, w.fmt)
				buf = append(append(buf, line...), '\n')
				w.byClass[c.name]++
				switch c.outcome {
				case keep:
					w.keep(e.Customer, e.BytesSent)
				case keepDefault:
					w.keep(defaultCustomer, e.BytesSent)
				default:
					w.hostAt[lineAt] = hostileLine{class: c, sum: sum64(line)}
				}
			}
			w.mu.Unlock()
			if _, err := w.f.Write(buf); err != nil {
				return err
			}
			off += int64(len(buf))
		}
	}
	return w.f.Sync()
}

func (w *advWriter) keep(customer string, bytes uint64) {
	c := w.byCustomer[customer]
	w.byCustomer[customer] = [2]uint64{c[0] + 1, c[1] + bytes}
	w.kept++
}

// waitCheckpoint waits until the collector's checkpoint covers the file.
func (w *advWriter) waitCheckpoint(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		st, err := os.Stat(w.path)
		if err != nil {
			return err
		}
		if off, ok := checkpointOffset(w.path, inodeOf(st)); ok && off == st.Size() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("collector did not reach the end of %s within %s", w.path, timeout)
		}
		if !sleepCtx(ctx, 200*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// account matches the collector's dead letters against the hostile lines
// and the truncated imports' partial last lines.
func (w *advWriter) account(rep *AdversarialReport, letters []deadletter.Letter, path string, partials map[string]partialLine) {
	w.mu.Lock()
	defer w.mu.Unlock()
	rep.Written = w.n
	for k, v := range w.byClass {
		rep.ByClass[k] = v
	}
	problem := func(format string, a ...any) {
		rep.LetterProblems = append(rep.LetterProblems, fmt.Sprintf(format, a...))
	}
	seen := map[int64]bool{}
	partialSeen := map[string]bool{}
	for _, l := range letters {
		if l.Stage != "collector" {
			continue
		}
		if p, ok := partials[l.Source]; ok {
			switch {
			case partialSeen[l.Source]:
				problem("%s: its partial last line dead-lettered twice", l.Source)
			case l.Offset != p.offset || sum64(l.Data) != sum64(p.data) || !strings.HasPrefix(l.Reason, "truncated:"):
				problem("%s: dead letter at offset %d (%s), want its partial last line at offset %d, reason truncated", l.Source, l.Offset, l.Reason, p.offset)
			default:
				rep.ImportLetters++
			}
			partialSeen[l.Source] = true
			continue
		}
		if l.Source != path {
			problem("dead letter at offset %d names %q, want %s", l.Offset, l.Source, path)
			continue
		}
		if seen[l.Offset] {
			rep.LettersTwice++
			continue
		}
		seen[l.Offset] = true
		hl, ok := w.hostAt[l.Offset]
		if !ok {
			problem("dead letter at offset %d (%s) is no hostile line's", l.Offset, l.Reason)
			continue
		}
		if sum64(l.Data) != hl.sum {
			problem("dead letter at offset %d (%s, %s) holds other bytes than the line", l.Offset, hl.class.name, l.Reason)
		}
		hl.rejectd = true
		w.hostAt[l.Offset] = hl
		rep.Letters++
	}
	for src := range partials {
		if !partialSeen[src] {
			problem("%s: its partial last line has no dead letter", src)
		}
	}
	for off, hl := range w.hostAt {
		switch {
		case hl.class.outcome == reject:
			rep.Rejected++
			if !hl.rejectd {
				problem("%s line at offset %d has no dead letter", hl.class.name, off)
			}
		case hl.class.outcome == either:
			rep.FuzzWritten++
			if hl.rejectd {
				rep.FuzzRejected++
			}
		}
	}
}

// accepted is how many followed-log lines must be rows.
func (w *advWriter) accepted(rep *AdversarialReport) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.kept + rep.FuzzWritten - rep.FuzzRejected
}

// corruptCheckpoint kills the collector, overwrites its checkpoint with
// garbage, and checks that a restart refuses it; then puts the saved
// checkpoint back and starts the collector again. It returns what the
// refusing collector said.
func corruptCheckpoint(ctx context.Context, st *stack.Stack, collector *stack.Proc, path string) (string, error) {
	for deadline := time.Now().Add(time.Minute); ; { // the first batch's acknowledgement writes it
		if _, err := os.Stat(path); err == nil {
			break
		} else if time.Now().After(deadline) {
			return "", err
		}
		if !sleepCtx(ctx, 100*time.Millisecond) {
			return "", ctx.Err()
		}
	}
	collector.Kill()
	good, err := os.ReadFile(path) // #nosec G304 -- the run's own checkpoint
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, append(good[:len(good)/2:len(good)/2], "\x00\xff garbage"...), 0o600); err != nil { // #nosec G703 -- the run's own checkpoint

		return "", err
	}
	logPath := st.LogPath("collector")
	before, _ := os.ReadFile(logPath) // #nosec G304 -- the run's own process log
	if err := collector.Restart(); err != nil {
		return "", err
	}
	select {
	case <-collector.Done():
	case <-time.After(30 * time.Second):
		collector.Kill()
		return "", errors.New("the collector ran on a corrupt checkpoint")
	case <-ctx.Done():
		return "", ctx.Err()
	}
	after, _ := os.ReadFile(logPath) // #nosec G304 -- the run's own process log
	said := strings.TrimSpace(string(after[len(before):]))
	if i := strings.LastIndex(said, "\n"); i >= 0 {
		said = said[i+1:]
	}
	if collector.Err() == nil || !strings.Contains(said, "checkpoint") {
		return said, fmt.Errorf("on a corrupt checkpoint the collector exited with %v, saying %q", collector.Err(), said)
	}
	if err := os.WriteFile(path, good, 0o600); err != nil { // #nosec G703 -- the run's own checkpoint
		return "", err
	}
	return said, collector.Restart()
}

type produced struct {
	partition int
	offset    int64
}

// produceCorrupt writes two corrupt wire messages straight onto partition 0
// of the requests topic: random bytes, and a real message cut in half.
func produceCorrupt(ctx context.Context, broker string) ([]produced, error) {
	conn, err := kafka.DialLeader(ctx, "tcp", broker, kafkaconf.DefaultTopic, 0)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.Seek(0, kafka.SeekAbsolute); err != nil {
		return nil, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	real, err := conn.ReadMessage(10 << 20)
	if err != nil {
		return nil, fmt.Errorf("cannot read a message to corrupt: %w", err)
	}
	garbage := bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef, 0x00, 0x7f}, 200)
	var out []produced
	for _, v := range [][]byte{garbage, real.Value[:len(real.Value)/2]} {
		last, err := conn.ReadLastOffset()
		if err != nil {
			return nil, err
		}
		_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.WriteMessages(kafka.Message{Value: v}); err != nil {
			return nil, err
		}
		// One writer on the partition here? No: the collector writes too,
		// so the offset is found by reading from last for this value.
		off, err := findValue(ctx, broker, 0, last, v)
		if err != nil {
			return nil, err
		}
		out = append(out, produced{0, off})
	}
	return out, nil
}

// ingestLetterWait bounds how long the run waits, after the drain, for
// ingest's dead letters of the corrupt wire messages.
const ingestLetterWait = 30 * time.Second

// ingestLettered returns how many of the corrupt messages ingest
// dead-lettered and a problem for each it did not, reading the letters
// again (letters are the ones read last) until every one is there or
// wait has passed.
func ingestLettered(ctx context.Context, broker string, corrupt []produced, letters []deadletter.Letter, wait time.Duration) (int, []string, error) {
	deadline := time.Now().Add(wait)
	for {
		found, problems := 0, []string(nil)
		for _, c := range corrupt {
			if slices.ContainsFunc(letters, func(l deadletter.Letter) bool {
				return l.Stage == "ingest" && l.Partition == c.partition && l.Offset == c.offset
			}) {
				found++
			} else {
				problems = append(problems, fmt.Sprintf("corrupt wire message at partition %d offset %d: no ingest dead letter", c.partition, c.offset))
			}
		}
		if len(problems) == 0 || time.Now().After(deadline) {
			return found, problems, nil
		}
		select {
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		var err error
		if letters, err = readLetters(ctx, broker); err != nil {
			return 0, nil, err
		}
	}
}

func findValue(ctx context.Context, broker string, partition int, from int64, v []byte) (int64, error) {
	conn, err := kafka.DialLeader(ctx, "tcp", broker, kafkaconf.DefaultTopic, partition)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.Seek(from, kafka.SeekAbsolute); err != nil {
		return 0, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		m, err := conn.ReadMessage(10 << 20)
		if err != nil {
			return 0, fmt.Errorf("cannot find the corrupt message: %w", err)
		}
		if bytes.Equal(m.Value, v) {
			return m.Offset, nil
		}
	}
}

// readLetters reads the whole dead-letter topic.
func readLetters(ctx context.Context, broker string) ([]deadletter.Letter, error) {
	conn, err := kafka.DialContext(ctx, "tcp", broker)
	if err != nil {
		return nil, err
	}
	parts, err := conn.ReadPartitions(kafkaconf.DefaultDeadLetterTopic)
	conn.Close() // #nosec G104 -- only the partition list was needed
	if err != nil {
		return nil, err
	}
	var out []deadletter.Letter
	for _, p := range parts {
		pc, err := kafka.DialLeader(ctx, "tcp", broker, p.Topic, p.ID)
		if err != nil {
			return nil, err
		}
		last, err := pc.ReadLastOffset()
		if err != nil {
			pc.Close() // #nosec G104 -- already failing
			return nil, err
		}
		first, err := pc.ReadFirstOffset()
		if err != nil {
			pc.Close() // #nosec G104 -- already failing
			return nil, err
		}
		// Whole fetches of up to 64 MiB at a time (one fetch per message
		// would make the broker scan its log once per letter).
		for off := first; off < last; {
			if _, err := pc.Seek(off, kafka.SeekAbsolute); err != nil {
				pc.Close() // #nosec G104 -- already failing
				return nil, err
			}
			_ = pc.SetReadDeadline(time.Now().Add(30 * time.Second))
			batch := pc.ReadBatch(1, 64<<20)
			n := 0
			for {
				m, err := batch.ReadMessage()
				if err != nil {
					break
				}
				n++
				off = m.Offset + 1
				out = append(out, letterOf(m))
			}
			if err := batch.Close(); err != nil && n == 0 {
				pc.Close() // #nosec G104 -- already failing
				return nil, fmt.Errorf("cannot read dead letters of partition %d at %d: %w", p.ID, off, err)
			}
			if n == 0 {
				pc.Close() // #nosec G104 -- already failing
				return nil, fmt.Errorf("no dead letter of partition %d at %d (last %d)", p.ID, off, last)
			}
		}
		pc.Close() // #nosec G104 -- read-only
	}
	return out, nil
}

// letterOf decodes a dead letter from its Kafka message (KafkaSink's
// headers).
func letterOf(m kafka.Message) deadletter.Letter {
	l := deadletter.Letter{Data: m.Value, Time: m.Time}
	for _, hd := range m.Headers {
		switch hd.Key {
		case "stage":
			l.Stage = string(hd.Value)
		case "reason":
			l.Reason = string(hd.Value)
		case "source":
			l.Source = string(hd.Value)
		case "partition":
			l.Partition, _ = strconv.Atoi(string(hd.Value))
		case "offset":
			l.Offset, _ = strconv.ParseInt(string(hd.Value), 10, 64)
		}
	}
	return l
}

// partialLine is a truncated import's last, partial line: the bytes the
// file's decompression gave after its last newline, at offset.
type partialLine struct {
	offset int64
	data   []byte
}

// truncatedImports writes 20,000 generated lines, compresses them with gzip
// and with zstd, cuts each compressed file in half and imports both. The
// import must fail naming the truncation, ship exactly the complete lines
// before it (counted here by decompressing the cut file until its error)
// and dead-letter the partial line after them. It returns the rows shipped,
// their customers' truth and each file's partial line.
func truncatedImports(ctx context.Context, st *stack.Stack, o AdversarialOptions, edge string) (int, map[string][2]uint64, map[string]partialLine, error) {
	g, err := gen.New(gen.Options{Lines: 20_000, Seed: o.Seed + 1000, Duration: time.Hour, UnknownHostShare: -1})
	if err != nil {
		return 0, nil, nil, err
	}
	lf, err := gen.NewFormatter("nginx")
	if err != nil {
		return 0, nil, nil, err
	}
	var plain []byte
	var events []gen.Event
	var e gen.Event
	for g.Next(&e) {
		plain = append(lf.AppendLine(plain, &e), '\n')
		events = append(events, e)
	}
	var gz, zs bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain) // #nosec G104 -- a bytes.Buffer; Close reports
	if err := zw.Close(); err != nil {
		return 0, nil, nil, err
	}
	enc, err := zstd.NewWriter(&zs)
	if err != nil {
		return 0, nil, nil, err
	}
	enc.Write(plain) // #nosec G104 -- a bytes.Buffer; Close reports
	if err := enc.Close(); err != nil {
		return 0, nil, nil, err
	}
	rows := 0
	truth := map[string][2]uint64{}
	partials := map[string]partialLine{}
	for _, f := range []struct {
		name string
		data []byte
		open func(io.Reader) (io.Reader, error)
	}{
		{"import.log.gz", gz.Bytes(), func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
		{"import.log.zst", zs.Bytes(), func(r io.Reader) (io.Reader, error) { return zstd.NewReader(r) }},
	} {
		cut := f.data[:len(f.data)/2]
		path := filepath.Join(o.Dir, f.name)
		if err := os.WriteFile(path, cut, 0o644); err != nil { // #nosec G306 -- the run's generated import file
			return 0, nil, nil, err
		}
		r, err := f.open(bytes.NewReader(cut))
		if err != nil {
			return 0, nil, nil, err
		}
		got, rerr := io.ReadAll(r)
		if rerr == nil {
			return 0, nil, nil, fmt.Errorf("%s decompressed whole after the cut", f.name)
		}
		complete := bytes.Count(got, []byte("\n"))
		if last := bytes.LastIndexByte(got, '\n') + 1; last < len(got) {
			partials[path] = partialLine{offset: int64(last), data: got[last:]}
		}
		for _, ev := range events[:complete] {
			c := truth[ev.Customer]
			truth[ev.Customer] = [2]uint64{c[0] + 1, c[1] + ev.BytesSent}
		}
		rows += complete
		err = st.Run(ctx, "import", "--brokers", st.BrokerAddr, "--edge-config", edge, "--metrics-addr", "off",
			"--default-customer", defaultCustomer, path)
		if err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
			return 0, nil, nil, fmt.Errorf("import of the cut %s: want an unexpected EOF error, got %v", f.name, err)
		}
	}
	return rows, truth, partials, nil
}
