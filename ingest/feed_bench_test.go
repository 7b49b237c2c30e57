package ingest

import (
	"fmt"
	"testing"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/internal/wire"
	"github.com/edgelog/edgelog/lab/gen"
	"github.com/edgelog/edgelog/lab/traffic"
)

// BenchmarkFeedAggregate measures the Go side of the rollup feed: grouping
// a 400k-row batch (the bench's INSERT size) at traffic_1m's grain, for
// sparse rows (a day in 400k rows: most groups hold one row) and dense
// ones (a minute), each row's strings its own; and (generated) for a
// batch as ingest has one: generated edge traffic (edgelog bench's: 12
// customers, a day in 280k rows) as 3,846-row customer messages decoded
// from the wire one after the other, so a message's rows share its
// dictionaries' bytes. At that density 0.82 of the rows start a group
// (230k keys: what groupIndex is for).
func BenchmarkFeedAggregate(b *testing.B) {
	b.Run("generated", func(b *testing.B) {
		const n = 280_000
		bt := &batch{}
		bt.reset()
		var enc wire.Encoder
		var dec wire.Decoder
		blocks, _, err := traffic.CustomerBlocks(gen.Options{Lines: n, Seed: 1}, 3846)
		if err != nil {
			b.Fatal(err)
		}
		for i, blk := range blocks {
			if err := dec.Decode(&bt.block, enc.Encode(nil, blk)); err != nil {
				b.Fatal(err)
			}
			for range blk.Len() {
				bt.srcOffset = append(bt.srcOffset, uint64(i))
			}
		}
		var f feeder
		b.ResetTimer()
		for range b.N {
			f.aggregate(bt)
		}
		reportFeed(b, "generated", n, &f)
	})
	for _, span := range []struct {
		name string
		ms   int64
	}{{"day", 86_400_000}, {"minute", 60_000}} {
		b.Run(span.name, func(b *testing.B) {
			const n = 400_000
			bt := &batch{}
			bt.reset()
			bt.partition, bt.first = 0, 0
			var r record.Record
			for i := range n {
				r = record.Record{TimeMs: 1_790_000_000_000 + int64(i)*span.ms/n, Status: uint16(200 + i%5*100), BytesSent: uint64(i)}
				r.Str[record.Customer] = []byte(fmt.Sprintf("customer-%d", i%50))
				r.Str[record.Host] = []byte(fmt.Sprintf("www.customer-%d-%d.example", i%50, i%3))
				r.Str[record.Region] = []byte([]string{"eu-central", "us-east", "ap-south"}[i%3])
				r.Str[record.PoP] = []byte(fmt.Sprintf("pop%d", i%20))
				r.Str[record.Country] = []byte([]string{"DE", "US", "IN", "FR", "BR", "JP"}[i%6])
				r.Str[record.CacheStatus] = []byte([]string{"HIT", "MISS", "BYPASS"}[i%3])
				bt.block.Append(&r)
				bt.srcOffset = append(bt.srcOffset, uint64(i/1000))
			}
			var f feeder
			b.ResetTimer()
			for range b.N {
				f.aggregate(bt)
			}
			reportFeed(b, span.name, n, &f)
		})
	}
}

// reportFeed reports a BenchmarkFeedAggregate case's nanoseconds a row and
// groups a row, as metrics and as BENCH lines.
func reportFeed(b *testing.B, name string, rows int, f *feeder) {
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N*rows)
	groups := float64(len(f.first)) / float64(rows)
	b.ReportMetric(ns, "ns/row")
	b.ReportMetric(groups, "groups/row")
	fmt.Printf("BENCH feed_aggregate_%s_ns_per_row %.1f ns\nBENCH feed_aggregate_%s_groups_per_row %.3f groups\n", name, ns, name, groups)
}
