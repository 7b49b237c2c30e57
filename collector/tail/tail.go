// Package tail follows a growing log file line by line, the way an edge
// server's access.log is written: appended to, rotated by rename (a new
// file appears at the path) or by copytruncate (the file shrinks to zero).
//
// A Tailer hands out lines with the file offset just past each one, so the
// caller can checkpoint exactly what it has shipped.
//
// Bounds: a line is at most Config.MaxLineBytes (default 1 MiB); a longer
// one is handed out once, cut to that length with Line.Oversize set, when
// its newline is read, however many writes it came in; the bytes after the
// limit are discarded as they are read, never a line of their own. A
// Tailer's buffer stays below 2×MaxLineBytes+1 MiB.
package tail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Config tunes a Tailer.
type Config struct {
	// MaxLineBytes caps a line; longer lines are returned truncated with
	// Line.Oversize set, once their newline is read. Default 1 MiB.
	MaxLineBytes int
	// Poll is how often EOF is re-checked for growth. Default 100ms.
	Poll time.Duration
	// Follow keeps reading as the file grows; false stops at EOF.
	Follow bool
	// Registry, when set, is shared by every Tailer that may reach the
	// same file by another path (a glob's matches): see Registry.
	Registry *Registry
	// HandedOver, when set, is called (from Open or Next, before any line
	// of the file is returned) when the Registry gives the Tailer a file at
	// the position another reader reached: a file rotated by rename, or a
	// copytruncate copy. A reader that then has nothing left to read would
	// checkpoint nothing, and after a restart read the file from its start.
	HandedOver func(HandOver)
	// HeadRead, when set, is called with the sum of the head of the file
	// being read whenever more of it is read (a few times per file at
	// most). Kept with the checkpoint and given back as CheckpointHead, it
	// lets a restart tell the copy of a file truncated while the collector
	// was down (see Registry.NoteCheckpoint).
	HeadRead func(inode, fingerprint uint64, head HeadSum)
	// CheckpointHead is the sum of the head of the file the checkpoint
	// given to Open names. When that file is no longer in place but a copy
	// of it is beside the path (copytruncate while the collector was down),
	// Open reads the copy from the checkpoint first, its lines labelled with
	// the checkpoint's inode and fingerprint: batches in flight when the
	// collector stopped are cut and named as they were first sent.
	CheckpointHead HeadSum
	// RenamedRead, when set, reports whether another Tailer reads the file
	// a rename rotation gave the name name (a glob that matches rotated
	// names, access.log*): then this Tailer hands it over (Registry) and
	// moves to the new file at once. Otherwise, as for a plain path, it
	// follows the renamed file until the new one has a line (see
	// checkRotation).
	RenamedRead func(name string) bool
}

// HandOver is a file a Tailer took at the position another reader reached.
type HandOver struct {
	Inode, Fingerprint uint64 // the file taken
	Offset             int64  // where reading goes on in it
	// FromInode and FromFingerprint name the content that other reader
	// read: the file itself (rename rotation), or the original of a copy
	// (copytruncate; its inode holds new content now). The position holds
	// once that reader's lines before Offset are acknowledged.
	FromInode, FromFingerprint uint64
}

// Line is one line of the file without its newline. Data aliases the
// Tailer's buffer: valid until the next call to Next.
type Line struct {
	Data     []byte
	Offset   int64 // offset of the line's first byte
	End      int64 // offset just past its newline
	Oversize bool  // Data was cut at MaxLineBytes
	// File counts the files the Tailer has read: it changes when a rotation
	// or truncation switched to new content, so callers can keep batches
	// within one file.
	File int
	// Inode and Fingerprint identify the file the line was read from. A
	// caller must label what it read with these, not with Position: by the
	// time it acts, the Tailer may already be reading the next file.
	Inode, Fingerprint uint64
}

// ErrStopped is returned by Next at EOF when Follow is false.
var ErrStopped = errors.New("end of file")

// ErrDeleted is returned by Next once the file was read to its end and
// deleted, and nothing was created at its path: a Tailer does not keep a
// deleted file open (its disk space is freed only when the last reader
// closes it) nor wait for it for ever.
var ErrDeleted = errors.New("file deleted")

// Tailer reads one path.
type Tailer struct {
	cfg   Config
	path  string
	f     *os.File
	inode uint64
	off   int64 // offset of buf[0] in the file
	buf   []byte
	start int // unread data is buf[start:]
	line  []byte
	// skipping is an oversize line whose newline is not read yet: its
	// head is in line; the bytes up to its newline are discarded as read.
	skipping *Line
	file     int    // incremented on every switch to new content
	fp       uint64 // fingerprint of the current content; 0 until known
	// head is the current content's first bytes (at most HeadBytes), kept
	// as they are read: once the file is truncated they are gone, and they
	// are what tells its copy (see Registry).
	head    []byte
	headBuf []byte // scratch for reading the head
	// held: the Registry gave this Tailer the current file. Until it does
	// (another path's Tailer reads it) nothing is read.
	held bool
	// as, when set, is the inode and fingerprint lines are labelled with:
	// the checkpoint's file, of which the current file is a copy.
	as [2]uint64
	// renamed is whether the current file, renamed, is read by another
	// Tailer (Config.RenamedRead), once looked up.
	renamed renamedCheck
}

type renamedCheck struct {
	inode           uint64
	done, elsewhere bool
}

// renamedReadElsewhere reports whether the current file, renamed away
// from the path, is read by another Tailer under its new name. It looks
// the name up once per file.
func (t *Tailer) renamedReadElsewhere() bool {
	if t.cfg.RenamedRead == nil {
		return false
	}
	if t.renamed.done && t.renamed.inode == t.inode {
		return t.renamed.elsewhere
	}
	t.renamed = renamedCheck{inode: t.inode, done: true}
	dir := filepath.Dir(t.path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if s, ok := info.Sys().(*syscall.Stat_t); ok && s.Ino == t.inode {
			t.renamed.elsewhere = t.cfg.RenamedRead(filepath.Join(dir, e.Name()))
			break
		}
	}
	return t.renamed.elsewhere
}

// Open starts reading path at offset (a checkpoint), or at 0 when the file
// at path is not the one the checkpoint was taken on (inode and
// fingerprint differ) or is shorter than offset (truncated).
//
// When the checkpoint's file was rotated away by rename while nobody read
// it, Open finds it beside path (access.log.1, access.log-20261001, ...: a
// name starting with path's, same inode and fingerprint), finishes it from
// offset, and then moves on to path: the lines written before the rotation
// are not lost. Likewise, when it was copied and emptied (copytruncate),
// Open finishes its copy beside path (see Config.CheckpointHead).
func Open(path string, offset int64, inode, fingerprint uint64, cfg Config) (*Tailer, error) {
	if cfg.MaxLineBytes == 0 {
		cfg.MaxLineBytes = 1 << 20
	}
	if cfg.Poll == 0 {
		cfg.Poll = 100 * time.Millisecond
	}
	t := &Tailer{cfg: cfg, path: path, buf: make([]byte, 0, 1<<20)}
	if err := t.open(); err != nil {
		return nil, err
	}
	fp, _ := Fingerprint(t.f)
	st, err := t.f.Stat()
	if err != nil {
		return nil, err
	}
	same := (inode == 0 || inode == t.inode) && (fingerprint == 0 || fp == fingerprint)
	if !same && inode != 0 && fingerprint != 0 {
		if f, size := findRotated(path, inode, fingerprint); f != nil && offset <= size {
			t.f.Close() // #nosec G104 -- read-only file; a close error loses nothing
			t.f, t.inode, t.off = f, inode, offset
			if _, err := t.f.Seek(offset, io.SeekStart); err != nil {
				return nil, err
			}
			return t, t.claim()
		}
		if f, size := findCopy(path, cfg.CheckpointHead); f != nil && offset <= size {
			t.f.Close() // #nosec G104 -- read-only file; a close error loses nothing
			t.f, t.inode, t.off = f, inodeOf(f), offset
			t.as = [2]uint64{inode, fingerprint}
			if _, err := t.f.Seek(offset, io.SeekStart); err != nil {
				return nil, err
			}
			return t, t.claim()
		}
	}
	if same && offset <= st.Size() {
		t.off = offset
		if _, err := t.f.Seek(offset, io.SeekStart); err != nil {
			return nil, err
		}
	}
	return t, t.claim()
}

// claim asks the Registry for the current file. When its previous holder
// stopped elsewhere than this Tailer stands, reading goes on from there.
// When another path holds it, held stays false and Next waits.
func (t *Tailer) claim() error {
	t.loadHead()
	if t.cfg.Registry == nil {
		t.held = true
		return nil
	}
	st, err := t.f.Stat()
	if err != nil {
		return fmt.Errorf("cannot stat %s: %w", t.path, err)
	}
	tk, ok := t.cfg.Registry.acquire(t.path, t.inode, candidate{fp: t.fingerprint(), head: t.head,
		size: st.Size(), mtime: st.ModTime(), pos: t.Offset()})
	if !ok {
		t.held = false
		return nil
	}
	t.held = true
	off := tk.offset
	if !tk.known || off == t.Offset() {
		return nil
	}
	if off > st.Size() {
		return nil // truncated since: the position does not apply
	}
	if _, err := t.f.Seek(off, io.SeekStart); err != nil {
		return fmt.Errorf("cannot seek %s: %w", t.path, err)
	}
	t.off, t.start, t.buf = off, 0, t.buf[:0]
	if t.cfg.HandedOver != nil && off > 0 {
		t.cfg.HandedOver(HandOver{Inode: t.inode, Fingerprint: t.fingerprint(), Offset: off, FromInode: tk.fromInode, FromFingerprint: tk.fromFP})
	}
	return nil
}

// release gives the current file back to the Registry at the offset read.
func (t *Tailer) release(deleted bool) {
	if t.held && t.cfg.Registry != nil {
		t.cfg.Registry.release(t.path, t.inode, t.fingerprint(), t.Offset(), deleted)
	}
	t.held = false
}

// deleted reports whether the open file has no name left.
func (t *Tailer) deleted() bool {
	st, err := t.f.Stat()
	if err != nil {
		return false
	}
	s, ok := st.Sys().(*syscall.Stat_t)
	return ok && s.Nlink == 0
}

// findRotated looks beside path for the file with inode and fingerprint
// under a rotated name, and opens it.
func findRotated(path string, inode, fingerprint uint64) (*os.File, int64) {
	return findBeside(path, func(f *os.File) bool {
		if inodeOf(f) != inode {
			return false
		}
		fp, _ := Fingerprint(f)
		return fp == fingerprint
	})
}

// findBeside opens the first regular file beside path whose name starts
// with path's (a rotated name: access.log.1, access.log-20261126) and that
// match accepts, and returns it with its size. The files match refuses are
// closed.
func findBeside(path string, match func(*os.File) bool) (*os.File, int64) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0
	}
	for _, e := range entries {
		if e.Name() == base || !strings.HasPrefix(e.Name(), base) || !e.Type().IsRegular() {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name())) // #nosec G304 -- path of a rotated log beside the operator's configured path
		if err != nil {
			continue
		}
		if match(f) {
			if st, err := f.Stat(); err == nil {
				return f, st.Size()
			}
		}
		f.Close() // #nosec G104 -- read-only file; a close error loses nothing
	}
	return nil, 0
}

func (t *Tailer) open() error {
	f, err := os.Open(t.path)
	if err != nil {
		return fmt.Errorf("cannot open log file: %w", err)
	}
	t.f = f
	t.inode = inodeOf(f)
	t.fp = 0
	t.head = nil
	t.as = [2]uint64{}
	t.off, t.start = 0, 0
	t.skipping = nil
	t.buf = t.buf[:0]
	return nil
}

func inodeOf(f *os.File) uint64 {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ino
	}
	return 0
}

// FingerprintBytes caps how much of a file's first line identifies it.
const FingerprintBytes = 1024

// Fingerprint hashes the file's first line (at most FingerprintBytes of
// it). It is 0 while the file has no complete first line, and stable once
// it has one: unlike a hash of the first N bytes, it does not change while a
// young file grows.
func Fingerprint(f *os.File) (uint64, error) {
	b := make([]byte, FingerprintBytes)
	n, err := f.ReadAt(b, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	b = b[:n]
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	} else if n < FingerprintBytes {
		return 0, nil
	}
	h := fnv.New64a()
	h.Write(b)                // #nosec G104 -- hash.Hash writes never fail
	return h.Sum64() | 1, nil // never 0 once there is a line
}

// label is the identity lines of the current file are labelled with.
func (t *Tailer) label() (inode, fingerprint uint64) {
	if t.as[0] != 0 {
		return t.as[0], t.as[1]
	}
	return t.inode, t.fingerprint()
}

// Position is the identity of the current file and the offset consumed.
func (t *Tailer) Position() (inode uint64, fingerprint uint64) {
	return t.inode, t.fingerprint()
}

// fingerprint returns the current content's fingerprint, reading it once
// the file has a first line.
func (t *Tailer) fingerprint() uint64 {
	if t.fp == 0 {
		t.fp, _ = Fingerprint(t.f)
	}
	return t.fp
}

// Next returns the next complete line. With Follow it blocks until a line
// is available or ctx is done.
func (t *Tailer) Next(ctx context.Context) (Line, error) {
	var l Line
	err := t.Read(ctx, &l)
	return l, err
}

// Read is Next into l, which it overwrites only when it returns a line:
// the collector's read loop takes every line this way. A Line is eleven
// words: returned by value through each layer up to the read loop, its
// copies were 2.3% of the collector's CPU in the 20M-line end-to-end run
// (`edgelog bench --profile`).
func (t *Tailer) Read(ctx context.Context, l *Line) error {
	for {
		if !t.held {
			// Another path's Tailer holds the file: wait until it leaves
			// it, or until a new file appears at this path.
			if err := t.waitTurn(); err != nil {
				return err
			}
			if !t.held {
				if !t.cfg.Follow {
					return ErrStopped // its holder reads it
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(t.cfg.Poll):
				}
				continue
			}
		}
		if t.scan(l) {
			return nil
		}
		n, err := t.fill()
		if n > 0 {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("cannot read %s: %w", t.path, err)
		}
		// At EOF: a rotated file is finished, a truncated one restarts.
		switched, err := t.checkRotation()
		if err != nil {
			return err
		}
		if switched {
			continue
		}
		if !t.cfg.Follow {
			return ErrStopped
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(t.cfg.Poll):
		}
	}
}

// scan cuts the next line out of the buffer into l.
func (t *Tailer) scan(l *Line) bool {
	if t.skipping != nil {
		return t.skipOversize(l)
	}
	data := t.buf[t.start:]
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		if len(data) <= t.cfg.MaxLineBytes {
			return false
		}
		// An oversize line: keep its head, skip to its newline.
		inode, fp := t.label()
		t.line = append(t.line[:0], data[:t.cfg.MaxLineBytes]...)
		t.skipping = &Line{Data: t.line, Offset: t.off + int64(t.start), Oversize: true, File: t.file, Inode: inode, Fingerprint: fp}
		return t.skipOversize(l)
	}
	// Every field, in place (TestReadSetsEveryField fails for one left out).
	l.Inode, l.Fingerprint = t.label()
	l.Data, l.Oversize = data[:i], false
	l.Offset, l.End = t.off+int64(t.start), t.off+int64(t.start+i+1)
	l.File = t.file
	if i > t.cfg.MaxLineBytes {
		l.Data, l.Oversize = l.Data[:t.cfg.MaxLineBytes], true
	}
	t.start += i + 1
	return true
}

// skipOversize discards the rest of an oversize line through its newline
// and then hands the line out, its End past the newline. Until the newline
// is written, the line is not handed out (whatever the writes, the bytes
// after the limit never become a line of their own) and what was read of it
// is discarded, so the buffer stays at most 2×MaxLineBytes+1 MiB. An
// oversize line still without its newline when its file is rotated or
// truncated is dropped, as any unterminated line is.
func (t *Tailer) skipOversize(l *Line) bool {
	data := t.buf[t.start:]
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		t.start = len(t.buf)
		return false
	}
	t.start += i + 1
	*l = *t.skipping
	l.End = t.off + int64(t.start)
	t.skipping = nil
	return true
}

// fill reads more of the file into the buffer, compacting it first.
func (t *Tailer) fill() (int, error) {
	if t.start > 0 {
		n := copy(t.buf, t.buf[t.start:])
		t.off += int64(t.start)
		t.buf = t.buf[:n]
		t.start = 0
	}
	if len(t.buf) == cap(t.buf) {
		if cap(t.buf) >= 2*t.cfg.MaxLineBytes+(1<<20) {
			return 0, nil // the buffer holds an oversize line; scan handles it
		}
		nb := make([]byte, len(t.buf), 2*cap(t.buf))
		copy(nb, t.buf)
		t.buf = nb
	}
	at := t.off + int64(len(t.buf))
	n, err := t.f.Read(t.buf[len(t.buf):cap(t.buf)])
	t.buf = t.buf[:len(t.buf)+n]
	if len(t.head) < HeadBytes && n > 0 {
		t.noteHead(at, t.buf[len(t.buf)-n:])
	}
	return n, err
}

// loadHead reads the current content's head from the file, as far as it
// is written (a file opened at a checkpoint has not read it).
func (t *Tailer) loadHead() {
	if len(t.head) >= HeadBytes {
		return
	}
	b, err := readHead(t.f, t.headBuf)
	t.headBuf = b
	if err != nil || len(b) <= len(t.head) || !bytes.Equal(b[:len(t.head)], t.head) {
		return // nothing more, or not the content read so far: checkRotation sees to it
	}
	t.head = append(t.head[:0:0], b...)
	t.headGrew()
}

// noteHead adds to the head what a read at offset at got, and tells the
// Registry.
func (t *Tailer) noteHead(at int64, data []byte) {
	have := int64(len(t.head))
	if at > have || at+int64(len(data)) <= have {
		return
	}
	data = data[have-at:]
	data = data[:min(len(data), HeadBytes-len(t.head))]
	// A new slice: the Registry keeps the one it was given.
	t.head = append(append(make([]byte, 0, len(t.head)+len(data)), t.head...), data...)
	if t.held && t.cfg.Registry != nil {
		t.cfg.Registry.setHead(t.path, t.inode, t.head)
	}
	t.headGrew()
}

// headGrew tells HeadRead of a head that can tell a copy.
func (t *Tailer) headGrew() {
	if t.cfg.HeadRead == nil || !hasRequestLine(t.head) {
		return
	}
	if fp := t.fingerprint(); fp != 0 {
		t.cfg.HeadRead(t.inode, fp, SumHead(t.head))
	}
}

// rewritten reports whether the file no longer starts with the head read:
// it was truncated and written again past where this Tailer stands before
// it looked (a busy server writes fast; the size alone does not show it).
func (t *Tailer) rewritten() bool {
	var b [64]byte
	n := min(len(t.head), len(b))
	if n == 0 {
		return false
	}
	m, _ := t.f.ReadAt(b[:n], 0)
	return m < n || !bytes.Equal(b[:n], t.head[:n])
}

// waitTurn, for a Tailer not holding its file, claims it again, or the
// file now at the path.
func (t *Tailer) waitTurn() error {
	st, err := os.Stat(t.path)
	switch {
	case err != nil && t.deleted():
		return ErrDeleted
	case err != nil:
		return nil
	case !sameFile(st, t.f):
		t.f.Close() // #nosec G104 -- read-only file; a close error loses nothing
		if err := t.open(); err != nil {
			return err
		}
		t.file++
	}
	return t.claim()
}

func sameFile(st os.FileInfo, f *os.File) bool {
	cur, err := f.Stat()
	return err == nil && os.SameFile(st, cur)
}

// checkRotation handles what happened to the path while we were at EOF.
func (t *Tailer) checkRotation() (bool, error) {
	st, err := os.Stat(t.path)
	if err != nil {
		if t.deleted() {
			// Read to the end and gone for good: stop.
			t.release(true)
			return false, ErrDeleted
		}
		return false, nil // moved away and not recreated yet: keep waiting
	}
	cur, err := t.f.Stat()
	if err != nil {
		return false, err
	}
	if os.SameFile(st, cur) {
		pos := t.off + int64(len(t.buf))
		if cur.Size() < pos || t.rewritten() {
			// copytruncate: the file was emptied (and maybe written again).
			// What was read of it is gone but for its copy, which whoever
			// finds it reads on from here (see Registry).
			if t.held && t.cfg.Registry != nil {
				t.cfg.Registry.truncated(t.path, t.inode, t.head, t.Offset())
			}
			if _, err := t.f.Seek(0, io.SeekStart); err != nil {
				return false, err
			}
			t.off, t.start, t.buf = 0, 0, t.buf[:0]
			t.skipping = nil
			t.fp, t.head = 0, nil
			t.file++
			return true, nil
		}
		return false, nil
	}
	// Rename rotation. The server writes on into the renamed file until
	// it reopens its log (nginx on USR1, which logrotate's postrotate
	// sends after the rename; a writer may take longer): while the new
	// file is empty, the old one is followed still. Once the new file has
	// a line, the server has reopened, so everything it wrote to the old
	// file came before: that is read to its end, then reading switches.
	// (A plain path lost every late line before: 18,006 of 90,000 in
	// lab/e2e's logrotate run without its access.log.[1] input.)
	gone := t.deleted()
	if !gone && !t.renamedReadElsewhere() && (st.Size() == 0 || cur.Size() > t.off+int64(len(t.buf))) {
		return cur.Size() > t.off+int64(len(t.buf)), nil
	}
	t.renamed = renamedCheck{}
	// Whoever reaches the old file by another name goes on from here.
	t.release(gone)
	t.f.Close() // #nosec G104 -- read-only file; a close error loses nothing
	if err := t.open(); err != nil {
		return false, err
	}
	t.file++
	return true, t.claim()
}

// Close gives the file back to the Registry and closes it.
func (t *Tailer) Close() error {
	t.release(false)
	return t.f.Close()
}

// Inode is the inode of the file being read.
func (t *Tailer) Inode() uint64 { return t.inode }

// Size is the current size of the file being read.
func (t *Tailer) Size() (int64, error) {
	st, err := t.f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// Head is the start (at most HeadBytes) of the file being read, as far as
// it is known. The caller must not keep or change it.
func (t *Tailer) Head() []byte { return t.head }

// Offset returns the offset of the next unread line.
func (t *Tailer) Offset() int64 {
	if t.skipping != nil {
		return t.skipping.Offset // not in the middle of a line: whoever goes on reads it whole
	}
	return t.off + int64(t.start)
}
