package collector

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/edgelog/edgelog/collector/checkpoint"
	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/collector/syslog"
	"github.com/edgelog/edgelog/collector/tail"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/retrylog"
	"github.com/edgelog/edgelog/internal/tlsconf"
)

// runInput reads one configured input until it ends or ctx is cancelled.
func (c *Collector) runInput(ctx context.Context, in Input, ship chan<- shipment, recovered <-chan struct{}) error {
	kind, text := c.cfg.formatOf(in)
	parser, err := NewParser(kind, text)
	if err != nil {
		return err
	}
	switch in.Type {
	case "file":
		select {
		case <-recovered:
		case <-ctx.Done():
			return nil
		}
		return c.runFiles(ctx, in, ship)
	case "stdin":
		// Stdin cannot be re-read: its source id names this run, so the
		// spool can re-send a batch and ingest still tells it apart.
		src := &source{lines: newStreamSource(os.Stdin, c.cfg.MaxLineBytes), parser: parser, name: "stdin",
			id: c.cfg.SourceID + ":stdin:" + strconv.FormatInt(time.Now().UnixNano(), 36)}
		return ignoreEnd(c.readLoop(ctx, src, ship))
	case "syslog":
		return c.runSyslog(ctx, in, parser, ship)
	case "import":
		return c.runImport(ctx, in, parser, ship)
	}
	panic("BUG: input type not validated: " + in.Type)
}

func ignoreEnd(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, tail.ErrStopped) || errors.Is(err, tail.ErrDeleted) || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// runFiles tails the input's path, or every file its glob matches, one
// Tailer and checkpoint entry per file, and (when following) matches the
// glob again every DiscoverInterval for new files. A path whose file was
// deleted is matched again too, for the file that may appear there later.
//
// A rotated file the glob matches again under its new name is not read
// twice: the Tailers share the collector's tail.Registry, which gives a
// file to one Tailer at a time with the position its last reader reached.
func (c *Collector) runFiles(ctx context.Context, in Input, ship chan<- shipment) error {
	c.reserveOnce.Do(func() {
		c.reserveCheckpointed()
		c.noteCheckpointHeads()
	})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	running := map[string]bool{}
	skipped := map[string]bool{} // compressed matches of the last round: logged once, not opened again
	start := func(path string) {
		running[path] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			deleted, err := c.runFile(ctx, path, in, ship)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", path, err))
			}
			if deleted == 0 {
				return
			}
			delete(running, path)
			if c.cfg.Follow {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c.forgetDeleted(ctx, path, deleted)
				}()
			}
		}()
	}
	mu.Lock()
	if !isGlob(in.Path) && !c.cfg.Follow {
		start(in.Path) // read once: a missing file is an error
	}
	mu.Unlock()
	// A plain path followed is waited for while it does not exist (a
	// fresh edge whose server has not logged yet, a log directory mounted
	// late): warned once, then every retrylog.DefaultEvery.
	missing := &retrylog.Warner{Log: c.log, What: "log file " + in.Path}
	for {
		var matches []string
		if isGlob(in.Path) {
			matches, _ = filepath.Glob(in.Path) // the pattern was validated
		} else {
			matches = []string{in.Path}
		}
		mu.Lock()
		skippedNow := map[string]bool{}
		inodes := make([]uint64, 0, len(matches))
		for _, m := range matches {
			st, err := os.Stat(m)
			if err != nil || !st.Mode().IsRegular() {
				if !isGlob(in.Path) && !running[m] {
					missing.Fail("log file missing, waiting for it to appear", "file", m, "err", err)
				}
				continue
			}
			if !isGlob(in.Path) {
				missing.OK()
			}
			if s, ok := st.Sys().(*syscall.Stat_t); ok {
				inodes = append(inodes, s.Ino)
			}
			if !running[m] && isGlob(in.Path) && (skipped[m] || compressed(m)) {
				if !skipped[m] {
					c.log.Info("skipping compressed file the glob matches: a rotated copy of a file read under its earlier name (edgelog import loads old compressed logs)", "file", m, "input", in.Path)
				}
				skippedNow[m] = true
				continue
			}
			if !running[m] {
				c.log.Info("found new file", "file", m, "input", in.Path)
				start(m)
			}
		}
		skipped = skippedNow
		mu.Unlock()
		if !c.cfg.Follow {
			break
		}
		// Files no input's scan finds any more, and no Tailer holds, are
		// forgotten after a few rounds (see tail.Registry.Prune): a file
		// rotated away and deleted while nobody read it left its entry.
		c.files.Seen(inodes)
		c.files.Prune(time.Now().Add(-forgetAfterRounds * c.cfg.DiscoverInterval))
		select {
		case <-ctx.Done():
		case <-time.After(c.cfg.DiscoverInterval):
			continue
		}
		break
	}
	wg.Wait()
	return errors.Join(errs...)
}

// compressedSuffixes are the names of compressed rotations (logrotate's
// compress with gzip, zstd, bzip2, xz or lz4).
var compressedSuffixes = []string{".gz", ".zst", ".bz2", ".xz", ".lz4", ".zip"}

// compressed reports whether a file a glob matched is compressed, by its
// name or its first bytes (gzip, zstd, bzip2, xz, lz4 magic). A glob such
// as access.log* matches logrotate's compressed rotations: they are copies
// of files read under their earlier names, so they are skipped rather than
// read as text or decompressed (which would count their lines twice).
func compressed(path string) bool {
	for _, s := range compressedSuffixes {
		if strings.HasSuffix(path, s) {
			return true
		}
	}
	f, err := os.Open(path) // #nosec G304 -- a file the operator's glob matched
	if err != nil {
		return false
	}
	defer f.Close()
	var b [6]byte
	n, _ := io.ReadFull(f, b[:])
	for _, magic := range [][]byte{{0x1f, 0x8b}, {0x28, 0xb5, 0x2f, 0xfd}, []byte("BZh"), {0xfd, '7', 'z', 'X', 'Z', 0}, {0x04, 0x22, 0x4d, 0x18}} {
		if n >= len(magic) && bytes.Equal(b[:len(magic)], magic) {
			return true
		}
	}
	return false
}

// globMatches reports whether a file input's glob matches name: the
// Tailer of that name reads a file rotated to it (tail.Config.RenamedRead).
func (c *Collector) globMatches(name string) bool {
	for _, in := range c.cfg.Inputs {
		if in.Type != "file" || !isGlob(in.Path) {
			continue
		}
		if ok, _ := filepath.Match(in.Path, name); ok {
			return true
		}
	}
	return false
}

// forgetAfterRounds is how many discovery rounds a file no Tailer holds is
// kept for after no scan found it: long enough for the Tailer of a rotated
// file's new name to be started and take it, or a copy to be found.
const forgetAfterRounds = 3

// TrackedFiles is how many files the collector keeps a read position for
// (read, reserved for a checkpoint, or rotated and waiting for the Tailer
// of their new name) and how many truncated or deleted contents it keeps
// for a copy of them to be found. Both stay bounded however many files were
// rotated and deleted.
func (c *Collector) TrackedFiles() (files, gone int) { return c.files.Len() }

// runFile tails path until ctx ends, the file is shipped (without Follow)
// or it is deleted after being read to its end: then it returns the
// deleted file's inode.
func (c *Collector) runFile(ctx context.Context, path string, in Input, ship chan<- shipment) (deleted uint64, err error) {
	kind, text := c.cfg.formatOf(in)
	parser, err := NewParser(kind, text) // a parser per file: W3C keeps #Fields state
	if err != nil {
		return 0, err
	}
	cp := c.lookupCheckpoint(path)
	c.stateMu.Lock()
	head, _ := c.state.HeadOf(cp)
	c.stateMu.Unlock()
	lines := &fileLines{parser: parser, file: -1, journaled: c.handOverJournaled, grace: c.cfg.BatchWait + handOverGrace}
	t, err := tail.Open(path, cp.Offset, cp.Inode, cp.Fingerprint, tail.Config{Follow: c.cfg.Follow, MaxLineBytes: c.cfg.MaxLineBytes, Registry: c.files,
		HandedOver: func(h tail.HandOver) {
			c.handedOver(path, h)
			lines.handedOver(h)
		},
		HeadRead: func(inode, fp uint64, h tail.HeadSum) {
			c.stateMu.Lock()
			c.state.SetHead(checkpoint.Head{Inode: inode, Fingerprint: fp, Len: h.Len, Hash: h.Hash}) // saved with the next batch
			c.stateMu.Unlock()
		},
		CheckpointHead: tail.HeadSum{Len: head.Len, Hash: head.Hash},
		RenamedRead:    c.globMatches})
	if err != nil {
		return 0, err
	}
	defer t.Close()
	lines.t = t
	c.files.Unreserve(path, t.Inode())
	if t.Offset() != cp.Offset {
		cp = checkpoint.File{} // another file now: its journal does not apply
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	c.log.Info("collecting file", "file", path, "from_offset", t.Offset(), "resend_cuts", len(cp.Pending))
	src := &source{lines: lines, parser: parser, name: path, id: c.cfg.SourceID + ":" + abs, checkpoint: path, cuts: cp.Pending,
		flushed: func() { c.updateBehind(path, t) }}
	err = c.readLoop(ctx, src, ship)
	if errors.Is(err, tail.ErrDeleted) {
		c.log.Info("file deleted and read to its end", "file", path, "checkpoint_dropped_after", c.cfg.ForgetDeleted)
		return t.Inode(), nil
	}
	return 0, ignoreEnd(err)
}

// noteCheckpointHeads gives the registry the head of each checkpoint's
// file: one truncated while the collector was down (copytruncate) has a
// copy, which is then read from the checkpoint, not from its start.
func (c *Collector) noteCheckpointHeads() {
	type noted struct {
		f checkpoint.File
		h checkpoint.Head
	}
	var all []noted
	c.stateMu.Lock()
	for _, f := range c.state.Files {
		if h, ok := c.state.HeadOf(f); ok {
			all = append(all, noted{f, h})
		}
	}
	c.stateMu.Unlock()
	for _, n := range all {
		c.files.NoteCheckpoint(n.f.Path, n.f.Inode, n.f.Fingerprint, n.f.Offset, tail.HeadSum{Len: n.h.Len, Hash: n.h.Hash})
	}
}

// handedOver sets path's checkpoint where its Tailer took over a file
// rotated by rename or a copytruncate copy, once the other reader's lines
// before that point are acknowledged (see checkpoint.State.HandOver): when
// nothing is left to read there, path's Tailer never checkpoints the file
// itself, and a restart read all of it again.
func (c *Collector) handedOver(path string, h tail.HandOver) {
	c.log.Info("took over a rotated file", "file", path, "from_offset", h.Offset)
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	to := checkpoint.File{Inode: h.Inode, Fingerprint: h.Fingerprint, Offset: h.Offset}
	if !c.state.HandOver(path, to, checkpoint.File{Inode: h.FromInode, Fingerprint: h.FromFingerprint}) {
		return
	}
	if err := checkpoint.Save(c.cfg.Checkpoint, c.state); err != nil {
		c.log.Warn("cannot checkpoint a file taken over", "file", path, "err", err)
	}
}

// handOverGrace is how long, beyond BatchWait, the reader of a file taken
// over after rotation waits at most for the previous reader's last batch
// of it to be journaled (see fileLines.handedOver).
const handOverGrace = time.Second

// handOverJournaled reports whether the lines the previous reader of a file
// read before h's position are journaled.
func (c *Collector) handOverJournaled(h tail.HandOver) bool {
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	return c.state.Journaled(checkpoint.File{Inode: h.FromInode, Fingerprint: h.FromFingerprint}) >= h.Offset
}

// fileLines is a file's Tailer as a lineSource. A Tailer may start in the
// middle of a file (at a checkpoint, or in a file taken over after
// rotation); the parser then first gets the file's directive lines (those
// starting with '#') from the file's head before that point: a W3C file's
// columns are named by its #Fields line at the top, and a parser that never
// saw it rejected every line. Directives repeated deeper in a file (IIS
// writes a new block when it restarts) are not looked for.
//
// The first line of a file taken over after rotation is held until the
// previous reader's batches of the lines before it are journaled (or, if
// nothing shows them journaled, for BatchWait and a grace: by then that
// reader has cut its batch, which is then ahead in the ship channel). The
// previous reader cuts its last batch of the file when its next file gives
// it a line, or BatchWait after the batch's first line, while the new
// reader can cut a batch at once (BatchRows lines written before nginx
// reopened its log): journaled first and acknowledged, it moved the new
// name's checkpoint past lines still unsent, and a kill -9 lost them.
type fileLines struct {
	t       *tail.Tailer
	parser  format.Parser
	file    int // the Line.File last seen; -1 before the first line
	scratch record.Record

	journaled func(tail.HandOver) bool
	grace     time.Duration
	handOver  *tail.HandOver // taken over, its first line not handed out yet
	since     time.Time      // when it was taken over
	held      *tail.Line     // that first line, while it waits
}

// handedOver is told (from the Tailer, in the reading goroutine) of a file
// taken over at the position another reader reached.
func (s *fileLines) handedOver(h tail.HandOver) {
	s.handOver, s.since = &h, time.Now()
}

func (s *fileLines) Next(ctx context.Context, l *tail.Line) (string, error) {
	if s.held == nil {
		if err := s.t.Read(ctx, l); err != nil {
			return "", err
		}
		if l.File != s.file {
			s.file = l.File
			if l.Offset > 0 {
				s.directives(s.t.Head(), l.Offset)
			}
		}
		if s.handOver == nil {
			return "", nil
		}
		// A copy, so only this rare case puts a line on the heap (80
		// bytes a line were two thirds of the collector's allocations in
		// the 20M-line bench when every line escaped; heap profile of
		// `edgelog bench --profile`).
		held := *l
		s.held = &held // its Data stays valid: the Tailer is not asked again until it is handed out
	}
	for !s.journaled(*s.handOver) && time.Since(s.since) < s.grace {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	*l = *s.held
	s.held, s.handOver = nil, nil
	return "", nil
}

// directives parses the complete '#' lines of head that end before upTo.
func (s *fileLines) directives(head []byte, upTo int64) {
	head = head[:min(int64(len(head)), upTo)]
	for {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			return
		}
		if line := bytes.TrimSuffix(head[:i], []byte{'\r'}); len(line) > 0 && line[0] == '#' {
			_ = s.parser.Parse(line, &s.scratch) // a directive holds no record; a bad one is reported when read in place
		}
		head = head[i+1:]
	}
}

// updateBehind sets path's bytes-behind gauge from what t reads: the size
// of its file past the acknowledged offset in that file. On reads, not only
// on acknowledgements: while Kafka is down nothing is acknowledged, and that
// is when the gauge matters.
func (c *Collector) updateBehind(path string, t *tail.Tailer) {
	size, err := t.Size()
	if err != nil {
		return
	}
	acked := int64(0)
	c.stateMu.Lock()
	if cp, ok := c.state.Lookup(path); ok && cp.Inode == t.Inode() {
		acked = cp.Offset
	}
	c.stateMu.Unlock()
	c.m.behind.WithLabelValues(path).Set(float64(max(0, size-acked)))
}

// forgetDeleted drops path's checkpoint ForgetDeleted after its file (inode)
// was deleted, unless a new file at the path has a checkpoint by then. A
// batch of the file still on its way to Kafka (journaled, not acknowledged)
// postpones it: its acknowledgement would write the entry again.
func (c *Collector) forgetDeleted(ctx context.Context, path string, inode uint64) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.cfg.ForgetDeleted):
		}
		c.stateMu.Lock()
		cp, ok := c.state.Lookup(path)
		if !ok || cp.Inode != inode {
			c.stateMu.Unlock()
			return
		}
		if len(cp.Pending) > 0 {
			c.stateMu.Unlock()
			continue
		}
		c.state.Remove(path)
		err := checkpoint.Save(c.cfg.Checkpoint, c.state)
		c.stateMu.Unlock()
		if err != nil {
			c.log.Warn("cannot drop a deleted file's checkpoint", "file", path, "err", err)
			return
		}
		c.m.behind.DeleteLabelValues(path)
		c.m.shipped.DeleteLabelValues(path)
		c.log.Info("dropped the checkpoint of a deleted file", "file", path)
		return
	}
}

// runSyslog receives syslog messages and parses each message's text as a
// log line of the input's format.
func (c *Collector) runSyslog(ctx context.Context, in Input, parser format.Parser, ship chan<- shipment) error {
	allow, err := in.allowed()
	if err != nil {
		panic("BUG: allow-list not validated: " + err.Error())
	}
	tlsCfg, err := tlsconf.Server(in.TLSCert, in.TLSKey)
	if err != nil {
		return err
	}
	msgs := make(chan syslog.Message, 1024)
	srv, err := syslog.Listen(syslog.Config{Network: in.Network, Addr: in.Listen, MaxMessageBytes: c.cfg.MaxLineBytes,
		MaxConns: in.MaxConnections, IdleTimeout: in.IdleTimeout, ReadTimeout: in.ReadTimeout, Allow: allow, TLS: tlsCfg}, msgs)
	if err != nil {
		return err
	}
	c.log.Info("receiving syslog", "network", in.Network, "addr", srv.Addr().String())
	if len(allow) == 0 && !loopbackOnly(srv.Addr()) {
		c.log.Warn("syslog input listens beyond loopback without an allow-list: anyone who reaches it can send lines billed to your customers; set allow",
			"network", in.Network, "addr", srv.Addr().String())
	}
	name := "syslog:" + in.Network + ":" + in.Listen
	src := &source{lines: &syslogSource{msgs: msgs}, parser: parser, name: name,
		id: c.cfg.SourceID + ":" + name + ":" + strconv.FormatInt(time.Now().UnixNano(), 36)}
	errc := make(chan error, 1)
	go func() { errc <- c.readLoop(ctx, src, ship) }()
	<-ctx.Done()
	srv.Close() // #nosec G104 -- shutdown; the listener has nothing left to report
	// The read loop flushes what it has when it sees ctx end; messages the
	// listener handed over after that are dropped with the process, which
	// is the at-most-in-flight loss of a syslog input.
	return ignoreEnd(<-errc)
}

// loopbackOnly reports whether a listener's address is reachable from this
// host only.
func loopbackOnly(a net.Addr) bool {
	ap, err := netip.ParseAddrPort(a.String())
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

// syslogSource turns received messages into lines; their offsets count
// the bytes of this run's stream, so batch ends are distinct per source.
type syslogSource struct {
	msgs <-chan syslog.Message
	off  int64
}

func (s *syslogSource) Next(ctx context.Context, l *tail.Line) (string, error) {
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case m := <-s.msgs:
		*l = tail.Line{Data: m.Data, Offset: s.off, End: s.off + int64(len(m.Data)) + 1, Oversize: m.Oversize}
		s.off = l.End
		if m.Err != nil && !m.Oversize {
			return m.Err.Error(), nil
		}
		return "", nil
	}
}

// streamSource reads lines from a reader that cannot be re-read or
// followed (stdin, a decompressed import). A last line without a newline
// is a line: the stream has ended. A stream that fails mid-line (a
// truncated or corrupt gzip or zstd archive) hands its partial last line
// out rejected, to the dead letters with its source and offset (parsed,
// `... 200 1234` cut to `... 200 12` would bill 12 bytes), and its error
// on the next call.
type streamSource struct {
	r    *bufio.Reader
	max  int
	off  int64
	long []byte
	err  error // the stream's error, after its partial line
}

func newStreamSource(r io.Reader, maxLine int) *streamSource {
	return &streamSource{r: bufio.NewReaderSize(r, 1<<20), max: maxLine}
}

func (s *streamSource) Next(ctx context.Context, line *tail.Line) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if s.err != nil {
		return "", s.err
	}
	s.long = s.long[:0]
	n := 0
	for {
		chunk, err := s.r.ReadSlice('\n')
		n += len(chunk)
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(s.long) < s.max {
				s.long = append(s.long, chunk[:min(len(chunk), s.max-len(s.long))]...)
			}
			continue
		}
		if err != nil && n == 0 {
			return "", err
		}
		reject := ""
		if err != nil && err != io.EOF {
			s.err = err
			reject = "truncated: the stream failed mid-line: " + err.Error()
		}
		l := tail.Line{Offset: s.off, End: s.off + int64(n)}
		s.off = l.End
		lineLen := n
		if chunk := chunk; len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			lineLen--
		}
		data := chunk[:len(chunk)-(n-lineLen)]
		if len(s.long) > 0 {
			s.long = append(s.long, data[:min(len(data), max(0, s.max-len(s.long)))]...)
			data = s.long
		}
		if lineLen > s.max {
			l.Oversize = true
			data = data[:min(len(data), s.max)]
		}
		l.Data = data
		*line = l
		return reject, nil
	}
}
