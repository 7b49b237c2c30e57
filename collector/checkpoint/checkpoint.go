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
}

// Lookup returns the checkpoint for path.
func (s *State) Lookup(path string) (File, bool) {
	for _, f := range s.Files {
		if f.Path == path {
			return f, true
		}
	}
	return File{}, false
}

// Set replaces or adds the checkpoint of f.Path.
func (s *State) Set(f File) {
	for i := range s.Files {
		if s.Files[i].Path == f.Path {
			s.Files[i] = f
			return
		}
	}
	s.Files = append(s.Files, f)
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

// Load reads a checkpoint file; a missing file is an empty state.
func Load(path string) (*State, error) {
	b, err := os.ReadFile(path)
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
		tmp.Close()
		return fmt.Errorf("cannot write checkpoint: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
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
		d.Close()
	}
	return nil
}
