package chaos

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// watched is one process the soak samples: its pid now, the log where an
// edgelog process says where it serves /metrics ("" for ClickHouse and the
// broker, which serve none we read).
type watched struct {
	name string
	pid  func() int
	log  string
}

// sample is one row of the soak's CSV.
type sample struct {
	t          float64 // seconds since the run began
	proc       string
	pid        int
	rss        float64 // bytes
	goroutines float64 // -1: not read
	fds        float64
	spool      float64 // bytes; -1 but for the collector
}

// sampler reads every watched process's RSS (/proc/PID/status VmRSS), open
// files (entries of /proc/PID/fd), goroutines (go_goroutines of its
// /metrics) and the collector's spool directory's size, every interval.
type sampler struct {
	procs    []watched
	spoolDir string
	began    time.Time
	client   http.Client

	mu      sync.Mutex
	samples []sample
}

func newSampler(began time.Time, spoolDir string, procs ...watched) *sampler {
	return &sampler{procs: procs, spoolDir: spoolDir, began: began, client: http.Client{Timeout: 2 * time.Second}}
}

func (s *sampler) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	s.once(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.once(ctx)
		}
	}
}

func (s *sampler) once(ctx context.Context) {
	now := time.Since(s.began).Seconds()
	for _, p := range s.procs {
		pid := p.pid()
		if pid <= 0 {
			continue
		}
		rss, err := procRSS(pid)
		if err != nil { // between a kill and the restart
			continue
		}
		smp := sample{t: now, proc: p.name, pid: pid, rss: rss, goroutines: -1, spool: -1}
		smp.fds = procFDs(pid)
		if p.log != "" {
			if g, err := s.goroutines(ctx, p.log); err == nil {
				smp.goroutines = g
			}
		}
		if p.name == "collector" && s.spoolDir != "" {
			smp.spool = dirBytes(s.spoolDir)
		}
		s.mu.Lock()
		s.samples = append(s.samples, smp)
		s.mu.Unlock()
	}
}

func procRSS(pid int) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

func procFDs(pid int) float64 {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return -1
	}
	return float64(len(ents))
}

func dirBytes(dir string) float64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return float64(n)
}

var metricsAddrRE = regexp.MustCompile(`serving metrics"? addr=(\S+/metrics)`)

// goroutines reads go_goroutines from the /metrics the process's log
// names last (a restarted process serves on a new port).
func (s *sampler) goroutines(ctx context.Context, log string) (float64, error) {
	b, err := os.ReadFile(log) // #nosec G304 -- a process log in the run's own directory
	if err != nil {
		return 0, err
	}
	m := metricsAddrRE.FindAllSubmatch(b, -1)
	if len(m) == 0 {
		return 0, fmt.Errorf("%s names no metrics address", log)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, string(m[len(m)-1][1]), nil)
	if err != nil {
		return 0, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			return strconv.ParseFloat(rest, 64)
		}
	}
	return 0, fmt.Errorf("no go_goroutines at %s", m[len(m)-1][1])
}

// series returns one process's points of one measure; a new pid is a new
// incarnation.
func (s *sampler) series(proc string, measure func(sample) float64) []Point {
	s.mu.Lock()
	defer s.mu.Unlock()
	var pts []Point
	life, lastPid := -1, 0
	for _, x := range s.samples {
		if x.proc != proc {
			continue
		}
		if x.pid != lastPid {
			life++
			lastPid = x.pid
		}
		if v := measure(x); v >= 0 {
			pts = append(pts, Point{T: x.t, V: v, Life: life})
		}
	}
	return pts
}

// writeCSV writes every sample: seconds,process,pid,rss_bytes,goroutines,open_files,spool_bytes
// (empty where not read).
func (s *sampler) writeCSV(w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "seconds,process,pid,rss_bytes,goroutines,open_files,spool_bytes")
	opt := func(v float64) string {
		if v < 0 {
			return ""
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	for _, x := range s.samples {
		fmt.Fprintf(bw, "%.1f,%s,%d,%.0f,%s,%s,%s\n", x.t, x.proc, x.pid, x.rss, opt(x.goroutines), opt(x.fds), opt(x.spool))
	}
	return bw.Flush()
}
