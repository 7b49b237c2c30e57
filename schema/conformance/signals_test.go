//go:build chdb

package conformance

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"github.com/ebitengine/purego"
)

// kernelSigaction is struct sigaction as the Linux amd64 rt_sigaction
// system call takes it (not glibc's layout).
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// savedSignals are the kernel's handlers for every catchable signal, as
// the Go runtime installed them.
type savedSignals map[int]kernelSigaction

// glibc reserves 32 and 33 for its threads (cancellation, setxid); the Go
// runtime leaves them alone and so do we.
func catchable(sig int) bool {
	return sig != int(syscall.SIGKILL) && sig != int(syscall.SIGSTOP) && sig != 32 && sig != 33
}

func saveSignals() (savedSignals, error) {
	s := savedSignals{}
	for sig := 1; sig <= 64; sig++ {
		if !catchable(sig) {
			continue
		}
		var old kernelSigaction
		if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 {
			return nil, fmt.Errorf("cannot read the handler of signal %d: %w", sig, e)
		}
		s[sig] = old
	}
	return s, nil
}

func (s savedSignals) restore() error {
	for sig, act := range s {
		act := act
		if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); e != 0 {
			return fmt.Errorf("cannot restore the handler of signal %d: %w", sig, e)
		}
	}
	return nil
}

// changed lists the signals whose handler is no longer the saved one.
func (s savedSignals) changed() ([]int, error) {
	now, err := saveSignals()
	if err != nil {
		return nil, err
	}
	var out []int
	for sig, act := range s {
		if now[sig] != act {
			out = append(out, sig)
		}
	}
	return out, nil
}

// disableChDBSignalHandlers tells libchdb not to install its crash-signal
// handlers (they sleep for minutes before re-raising, so a Go panic would
// look like a hang). The call itself resets those signals to SIG_DFL,
// which would make a Go nil dereference kill the process without a panic:
// callers save the Go runtime's handlers first and restore them after.
func disableChDBSignalHandlers() error {
	lib, err := purego.Dlopen(os.Getenv("CHDB_LIB_PATH"), purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return fmt.Errorf("cannot open libchdb: %w", err)
	}
	var setEnabled func(enabled int32)
	purego.RegisterLibFunc(&setEnabled, lib, "chdb_set_signal_handlers_enabled")
	setEnabled(0)
	return nil
}
