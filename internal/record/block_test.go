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

// TestColumns checks that Columns names every field of the block once and
// hands out the block's own data.
func TestColumns(t *testing.T) {
	b := testBlock(3, 1)
	seen := map[string]bool{}
	rows := 0
	for _, c := range b.Columns() {
		if seen[c.Name] {
			t.Errorf("column %s twice", c.Name)
		}
		seen[c.Name] = true
		switch d := c.Data.(type) {
		case []int64:
			rows = len(d)
		case [][16]byte:
			rows = len(d)
		case []uint16:
			rows = len(d)
		case []uint32:
			rows = len(d)
		case []uint64:
			rows = len(d)
		case *StrCol:
			rows = d.Len()
		default:
			t.Fatalf("column %s: data of type %T", c.Name, c.Data)
		}
		if rows != b.Len() {
			t.Errorf("column %s has %d rows, want %d", c.Name, rows, b.Len())
		}
	}
	// Every field of Block: its numeric fields and each string field.
	if want := reflect.TypeOf(Block{}).NumField() - 1 + int(NumStr); len(seen) != want {
		t.Errorf("%d columns, want %d", len(seen), want)
	}
}
