package record

import (
	"fmt"
	"reflect"
	"testing"
)

func testBlock(rows int, seed int) *Block {
	var b Block
	for i := range rows {
		r := Record{TimeMs: int64(seed*1000 + i), ASN: uint32(i), Status: uint16(200 + i), BytesSent: uint64(i * 3),
			BytesReceived: uint64(i * 5), RequestTimeUs: uint32(i * 7), TTFBUs: uint32(i * 11)}
		r.ClientIP[15] = byte(i)
		for s := range r.Str {
			if (i+s)%3 != 0 { // some empty values
				r.Str[s] = []byte(fmt.Sprintf("%s-%d-%d", Str(s), seed, i))
			}
		}
		b.Append(&r)
	}
	return &b
}

// TestAppendRange checks the column-wise copy against appending the same
// rows one record at a time.
func TestAppendRange(t *testing.T) {
	src := testBlock(9, 1)
	for _, rg := range [][2]int{{0, 9}, {0, 0}, {0, 1}, {3, 7}, {8, 9}, {5, 5}} {
		want, got := testBlock(4, 2), testBlock(4, 2)
		var r Record
		for i := rg[0]; i < rg[1]; i++ {
			src.Row(i, &r)
			want.Append(&r)
		}
		got.AppendRange(src, rg[0], rg[1])
		if got.Len() != want.Len() {
			t.Fatalf("%v: %d rows, want %d", rg, got.Len(), want.Len())
		}
		for i := range want.Len() {
			var a, b Record
			got.Row(i, &a)
			want.Row(i, &b)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%v: row %d = %+v, want %+v", rg, i, a, b)
			}
		}
	}
}
