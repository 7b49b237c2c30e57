package ingest

import (
	"bytes"
	"testing"
	"time"

	"github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"

	"github.com/edgelog/edgelog/schema"
)

// Every column the inserter aliases encodes byte for byte as the driver's
// own Append of the same data, and the alias is taken at all: an upgrade
// of clickhouse-go that renames the field fails here rather than silently
// falling back to copying.
func TestDriverNumericAliased(t *testing.T) {
	ins := &inserter{dialect: schema.Dialect{}}
	ms := []int64{0, 999, 1_700_000_000_123, 1_700_000_001_000, 4_102_444_799_999}
	secs := make([]int64, len(ms))
	for i, v := range ms {
		secs[i] = floorDiv(v, 1000)
	}
	ips := [][16]byte{{15: 1}, {10: 0xff, 11: 0xff, 12: 192, 13: 0, 14: 2, 15: 1}, {0: 0x20, 1: 0x01, 15: 9}}
	var ipRows [][]byte
	for i := range ips {
		ipRows = append(ipRows, ips[i][:])
	}
	for _, tc := range []struct {
		typ       column.Type
		name      string
		data      any // what the inserter holds
		forDriver any // what the driver's Append takes
	}{
		{"UInt64", "bytes_sent", []uint64{0, 1, 1 << 40, ^uint64(0)}, []uint64{0, 1, 1 << 40, ^uint64(0)}},
		{"UInt32", "asn", []uint32{0, 13335, ^uint32(0)}, []uint32{0, 13335, ^uint32(0)}},
		{"UInt16", "status", []uint16{200, 404, 503}, []uint16{200, 404, 503}},
		{"UInt8", "x", []uint8{0, 7, 255}, []uint8{0, 7, 255}},
		{"DateTime('UTC')", "time", ms, secs},
		{"FixedString(16)", "client_ip", ips, ipRows},
	} {
		aliased := newDriverColumn(t, tc.typ)
		if !ins.alias(aliased, tc.name, tc.data) {
			t.Fatalf("%s: the driver's column was not aliased: clickhouse-go's column no longer holds its ch-go column in a field named col (see numcol.go)", tc.typ)
		}
		copied := newDriverColumn(t, tc.typ)
		if _, err := copied.Append(tc.forDriver); err != nil {
			t.Fatal(err)
		}
		if aliased.Rows() != copied.Rows() || aliased.Rows() == 0 {
			t.Fatalf("%s: rows aliased %d, copied %d", tc.typ, aliased.Rows(), copied.Rows())
		}
		var a, c proto.Buffer
		aliased.Encode(&a)
		copied.Encode(&c)
		if !bytes.Equal(a.Buf, c.Buf) {
			t.Fatalf("%s: encoded columns differ:\naliased %x\ncopied  %x", tc.typ, a.Buf, c.Buf)
		}
	}
	// The data is not copied, and the driver cannot append into it.
	v := make([]uint64, 3, 10)
	c := newDriverColumn(t, "UInt64")
	if !aliasNumeric(c, v) {
		t.Fatal("not aliased")
	}
	if got := *driverCol[proto.ColUInt64](c); &got[0] != &v[0] || cap(got) != len(v) {
		t.Fatal("the driver's column does not alias the slice with its capacity capped")
	}
	if _, err := c.Append([]uint64{42}); err != nil || v[:4][3] == 42 {
		t.Fatal("an append through the driver reached past the aliased slice")
	}
}

// Columns of another type, and the modern dialect's DateTime64 and IPv6,
// are left to the driver's Append.
func TestDriverNumericOtherTypes(t *testing.T) {
	old := &inserter{dialect: schema.Dialect{}}
	modern := &inserter{dialect: schema.Dialect{Modern: true}}
	for _, tc := range []struct {
		ins  *inserter
		typ  column.Type
		name string
		data any
	}{
		{old, "UInt32", "asn", []uint64{1}},
		{old, "String", "host", []uint64{1}},
		{old, "Nullable(UInt64)", "x", []uint64{1}},
		{old, "FixedString(8)", "client_ip", [][16]byte{{}}},
		{old, "UInt64", "src_offset", []int64{1}}, // int64 is the request time only
		{modern, "DateTime64(3, 'UTC')", "time", []int64{time.Now().UnixMilli()}},
		{modern, "IPv6", "client_ip", [][16]byte{{}}},
	} {
		if tc.ins.alias(newDriverColumn(t, tc.typ), tc.name, tc.data) {
			t.Errorf("%s %s (%T): aliased", tc.typ, tc.name, tc.data)
		}
	}
}
