// Package checkpoint stores how far a collector has shipped each file. A
// checkpoint names a position only after Kafka acknowledged every line
// before it, so a restarted collector resumes without losing a line.
//
// Writes are atomic: the new state goes to a temporary file that is synced
// and renamed over the old one, so a crash leaves either the old or the new
// checkpoint, never a torn one.
package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// File is the shipped position in one log file.
type File struct {
	Path   string `json:"path"`
	Inode  uint64 `json:"inode"`
	Offset int64  `json:"offset"` // bytes shipped and acknowledged
	// Fingerprint is a hash of the file's first bytes: it tells a rotated
	// file that reuses an inode from the file the checkpoint was taken on.
	Fingerprint uint64 `json:"fingerprint,omitempty"`
	// Pending are the end offsets of batches handed to Kafka but not yet
	// acknowledged, journaled before they were produced. After a crash the
	// collector cuts its first batches at exactly these offsets, so a batch
	// Kafka did receive is re-sent identically and ingest can recognise it.
	Pending []int64 `json:"pending,omitempty"`
}

// State is every file's checkpoint.
type State struct {
	Files []File `json:"files"`
	// Heads identify the first bytes of the files checkpointed (and of a
	// few just started): after a restart, the copy of a file truncated
	// while the collector was down (copytruncate) is told by its head.
	Heads []Head `json:"heads,omitempty"`

	// In memory only (see HandOver): the files a path's checkpoint moved
	// on from, with their last position, and the positions waiting for
	// their acknowledgement.
	left   []File
	handed []handOver
}

// memory bounds left and handed: a rotation adds one of each per path,
// and they are settled within a batch or two.
const memory = 16

// Lookup returns the checkpoint for path.
func (s *State) Lookup(path string) (File, bool) {
	for _, f := range s.Files {
		if f.Path == path {
			return f, true
		}
	}
	return File{}, false
}

// Set replaces or adds the checkpoint of f.Path, and sets the positions
// handed over that this acknowledgement settles (see HandOver).
func (s *State) Set(f File) {
	s.put(f)
	s.settle()
}

func (s *State) put(f File) {
	s.left = slices.DeleteFunc(s.left, func(l File) bool { return sameFile(l, f) })
	for i := range s.Files {
		if s.Files[i].Path == f.Path {
			if old := s.Files[i]; !sameFile(old, f) {
				s.left = appendBounded(s.left, old)
			}
			s.Files[i] = f
			return
		}
	}
	s.Files = append(s.Files, f)
}

// sameFile reports whether a and b name one file's content.
func sameFile(a, b File) bool {
	return a.Inode == b.Inode && (a.Fingerprint == 0 || b.Fingerprint == 0 || a.Fingerprint == b.Fingerprint)
}

func appendBounded[T any](s []T, v T) []T {
	if len(s) == memory {
		s = append(s[:0], s[1:]...)
	}
	return append(s, v)
}

// Remove drops the checkpoint of path, if any.
func (s *State) Remove(path string) {
	for i := range s.Files {
		if s.Files[i].Path == path {
			s.Files = append(s.Files[:i], s.Files[i+1:]...)
			return
		}
	}
}

// Head is the sum of the first bytes (at most 4 KiB) of a file's content.
type Head struct {
	Inode       uint64 `json:"inode"`
	Fingerprint uint64 `json:"fingerprint"`
	Len         int    `json:"len"`
	Hash        uint64 `json:"hash"`
}

// SetHead records h for its file (a head only grows). Heads of files no
// checkpoint names are kept for the latest few only: a file's head is read
// before its first batch is journaled.
func (s *State) SetHead(h Head) {
	s.Heads = slices.DeleteFunc(s.Heads, func(o Head) bool { return o.Inode == h.Inode && o.Fingerprint == h.Fingerprint })
	s.Heads = append(s.Heads, h)
	unnamed := 0
	for i := len(s.Heads) - 1; i >= 0; i-- {
		o := File{Inode: s.Heads[i].Inode, Fingerprint: s.Heads[i].Fingerprint}
		if _, named := s.position(o); named {
			continue
		}
		if unnamed++; unnamed > memory {
			s.Heads = slices.Delete(s.Heads, i, i+1)
		}
	}
}

// HeadOf returns the head recorded for f's file.
func (s *State) HeadOf(f File) (Head, bool) {
	for _, h := range s.Heads {
		if h.Inode == f.Inode && h.Fingerprint == f.Fingerprint {
			return h, true
		}
	}
	return Head{}, false
}

// handOver is a position HandOver could not set yet.
type handOver struct {
	path string
	to   File
	from File // Inode and Fingerprint only
}

// HandOver records that path's reader took the file to (Inode,
// Fingerprint) at to.Offset, where the reader of content from (Inode,
// Fingerprint: the same file under another path, or the original of a
// copytruncate copy) stopped. path's checkpoint is set there once every line
// of from before to.Offset is acknowledged, now or by a later Set: a reader
// with nothing left to read in a rotated file checkpoints nothing itself,
// and a restart would read the file again from its start. Never sooner: a
// crash before those lines are acknowledged must find them unread.
//
// A checkpoint with batches in flight is not replaced (their re-cut
// offsets would be lost); the position waits for them. It reports whether
// s changed.
func (s *State) HandOver(path string, to File, from File) bool {
	to.Path, to.Pending = path, nil
	s.handed = appendBounded(s.handed, handOver{path: path, to: to, from: from})
	return s.settle()
}

// settle sets the handed-over positions whose lines are acknowledged.
func (s *State) settle() (changed bool) {
	s.handed = slices.DeleteFunc(s.handed, func(h handOver) bool {
		acked, ok := s.position(h.from)
		if !ok || acked < h.to.Offset {
			return false
		}
		cur, ok := s.Lookup(h.path)
		switch {
		case ok && sameFile(cur, h.to) && cur.Offset >= h.to.Offset:
			return true // its reader got there itself
		case ok && len(cur.Pending) > 0:
			return false
		}
		s.put(h.to)
		changed = true
		return true
	})
	return changed
}

// HandOverStart returns where path's reader took over f's content (see
// HandOver), once the other reader's lines before that point are all
// journaled; ok is false before that, or when f was not handed over to path.
//
// It is the offset path journals f's first batches at (package collector):
// from there on they are path's to re-send after a crash, and the lines
// before it are the other reader's, which it journaled first (so they are
// acknowledged, spooled, or the one batch in flight, and a restart delivers
// them). Before that point is journaled the position is not safe to write:
// a crash could leave the other reader's last lines unsent and unclaimed.
func (s *State) HandOverStart(path string, f File) (at int64, ok bool) {
	for i := len(s.handed) - 1; i >= 0; i-- {
		h := s.handed[i]
		if h.path == path && sameFile(h.to, f) {
			return h.to.Offset, s.Journaled(h.from) >= h.to.Offset
		}
	}
	return 0, false
}

// Journaled is how far content f was handed to Kafka under any path: the
// furthest journaled batch end or acknowledged offset (0 when unknown).
func (s *State) Journaled(f File) int64 {
	end := int64(0)
	for _, list := range [][]File{s.Files, s.left} {
		for _, c := range list {
			if sameFile(c, f) {
				end = max(end, c.Reach())
			}
		}
	}
	return end
}

// Reach is the furthest offset f's path journaled or acknowledged: where
// the batches it may have sent end.
func (f File) Reach() int64 {
	end := f.Offset
	for _, p := range f.Pending {
		end = max(end, p)
	}
	return end
}

// SameContent reports whether f and o name one file's content: the same
// inode and, when both are known, the same fingerprint (copytruncate keeps
// the inode and changes the content).
func (f File) SameContent(o File) bool { return sameFile(f, o) }

// position is the acknowledged offset of content f under any path.
func (s *State) position(f File) (int64, bool) {
	for _, list := range [][]File{s.Files, s.left} {
		for _, c := range list {
			if sameFile(c, f) {
				return c.Offset, true
			}
		}
	}
	return 0, false
}

// Load reads a checkpoint file; a missing file is an empty state.
func Load(path string) (*State, error) {
	b, err := os.ReadFile(path) // #nosec G304 -- path from the operator's config
	if errors.Is(err, fs.ErrNotExist) {
		return &State{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read checkpoint: %w", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("cannot parse checkpoint %s: %w", path, err)
	}
	return &s, nil
}

// Save writes s to path atomically.
func Save(path string, s *State) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".checkpoint-*")
	if err != nil {
		return fmt.Errorf("cannot write checkpoint: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close() // #nosec G104 -- already failing; the write error is returned
		return fmt.Errorf("cannot write checkpoint: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close() // #nosec G104 -- already failing; the sync error is returned
		return fmt.Errorf("cannot sync checkpoint: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cannot replace checkpoint: %w", err)
	}
	// Sync the directory so the rename itself survives a power loss.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close() // #nosec G104 -- directory opened read-only for fsync; its sync error is returned
	}
	return nil
}
