package tail

import "sync"

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
// A Registry is safe for concurrent use. The zero value is not usable; see
// NewRegistry.
type Registry struct {
	mu    sync.Mutex
	files map[uint64]*regEntry // by inode
}

type regEntry struct {
	fp     uint64 // fingerprint, 0 until the file has a first line
	offset int64  // read up to here by the last holder
	holder string // path of the Tailer reading it or reserved for; "" = free
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry { return &Registry{files: map[uint64]*regEntry{}} }

// Reserve records that path's checkpoint names the file (inode,
// fingerprint) at offset, before any Tailer starts: only path's Tailer may
// take it until that Tailer has opened (see Unreserve). After a restart, the
// file a checkpoint names is then finished by the path that journaled its
// batches, so re-sent batches are cut as before (see package collector).
func (r *Registry) Reserve(path string, inode, fingerprint uint64, offset int64) {
	if inode == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files[inode] = &regEntry{fp: fingerprint, offset: offset, holder: path}
}

// sameContent reports whether a file with fingerprint fp can be the one an
// entry recorded: a file never loses its first line, so a recorded
// fingerprint that differs, or is gone, means a new file on a reused inode.
func sameContent(recorded, fp uint64) bool { return recorded == 0 || recorded == fp }

// acquire makes path the holder of the file. It returns where the file's
// previous holder stopped reading (known is false for a file never seen),
// or ok false while another path holds or has reserved it.
func (r *Registry) acquire(path string, inode, fp uint64) (offset int64, known, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.files[inode]
	if e == nil || !sameContent(e.fp, fp) {
		r.files[inode] = &regEntry{fp: fp, holder: path}
		return 0, false, true
	}
	if e.holder != "" && e.holder != path {
		return 0, false, false
	}
	e.holder = path
	if fp != 0 {
		e.fp = fp
	}
	return e.offset, true, true
}

// release records that path stopped reading the file at offset. A deleted
// file is forgotten: its inode may come back as another file.
func (r *Registry) release(path string, inode, fp uint64, offset int64, deleted bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.files[inode]
	if e == nil || e.holder != path {
		return
	}
	if deleted {
		delete(r.files, inode)
		return
	}
	e.holder, e.offset = "", offset
	if fp != 0 {
		e.fp = fp
	}
}

// Unreserve frees what Reserve kept for path but path's Tailer did not
// take (keep is the inode it holds): a checkpoint's file it could not find.
func (r *Registry) Unreserve(path string, keep uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for inode, e := range r.files {
		if e.holder == path && inode != keep {
			e.holder = ""
		}
	}
}
