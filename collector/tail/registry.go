package tail

import (
	"os"
	"sync"
	"time"
)

// Registry lets one Tailer at a time read a file, whichever path it is
// reached by, and hands the read position on with the file. A glob such as
// access.log* matches a file again after rename rotation (access.log ->
// access.log.1): the Tailer of access.log is still draining it, and a
// second Tailer for access.log.1 reading it from 0 would ship its lines
// twice. With a shared Registry the second Tailer waits until the first
// has left the file and then goes on from where the first stopped (lines
// nginx wrote before reopening its log are not lost either). This is
// Filebeat's registry idea: the read state belongs to the file's identity
// (inode and fingerprint), not to a path.
//
// The same holds for copytruncate rotation (access.log copied to
// access.log.1, a new inode, then emptied): a file never seen before whose
// head (its first HeadBytes bytes) is the head of a content the Registry
// knows is a copy of it. A copy of a content still in place waits (up to
// CopyWait), since its lines are read where they are; a copy of a content
// truncated or deleted lately (see Prune) is read from where that content's
// last reader stopped, so lines written just before the copy are read from
// the copy, and none twice. See copyOf for what counts as the same head.
//
// Every file a Registry has seen keeps an entry (about 100 bytes and up to
// HeadBytes of its head) until it is deleted under its Tailer or, for a
// file nobody holds, until Prune finds that no scan saw it lately.
//
// A Registry is safe for concurrent use. The zero value is not usable; see
// NewRegistry.
type Registry struct {
	// CopyWait is how long a copy of a file still in place waits for
	// that file's truncation before it is read as a file of its own (see
	// copyOf). Default DefaultCopyWait; set it before the Registry is used.
	CopyWait time.Duration

	mu    sync.Mutex
	files map[uint64]*regEntry // by inode
	// gone are contents that left their inode lately (truncated by
	// copytruncate, or deleted), oldest first: their copies go on from
	// where they were left. At most maxGone, and dropped by Prune.
	gone []goneContent
	// waiting are the files not seen before that are copies of a file in
	// place (or may be), by inode.
	waiting map[uint64]copyWait
}

type regEntry struct {
	fp     uint64 // fingerprint, 0 until the file has a first line
	offset int64  // read up to here by the last holder
	holder string // path of the Tailer reading it or reserved for; "" = free
	// head is the content's first bytes (at most HeadBytes) as its
	// readers saw them; nil until known.
	head []byte
	// seen is when the file was last held or found by a scan (Seen):
	// Prune forgets a free file not seen since.
	seen time.Time
	// as is the inode and fingerprint its reading is checkpointed under
	// when that is not its own: a copy finished for the checkpoint of the
	// file it copies (see NoteCheckpoint).
	as [2]uint64
}

// goneContent is a content that is no longer anywhere but in its copies.
type goneContent struct {
	inode, fp uint64 // where it was, and its fingerprint
	head      []byte
	sum       HeadSum   // instead of head, for a checkpoint's file (see NoteCheckpoint)
	offset    int64     // where its last reader stopped
	at        time.Time // when that reader saw it go
}

// keepGone is how long a gone content is kept at least: its copy may get a
// name the inputs match a while after (copied, then renamed into place).
const keepGone = time.Minute

// maxGone bounds the gone contents kept between Prunes: a copy is found
// by the next glob scan, long before dozens more files are truncated.
const maxGone = 64

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{CopyWait: DefaultCopyWait, files: map[uint64]*regEntry{}, waiting: map[uint64]copyWait{}}
}

// Reserve records that path's checkpoint names the file (inode,
// fingerprint) at offset, before any Tailer starts: only path's Tailer may
// take it until that Tailer has opened (see Unreserve). After a restart, the
// file a checkpoint names is then finished by the path that journaled its
// batches, so re-sent batches are cut as before (see package collector).
// The file's head is read now, so that a copytruncate copy found before
// path's Tailer opens is known for one (a restart between copy and
// truncation).
func (r *Registry) Reserve(path string, inode, fingerprint uint64, offset int64) {
	if inode == 0 {
		return
	}
	head := headOf(path, inode, fingerprint)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files[inode] = &regEntry{fp: fingerprint, offset: offset, holder: path, head: head, seen: time.Now()}
}

// NoteCheckpoint tells the Registry the sum of the head of the file
// (inode, fingerprint) a checkpoint of path names at offset. When that file
// is no longer in place (copytruncate while the collector was down: the
// copy has another inode, the inode holds new content), its copy beside
// path is reserved for path, whose Tailer finishes it from offset (see
// Config.CheckpointHead); a copy found later is read from offset by the
// Tailer of its name. Call it before any Tailer starts, after Reserve.
func (r *Registry) NoteCheckpoint(path string, inode, fingerprint uint64, offset int64, head HeadSum) {
	if inode == 0 || head.Len == 0 || headOf(path, inode, fingerprint) != nil {
		return // in place (or rotated beside path): its reader finishes it
	}
	if f, size := findCopy(path, head); f != nil {
		defer f.Close()
		fp, _ := Fingerprint(f)
		b, _ := readHead(f, nil)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.files[inodeOf(f)] != nil {
			return // the copy has a checkpoint of its own: its reader goes on from there
		}
		r.files[inodeOf(f)] = &regEntry{fp: fp, offset: min(offset, size), holder: path, head: b, seen: time.Now(),
			as: [2]uint64{inode, fingerprint}}
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.gone) == maxGone {
		r.gone = append(r.gone[:0], r.gone[1:]...)
	}
	r.gone = append(r.gone, goneContent{inode: inode, fp: fingerprint, sum: head, offset: offset, at: time.Now()})
}

// headOf reads the head of the file (inode, fingerprint) at path or under
// a rotated name beside it; nil when it is not there.
func headOf(path string, inode, fingerprint uint64) []byte {
	f, err := os.Open(path) // #nosec G304 -- path from the operator's config (a glob match)
	if err == nil && inodeOf(f) != inode {
		f.Close() // #nosec G104 -- read-only file; a close error loses nothing
		err = os.ErrNotExist
	}
	if err != nil {
		if f, _ = findRotated(path, inode, fingerprint); f == nil {
			return nil
		}
	}
	defer f.Close()
	if fp, _ := Fingerprint(f); fingerprint != 0 && fp != fingerprint {
		return nil
	}
	head, _ := readHead(f, nil)
	return head
}

// sameContent reports whether a file with fingerprint fp can be the one an
// entry recorded: a file never loses its first line, so a recorded
// fingerprint that differs, or is gone, means a new file on a reused inode.
func sameContent(recorded, fp uint64) bool { return recorded == 0 || recorded == fp }

// candidate is what acquire knows of the file a Tailer asks for.
type candidate struct {
	fp    uint64
	head  []byte // its first bytes, at most HeadBytes
	size  int64
	mtime time.Time
	pos   int64 // where the Tailer stands in it (its own checkpoint)
}

// taken is what acquire gives a Tailer: where the file's previous reader
// stopped, and the content it was reading (the file itself, or the
// original of a copy). known is false for a file never seen.
type taken struct {
	offset    int64
	known     bool
	fromInode uint64
	fromFP    uint64
}

// acquire makes path the holder of the file. It returns where the file's
// previous holder stopped reading, or ok false while another path holds or
// has reserved it, or while it is (or may yet be) a copy of a content still
// in place.
func (r *Registry) acquire(path string, inode uint64, c candidate) (tk taken, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	e := r.files[inode]
	if e != nil && sameContent(e.fp, c.fp) {
		if e.holder != "" && e.holder != path {
			return taken{}, false
		}
		e.holder, e.seen = path, now
		if c.fp != 0 {
			e.fp = c.fp
		}
		e.noteHead(c.head)
		tk := taken{offset: e.offset, known: true, fromInode: inode, fromFP: e.fp}
		if e.as[0] != 0 {
			tk.fromInode, tk.fromFP = e.as[0], e.as[1]
		}
		return tk, true
	}
	// A file not seen before, or a new one on a reused inode.
	g, from, copied, wait := r.copyOf(inode, c)
	if wait {
		return taken{}, false
	}
	e = &regEntry{fp: c.fp, holder: path, head: append([]byte(nil), c.head...), seen: now}
	r.files[inode] = e
	if !copied {
		return taken{}, true
	}
	// A copy of a content that went: on from where its reader stopped,
	// or from the Tailer's own checkpoint if that is further.
	e.offset = max(c.pos, from)
	return taken{offset: e.offset, known: true, fromInode: g.inode, fromFP: g.fp}, true
}

// noteHead keeps the longer of the recorded head and head, when one
// begins the other (a head only grows while its file does).
func (e *regEntry) noteHead(head []byte) {
	if len(head) > len(e.head) && string(head[:len(e.head)]) == string(e.head) {
		e.head = append([]byte(nil), head...)
	}
}

// setHead records more of the head of the file path holds.
func (r *Registry) setHead(path string, inode uint64, head []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.files[inode]; e != nil && e.holder == path {
		e.noteHead(head)
	}
}

// release records that path stopped reading the file at offset. A deleted
// file is forgotten (its inode may come back as another file), and kept
// as gone for a copy of it that may still be found.
func (r *Registry) release(path string, inode, fp uint64, offset int64, deleted bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.files[inode]
	if e == nil || e.holder != path {
		return
	}
	if deleted {
		r.addGone(inode, e.fp, e.head, offset)
		delete(r.files, inode)
		return
	}
	e.holder, e.offset, e.seen = "", offset, time.Now()
	if fp != 0 {
		e.fp = fp
	}
}

// truncated records that the file path holds was emptied after path read
// it up to offset (copytruncate): the content read so far, whose head is
// head, is gone but for its copy; path goes on holding the new content.
func (r *Registry) truncated(path string, inode uint64, head []byte, offset int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.files[inode]
	if e == nil || e.holder != path {
		return
	}
	e.noteHead(head)
	r.addGone(inode, e.fp, e.head, offset)
	e.fp, e.head, e.offset, e.seen = 0, nil, 0, time.Now()
}

func (r *Registry) addGone(inode, fp uint64, head []byte, offset int64) {
	if len(head) == 0 {
		return // nothing identifies a copy of it
	}
	if len(r.gone) == maxGone {
		r.gone = append(r.gone[:0], r.gone[1:]...)
	}
	r.gone = append(r.gone, goneContent{inode: inode, fp: fp, head: head, offset: offset, at: time.Now()})
}

// Unreserve frees what Reserve kept for path but path's Tailer did not
// take (keep is the inode it holds): a checkpoint's file it could not find.
func (r *Registry) Unreserve(path string, keep uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for inode, e := range r.files {
		if e.holder == path && inode != keep {
			e.holder = ""
			e.seen = time.Now()
		}
	}
}

// Seen records that a scan of the inputs' paths found files with these
// inodes (see Prune).
func (r *Registry) Seen(inodes []uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	for _, inode := range inodes {
		if e := r.files[inode]; e != nil {
			e.seen = now
		}
	}
}

// Prune forgets the files no Tailer holds (or has reserved) that were not
// held or found by a scan (Seen) since before, and the contents gone before
// before and at least a minute ago. A file renamed by rotation and later deleted while no Tailer held
// it (an input without a glob never reads access.log.1 again) is not
// reported deleted by any Tailer: without Prune its entry stayed for ever,
// one per rotation. before must leave time for a few scans: a free file
// waiting for the Tailer of its new name (rename rotation) is found by the
// next scan, and so is the copy of a truncated content.
func (r *Registry) Prune(before time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for inode, e := range r.files {
		if e.holder == "" && e.seen.Before(before) {
			delete(r.files, inode)
		}
	}
	goneBefore := min(before.UnixNano(), time.Now().Add(-keepGone).UnixNano())
	for inode, w := range r.waiting {
		if w.asked.UnixNano() < goneBefore {
			delete(r.waiting, inode) // no Tailer waits for it any more (the file went)
		}
	}
	keep := r.gone[:0]
	for _, g := range r.gone {
		if g.at.UnixNano() >= goneBefore {
			keep = append(keep, g)
		}
	}
	clear(r.gone[len(keep):])
	r.gone = keep
}

// Len is the number of files the Registry keeps a position for, and of
// contents gone lately.
func (r *Registry) Len() (files, gone int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.files), len(r.gone)
}
