package checkpoint

import "testing"

// at is f's checkpoint under path at off, with batch ends pending.
func at(f File, path string, off int64, pending ...int64) File {
	f.Path, f.Offset, f.Pending = path, off, pending
	return f
}

// A position handed over to a rotated file's new path is set only once the
// lines before it are acknowledged, under whichever path read them, and
// never over a checkpoint with batches in flight.
func TestHandOver(t *testing.T) {
	const live, rotated = "access.log", "access.log.1"
	old := File{Inode: 7, Fingerprint: 0xa1}
	check := func(s *State, want File, ok bool) {
		t.Helper()
		got, found := s.Lookup(rotated)
		if found != ok || (ok && (got.Inode != want.Inode || got.Fingerprint != want.Fingerprint || got.Offset != want.Offset)) {
			t.Fatalf("%s: got %+v (found %v), want %+v (found %v)", rotated, got, found, want, ok)
		}
	}

	// Rename rotation, the lines before the hand-over acknowledged before.
	var s State
	s.Set(at(old, live, 500))
	if !s.HandOver(rotated, at(old, "", 500), old) {
		t.Fatal("an acknowledged position was not set")
	}
	check(&s, at(old, rotated, 500), true)

	// Not yet acknowledged: set by the acknowledgement, even when the live
	// path's checkpoint moved on to its new file in between.
	s = State{}
	s.Set(at(old, live, 300, 500))
	if s.HandOver(rotated, at(old, "", 500), old) {
		t.Fatal("a position set before its lines were acknowledged")
	}
	check(&s, File{}, false)
	newFile := File{Inode: 8, Fingerprint: 0xb2}
	s.Set(at(newFile, live, 0, 100)) // the new file's first batch, journaled
	check(&s, File{}, false)
	s.Set(at(old, live, 500)) // the old file's last batch, acknowledged
	check(&s, at(old, rotated, 500), true)

	// A copytruncate copy (another inode) taken over where the reader of
	// the original (whose inode now holds new content) stopped.
	s = State{}
	s.Set(at(old, live, 300, 500))
	copied := File{Inode: 9, Fingerprint: 0xa1}
	s.HandOver(rotated, at(copied, "", 500), old)
	s.Set(at(File{Inode: 7, Fingerprint: 0xc3}, live, 0, 100)) // new content, same inode
	check(&s, File{}, false)
	s.Set(at(old, live, 500))
	check(&s, at(copied, rotated, 500), true)

	// The rotated path has a batch of its previous file in flight: wait.
	s = State{}
	s.Set(at(old, live, 500))
	previous := File{Inode: 6, Fingerprint: 0xd4}
	s.Set(at(previous, rotated, 100, 200))
	s.HandOver(rotated, at(old, "", 500), old)
	check(&s, at(previous, rotated, 100), true)
	s.Set(at(previous, rotated, 200))
	check(&s, at(old, rotated, 500), true)
}

// Heads of files a checkpoint names are kept; of the others, the latest
// few only (a file's head is read before its first batch is journaled).
func TestHeadsBounded(t *testing.T) {
	var s State
	s.Set(File{Path: "access.log", Inode: 1, Fingerprint: 1, Offset: 10})
	s.SetHead(Head{Inode: 1, Fingerprint: 1, Len: 100, Hash: 7})
	for i := uint64(2); i < 100; i++ {
		s.SetHead(Head{Inode: i, Fingerprint: i, Len: 100, Hash: i})
	}
	if len(s.Heads) != memory+1 {
		t.Fatalf("%d heads kept, want %d", len(s.Heads), memory+1)
	}
	if h, ok := s.HeadOf(File{Inode: 1, Fingerprint: 1}); !ok || h.Hash != 7 {
		t.Fatalf("the checkpointed file's head: %+v, %v", h, ok)
	}
	if _, ok := s.HeadOf(File{Inode: 99, Fingerprint: 99}); !ok {
		t.Fatal("the latest head was dropped")
	}
}

// The hand-over position is where a rotated file's new path journals its
// first batches from, once the other reader's lines before it are
// journaled (not yet acknowledged: a restart delivers the spool first).
func TestHandOverStart(t *testing.T) {
	const live, rotated = "access.log", "access.log.1"
	old := File{Inode: 7, Fingerprint: 0xa1}
	var s State
	s.Set(at(old, live, 300))
	s.HandOver(rotated, at(old, "", 500), old)
	if _, ok := s.HandOverStart(rotated, old); ok {
		t.Fatal("a start before the lines before it were journaled")
	}
	if _, ok := s.HandOverStart(live, old); ok {
		t.Fatal("a start for a path the file was not handed to")
	}
	s.Set(at(old, live, 300, 500)) // the old name's last batch, journaled
	if got, ok := s.HandOverStart(rotated, old); !ok || got != 500 {
		t.Fatalf("start %d (%v), want 500", got, ok)
	}
	// The live path moves on to its new file: the old file's journal is
	// still known.
	s.Set(at(File{Inode: 8, Fingerprint: 0xb2}, live, 0, 100))
	if got, ok := s.HandOverStart(rotated, old); !ok || got != 500 || s.Journaled(old) != 500 {
		t.Fatalf("start %d (%v), journaled %d, want 500", got, ok, s.Journaled(old))
	}
	if other := (File{Inode: 7, Fingerprint: 0xc3}); s.Journaled(other) != 0 || old.SameContent(other) {
		t.Fatal("new content on the old inode taken for the old content")
	}
}
