package ingest

import (
	"reflect"
	"unsafe"

	"github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
)

// aliasNumeric points the driver's column c at v when c is a plain column
// of v's element type, and reports whether it did; the column then aliases
// v until the INSERT is sent, so v must not change before.
//
// The driver takes a numeric column as a slice but appends it element by
// element into a column it grows from nothing every INSERT: in the
// 20M-line bench that was 2.6 of ingest's 24.2 CPU-seconds (pprof:
// ch-go's ColUInt64.Append and its growslice, the UInt32s and UInt16s,
// clearing the new memory), for data that is already in the driver's
// layout (ch-go's ColUInt64 is a []uint64). Hand-written for the reason
// strcol.go gives: neither driver takes a ready column. v is capped to
// its length, so nothing the driver appends can reach into it. When the
// field is not there (another driver version) it returns false and the
// insert appends as before; TestDriverNumericAliased fails then.
func aliasNumeric(c column.Interface, v any) bool {
	switch v := v.(type) {
	case []uint64:
		return aliasSlice[proto.ColUInt64](c, v)
	case []uint32:
		return aliasSlice[proto.ColUInt32](c, v)
	case []uint16:
		return aliasSlice[proto.ColUInt16](c, v)
	case []uint8:
		return aliasSlice[proto.ColUInt8](c, v)
	case []proto.DateTime:
		f := driverCol[proto.ColDateTime](c)
		if f == nil {
			return false
		}
		f.Data = v[:len(v):len(v)]
		return true
	}
	return false
}

// aliasFixed16 points the driver's FixedString(16) column c at buf, 16
// bytes a row, and reports whether it did (as aliasNumeric).
func aliasFixed16(c column.Interface, buf []byte) bool {
	f := driverCol[proto.ColFixedStr](c)
	if f == nil || f.Size != 16 || len(buf)%16 != 0 {
		return false
	}
	f.Buf = buf[:len(buf):len(buf)]
	return true
}

func aliasSlice[C ~[]T, T any](c column.Interface, v []T) bool {
	f := driverCol[C](c)
	if f == nil {
		return false
	}
	*f = C(v[:len(v):len(v)])
	return true
}

// driverCol returns the ch-go column of type C inside a clickhouse-go
// column (its unexported field col), or nil if c holds none.
func driverCol[C any](c column.Interface) *C {
	rv := reflect.ValueOf(c)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := rv.Elem().FieldByName("col")
	if !f.IsValid() || f.Type() != reflect.TypeFor[C]() {
		return nil
	}
	return (*C)(unsafe.Pointer(f.UnsafeAddr())) // #nosec G103 -- the driver's unexported ch-go column, found by name and type above
}
