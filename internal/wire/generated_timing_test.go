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

// BenchmarkAppendGenerated dictionary-codes the rows of
// BenchmarkDecodeGenerated's messages as the collector's batches do
// (Batch.Append, one batch per message, reused): the batching half of the
// collector's per-line cost, apart from parsing and zstd.
func BenchmarkAppendGenerated(b *testing.B) {
	const lines, perMessage = 200_000, 3846
	blocks, _, err := traffic.CustomerBlocks(gen.Options{Lines: lines, Seed: 1, Start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Duration: 24 * time.Hour}, perMessage)
	if err != nil {
		b.Fatal(err)
	}
	rows := make([][]record.Record, len(blocks))
	for i, blk := range blocks {
		rows[i] = make([]record.Record, blk.Len())
		for j := range rows[i] {
			blk.Row(j, &rows[i][j])
		}
	}
	var batch wire.Batch
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, rs := range rows {
			batch.Reset()
			for j := range rs {
				batch.Append(&rs[j])
			}
		}
	}
	ns := b.Elapsed().Seconds() * 1e9 / (float64(b.N) * lines)
	b.ReportMetric(ns, "ns/row")
	fmt.Printf("BENCH wire_append_generated_ns_per_row %.1f ns\n", ns)
}
