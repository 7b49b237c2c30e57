package chaos

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/edgelog/edgelog/lab/engines/stack"
	"github.com/edgelog/edgelog/lab/gen"
)

// rig is what every chaos scenario starts from: the stack (broker,
// ClickHouse, processes) under dir/stack, a generator of lines requests
// over six hours, its edge config at edge and the log it will write at
// access. The caller stops st.
type rig struct {
	st           *stack.Stack
	g            *gen.Generator
	access, edge string
}

// startRig makes dir (absolute: the processes run in the stack's
// directory) and starts the rig in it.
func startRig(ctx context.Context, dir, bin string, lines int, seed uint64) (*rig, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil { // #nosec G301 -- the chaos run's own work directory of generated data
		return nil, err
	}
	st, err := stack.Start(ctx, stack.Options{Dir: filepath.Join(dir, "stack"), Bin: bin, Partitions: 4})
	if err != nil {
		return nil, err
	}
	r := &rig{st: st, access: filepath.Join(dir, "access.log"), edge: filepath.Join(dir, "edge.yaml")}
	if r.g, err = gen.New(gen.Options{Lines: lines, Seed: seed, Duration: 6 * time.Hour, UnknownHostShare: -1}); err == nil {
		err = r.g.WriteEdgeConfig(r.edge)
	}
	if err != nil {
		st.Stop()
		return nil, err
	}
	return r, nil
}

// progress returns a logger that prints each line to w after the seconds
// since it was made.
func progress(w io.Writer) func(format string, a ...any) {
	began := time.Now()
	return func(format string, a ...any) {
		fmt.Fprintf(w, "[%6.1fs] %s\n", time.Since(began).Seconds(), fmt.Sprintf(format, a...))
	}
}
