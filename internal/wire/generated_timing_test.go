package wire_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/traffic"
)

// BenchmarkDecodeGenerated decodes the messages a collector would send for
// 200,000 generated edge-format requests (a day of the bench's traffic
// squeezed into them: `edgelog bench`'s data), batched per customer into
// messages of up to 3,846 rows as in a 20M-line bench. Unlike
// BenchmarkDecode's synthetic block, its dictionaries are as large as real
// ones: paths, user agents and referers exceed a byte's worth of values.
func BenchmarkDecodeGenerated(b *testing.B) {
	const lines, perMessage = 200_000, 3846
	blocks, _, err := traffic.CustomerBlocks(gen.Options{Lines: lines, Seed: 1, Start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Duration: 24 * time.Hour}, perMessage)
	if err != nil {
		b.Fatal(err)
	}
	var enc wire.Encoder
	msgs := make([][]byte, len(blocks))
	for i, blk := range blocks {
		msgs[i] = enc.Encode(nil, blk)
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

// BenchmarkAppendGenerated dictionary-codes 200,000 generated edge-format
// rows as the collector's read loop does: in the order they were logged,
// each appended (Batch.Append) to its customer's batch, the batches
// sharing one Dict as a Batcher's do, all emptied every 50,000 rows (the
// default batch_rows). The batching share of
// the collector's per-line cost, apart from parsing and zstd; the
// customers' interleaved rows keep each batch's tables as cold as the
// read loop finds them.
func BenchmarkAppendGenerated(b *testing.B) {
	const lines, batchRows = 200_000, 50_000
	src, err := traffic.New(gen.Options{Lines: lines, Seed: 1, Start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Duration: 24 * time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	var blk record.Block
	if _, err := src.Next(&blk, lines); err != nil {
		b.Fatal(err)
	}
	rows := make([]record.Record, blk.Len())
	for i := range rows {
		blk.Row(i, &rows[i])
	}
	batches := map[string]*wire.Batch{}
	var all []*wire.Batch
	var dict wire.Dict
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for i := range rows {
			if i%batchRows == 0 {
				for _, bt := range all {
					bt.Reset()
				}
				dict.Reset()
			}
			bt := batches[string(rows[i].Str[record.Customer])]
			if bt == nil {
				bt = &wire.Batch{}
				bt.Share(&dict)
				batches[string(rows[i].Str[record.Customer])] = bt
				all = append(all, bt)
			}
			bt.Append(&rows[i])
		}
	}
	ns := b.Elapsed().Seconds() * 1e9 / (float64(b.N) * lines)
	b.ReportMetric(ns, "ns/row")
	fmt.Printf("BENCH wire_append_generated_ns_per_row %.1f ns\n", ns)
}
