package ingest

import (
	"bytes"
	"testing"
	"time"

	"github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"

	"github.com/edgelog/edgelog/internal/record"
)

func newDriverColumn(t *testing.T, typ column.Type) column.Interface {
	t.Helper()
	c, err := typ.Column("c", &column.ServerContext{Timezone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The String column the driver encodes from an aliased arena is byte for
// byte the one it encodes from []string; and the alias is taken at all,
// so an upgrade of clickhouse-go that renames the field fails here rather
// than silently falling back to copying.
func TestDriverStrAliased(t *testing.T) {
	var s record.StrCol
	for _, v := range []string{"", "a", "", "example.com", "/path?q=1", "", "ünïcode"} {
		s.AppendString(v)
	}
	// Rows that share their value's bytes, as a dictionary-coded column
	// decodes (record.StrCol): each is still encoded whole.
	for _, i := range []int{3, 1, 3, 6, 0, 3} {
		s.AppendSpan(s.Start[i], s.End[i])
	}
	var sc strColumns
	aliased := newDriverColumn(t, "String")
	if !sc.set(3, aliased, &s, nil) {
		t.Fatal("the driver's String column was not aliased: clickhouse-go's column.String no longer holds a proto.ColStr named col (see strcol.go)")
	}
	copied := newDriverColumn(t, "String")
	if _, err := copied.Append(s.UnsafeStrings(nil)); err != nil {
		t.Fatal(err)
	}
	if aliased.Rows() != s.Len() || copied.Rows() != s.Len() {
		t.Fatalf("rows: aliased %d, copied %d, want %d", aliased.Rows(), copied.Rows(), s.Len())
	}
	var a, c proto.Buffer
	aliased.Encode(&a)
	copied.Encode(&c)
	if !bytes.Equal(a.Buf, c.Buf) {
		t.Fatalf("encoded columns differ:\naliased %q\ncopied  %q", a.Buf, c.Buf)
	}
	// The arena is not copied, and the driver cannot append into it.
	if got := driverStr(aliased); &got.Buf[0] != &s.Buf[0] || cap(got.Buf) != len(s.Buf) {
		t.Fatal("the driver's column does not alias the arena with its capacity capped")
	}
}

// Columns that are not plain Strings are left to the driver's Append.
func TestDriverStrOtherTypes(t *testing.T) {
	var s record.StrCol
	s.AppendString("x")
	var sc strColumns
	for _, typ := range []column.Type{"LowCardinality(String)", "FixedString(16)", "UInt64"} {
		if sc.set(0, newDriverColumn(t, typ), &s, nil) {
			t.Errorf("%s: aliased as a String column", typ)
		}
	}
}

// An unusually large INSERT's positions are not kept.
func TestStrColumnsRelease(t *testing.T) {
	var sc strColumns
	var small, large record.StrCol
	for range 10 {
		small.AppendString("v")
	}
	for range 100 {
		large.AppendString("v")
	}
	sc.set(0, newDriverColumn(t, "String"), &small, nil)
	sc.set(1, newDriverColumn(t, "String"), &large, nil)
	sc.release(50)
	if cap(sc.pos[0]) != 10 || sc.pos[1] != nil {
		t.Fatalf("kept capacities %d and %d, want 10 and none", cap(sc.pos[0]), cap(sc.pos[1]))
	}
}
