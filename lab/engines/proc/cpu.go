package proc

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CPUSecondsOf is a running process's user and system CPU time so far,
// read from /proc (0 when it cannot be read): what a benchmark clocks a
// server or pipeline process by while it works. CPUSeconds gives it only
// once the process has exited.
func CPUSecondsOf(pid int) float64 {
	return statCPUSeconds(fmt.Sprintf("/proc/%d/stat", pid))
}

// SystemCPUSecondsOf is the kernel's share of CPUSecondsOf: time in
// system calls and page faults, where a file system's own costs show.
func SystemCPUSecondsOf(pid int) float64 {
	_, sys := statCPU(fmt.Sprintf("/proc/%d/stat", pid))
	return sys
}

// MachineBusySeconds is the CPU time all of this machine's cores spent
// busy since boot (user, nice, system, irq and softirq in /proc/stat;
// idle, iowait and time stolen by a hypervisor left out): with the
// processes' own figures, what kernel threads used beside them (writeback,
// reclaim). 0 when it cannot be read.
func MachineBusySeconds() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var busy float64
	for _, i := range []int{1, 2, 3, 6, 7} { // user nice system (idle iowait) irq softirq
		v, _ := strconv.ParseFloat(f[i], 64)
		busy += v
	}
	return busy / 100 // USER_HZ
}

// MergeThreadPrefixes name ClickHouse's threads that merge parts: 18.16's
// background pool ("BackgrProcPool"), a modern server's "MergeMutate" and
// "BgSchPool" threads.
var MergeThreadPrefixes = []string{"BackgrProcPool", "MergeMutate", "BgSchPool"}

// ThreadCPUSeconds is the CPU time of pid's threads whose names start
// with one of prefixes, from /proc/<pid>/task. It counts the threads alive
// now, so it suits pools whose threads live as long as the process.
func ThreadCPUSeconds(pid int, prefixes ...string) float64 {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	if err != nil {
		return 0
	}
	var total float64
	for _, t := range tasks {
		comm, err := os.ReadFile(filepath.Join(t, "comm")) // #nosec G304 -- a /proc path of a process the harness started
		if err != nil {
			continue
		}
		name := strings.TrimSpace(string(comm))
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				total += statCPUSeconds(filepath.Join(t, "stat"))
				break
			}
		}
	}
	return total
}

// statCPUSeconds reads user and system time from a /proc stat file.
func statCPUSeconds(path string) float64 {
	user, sys := statCPU(path)
	return user + sys
}

// statCPU reads user and system time, in seconds, from a /proc stat file
// (0, 0 when it cannot be read).
func statCPU(path string) (user, sys float64) {
	b, err := os.ReadFile(path) // #nosec G304 -- a /proc path of a process the harness started
	if err != nil {
		return 0, 0
	}
	// Fields after the command (which may hold spaces) start after ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return utime / 100, stime / 100 // USER_HZ is 100 on Linux
}
