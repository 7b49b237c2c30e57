package wire

import (
	"fmt"
	"testing"

	"github.com/edgelog/edgelog/internal/record"
)

func BenchmarkEncode(b *testing.B) {
	blk := testBlock(10000)
	var e Encoder
	buf := e.Encode(nil, blk)
	b.ReportAllocs()
	b.SetBytes(int64(blk.SizeBytes()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = e.Encode(buf[:0], blk)
	}
	b.ReportMetric(float64(b.N)*10000/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkDecode(b *testing.B) {
	var e Encoder
	msg := e.Encode(nil, testBlock(10000))
	var d Decoder
	var out record.Block
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out.Reset()
		if err := d.Decode(&out, msg); err != nil {
			b.Fatal(err)
		}
	}
	rate := float64(b.N) * 10000 / b.Elapsed().Seconds()
	b.ReportMetric(rate, "rows/s")
	fmt.Printf("BENCH wire_decode_rows_per_sec %.0f rows/s\n", rate)
}
