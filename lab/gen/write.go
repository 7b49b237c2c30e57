package gen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/edgelog/edgelog/collector/enrich"
)

// Write writes o.Lines requests, with o.Malformed malformed lines mixed in,
// to w and returns the ground truth.
func Write(w io.Writer, o Options) (*Truth, error) {
	g, err := New(o)
	if err != nil {
		return nil, err
	}
	return g.Write(w)
}

// Write writes the planned requests (and the malformed lines) to w and
// returns the ground truth.
func (g *Generator) Write(w io.Writer) (*Truth, error) {
	lw := formats[g.o.Format]()
	truth := newTruth(&g.o)
	truth.Malformed = g.o.Malformed
	bad := g.malformedPositions()
	bw := bufio.NewWriterSize(w, 1<<20)
	if h, ok := lw.(headerer); ok {
		bw.Write(h.Header()) // #nosec G104 -- bufio.Writer keeps its first error; Flush's is returned
	}
	var line []byte
	var e Event
	for pos := 0; ; pos++ {
		if len(bad) > 0 && bad[0] == pos {
			bad = bad[1:]
			line = g.malformedLine(line[:0], lw)
		} else {
			if !g.Next(&e) {
				break
			}
			truth.add(&e)
			line = lw.AppendLine(line[:0], &e)
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return nil, err
		}
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	return truth, nil
}

// malformedPositions picks where among all output lines the malformed ones
// go, sorted.
func (g *Generator) malformedPositions() []int {
	total := g.o.Lines + g.o.Malformed
	seen := make(map[int]bool, g.o.Malformed)
	pos := make([]int, 0, g.o.Malformed)
	for len(pos) < g.o.Malformed {
		p := g.rng.IntN(total)
		if !seen[p] {
			seen[p] = true
			pos = append(pos, p)
		}
	}
	slices.Sort(pos)
	return pos
}

// malformedLine appends a line no log format accepts, one of the kinds a
// real edge server produces: a line cut short by a crash or a full disk,
// binary garbage, and a line of some other program's log.
func (g *Generator) malformedLine(b []byte, lw Formatter) []byte {
	switch g.rng.IntN(3) {
	case 0:
		var e Event
		g.At(&e, g.o.Start.UnixMilli())
		full := lw.AppendLine(nil, &e)
		return append(b, full[:len(full)/3+g.rng.IntN(len(full)/3)]...)
	case 1:
		n := 16 + g.rng.IntN(100)
		for range n {
			c := byte(g.rng.IntN(256)) // #nosec G115 -- IntN(256) < 256
			if c == '\n' {
				c = 0
			}
			b = append(b, c)
		}
		return b
	default:
		return append(b, "2026/10/01 00:00:00 [alert] 1234#0: worker process 5678 exited on signal 9"...)
	}
}

// WriteFiles writes the access log, the edge mapping that assigns its
// hosts to customers (skipped when edgePath is "") and the truth as JSON
// (skipped when truthPath is "").
func WriteFiles(o Options, accessPath, edgePath, truthPath string) (*Truth, error) {
	g, err := New(o)
	if err != nil {
		return nil, err
	}
	f, err := os.Create(accessPath) // #nosec G304 -- a path given to the generator by its caller
	if err != nil {
		return nil, err
	}
	truth, err := g.Write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", accessPath, err)
	}
	if edgePath != "" {
		if err := g.WriteEdgeConfig(edgePath); err != nil {
			return nil, err
		}
	}
	if truthPath != "" {
		if err := truth.WriteJSON(truthPath); err != nil {
			return nil, err
		}
	}
	return truth, nil
}

// EdgeConfig is the mapping an edge server needs for this traffic: each
// customer's web host exactly and its CDN domain by wildcard, and every
// PoP's region.
func (g *Generator) EdgeConfig() *enrich.Config {
	c := &enrich.Config{DefaultCustomer: UnknownCustomer, Hosts: map[string]string{}, Pops: map[string]string{}}
	for _, cust := range g.w.customers {
		c.Hosts["www."+cust.domain] = cust.id
		c.Hosts["*."+cust.id+"-cdn.net"] = cust.id
	}
	for _, r := range regions {
		for _, p := range r.pops {
			c.Pops[p.name] = r.name
		}
	}
	return c
}

// WriteEdgeConfig writes EdgeConfig as edge.yaml.
func (g *Generator) WriteEdgeConfig(path string) error {
	b, err := yaml.Marshal(g.EdgeConfig())
	if err != nil {
		return err
	}
	header := "# edge.yaml written by `edgelog gen`: host -> customer, PoP -> region.\n"
	return os.WriteFile(path, append([]byte(header), b...), 0o644) // #nosec G306 -- generated synthetic data
}

// Stream appends requests stamped with the wall clock to w at rate lines
// per second until ctx ends or o.Lines lines are written (o.Lines < 0:
// until ctx ends). It writes in small bursts and flushes each, so a
// collector tailing w sees a steady stream. Malformed lines are mixed in
// at the share o.Malformed / o.Lines.
func Stream(ctx context.Context, w io.Writer, o Options, rate float64) (*Truth, error) {
	limit := o.Lines
	if o.Lines < 0 {
		o.Lines = 0
	}
	g, err := New(o)
	if err != nil {
		return nil, err
	}
	if rate <= 0 {
		return nil, fmt.Errorf("gen: rate must be positive")
	}
	lw := formats[g.o.Format]()
	truth := newTruth(&g.o)
	badShare := 0.0
	if o.Malformed > 0 && limit > 0 {
		badShare = float64(o.Malformed) / float64(limit)
	}
	bad := rand.New(rand.NewPCG(g.o.Seed, 7)) // #nosec G404 -- reproducible synthetic garbage from a seed, not a secret
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var buf []byte
	if h, ok := lw.(headerer); ok {
		buf = append(buf, h.Header()...)
	}
	var e Event
	written := 0
	for limit < 0 || written < limit {
		select {
		case <-ctx.Done():
			return truth, nil
		case now := <-tick.C:
			due := int(now.Sub(start).Seconds() * rate)
			if limit >= 0 && due > limit {
				due = limit
			}
			buf = buf[:0]
			for ; written < due; written++ {
				if badShare > 0 && bad.Float64() < badShare {
					buf = append(g.malformedLine(buf, lw), '\n')
					truth.Malformed++
				}
				g.At(&e, time.Now().UnixMilli())
				truth.add(&e)
				buf = append(lw.AppendLine(buf, &e), '\n')
			}
			if _, err := w.Write(buf); err != nil {
				return truth, err
			}
		}
	}
	return truth, nil
}

// Lines returns what Write writes, line by line without the newlines, all
// in one buffer as a read buffer holds a file's lines (lines allocated one
// by one lie scattered over the heap, and a parser benchmark over them
// paid cache misses a collector reading a file never pays).
func (g *Generator) Lines() ([][]byte, error) {
	var buf bytes.Buffer
	if _, err := g.Write(&buf); err != nil {
		return nil, err
	}
	return bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n")), nil
}
