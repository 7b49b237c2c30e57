package traffic

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/edgelog/edgelog/internal/record"
	"github.com/edgelog/edgelog/schema"
)

// WriteTSV writes blk as TabSeparated rows in the column order of
// schema.RawColumnNames(d) for a modern server (d.Modern): the way rows get
// into an embedded ClickHouse (chDB), which has no native-protocol port for
// clickhouse-go. The rows carry no Kafka or collector source, like
// ingest.InsertBlock's.
func WriteTSV(w io.Writer, blk *record.Block, d schema.Dialect) error {
	if !d.Modern {
		return fmt.Errorf("BUG: WriteTSV writes modern rows only (DateTime64, IPv6)")
	}
	data := map[string]any{}
	for _, c := range blk.Columns() {
		data[c.Name] = c.Data
	}
	// One value of each raw column, in order: the block's by its column
	// list, the source columns' defaults (empty, 0) for what it lacks.
	var cols []func(b []byte, i int) []byte
	for _, c := range schema.RawColumns(d) {
		cols = append(cols, tsvValue(data[c.Name], strings.Contains(c.TypeFor(d), "String")))
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var b []byte
	for i := range blk.Len() {
		b = b[:0]
		for j, f := range cols {
			if j > 0 {
				b = append(b, '\t')
			}
			b = f(b, i)
		}
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// tsvValue returns the function that appends row i of a block column's
// data as a TabSeparated value; nil data is a column the block does not
// fill, written as its type's default.
func tsvValue(data any, str bool) func(b []byte, i int) []byte {
	switch v := data.(type) {
	case nil:
		if str {
			return func(b []byte, _ int) []byte { return b }
		}
		return func(b []byte, _ int) []byte { return append(b, '0') }
	case []int64: // the request time in milliseconds
		return func(b []byte, i int) []byte {
			return time.UnixMilli(v[i]).UTC().AppendFormat(b, "2006-01-02 15:04:05.000")
		}
	case [][16]byte:
		return func(b []byte, i int) []byte { return netip.AddrFrom16(v[i]).AppendTo(b) } // IPv4 as ::ffff:a.b.c.d, as stored
	case []uint16:
		return func(b []byte, i int) []byte { return strconv.AppendUint(b, uint64(v[i]), 10) }
	case []uint32:
		return func(b []byte, i int) []byte { return strconv.AppendUint(b, uint64(v[i]), 10) }
	case []uint64:
		return func(b []byte, i int) []byte { return strconv.AppendUint(b, v[i], 10) }
	case *record.StrCol:
		return func(b []byte, i int) []byte { return appendEscaped(b, v.Bytes(i)) }
	}
	panic(fmt.Sprintf("BUG: block column data of type %T", data))
}

// appendEscaped escapes a TabSeparated string field.
func appendEscaped(b, s []byte) []byte {
	for _, c := range s {
		switch c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case 0:
			b = append(b, '\\', '0')
		default:
			b = append(b, c)
		}
	}
	return b
}
