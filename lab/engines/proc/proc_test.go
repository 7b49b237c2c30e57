package proc

import (
	"os/exec"
	"syscall"
	"testing"
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
