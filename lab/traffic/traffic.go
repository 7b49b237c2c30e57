// Package traffic turns generated requests into raw-table rows the way the
// pipeline does (nginx log line, or nginx's escape=json line with the
// total bytes for Format "jsonl"; parser, edge enrichment), for the schema
// tests and the storage benchmark, which load rows directly instead of
// running collectors and Kafka.
package traffic

import (
	"fmt"
	"maps"
	"slices"

	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/collector/format/jsonl"
	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/lab/gen"
)

// Source yields generated rows in blocks.
type Source struct {
	g   *gen.Generator
	enr *enrich.Enricher
	p   interface {
		Parse(line []byte, r *record.Record) error
	}
	f    gen.Formatter
	line []byte
	e    gen.Event
	r    record.Record
}

// New returns a source of the requests o describes.
func New(o gen.Options) (*Source, error) {
	if o.Format != "jsonl" {
		o.Format = "nginx"
	}
	g, err := gen.New(o)
	if err != nil {
		return nil, err
	}
	f, err := gen.NewFormatter(o.Format)
	if err != nil {
		return nil, err
	}
	s := &Source{g: g, enr: enrich.New(g.EdgeConfig()), p: nginx.MustCompile(nginx.Edge), f: f}
	if o.Format == "jsonl" {
		if s.p, err = jsonl.New(jsonl.Defaults); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Next resets blk and fills it with up to n rows; it returns false when
// the traffic is exhausted and blk is empty.
func (s *Source) Next(blk *record.Block, n int) (bool, error) {
	blk.Reset()
	for blk.Len() < n && s.g.Next(&s.e) {
		if err := s.row(); err != nil {
			return false, err
		}
		blk.Append(&s.r)
	}
	return blk.Len() > 0, nil
}

// row turns the current event into the current row.
func (s *Source) row() error {
	s.line = s.f.AppendLine(s.line[:0], &s.e)
	if err := s.p.Parse(s.line, &s.r); err != nil {
		return fmt.Errorf("cannot parse generated line %q: %w", s.line, err)
	}
	s.enr.Enrich(&s.r)
	return nil
}

// Each calls fn with every request of o: the generator's event (its ground
// truth) and the row the pipeline makes of it. Both are reused after fn
// returns; an error from fn stops the walk and is returned.
func Each(o gen.Options, fn func(e *gen.Event, r *record.Record) error) error {
	s, err := New(o)
	if err != nil {
		return err
	}
	for s.g.Next(&s.e) {
		if err := s.row(); err != nil {
			return err
		}
		if err := fn(&s.e, &s.r); err != nil {
			return err
		}
	}
	return nil
}

// All returns every row of o in one block.
func All(o gen.Options) (*record.Block, error) {
	s, err := New(o)
	if err != nil {
		return nil, err
	}
	var all, blk record.Block
	for {
		ok, err := s.Next(&blk, 65536)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &all, nil
		}
		all.AppendBlock(&blk)
	}
}

// CustomerBlocks returns the rows of o cut as collectors cut them into
// messages: per customer, blocks of at most per rows in the order they
// fill, then each customer's last, partial block (by customer name), with
// each block's customer.
func CustomerBlocks(o gen.Options, per int) ([]*record.Block, []string, error) {
	open := map[string]*record.Block{}
	var blocks []*record.Block
	var customers []string
	err := Each(o, func(e *gen.Event, r *record.Record) error {
		blk := open[e.Customer]
		if blk == nil {
			blk = &record.Block{}
			open[e.Customer] = blk
		}
		if blk.Append(r); blk.Len() == per {
			blocks, customers = append(blocks, blk), append(customers, e.Customer)
			delete(open, e.Customer)
		}
		return nil
	})
	for _, c := range slices.Sorted(maps.Keys(open)) {
		blocks, customers = append(blocks, open[c]), append(customers, c)
	}
	return blocks, customers, err
}
