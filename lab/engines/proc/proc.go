// Package proc watches a process the lab harness started: whether it
// runs, its exit, stopping and killing it. The edgelog processes of a
// stack (package stack) and the ClickHouse server (package chserver)
// are both one; the soak's sampler and the chaos run's fault injector
// read a process while a restart replaces it, so every field is behind a
// mutex.
package proc

import (
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// StopGrace is how long Stop waits after SIGTERM before it kills.
const StopGrace = 30 * time.Second

// Process is the latest run of a process (the zero value: none yet).
type Process struct {
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	err  error // the run's exit, set before done is closed
}

// Start starts cmd (set up by the caller) as the process's new run;
// onExit, when not nil, runs once it has exited (closing its log).
func (p *Process) Start(cmd *exec.Cmd, onExit func()) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.err = cmd, done, nil
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		if onExit != nil {
			onExit()
		}
		close(done)
	}()
	return nil
}

// current returns the latest run's command and done channel.
func (p *Process) current() (*exec.Cmd, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd, p.done
}

// Done is closed when the latest run exits (nil before the first).
func (p *Process) Done() <-chan struct{} {
	_, done := p.current()
	return done
}

// Err is the latest run's exit (nil while it runs or if it exited 0).
func (p *Process) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Running reports whether the latest run is alive.
func (p *Process) Running() bool {
	_, done := p.current()
	return running(done)
}

func running(done chan struct{}) bool {
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// Pid returns the latest run's process id.
func (p *Process) Pid() int {
	cmd, _ := p.current()
	return cmd.Process.Pid
}

// Signal sends sig to the latest run.
func (p *Process) Signal(sig syscall.Signal) error {
	cmd, _ := p.current()
	return cmd.Process.Signal(sig)
}

// Kill kills the latest run with SIGKILL (no flush, no goodbye) and waits
// for it.
func (p *Process) Kill() {
	cmd, done := p.current()
	if !running(done) {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Stop sends SIGTERM and waits up to StopGrace, then kills.
func (p *Process) Stop() {
	cmd, done := p.current()
	if !running(done) {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(StopGrace):
		p.Kill()
	}
}

// exited is the latest run's state once it has exited, nil before.
func (p *Process) exited() *os.ProcessState {
	cmd, done := p.current()
	if running(done) || cmd == nil {
		return nil
	}
	return cmd.ProcessState
}

// rusage is the latest run's getrusage once it has exited, nil before.
func (p *Process) rusage() *syscall.Rusage {
	if st := p.exited(); st != nil {
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			return ru
		}
	}
	return nil
}

// CPUSeconds is the user and system CPU time of the latest run once it
// has exited (0 while it runs).
func (p *Process) CPUSeconds() float64 {
	if st := p.exited(); st != nil {
		return (st.UserTime() + st.SystemTime()).Seconds()
	}
	return 0
}

// SystemCPUSeconds is the kernel's part of CPUSeconds (0 while it runs).
func (p *Process) SystemCPUSeconds() float64 {
	if st := p.exited(); st != nil {
		return st.SystemTime().Seconds()
	}
	return 0
}

// DiskReadBytes is what the latest run read from storage rather than the
// page cache, once it has exited (getrusage's ru_inblock, 512-byte blocks;
// 0 while it runs).
func (p *Process) DiskReadBytes() int64 {
	if ru := p.rusage(); ru != nil {
		return ru.Inblock * 512
	}
	return 0
}

// PeakRSSBytes is the largest resident set of the latest run once it has
// exited (getrusage's ru_maxrss; 0 while it runs).
func (p *Process) PeakRSSBytes() int64 {
	if ru := p.rusage(); ru != nil {
		return ru.Maxrss * 1024 // Linux counts kilobytes
	}
	return 0
}
