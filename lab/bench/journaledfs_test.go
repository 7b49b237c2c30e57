package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestJournaledFS runs journaled-fs.sh on a small image where it can
// (root, a loop device, mkfs.ext4) and asks the kernel whether what it
// mounted has a journal: ext4's journal_task names the journal thread,
// and reads "<none>" without one. A second call must find the mount and
// print the same directory.
func TestJournaledFS(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("journaled-fs.sh mounts an image: root only")
	}
	if _, err := os.Stat("/dev/loop-control"); err != nil {
		t.Skip("no loop devices here")
	}
	if _, err := exec.LookPath("mkfs.ext4"); err != nil {
		t.Skip("no mkfs.ext4 here")
	}
	if err := exec.Command("losetup", "-f").Run(); err != nil {
		t.Skipf("no free loop device here: %v", err)
	}
	tmp := t.TempDir()
	image, dir := filepath.Join(tmp, "j.img"), filepath.Join(tmp, "j")
	run := func() string {
		t.Helper()
		cmd := exec.Command("./journaled-fs.sh")
		cmd.Env = append(os.Environ(), "EDGELOG_JOURNALED_IMAGE="+image, "EDGELOG_JOURNALED_DIR="+dir, "EDGELOG_JOURNALED_SIZE=64M")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("journaled-fs.sh: %v\n%s", err, stderr.String())
		}
		return strings.TrimSpace(string(out))
	}
	got := run()
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", dir, err, out)
		}
	})
	if got != dir {
		t.Fatalf("journaled-fs.sh printed %q, want %q", got, dir)
	}
	task, ok := ext4JournalTask(filepath.Join(dir, "tmp"))
	if !ok || task == "<none>" || task == "" {
		t.Fatalf("%s: ext4 journal_task %q (ext4: %v), want a journal thread", dir, task, ok)
	}
	if WithoutJournal(dir) {
		t.Fatalf("WithoutJournal(%s) on a journaled ext4", dir)
	}
	if again := run(); again != dir {
		t.Fatalf("journaled-fs.sh the second time printed %q, want %q", again, dir)
	}
	if out, err := exec.Command("findmnt", "-n", "-o", "SOURCE", dir).Output(); err != nil || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
		t.Fatalf("the second call mounted again: findmnt %s: %q, %v", dir, out, err)
	}
}
