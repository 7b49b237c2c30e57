package bench

import (
	"context"
	"os"
	"path/filepath"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/edgelog/edgelog/lab/engines/stack"
	"github.com/edgelog/edgelog/lab/gen"
)

// followed is how the freshness and sustained-load runs start: a stack
// (ClickHouse, the broker, the schema) in dir/stack, an empty access log
// for a following collector and g's edge config beside it, and a
// connection to the stack's ClickHouse.
type followed struct {
	access, edge string
	st           *stack.Stack
	conn         driver.Conn
}

func startFollowed(ctx context.Context, dir, bin string, g *gen.Generator) (*followed, error) {
	f := &followed{access: filepath.Join(dir, "access.log"), edge: filepath.Join(dir, "edge.yaml")}
	if err := g.WriteEdgeConfig(f.edge); err != nil {
		return nil, err
	}
	if err := os.WriteFile(f.access, nil, 0o644); err != nil { // #nosec G306 -- the benchmark's own generated access log
		return nil, err
	}
	var err error
	if f.st, err = stack.Start(ctx, stack.Options{Dir: filepath.Join(dir, "stack"), Bin: bin, Partitions: 8}); err != nil {
		return nil, err
	}
	if f.conn, err = f.st.Conn(ctx); err != nil {
		f.st.Stop()
		return nil, err
	}
	return f, nil
}

// stop closes the connection and stops every process of the stack.
func (f *followed) stop() {
	f.conn.Close() // #nosec G104 -- the run is over; a close error loses nothing
	f.st.Stop()
}
