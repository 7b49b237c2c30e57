package proc

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// TestProcess runs sleep through Start, a SIGTERM stop, a restart and a
// kill: Running, Err and Done follow each run, onExit runs once per run,
// and a process never started is not running and stops and kills as a
// no-op.
func TestProcess(t *testing.T) {
	var p Process
	if p.Running() || p.CPUSeconds() != 0 {
		t.Fatal("a process never started runs")
	}
	p.Stop()
	p.Kill()
	exits := 0
	for i, end := range []func(){p.Stop, p.Kill} {
		if err := p.Start(exec.Command("sleep", "30"), func() { exits++ }); err != nil {
			t.Fatal(err)
		}
		if !p.Running() || p.Pid() <= 0 || p.Err() != nil {
			t.Fatalf("run %d: running %v, pid %d, err %v", i, p.Running(), p.Pid(), p.Err())
		}
		end()
		<-p.Done()
		if p.Running() || p.Err() == nil || exits != i+1 {
			t.Fatalf("run %d ended: running %v, err %v, %d exits", i, p.Running(), p.Err(), exits)
		}
	}
	if err := p.Start(exec.Command("true"), nil); err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	if p.Err() != nil || p.CPUSeconds() < 0 {
		t.Fatalf("true exited with %v", p.Err())
	}
	if err := p.Start(exec.Command("sleep", "30"), nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	if p.Running() || p.Err() == nil {
		t.Fatalf("after SIGKILL: running %v, err %v", p.Running(), p.Err())
	}
}

// TestPeakRSS has dd fill a 64 MiB buffer: its peak resident set is
// reported in bytes once it has exited (0 while it runs), and a process
// that touches little reports far less.
func TestPeakRSS(t *testing.T) {
	var p Process
	if err := p.Start(exec.Command("sleep", "30"), nil); err != nil {
		t.Fatal(err)
	}
	if p.PeakRSSBytes() != 0 {
		t.Fatal("a running process has a peak")
	}
	p.Kill()
	const buf = 64 << 20
	if err := p.Start(exec.Command("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1", "status=none"), nil); err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	if p.Err() != nil {
		t.Fatal(p.Err())
	}
	if peak := p.PeakRSSBytes(); peak < buf || peak > 4*buf {
		t.Fatalf("dd with a 64 MiB buffer: peak %d bytes", peak)
	}
	if err := p.Start(exec.Command("true"), nil); err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	if peak := p.PeakRSSBytes(); peak <= 0 || peak >= buf/4 {
		t.Fatalf("true: peak %d bytes", peak)
	}
}

func TestCPUSecondsOfARunningProcess(t *testing.T) {
	var p Process
	// A shell that counts for a while, then sleeps: its CPU time is read
	// while it still runs.
	if err := p.Start(exec.Command("sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; exec sleep 30"), nil); err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	deadline := time.Now().Add(20 * time.Second)
	for CPUSecondsOf(p.Pid()) < 0.1 {
		if time.Now().After(deadline) {
			t.Fatalf("a counting shell used %.2f CPU-seconds in 20 s", CPUSecondsOf(p.Pid()))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if p.CPUSeconds() != 0 {
		t.Fatal("CPUSeconds reads a running process")
	}
	if got := ThreadCPUSeconds(p.Pid(), "sh", "sleep"); got < 0.1 {
		t.Fatalf("its one thread (sh, then sleep): %.2f CPU-seconds", got)
	}
	if got := ThreadCPUSeconds(p.Pid(), "no-such-thread"); got != 0 {
		t.Fatalf("threads of no such name: %.2f CPU-seconds", got)
	}
	if CPUSecondsOf(-1) != 0 {
		t.Fatal("no process has CPU time")
	}
}

// TestSystemCPUSecondsOf holds the kernel's share to its field: a process
// that only makes system calls (dd copying /dev/zero to /dev/null in
// one-byte blocks) gains system time, and a shell that only counts gains
// next to none, so the field read is stime, not utime. The shell counts
// until it is killed: a shell that counted to a fixed number finished
// below the 0.2 CPU-seconds waited for on a faster machine.
func TestSystemCPUSecondsOf(t *testing.T) {
	var kernel, user Process
	if err := kernel.Start(exec.Command("dd", "if=/dev/zero", "of=/dev/null", "bs=1"), nil); err != nil {
		t.Fatal(err)
	}
	defer kernel.Kill()
	if err := user.Start(exec.Command("sh", "-c", "i=0; while :; do i=$((i+1)); done"), nil); err != nil {
		t.Fatal(err)
	}
	defer user.Kill()
	deadline := time.Now().Add(20 * time.Second)
	for SystemCPUSecondsOf(kernel.Pid()) < 0.1 || CPUSecondsOf(user.Pid()) < 0.2 {
		if time.Now().After(deadline) {
			t.Fatalf("in 20 s: dd %.2f system CPU-seconds, a counting shell %.2f in all", SystemCPUSecondsOf(kernel.Pid()), CPUSecondsOf(user.Pid()))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if sys, all := SystemCPUSecondsOf(kernel.Pid()), CPUSecondsOf(kernel.Pid()); sys > all {
		t.Fatalf("dd: %.2f system CPU-seconds of %.2f in all", sys, all)
	}
	if sys, all := SystemCPUSecondsOf(user.Pid()), CPUSecondsOf(user.Pid()); sys > all/2 {
		t.Fatalf("a counting shell: %.2f system CPU-seconds of %.2f in all", sys, all)
	}
	if SystemCPUSecondsOf(-1) != 0 {
		t.Fatal("no process has CPU time")
	}
}

// TestMachineBusySeconds holds the machine's busy time to what a process
// that only counts adds to it: at least that process's own CPU time (less
// a tick per core of rounding) over the same half second.
func TestMachineBusySeconds(t *testing.T) {
	var p Process
	if err := p.Start(exec.Command("sh", "-c", "i=0; while :; do i=$((i+1)); done"), nil); err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	time.Sleep(100 * time.Millisecond)
	machine0, shell0 := MachineBusySeconds(), CPUSecondsOf(p.Pid())
	time.Sleep(500 * time.Millisecond)
	machine, shell := MachineBusySeconds()-machine0, CPUSecondsOf(p.Pid())-shell0
	if shell < 0.2 {
		t.Fatalf("a counting shell used %.2f CPU-seconds in half a second", shell)
	}
	if machine < shell-0.02*float64(runtime.NumCPU()) {
		t.Fatalf("the machine was busy %.2f CPU-seconds while a counting shell used %.2f", machine, shell)
	}
}

// dd copying zeros to /dev/null spends its time in the kernel: the system
// part is reported, within the total.
func TestSystemCPUSeconds(t *testing.T) {
	var p Process
	if err := p.Start(exec.Command("dd", "if=/dev/zero", "of=/dev/null", "bs=1M", "count=20000"), nil); err != nil {
		t.Fatal(err)
	}
	if p.SystemCPUSeconds() != 0 {
		t.Fatal("system CPU while running, want 0")
	}
	<-p.Done()
	if sys, all := p.SystemCPUSeconds(), p.CPUSeconds(); p.Err() != nil || sys <= 0 || sys > all {
		t.Fatalf("dd: system %.3fs of %.3fs, err %v", sys, all, p.Err())
	}
}

// dd reading a file with O_DIRECT bypasses the page cache: every byte it
// reads is read from storage and reported.
func TestDiskReadBytes(t *testing.T) {
	f := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(f, make([]byte, 8<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	var p Process
	if err := p.Start(exec.Command("dd", "if="+f, "iflag=direct", "of=/dev/null", "bs=1M"), nil); err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	if p.Err() != nil {
		t.Skipf("dd with O_DIRECT on %s: %v (a file system without direct I/O, such as tmpfs)", f, p.Err())
	}
	if got := p.DiskReadBytes(); got < 8<<20 {
		t.Fatalf("read %d bytes from storage, want at least %d", got, 8<<20)
	}
}
