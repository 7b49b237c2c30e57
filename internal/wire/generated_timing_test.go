package wire_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/lab/gen"
)

// BenchmarkDecodeGenerated decodes the messages a collector would send for
// 200,000 generated edge-format requests (a day of the bench's traffic
// squeezed into them: `edgelog bench`'s data), batched per customer into
// messages of up to 3,846 rows as in a 20M-line bench. Unlike
// BenchmarkDecode's synthetic block, its dictionaries are as large as real
// ones: paths, user agents and referers exceed a byte's worth of values.
func BenchmarkDecodeGenerated(b *testing.B) {
	const lines, perMessage = 200_000, 3846
	g, err := gen.New(gen.Options{Lines: lines, Seed: 1, Start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Duration: 24 * time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	enr := enrich.New(g.EdgeConfig())
	p := nginx.MustCompile(nginx.Edge)
	f, _ := gen.NewFormatter("nginx")
	batches := map[string]*wire.Batch{}
	var msgs [][]byte
	var enc wire.Encoder
	flush := func(bt *wire.Batch) {
		msgs = append(msgs, enc.EncodeBatch(nil, bt, 0, bt.Len()))
		bt.Reset()
	}
	var e gen.Event
	var r record.Record
	for g.Next(&e) {
		if err := p.Parse(f.AppendLine(nil, &e), &r); err != nil {
			b.Fatal(err)
		}
		enr.Enrich(&r)
		c := string(r.Str[record.Customer])
		bt := batches[c]
		if bt == nil {
			bt = &wire.Batch{}
			batches[c] = bt
		}
		bt.Append(&r)
		if bt.Len() == perMessage {
			flush(bt)
		}
	}
	for _, bt := range batches {
		if bt.Len() > 0 {
			flush(bt)
		}
	}
	var d wire.Decoder
	var out record.Block
	b.ResetTimer()
	for range b.N {
		for _, m := range msgs {
			out.Reset()
			if err := d.Decode(&out, m); err != nil {
				b.Fatal(err)
			}
		}
	}
	rate := float64(b.N) * lines / b.Elapsed().Seconds()
	b.ReportMetric(rate, "rows/s")
	fmt.Printf("BENCH wire_decode_generated_rows_per_sec %.0f rows/s\n", rate)
}
