package ingest

import (
	"fmt"
	"testing"

	"github.com/edgelog/edgelog/internal/record"
)

// BenchmarkFeedAggregate measures the Go side of the rollup feed: grouping
// a 400k-row batch (the bench's INSERT size) at traffic_1m's grain, for
// sparse rows (a day in 400k rows: most groups hold one row) and dense
// ones (a minute).
func BenchmarkFeedAggregate(b *testing.B) {
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
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
			b.ReportMetric(float64(len(f.first))/n, "groups/row")
		})
	}
}
