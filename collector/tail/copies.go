package tail

import (
	"bytes"
	"errors"
	"hash/fnv"
	"io"
	"os"
	"time"
)

// HeadBytes is how much of a file's start tells a copy of it (copytruncate
// rotation) from another file. A first-line fingerprint is not enough: every
// W3C and CloudFront file starts with the same #Version and #Fields lines.
// 4 KiB holds those and several request lines, whose times, addresses and
// paths differ between any two real logs.
const HeadBytes = 4096

// DefaultCopyWait is Registry.CopyWait's default.
const DefaultCopyWait = 5 * time.Second

// copyOf tells what the file c, not seen before, is a copy of. For a copy
// of a gone content g it returns copied true and where to start reading
// (where g's reader stopped). It returns wait true while c is a copy of a
// content still in place (its lines are read there; the copy waits until
// that content is truncated or deleted) or may yet turn out to be one, and
// neither for a new file (read it all).
//
// c is a copy of a content when their heads agree up to a line end and the
// lines they agree on include a request line (one not starting with '#'):
// a W3C file's directives are the same in every file of its layout, but a
// request line carries a time, an address and a path. Past the bytes they
// agree on a copy may differ from its original (each got different lines
// after the copy was taken), so the copy is read from where its original's
// reader stopped or from where they part, whichever comes first.
//
// A copy of a content in place waits for CopyWait after it was last
// written, for the truncation that follows a copytruncate copy at once (or
// for as long as that content's file is seen emptied but its reader has not
// noticed yet). A copy whose original is still in place after that is no
// copytruncate copy (cp access.log other.log, a replayed log): it is read as
// a file of its own, from its start, so its lines are shipped twice; a file
// that only starts like another is never skipped.
func (r *Registry) copyOf(inode uint64, c candidate) (g goneContent, offset int64, copied, wait bool) {
	if len(c.head) == 0 {
		// Nothing to read yet. A copy being written (cp creates the file,
		// then writes it) is told once it has bytes.
		return g, 0, false, true
	}
	for in, e := range r.files {
		if in == inode || len(e.head) == 0 {
			continue
		}
		same, _, parted := sameHead(c.head, e.head)
		if !same && (parted || len(c.head) >= len(e.head)) {
			continue
		}
		// A copy of a file in place, or the start of it so far (being
		// copied, or another file that will part from it).
		now := time.Now()
		w := r.waiting[inode]
		if w.since.IsZero() {
			w.since = now
		}
		w.since, w.asked = later(w.since, c.mtime), now
		r.waiting[inode] = w
		if now.Sub(w.since) < r.CopyWait || (e.holder != "" && emptied(e.holder, in, e.head)) {
			return g, 0, false, true
		}
	}
	delete(r.waiting, inode)
	for i := len(r.gone) - 1; i >= 0; i-- { // the newest first
		g := r.gone[i]
		if g.head == nil {
			// Known by its sum only (a checkpoint's file, truncated while
			// the collector was down): all of it must be in the copy.
			if g.sum.Len > 0 && g.sum.Len <= len(c.head) && SumHead(c.head[:g.sum.Len]) == g.sum &&
				hasRequestLine(c.head[:g.sum.Len]) {
				return g, min(g.offset, c.size), true, false
			}
			continue
		}
		same, agree, parted := sameHead(c.head, g.head)
		if !same {
			continue
		}
		if parted {
			return g, min(g.offset, int64(agree)), true, false
		}
		return g, min(g.offset, c.size), true, false
	}
	return goneContent{}, 0, false, false
}

// copyWait is a copy of a file in place waiting for that file to go.
type copyWait struct {
	since time.Time // found, or last written if later
	asked time.Time // last asked for by its Tailer
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// emptied reports whether the file inode at path no longer starts with
// head: it was truncated, and its reader has not seen it yet.
func emptied(path string, inode uint64, head []byte) bool {
	f, err := os.Open(path) // #nosec G304 -- path of a rotated log beside the operator's configured path
	if err != nil {
		return false
	}
	defer f.Close()
	if inodeOf(f) != inode {
		return false
	}
	b, err := readHead(f, nil)
	return err == nil && (len(b) < len(head) || !bytes.Equal(b[:len(head)], head))
}

// sameHead reports whether heads a and b are of one content: agree is how
// many bytes of whole lines they have in common from the start, same is
// whether those hold a request line, and parted whether they differ before
// the shorter one ends.
func sameHead(a, b []byte) (same bool, agree int, parted bool) {
	n := min(len(a), len(b))
	for agree < n && a[agree] == b[agree] {
		agree++
	}
	parted = agree < n
	agree = bytes.LastIndexByte(a[:agree], '\n') + 1
	return hasRequestLine(a[:agree]), agree, parted
}

// findCopy looks beside path (names starting with path's) for a file
// whose head has the sum head and holds a request line, and opens it.
func findCopy(path string, head HeadSum) (*os.File, int64) {
	if head.Len == 0 {
		return nil, 0
	}
	var buf []byte
	return findBeside(path, func(f *os.File) bool {
		var err error
		buf, err = readHead(f, buf)
		return err == nil && head.Len <= len(buf) && SumHead(buf[:head.Len]) == head && hasRequestLine(buf[:head.Len])
	})
}

// HeadSum identifies a file's head without keeping its bytes.
type HeadSum struct {
	Len  int    // bytes hashed
	Hash uint64 // FNV-1a of them
}

// SumHead sums head.
func SumHead(head []byte) HeadSum {
	h := fnv.New64a()
	h.Write(head) // #nosec G104 -- hash.Hash writes never fail
	return HeadSum{Len: len(head), Hash: h.Sum64()}
}

// hasRequestLine reports whether b holds a complete line that does not
// start with '#' (a W3C directive).
func hasRequestLine(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return false
		}
		if i > 0 && b[0] != '#' {
			return true
		}
		b = b[i+1:]
	}
}

// readHead reads the first HeadBytes (or fewer) bytes of f into buf.
func readHead(f *os.File, buf []byte) ([]byte, error) {
	if cap(buf) < HeadBytes {
		buf = make([]byte, HeadBytes)
	}
	buf = buf[:HeadBytes]
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}
